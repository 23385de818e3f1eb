"""A resubscribe requested from BookSynchronizer.on_resync, on the reading task, over a real
WebSocket: it only sends (unsubscribe, then subscribe), so the stream keeps reading, the acks
and the fresh snapshot arrive, and the book is synced again long before ``ack_timeout``."""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest
from tradeport.book import BookSynchronizer, ChecksumOnly, DeltaBatch, OrderBook, crc32
from tradeport.model import (
    BookAction,
    BookOrder,
    InstrumentId,
    OrderBookDelta,
    OrderBookDeltas,
    OrderSide,
    Price,
    Quantity,
    RecordFlag,
)
from tradeport.net import GenericJsonProtocol, SubscriptionStatus, WebSocketClient
from tradeport.net.signals import ChangeNotifier
from tradeport.testing import LoopbackServer, ServerWebSocket

from .conftest import FAST_RECONNECT, NO_CLIENT_PINGS

pytestmark = pytest.mark.anyio

IID = InstrumentId.from_str("BTCUSD.DEMO")
TOPIC = "btcusd@book"
BIDS = [["100.5", "2"], ["100.0", "1"]]


def text_checksum(bids: list[list[str]]) -> int:
    return crc32("".join(p + s for p, s in bids))


async def test_resubscribe_from_on_resync_does_not_stall_the_stream() -> None:
    seen: list[str] = []
    second_snapshot_sent = anyio.Event()

    async def venue(ws: ServerWebSocket) -> None:
        async for raw in ws:
            request = json.loads(raw)
            seen.append(request["method"])
            await ws.send_json({"result": None, "id": request["id"]})
            if request["method"] != "SUBSCRIBE":
                continue
            await ws.send_json({"stream": TOPIC, "data": {"snapshot": True, "bids": BIDS}})
            if seen.count("SUBSCRIBE") == 1:  # then an update whose checksum is wrong
                bad = [["101.0", "1"]]
                await ws.send_json({"stream": TOPIC, "data": {"bids": bad, "c": 12345}})
            else:
                second_snapshot_sent.set()

    def batch_of(data: dict[str, Any]) -> DeltaBatch:
        flags = int(RecordFlag.F_SNAPSHOT) if data.get("snapshot") else 0
        deltas = tuple(
            OrderBookDelta(
                IID,
                BookAction.UPDATE,
                BookOrder(OrderSide.BUY, Price.from_str(p), Quantity.from_str(s), 0),
                flags,
                0,
                0,
                0,
            )
            for p, s in data["bids"]
        )
        return DeltaBatch(OrderBookDeltas(IID, deltas), 0, 0, checksum=data.get("c"))

    client: WebSocketClient
    resubscribed: list[list[str]] = []

    async def on_resync(reason: str) -> None:
        resubscribed.append(await client.resubscribe([TOPIC]))  # on the reading task

    sync = BookSynchronizer(
        OrderBook(IID),
        None,
        ChecksumOnly(),
        on_resync=on_resync,
        checksum=lambda book, expected: (
            text_checksum([[str(lv.price), str(lv.size)] for lv in book.bids()]) == expected
        ),
    )

    pushed = ChangeNotifier()

    async def handler(message: Any) -> None:
        await sync.push(batch_of(message["data"]))
        pushed.notify()

    async with LoopbackServer(websockets={"/ws": venue}) as server:
        client = WebSocketClient(
            server.ws_url + "/ws",
            GenericJsonProtocol(),
            handler,
            heartbeat=NO_CLIENT_PINGS,
            reconnect=FAST_RECONNECT,
            ack_timeout=30,  # a stalled reading task would show as a 30 s wait
        )
        async with client:
            await client.subscribe([TOPIC])
            with anyio.fail_after(5):
                await second_snapshot_sent.wait()
                await pushed.wait_until(lambda: sync.stats.snapshots == 2)
                await sync.wait_synced()
            # The venue acked before it sent the snapshot, so the ack was read already.
            assert client.subscriptions[TOPIC] is SubscriptionStatus.ACTIVE
    assert seen == ["SUBSCRIBE", "UNSUBSCRIBE", "SUBSCRIBE"]
    assert resubscribed == [[TOPIC]]
    assert sync.stats.checksum_failures == 1 and sync.stats.snapshots == 2
    assert [str(lv.price) for lv in sync.book.bids()] == ["100.5", "100.0"]
    assert client.counters.connections == 1  # no reconnect was needed


async def test_resubscribe_ignores_unknown_and_unsubscribed_topics() -> None:
    async def venue(ws: ServerWebSocket) -> None:
        async for raw in ws:
            await ws.send_json({"result": None, "id": json.loads(raw)["id"]})

    async def handler(message: Any) -> None:
        pass

    async with LoopbackServer(websockets={"/ws": venue}) as server:
        client = WebSocketClient(
            server.ws_url + "/ws", GenericJsonProtocol(), handler, heartbeat=NO_CLIENT_PINGS
        )
        async with client:
            await client.subscribe(["a"])
            await client.unsubscribe(["a"])
            assert await client.resubscribe(["a", "never"]) == []
            assert client.subscriptions == {"a": SubscriptionStatus.UNSUBSCRIBED}
