"""Order latency on loopback: submit -> accepted and cancel -> canceled, against a bare request.

The venue's mock (a real loopback HTTP server checking signatures and timestamps like the venue)
answers both paths. The session path is ``open_venue(venue)``: ``submit_order`` of a far-away
limit order until its OrderAccepted comes out of ``venue.events()``, then ``cancel_order``
until its OrderCanceled. The baseline is a bare signed ``httpx`` request to the same mock, signed
here with the standard library (not the plugin's code), until its response is read:

- binance: ``POST /api/v3/order`` / ``DELETE /api/v3/order``, query signed with HMAC-SHA256
  (hex), ``X-MBX-APIKEY``;
- okx: ``POST /api/v5/trade/order`` / ``POST /api/v5/trade/cancel-order``, JSON body,
  ``OK-ACCESS-SIGN`` = base64 HMAC-SHA256 of ``timestamp + METHOD + path + body``;
- bybit: ``POST /v5/order/create`` / ``POST /v5/order/cancel``, JSON body, ``X-BAPI-SIGN`` =
  hex HMAC-SHA256 of ``timestamp + key + recv_window + body``;
- bitmex: ``POST /api/v1/order`` / ``DELETE /api/v1/order``, form body, ``api-signature`` = hex
  HMAC-SHA256 of ``VERB + path + expires + body`` (spot XBT_USDT);
- hyperliquid: ``POST /exchange`` of an ``order`` then a ``cancelByCloid`` action (BTC perp),
  each signed as Hyperliquid's L1 actions are: EIP-712 over the phantom agent of
  keccak(msgpack(action) + nonce + vault flag), with eth-account (the master key, so its nonces
  never collide with the session's agent key's). The session sends them its default way,
  the socket's ``post`` channel (``order_transport="ws"``), so its ratio may be below 1.

Rounds alternate between the two paths; medians and ratios (session / bare) in one process.
bench_hyperliquid_orders.py compares Hyperliquid's REST and WebSocket order paths.

    python bench/bench_orders.py [--venue binance|okx|bybit|bitmex|hyperliquid] [--rounds 200]
        [--quick]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import itertools
import json
import logging
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import anyio
import httpx
from tradeport.model.enums import OrderSide, ProductType
from tradeport.model.events import OrderAccepted, OrderCanceled, OrderRejected
from tradeport.model.numbers import Price, Quantity
from tradeport.model.orders import Order
from tradeport.session import open_venue

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mock_venues import mock_venue  # bench/mock_venues.py, beside this script

_ids = itertools.count(1)

#: A buy this far below any price the mocks trade at rests on the (empty) book.
PRICE = Decimal("1000")
#: Above every mock's minimum size and, at PRICE, its minimum notional.
SIZE = Decimal("0.01")


@dataclass(frozen=True)
class BareOrder:
    """What a bare round sends: the venue's symbol, price and size as wire strings."""

    symbol: str
    price: str
    size: str

    def client_id(self) -> str:
        """A fresh client order id (alphanumeric: OKX allows nothing else)."""
        return f"bare{next(_ids)}"


def _timed(started: float) -> float:
    return time.perf_counter() - started


async def _timed_pair(
    submit: Callable[[], Awaitable[object]], cancel: Callable[[], Awaitable[object]]
) -> tuple[float, float]:
    """Seconds ``submit()`` took, then seconds ``cancel()`` took."""
    started = time.perf_counter()
    await submit()
    accepted = _timed(started)
    started = time.perf_counter()
    await cancel()
    return accepted, _timed(started)


def _json(body: dict[str, Any]) -> str:
    return json.dumps(body, separators=(",", ":"))


# -- bare signed requests, one pair per venue ---------------------------------------------------


