"""The stream clients against the Binance mock venue on loopback, on asyncio and trio.

Market data: the diff-depth book sync (snapshot, deltas, resync after a sequence gap, rebuild
after a reconnect) for spot (``U``/``u`` ranges) and USD-M (``pu`` links). User data: the
listenKey life cycle (created on connect, kept alive on schedule, recreated after
``listenKeyExpired``) with events flowing on the new stream.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import anyio
import pytest
from tradeport.clients.base import Reconnected
from tradeport.model.enums import OrderSide, ProductType
from tradeport.model.events import OrderAccepted, OrderCanceled
from tradeport.model.identifiers import InstrumentId
from tradeport.model.orders import Order
from tradeport.session import open_venue
from tradeport_binance.testing import BinanceFuturesHarness, BinanceHarness

pytestmark = pytest.mark.anyio

DEADLINE = 10.0


@pytest.fixture(params=[BinanceHarness, BinanceFuturesHarness], ids=["spot", "usdm"])
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[BinanceHarness]:
    async with request.param() as h:
        yield h


def _iid(harness: BinanceHarness) -> InstrumentId:
    product = ProductType.PERPETUAL if harness.futures else ProductType.SPOT
    iid = harness.instrument_id(product)
    assert iid is not None
    return iid


def _book_matches(venue: Any, harness: BinanceHarness, iid: InstrumentId) -> bool:
    try:
        local = venue.data.book(iid)
    except KeyError:  # no book yet
        return False
    remote = harness.exchange.book(harness.symbol)
    mine = (
        [(lvl.price.as_decimal(), lvl.size.as_decimal()) for lvl in local.bids()],
        [(lvl.price.as_decimal(), lvl.size.as_decimal()) for lvl in local.asks()],
    )
    return mine == (list(remote.bids), list(remote.asks))


def _depth_requests(harness: BinanceHarness) -> int:
    return sum(1 for r in harness.requests if r.path.endswith("/depth"))


def _levels(mid: Decimal) -> tuple[list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]:
    tick = Decimal("0.1")
    bids = [(mid - tick * (i + 1), Decimal("0.5") * (i + 1)) for i in range(3)]
    asks = [(mid + tick * (i + 1), Decimal("0.5") * (i + 1)) for i in range(3)]
    return bids, asks


async def _next(venue: Any, predicate: Callable[[Any], bool], what: str) -> Any:
    with anyio.fail_after(DEADLINE):
        while True:
            event = await venue.next_event()
            if predicate(event):
                return event
    raise AssertionError(what)  # pragma: no cover - fail_after raises first


async def test_book_snapshot_deltas_and_gap_resync(harness: BinanceHarness) -> None:
    iid = _iid(harness)
    bids, asks = _levels(Decimal("1000"))
    await harness.set_book(iid, bids, asks)
    async with open_venue("binance", harness.client_config("none")) as venue:
        await venue.instruments.load_all()
        await venue.data.subscribe_book_deltas(iid)
        sync = venue.data.book_sync(iid)
        # The book holds the snapshot a moment before the synchronizer goes live (it awaits the
        # snapshot's consumers first), so wait for both.
        await harness.wait_until(
            lambda: sync.synced and _book_matches(venue, harness, iid), DEADLINE, "snapshot"
        )
        assert sync.stats.snapshots == 1

        await harness.publish_book_update(iid, OrderSide.BUY, Decimal("999.95"), Decimal("2"))
        await harness.publish_book_update(iid, OrderSide.SELL, asks[0][0], Decimal(0))
        await harness.wait_until(lambda: _book_matches(venue, harness, iid), DEADLINE, "deltas")
        assert venue.data.book(iid).best_bid().price.as_decimal() == Decimal("999.95")
        assert sync.stats.applied >= 2 and sync.stats.resyncs == 0

        # A lost update: the synchronizer notices, refetches the snapshot and catches up.
        depth_before = _depth_requests(harness)
        await harness.set_book(iid, *_levels(Decimal("1001")))
        await harness.publish_book_gap(iid)
        await harness.wait_until(
            lambda: sync.stats.gaps >= 1 and sync.synced and _book_matches(venue, harness, iid),
            DEADLINE,
            "resync after a gap",
        )
        assert sync.stats.resyncs >= 1
        assert _depth_requests(harness) > depth_before


async def test_book_rebuilt_after_reconnect(harness: BinanceHarness) -> None:
    iid = _iid(harness)
    await harness.set_book(iid, *_levels(Decimal("1000")))
    async with open_venue(
        "binance", harness.client_config("none", reconnect_delay_initial=0.05)
    ) as venue:
        await venue.instruments.load_all()
        await venue.data.subscribe_book_deltas(iid)
        sync = venue.data.book_sync(iid)
        await harness.wait_until(lambda: _book_matches(venue, harness, iid), DEADLINE, "snapshot")
        snapshots = sync.stats.snapshots

        # The venue's book moves while the connection is down: only a new snapshot shows it.
        await harness.drop_connections("fin")
        await harness.set_book(iid, *_levels(Decimal("990")))
        await _next(venue, lambda e: isinstance(e, Reconnected), "Reconnected")
        await harness.wait_until(
            lambda: sync.synced and _book_matches(venue, harness, iid),
            DEADLINE,
            "book rebuilt after the reconnect",
        )
        assert sync.stats.snapshots > snapshots
        assert sync.stats.resyncs >= 1
        # Live again: a delta on the new connection applies.
        await harness.publish_book_update(iid, OrderSide.SELL, Decimal("990.05"), Decimal("3"))
        await harness.wait_until(
            lambda: _book_matches(venue, harness, iid), DEADLINE, "delta after the rebuild"
        )


def _listen_key_requests(harness: BinanceHarness, method: str) -> list[Any]:
    path = "/fapi/v1/listenKey" if harness.futures else "/api/v3/userDataStream"
    return [r for r in harness.requests if r.path == path and r.method == method]


def _limit(venue: Any, iid: InstrumentId) -> Order:
    inst = venue.instruments.get(iid)
    return Order.limit(
        instrument_id=iid,
        side=OrderSide.BUY,
        quantity=inst.make_qty(Decimal("0.01")),
        price=inst.make_price(Decimal("900")),
    )


async def test_listen_key_created_kept_alive_and_recreated(harness: BinanceHarness) -> None:
    iid = _iid(harness)
    config = harness.client_config("valid", listen_key_keepalive_s=0.1)
    async with open_venue("binance", config) as venue:
        execution = venue.execution
        await venue.instruments.load_all()
        created = _listen_key_requests(harness, "POST")
        assert len(created) == 1 and execution.listen_keys_created == 1
        assert harness.logins == 1
        first_key = execution.listen_key
        assert first_key

        # Keepalive on schedule: PUT with the current key, repeatedly.
        await harness.wait_until(
            lambda: len(_listen_key_requests(harness, "PUT")) >= 2, DEADLINE, "keepalives"
        )
        assert all(
            dict(r.query).get("listenKey") == first_key
            for r in _listen_key_requests(harness, "PUT")
        )

        # Binance expires the key: the client opens a new stream with a new key.
        await harness.expire_listen_keys()
        await harness.wait_until(
            lambda: execution.listen_keys_created >= 2 and harness.logins >= 2,
            DEADLINE,
            "a new listenKey and stream",
        )
        assert execution.listen_key != first_key
        await _next(venue, lambda e: isinstance(e, Reconnected) and e.stream == "user", "user")

        # Events flow on the new stream.
        order = _limit(venue, iid)
        await execution.submit_order(order)
        accepted = await _next(
            venue,
            lambda e: isinstance(e, OrderAccepted) and e.client_order_id == order.client_order_id,
            "OrderAccepted",
        )
        harness.exchange.cancel(str(accepted.venue_order_id))
        await harness.push_account_events()
        await _next(
            venue,
            lambda e: isinstance(e, OrderCanceled) and e.client_order_id == order.client_order_id,
            "OrderCanceled pushed on the new stream",
        )


async def test_every_user_stream_reconnect_gets_a_fresh_listen_key(harness: BinanceHarness) -> None:
    async with open_venue("binance", harness.client_config("valid")) as venue:
        execution = venue.execution
        first_key = execution.listen_key
        await harness.drop_connections("rst")
        await _next(venue, lambda e: isinstance(e, Reconnected) and e.stream == "user", "user")
        assert (
            execution.listen_keys_created == 2 and len(_listen_key_requests(harness, "POST")) == 2
        )
        assert execution.listen_key not in (None, first_key)
        assert harness.logins == 2
