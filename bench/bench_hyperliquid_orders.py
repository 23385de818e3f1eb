"""Hyperliquid order round trip: REST ``POST /exchange`` against the WebSocket ``post`` channel.

The plugin's mock venue (real loopback HTTP and WebSocket servers, signer recovery and nonce
checks on every action) answers both. Each round submits one far-away limit order and waits for
its OrderAccepted (signing, sending, the venue's checks, the answer, the event); the figures are
medians over many rounds, and the ratio WS / REST says which transport is faster on this
machine (what ``order_transport`` defaults to). Loopback hides the network, so the ratio is the
client-side cost of each path (HTTP request/response framing vs one WebSocket message on an open
connection), not a prediction of the venue's latency.

Run: ``python bench/bench_hyperliquid_orders.py`` (``--quick`` for a short run,
``--backend trio``).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from decimal import Decimal
from typing import Any

import anyio
from tradeport.config import load_config
from tradeport.model.enums import OrderSide
from tradeport.model.events import OrderAccepted, OrderRejected
from tradeport.model.numbers import Price, Quantity
from tradeport.model.orders import Order
from tradeport_hyperliquid.config import HyperliquidConfig
from tradeport_hyperliquid.execution import HyperliquidExecutionClient
from tradeport_hyperliquid.providers import HyperliquidInstrumentProvider
from tradeport_hyperliquid.symbology import perp_id
from tradeport_hyperliquid.testing import HyperliquidHarness

BTC = perp_id("BTC")


class Outcomes:
    """Sets an event when the awaited order's outcome arrives."""

    def __init__(self) -> None:
        self.waiting: dict[Any, anyio.Event] = {}

    async def send(self, item: Any) -> None:
        if isinstance(item, (OrderAccepted, OrderRejected)):
            event = self.waiting.pop(item.client_order_id, None)
            if event is not None:
                event.set()


async def run_transport(harness: HyperliquidHarness, transport: str, rounds: int) -> list[float]:
    config = load_config(
        HyperliquidConfig, harness.client_config("valid", order_transport=transport)
    )
    provider = HyperliquidInstrumentProvider(config)
    await provider.load_all()
    sink = Outcomes()
    client = HyperliquidExecutionClient(config, instruments=provider, events=sink)
    times: list[float] = []
    try:
        await client.connect()
        for i in range(rounds):
            order = Order.limit(
                instrument_id=BTC,
                side=OrderSide.BUY,
                quantity=Quantity(Decimal("0.001"), 5),
                price=Price(Decimal(500 + i % 400), 1),
            )
            done = sink.waiting[order.client_order_id] = anyio.Event()
            started = time.perf_counter()
            await client.submit_order(order)
            with anyio.fail_after(10):
                await done.wait()
            times.append(time.perf_counter() - started)
    finally:
        await client.disconnect()
        await provider.disconnect()
    return times


async def main(rounds: int) -> None:
    async with HyperliquidHarness() as harness:
        harness.exchange.set_book(
            "BTC", bids=[(Decimal("999"), Decimal("1"))], asks=[(Decimal("1001"), Decimal("1"))]
        )
        # Warm up both paths (connection pools, first-use imports), then alternate.
        await run_transport(harness, "rest", 3)
        await run_transport(harness, "ws", 3)
        rest = await run_transport(harness, "rest", rounds)
        ws = await run_transport(harness, "ws", rounds)
    rest_ms = statistics.median(rest) * 1000
    ws_ms = statistics.median(ws) * 1000
    print(f"{'transport':<12}{'median ms':>12}{'p90 ms':>10}{'ratio':>8}")
    for name, values, median in (("rest", rest, rest_ms), ("ws post", ws, ws_ms)):
        p90 = statistics.quantiles(values, n=10)[-1] * 1000
        print(f"{name:<12}{median:>12.3f}{p90:>10.3f}{median / rest_ms:>8.2f}")
    print(f"ws/rest median ratio: {ws_ms / rest_ms:.2f} over {rounds} orders each")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (CI smoke test)")
    parser.add_argument("--backend", choices=("asyncio", "trio"), default="asyncio")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    anyio.run(main, 20 if args.quick else 300, backend=args.backend)
