"""WebSocketClient subscriptions against a real loopback mock venue: acks, refusals, idempotence."""

from __future__ import annotations

import time

import anyio
import pytest
from tradeport.errors import SubscriptionError, TradeportError, TransportError
from tradeport.net import SubscriptionStatus

pytestmark = pytest.mark.anyio


async def test_subscribe_is_acked_and_data_reaches_the_handler(
    venue_factory, binance_protocol, inbox
) -> None:
    async with venue_factory("binance") as rig, rig.client(binance_protocol(), inbox) as client:
        with anyio.fail_after(10):
            await client.subscribe(["btcusdt@trade"])
            assert client.subscriptions == {"btcusdt@trade": SubscriptionStatus.ACTIVE}
            assert await rig.venue.publish("btcusdt@trade", {"p": "100.5", "t": 1}) == 1
            await inbox.wait_for(lambda m: len(m) == 1)
        # The ack ({"result": null, "id": 1}) was consumed by the client, not passed on.
        assert inbox.messages == [{"stream": "btcusdt@trade", "data": {"p": "100.5", "t": 1}}]
        assert client.counters.data_messages == 1
        assert client.counters.messages_in == 2  # the ack and the trade
        assert client.counters.messages_out == 1  # the subscribe
        assert 0 < client.counters.last_message_ns <= time.time_ns()


async def test_subscribing_twice_is_one_venue_subscription(
    venue_factory, binance_protocol, inbox
) -> None:
    async with venue_factory("binance") as rig, rig.client(binance_protocol(), inbox) as client:
        with anyio.fail_after(10):
            # Concurrently, then again once active.
            async with anyio.create_task_group() as group:
                group.start_soon(client.subscribe, ["ethusdt@trade"])
                group.start_soon(client.subscribe, ["ethusdt@trade", "ethusdt@trade"])
            await client.subscribe(["ethusdt@trade"])
            assert rig.venue.subscribe_count("ethusdt@trade") == 1
            await rig.venue.publish("ethusdt@trade", {"t": 7})
            await inbox.wait_for(lambda m: len(m) == 1)
        assert len(inbox.data_for("ethusdt@trade")) == 1


async def test_refused_subscription_raises_and_never_becomes_active(
    venue_factory, binance_protocol, inbox
) -> None:
    async with (
        venue_factory("binance", refuse_topics=("nosuch@trade",)) as rig,
        rig.client(binance_protocol(), inbox) as client,
    ):
        with anyio.fail_after(10), pytest.raises(SubscriptionError) as refused:
            await client.subscribe(["nosuch@trade"])
        assert refused.value.venue_code == 2
        assert "Invalid request" in (refused.value.venue_message or "")
        assert client.subscriptions["nosuch@trade"] is SubscriptionStatus.REFUSED
        # A refused topic is not replayed after a reconnect.
        seen = client.counters.reconnects
        await rig.proxy.reset_rst()
        with anyio.fail_after(10):
            await client.wait_reconnected(seen)
        assert rig.venue.subscribe_count("nosuch@trade") == 1


async def test_unsubscribe_is_acked_and_stops_data(venue_factory, op_protocol, inbox) -> None:
    async with venue_factory("op") as rig, rig.client(op_protocol(), inbox) as client:
        with anyio.fail_after(10):
            await client.subscribe(["trades.BTC", "trades.ETH"])
            await client.unsubscribe(["trades.BTC"])
            assert client.subscriptions == {
                "trades.BTC": SubscriptionStatus.UNSUBSCRIBED,
                "trades.ETH": SubscriptionStatus.ACTIVE,
            }
            assert rig.venue.kinds(1) == ["subscribe", "unsubscribe"]
            assert await rig.venue.publish("trades.BTC", {"px": 1}) == 0
            assert await rig.venue.publish("trades.ETH", {"px": 2}) == 1
            await inbox.wait_for(lambda m: len(m) == 1)
        assert inbox.data_for("trades.ETH") == [{"px": 2}]


async def test_subscription_without_ack_times_out_and_stays_pending(
    venue_factory, binance_protocol, inbox
) -> None:
    async with (
        venue_factory("binance", ack_subscriptions=False) as rig,
        rig.client(binance_protocol(), inbox, ack_timeout=0.3) as client,
    ):
        with anyio.fail_after(10), pytest.raises(SubscriptionError) as late:
            await client.subscribe(["slow@trade"])
        assert late.value.retryable
        assert client.subscriptions["slow@trade"] is SubscriptionStatus.PENDING


async def test_venue_without_acks_marks_topics_active_when_sent(
    venue_factory, binance_protocol, inbox
) -> None:
    protocol = binance_protocol(acknowledges_subscriptions=False)
    async with (
        venue_factory("binance", ack_subscriptions=False) as rig,
        rig.client(protocol, inbox) as client,
    ):
        with anyio.fail_after(10):
            await client.subscribe(["quiet@trade"])
        assert client.subscriptions["quiet@trade"] is SubscriptionStatus.ACTIVE


async def test_subscribe_requires_a_running_client(binance_protocol, inbox) -> None:
    from tradeport.net import WebSocketClient

    client = WebSocketClient("ws://127.0.0.1:9/ws", binance_protocol(), inbox)
    with pytest.raises(TradeportError, match="not running"):
        await client.subscribe(["x"])
    with pytest.raises(TransportError, match="not connected"):
        await client.send_json({"op": "x"})
