"""Exact decimals from JSON numbers: which decoder to use (tradeport.net.json_codec.loads_exact).

Venues such as Betfair (``atb: [[1.01, 200.5], ...]``), Tardis and Databento's JSON send prices
and sizes as JSON numbers; a float loses them (``0.1 + 0.2``), so the decoder must build
``Decimal`` from the number's text. Candidates, timed on the same message in the same process:

* ``json.loads(parse_float=Decimal)`` - the stdlib: the baseline of the exact decoders;
* ``msgspec float_hook=Decimal`` - msgspec's generic decoder, every fractional number a Decimal
  (what ``loads_exact`` is);
* ``msgspec typed Decimal`` - a msgspec model with ``Decimal`` fields (per-route typed models);
* ``json.loads`` / ``orjson.loads`` (floats, inexact) - what exactness costs, for reference.

Run: ``python bench/bench_json_decimal.py`` (``--quick`` for a short run).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import msgspec
from tradeport.net import json_codec

# A Betfair-style market change: runners with ladders of [price, size] JSON numbers.
MESSAGE = json.dumps(
    {
        "op": "mcm",
        "id": 2,
        "clk": "AAAAAAAA",
        "pt": 1589999999999,
        "mc": [
            {
                "id": "1.170378175",
                "rc": [
                    {
                        "id": 10000 + r,
                        "atb": [
                            [round(1.01 + i * 0.01, 2), round(10.5 + i * 3.25, 2)]
                            for i in range(10)
                        ],
                        "atl": [
                            [round(1.2 + i * 0.01, 2), round(7.75 + i * 1.5, 2)] for i in range(10)
                        ],
                        "ltp": 1.15,
                        "tv": 12345.67,
                    }
                    for r in range(4)
                ],
            }
        ],
    },
    separators=(",", ":"),
).encode()


class Runner(msgspec.Struct):
    id: int
    atb: list[tuple[Decimal, Decimal]] = []
    atl: list[tuple[Decimal, Decimal]] = []
    ltp: Decimal | None = None
    tv: Decimal | None = None


class MarketChange(msgspec.Struct):
    id: str
    rc: list[Runner] = []


class ChangeMessage(msgspec.Struct):
    op: str
    id: int
    clk: str
    pt: int
    mc: list[MarketChange] = []


def candidates() -> dict[str, Callable[[bytes], Any]]:
    typed = msgspec.json.Decoder(ChangeMessage)
    out: dict[str, Callable[[bytes], Any]] = {
        "json parse_float=Decimal": lambda b: json.loads(b, parse_float=Decimal),
        "msgspec float_hook=Decimal": json_codec.loads_exact,
        "msgspec typed Decimal": typed.decode,
        "json.loads (floats)": json.loads,
    }
    try:
        import orjson

        out["orjson.loads (floats)"] = orjson.loads
    except ImportError:
        pass
    return out


def check_exact() -> None:
    """The exact decoders agree, and they keep the venue's text (floats do not)."""
    stdlib = json.loads(MESSAGE, parse_float=Decimal)
    exact = json_codec.loads_exact(MESSAGE)
    assert stdlib == exact
    first = exact["mc"][0]["rc"][0]
    assert first["ltp"] == Decimal("1.15") and isinstance(first["atb"][0][0], Decimal)
    typed = msgspec.json.decode(MESSAGE, type=ChangeMessage)
    assert typed.mc[0].rc[0].atb[0] == (Decimal("1.01"), Decimal("10.5"))


def measure(decode: Callable[[bytes], Any], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        decode(MESSAGE)
    return (time.perf_counter() - start) / n


def main(quick: bool, rounds: int) -> None:
    check_exact()
    n = 2_000 if quick else 20_000
    runs = candidates()
    results: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, decode in runs.items():  # interleaved so drift hits all alike
            results[name].append(measure(decode, n))
    base = "json parse_float=Decimal"
    best = {name: min(values) for name, values in results.items()}
    print(f"message {len(MESSAGE)} bytes, {n} decodes x {rounds} rounds (best round)")
    print(f"{'decoder':<30}{'us/msg':>10}{'speed vs stdlib exact':>24}")
    for name in runs:
        print(f"{name:<30}{best[name] * 1e6:>10.1f}{best[base] / best[name]:>24.2f}")
    spread = statistics.pstdev(results[base]) / statistics.mean(results[base])
    print(f"(baseline spread across rounds: {spread:.1%})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short run")
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args()
    main(args.quick, args.rounds or (3 if args.quick else 7))