async def binance_bare(http: httpx.AsyncClient, order: BareOrder) -> tuple[float, float]:
    """Binance: a signed query string on POST and DELETE ``/api/v3/order``."""
    from tradeport_binance.testing.mock_venue import API_KEY, API_SECRET

    def signed(params: dict[str, Any]) -> str:
        query = urlencode({**params, "timestamp": int(time.time() * 1000), "recvWindow": 5000})
        signature = hmac.new(API_SECRET.encode(), query.encode(), hashlib.sha256).hexdigest()
        return f"{query}&signature={signature}"

    client_id = order.client_id()
    headers = {"X-MBX-APIKEY": API_KEY}
    params = {
        "symbol": order.symbol,
        "side": "BUY",
        "type": "LIMIT",
        "timeInForce": "GTC",
        "quantity": order.size,
        "price": order.price,
        "newClientOrderId": client_id,
    }
    started = time.perf_counter()
    # An explicit empty body, as the core's client sends it (httpx waits ~25 ms otherwise).
    response = await http.post(f"/api/v3/order?{signed(params)}", content=b"", headers=headers)
    if response.status_code != 200:
        raise RuntimeError(f"bare binance order refused: {response.status_code} {response.text}")
    accepted = _timed(started)
    started = time.perf_counter()
    query = signed({"symbol": order.symbol, "origClientOrderId": client_id})
    response = await http.delete(f"/api/v3/order?{query}", headers=headers)
    response.raise_for_status()
    return accepted, _timed(started)


async def okx_bare(http: httpx.AsyncClient, order: BareOrder) -> tuple[float, float]:
    """OKX: JSON bodies on ``/api/v5/trade/order`` and ``/cancel-order``, OK-ACCESS-* headers."""
    from tradeport_okx.testing import OkxHarness

    async def post(path: str, body: dict[str, Any]) -> None:
        text = _json(body)
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        digest = hmac.new(
            OkxHarness.API_SECRET.encode(), f"{stamp}POST{path}{text}".encode(), hashlib.sha256
        ).digest()
        headers = {
            "OK-ACCESS-KEY": OkxHarness.API_KEY,
            "OK-ACCESS-SIGN": base64.b64encode(digest).decode(),
            "OK-ACCESS-TIMESTAMP": stamp,
            "OK-ACCESS-PASSPHRASE": OkxHarness.PASSPHRASE,
            "Content-Type": "application/json",
        }
        response = await http.post(path, content=text, headers=headers)
        answer = response.json() if response.status_code == 200 else {}
        if answer.get("code") != "0" or answer["data"][0].get("sCode") != "0":
            raise RuntimeError(f"bare okx {path} refused: {response.status_code} {response.text}")

    client_id = order.client_id()
    return await _timed_pair(
        lambda: post(
            "/api/v5/trade/order",
            {
                "instId": order.symbol,
                "tdMode": "cash",
                "side": "buy",
                "ordType": "limit",
                "px": order.price,
                "sz": order.size,
                "clOrdId": client_id,
            },
        ),
        lambda: post("/api/v5/trade/cancel-order", {"instId": order.symbol, "clOrdId": client_id}),
    )


async def bybit_bare(http: httpx.AsyncClient, order: BareOrder) -> tuple[float, float]:
    """Bybit: JSON bodies on ``/v5/order/create`` and ``/v5/order/cancel``, X-BAPI-* headers."""
    from tradeport_bybit.testing.harness import API_KEY, API_SECRET

    window = "5000"

    async def post(path: str, body: dict[str, Any]) -> None:
        text = _json(body)
        stamp = str(int(time.time() * 1000))
        signature = hmac.new(
            API_SECRET.encode(), f"{stamp}{API_KEY}{window}{text}".encode(), hashlib.sha256
        ).hexdigest()
        headers = {
            "X-BAPI-API-KEY": API_KEY,
            "X-BAPI-SIGN": signature,
            "X-BAPI-TIMESTAMP": stamp,
            "X-BAPI-RECV-WINDOW": window,
            "Content-Type": "application/json",
        }
        response = await http.post(path, content=text, headers=headers)
        answer = response.json() if response.status_code == 200 else {}
        if answer.get("retCode") != 0:
            raise RuntimeError(f"bare bybit {path} refused: {response.status_code} {response.text}")

    client_id = order.client_id()
    common = {"category": "spot", "symbol": order.symbol}
    return await _timed_pair(
        lambda: post(
            "/v5/order/create",
            {
                **common,
                "side": "Buy",
                "orderType": "Limit",
                "qty": order.size,
                "price": order.price,
                "timeInForce": "GTC",
                "orderLinkId": client_id,
            },
        ),
        lambda: post("/v5/order/cancel", {**common, "orderLinkId": client_id}),
    )


