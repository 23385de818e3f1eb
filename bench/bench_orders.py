"""Order latency on loopback: submit -> accepted and cancel -> canceled, against a bare request.

The Binance mock venue (real loopback HTTP server, HMAC signature and receive-window checks)
answers both. The session path is ``open_venue("binance")``: ``submit_order`` of a far-away
limit order until its OrderAccepted comes out of ``venue.events()``, then ``cancel_order`` until
its OrderCanceled. The baseline is a bare signed ``httpx`` request to the same mock:
``POST /api/v3/order`` (query signed with HMAC-SHA256, ``X-MBX-APIKEY``) until its response is
read, then ``DELETE /api/v3/order``. Rounds alternate between the two; medians and ratios.

Only Binance is measured here (bench_hyperliquid_orders.py times Hyperliquid's REST and
WebSocket order paths); the other mocks are not wired into this script yet.

    python bench/bench_orders.py [--rounds 200] [--quick]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import itertools
import logging
import statistics
import time
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import anyio
import httpx
from tradeport.model.enums import OrderSide
from tradeport.model.events import OrderAccepted, OrderCanceled, OrderRejected
from tradeport.model.numbers import Price, Quantity
from tradeport.model.orders import Order
from tradeport.session import open_venue
from tradeport_binance.testing import BinanceHarness
from tradeport_binance.testing.mock_venue import API_KEY, API_SECRET

_ids = itertools.count(1)


def signed(params: dict[str, Any]) -> str:
    """Binance's signed query: the parameters, then ``signature`` (HMAC-SHA256 of them)."""
    query = urlencode({**params, "timestamp": int(time.time() * 1000), "recvWindow": 5000})
    signature = hmac.new(API_SECRET.encode(), query.encode(), hashlib.sha256).hexdigest()
    return f"{query}&signature={signature}"


async def bare_round(http: httpx.AsyncClient, symbol: str, price: str) -> tuple[float, float]:
    client_id = f"bare{next(_ids)}"
    headers = {"X-MBX-APIKEY": API_KEY}
    order = {
        "symbol": symbol,
        "side": "BUY",
        "type": "LIMIT",
        "timeInForce": "GTC",
        "quantity": "0.01",
        "price": price,
        "newClientOrderId": client_id,
    }
    started = time.perf_counter()
    # An explicit empty body, as the core's client sends it (httpx waits ~25 ms otherwise).
    response = await http.post(f"/api/v3/order?{signed(order)}", content=b"", headers=headers)
    if response.status_code != 200:
        raise RuntimeError(f"bare order refused: {response.status_code} {response.text}")
    accepted = time.perf_counter() - started
    started = time.perf_counter()
    query = signed({"symbol": symbol, "origClientOrderId": client_id})
    response = await http.delete(f"/api/v3/order?{query}", headers=headers)
    response.raise_for_status()
    return accepted, time.perf_counter() - started


async def main(rounds: int) -> None:
    logging.getLogger("tradeport").setLevel(logging.ERROR)
    results: dict[str, list[tuple[float, float]]] = {"bare httpx": [], "tradeport": []}
    async with (
        BinanceHarness() as harness,
        open_venue("binance", harness.client_config("valid")) as venue,
    ):
        instruments = await venue.instruments.load_all()
        instrument = next(i for i in instruments if i.raw_symbol.value == harness.symbol)
        price = Price(Decimal("1000.00"), instrument.price_precision)
        outcomes: dict[Any, anyio.Event] = {}

        async def watch() -> None:
            async for event in venue.events():
                if isinstance(event, (OrderAccepted, OrderCanceled, OrderRejected)):
                    waiting = outcomes.pop((type(event), event.client_order_id), None)
                    if waiting is not None:
                        waiting.set()

        async def session_round() -> tuple[float, float]:
            order = Order.limit(
                instrument.id,
                OrderSide.BUY,
                Quantity(Decimal("0.01"), instrument.size_precision),
                price,
            )
            accepted = outcomes[(OrderAccepted, order.client_order_id)] = anyio.Event()
            canceled = outcomes[(OrderCanceled, order.client_order_id)] = anyio.Event()
            started = time.perf_counter()
            await venue.execution.submit_order(order)
            with anyio.fail_after(10):
                await accepted.wait()
            took = time.perf_counter() - started
            started = time.perf_counter()
            await venue.execution.cancel_order(instrument.id, order.client_order_id)
            with anyio.fail_after(10):
                await canceled.wait()
            return took, time.perf_counter() - started

        async with (
            httpx.AsyncClient(base_url=harness.http_url) as http,
            anyio.create_task_group() as group,
        ):
            group.start_soon(watch)
            for _ in range(3):  # warm-up: pools, first-use imports
                await bare_round(http, harness.symbol, str(price))
                await session_round()
            for _ in range(rounds):
                results["bare httpx"].append(await bare_round(http, harness.symbol, str(price)))
                results["tradeport"].append(await session_round())
            group.cancel_scope.cancel()
    base = results["bare httpx"]
    base_submit = statistics.median(r[0] for r in base)
    base_cancel = statistics.median(r[1] for r in base)
    print(f"binance mock, {rounds} rounds each, alternating (median ms)")
    print(f"{'path':<14}{'submit ms':>11}{'x bare':>8}{'cancel ms':>11}{'x bare':>8}")
    for name, values in results.items():
        submit = statistics.median(r[0] for r in values)
        cancel = statistics.median(r[1] for r in values)
        print(
            f"{name:<14}{submit * 1000:>11.3f}{submit / base_submit:>8.2f}"
            f"{cancel * 1000:>11.3f}{cancel / base_cancel:>8.2f}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="a short run (CI smoke test)")
    parser.add_argument("--backend", choices=("asyncio", "trio"), default="asyncio")
    args = parser.parse_args()
    anyio.run(main, 10 if args.quick else args.rounds, backend=args.backend)