async def bitmex_bare(http: httpx.AsyncClient, order: BareOrder) -> tuple[float, float]:
    """BitMEX: form bodies on POST and DELETE ``/api/v1/order``, api-* headers."""
    from tradeport_bitmex.testing.harness import VALID_KEY, VALID_SECRET

    async def send(verb: str, form: dict[str, str], status: str) -> None:
        path, body = "/api/v1/order", urlencode(form)
        expires = str(int(time.time()) + 60)
        signature = hmac.new(
            VALID_SECRET.encode(), f"{verb}{path}{expires}{body}".encode(), hashlib.sha256
        ).hexdigest()
        headers = {
            "api-key": VALID_KEY,
            "api-expires": expires,
            "api-signature": signature,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        response = await http.request(verb, path, content=body, headers=headers)
        answer: Any = response.json() if response.status_code == 200 else {}
        # POST answers the order's row, DELETE a list of rows.
        row: dict[str, Any] = answer[0] if isinstance(answer, list) and answer else answer
        if row.get("ordStatus") != status:
            raise RuntimeError(f"bare bitmex {verb}: {response.status_code} {response.text}")

    client_id = order.client_id()
    return await _timed_pair(
        lambda: send(
            "POST",
            {
                "symbol": order.symbol,
                "side": "Buy",
                "orderQty": order.size,
                "ordType": "Limit",
                "clOrdID": client_id,
                "price": order.price,
            },
            "New",
        ),
        lambda: send("DELETE", {"clOrdID": client_id}, "Canceled"),
    )


_last_nonce = 0


def _nonce() -> int:
    """A millisecond nonce, strictly increasing (two actions in one ms must differ)."""
    global _last_nonce
    _last_nonce = max(_last_nonce + 1, int(time.time() * 1000))
    return _last_nonce


async def hyperliquid_bare(http: httpx.AsyncClient, order: BareOrder) -> tuple[float, float]:
    """Hyperliquid: signed L1 actions on ``POST /exchange`` (the mock is a testnet: source b)."""
    import msgpack
    from eth_account import Account
    from eth_account.messages import encode_typed_data
    from eth_utils import keccak
    from tradeport_hyperliquid.testing.harness import MASTER_KEY

    async def send(action: dict[str, Any]) -> Any:
        nonce = _nonce()
        connection_id = keccak(msgpack.packb(action) + nonce.to_bytes(8, "big") + b"\x00")
        signed = Account.sign_message(
            encode_typed_data(
                domain_data={
                    "chainId": 1337,
                    "name": "Exchange",
                    "verifyingContract": "0x" + "0" * 40,
                    "version": "1",
                },
                message_types={
                    "Agent": [
                        {"name": "source", "type": "string"},
                        {"name": "connectionId", "type": "bytes32"},
                    ]
                },
                message_data={"source": "b", "connectionId": connection_id},
            ),
            MASTER_KEY,
        )
        body = {
            "action": action,
            "nonce": nonce,
            "signature": {"r": hex(signed.r), "s": hex(signed.s), "v": signed.v},
            "vaultAddress": None,
        }
        response = await http.post("/exchange", content=_json(body), headers=JSON_HEADERS)
        answer = response.json() if response.status_code == 200 else {}
        status = (answer.get("response") or {}).get("data", {}).get("statuses", [None])[0]
        if answer.get("status") != "ok" or not status or "error" in status:
            raise RuntimeError(f"bare hyperliquid {action['type']}: {response.text}")
        return status

    cloid = f"0x{next(_ids):032x}"
    asset = 0  # BTC, the mock's first perp
    return await _timed_pair(
        lambda: send(
            {
                "type": "order",
                "orders": [
                    {
                        "a": asset,
                        "b": True,
                        "p": order.price,
                        "s": order.size,
                        "r": False,
                        "t": {"limit": {"tif": "Gtc"}},
                        "c": cloid,
                    }
                ],
                "grouping": "na",
            }
        ),
        lambda: send({"type": "cancelByCloid", "cancels": [{"asset": asset, "cloid": cloid}]}),
    )


JSON_HEADERS = {"Content-Type": "application/json"}


BareRound = Callable[[httpx.AsyncClient, BareOrder], Awaitable[tuple[float, float]]]


@dataclass(frozen=True)
class OrderVenue:
    """One venue of this bench. Imports are deferred so that a run needs only its plugin."""

    bare_round: BareRound
    product: ProductType = ProductType.SPOT
    #: Session config on top of the harness's.
    overrides: dict[str, Any] = field(default_factory=dict)


VENUES: dict[str, OrderVenue] = {
    "binance": OrderVenue(binance_bare),
    "okx": OrderVenue(okx_bare),
    "bybit": OrderVenue(bybit_bare),
    # The client paces itself to BitMEX's quotas (120 requests a minute, a few orders a second),
    # so 200 rounds would mostly wait for them; the mock enforces none. Lifted: this times one
    # request, not a quota.
    "bitmex": OrderVenue(
        bitmex_bare,
        overrides={"requests_per_minute": 1_000_000, "order_requests_per_second": 1_000_000},
    ),
    "hyperliquid": OrderVenue(hyperliquid_bare, ProductType.PERPETUAL),
}


async def main(venue_name: str, rounds: int) -> None:
    """Alternate ``rounds`` bare and session rounds against ``venue_name``'s mock; print medians."""
    logging.getLogger("tradeport").setLevel(logging.ERROR)
    spec = VENUES[venue_name]
    bare_round = spec.bare_round
    results: dict[str, list[tuple[float, float]]] = {"bare httpx": [], "tradeport": []}
    async with (
        mock_venue(venue_name) as harness,
        open_venue(venue_name, harness.client_config("valid", **spec.overrides)) as venue,
    ):
        traded = harness.instrument_id(spec.product)
        instruments = await venue.instruments.load_all()
        instrument = next(i for i in instruments if i.id == traded)
        price = Price(PRICE, instrument.price_precision)
        size = Quantity(SIZE, instrument.size_precision)
        bare = BareOrder(instrument.raw_symbol.value, str(price), str(size))
        outcomes: dict[Any, anyio.Event] = {}

        async def watch() -> None:
            async for event in venue.events():
                if isinstance(event, (OrderAccepted, OrderCanceled, OrderRejected)):
                    waiting = outcomes.pop((type(event), event.client_order_id), None)
                    if waiting is not None:
                        waiting.set()

        async def session_round() -> tuple[float, float]:
            order = Order.limit(instrument.id, OrderSide.BUY, size, price)
            accepted = outcomes[(OrderAccepted, order.client_order_id)] = anyio.Event()
            canceled = outcomes[(OrderCanceled, order.client_order_id)] = anyio.Event()
            started = time.perf_counter()
            await venue.execution.submit_order(order)
            with anyio.fail_after(10):
                await accepted.wait()
            took = _timed(started)
            started = time.perf_counter()
            await venue.execution.cancel_order(instrument.id, order.client_order_id)
            with anyio.fail_after(10):
                await canceled.wait()
            return took, _timed(started)

        async with (
            httpx.AsyncClient(base_url=harness.http_url) as http,
            anyio.create_task_group() as group,
        ):
            group.start_soon(watch)
            for _ in range(3):  # warm-up: pools, private streams, first-use imports
                await bare_round(http, bare)
                await session_round()
            for _ in range(rounds):
                results["bare httpx"].append(await bare_round(http, bare))
                results["tradeport"].append(await session_round())
            group.cancel_scope.cancel()
    base = results["bare httpx"]
    base_submit = statistics.median(r[0] for r in base)
    base_cancel = statistics.median(r[1] for r in base)
    print(f"{venue_name} mock, {rounds} rounds each, alternating (median ms)")
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
    parser.add_argument("--venue", choices=sorted(VENUES), default="binance")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="a short run (CI smoke test)")
    parser.add_argument("--backend", choices=("asyncio", "trio"), default="asyncio")
    args = parser.parse_args()
    anyio.run(main, args.venue, 10 if args.quick else args.rounds, backend=args.backend)
