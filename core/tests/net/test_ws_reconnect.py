"""WebSocketClient reconnects over real loopback sockets: FIN, RST, black hole, close frames,
re-authentication before resubscription, fatal errors, bounded attempts."""

from __future__ import annotations

import itertools
import logging
import time

import anyio
import pytest
from tradeport.errors import AuthenticationError, TransportError
from tradeport.net import ConnectionState, ReconnectPolicy, SubscriptionStatus

pytestmark = pytest.mark.anyio


async def _drop_and_wait(rig, client, how: str) -> None:
    seen = client.counters.reconnects
    if how == "rst":
        assert await rig.proxy.reset_rst() == 1
    elif how == "fin":
        assert await rig.proxy.close_fin() == 1
    else:  # a close frame with a code (venue restart), then the venue hangs up
        await rig.venue.latest().close(1012, "service restart")
    with anyio.fail_after(10):
        await client.wait_reconnected(seen)


@pytest.mark.parametrize("how", ["rst", "fin", "close-frame"])
async def test_reconnect_restores_subscriptions_and_data_flows(
    venue_factory, binance_protocol, inbox, how, caplog
) -> None:
    caplog.set_level(logging.WARNING, logger="tradeport.net.ws")
    async with venue_factory("binance") as rig, rig.client(binance_protocol(), inbox) as client:
        with anyio.fail_after(10):
            await client.subscribe(["a@trade", "b@trade"])
        await _drop_and_wait(rig, client, how)
        assert client.state is ConnectionState.CONNECTED
        assert client.subscriptions == {
            "a@trade": SubscriptionStatus.ACTIVE,
            "b@trade": SubscriptionStatus.ACTIVE,
        }
        assert rig.venue.connection_count == 2
        assert rig.venue.log[2] == [("subscribe", ["a@trade", "b@trade"])]
        with anyio.fail_after(10):
            assert await rig.venue.publish("b@trade", {"t": 2}) == 1
            await inbox.wait_for(lambda m: len(m) == 1)
        assert client.counters.connections == 2
        assert client.counters.reconnects == 1
        assert client.counters.transitions["CONNECTED->RECONNECTING"] == 1
        if how == "close-frame":
            assert any("code 1012" in r.getMessage() for r in caplog.records)


async def test_reauthenticates_before_resubscribing_private_topics(
    venue_factory, op_protocol, inbox
) -> None:
    async with (
        venue_factory("op", require_login=True) as rig,
        rig.client(op_protocol(api_key="good-key"), inbox) as client,
    ):
        assert client.state is ConnectionState.AUTHENTICATED
        with anyio.fail_after(10):
            await client.subscribe(["trades.BTC", "private.orders"])
        # Hold the next login reply back: nothing may be subscribed until it is confirmed.
        rig.venue.login_gate = anyio.Event()
        seen = client.counters.reconnects
        await rig.proxy.reset_rst()
        with anyio.fail_after(10):
            await rig.server.wait_until(lambda: rig.venue.kinds(2) == ["login"])
        assert client.state is ConnectionState.CONNECTED  # connected, not yet authenticated
        rig.venue.login_gate.set()
        with anyio.fail_after(10):
            await client.wait_reconnected(seen)
        kinds = rig.venue.kinds(2)
        assert kinds[:2] == ["login", "login-ok"]
        assert sorted(t for k, topics in rig.venue.log[2] if k == "subscribe" for t in topics) == [
            "private.orders",
            "trades.BTC",
        ]
        assert client.state is ConnectionState.AUTHENTICATED
        assert set(client.subscriptions.values()) == {SubscriptionStatus.ACTIVE}


async def test_unsubscribed_topics_are_not_restored(venue_factory, op_protocol, inbox) -> None:
    async with (
        venue_factory("op", require_login=True) as rig,
        rig.client(op_protocol(api_key="good-key"), inbox) as client,
    ):
        with anyio.fail_after(10):
            await client.subscribe(["trades.BTC", "private.orders", "private.fills"])
            await client.unsubscribe(["private.fills", "trades.BTC"])
        seen = client.counters.reconnects
        await rig.proxy.close_fin()
        with anyio.fail_after(10):
            await client.wait_reconnected(seen)
        replayed = [t for k, topics in rig.venue.log[2] if k == "subscribe" for t in topics]
        assert replayed == ["private.orders"]
        assert client.subscriptions == {
            "trades.BTC": SubscriptionStatus.UNSUBSCRIBED,
            "private.orders": SubscriptionStatus.ACTIVE,
            "private.fills": SubscriptionStatus.UNSUBSCRIBED,
        }


async def test_on_reconnected_runs_after_resubscription(
    venue_factory, binance_protocol, inbox
) -> None:
    states: list[dict[str, SubscriptionStatus]] = []

    async def on_reconnected() -> None:
        states.append(client.subscriptions)

    async with venue_factory("binance") as rig:
        client = rig.client(binance_protocol(), inbox, on_reconnected=on_reconnected)
        async with client:
            with anyio.fail_after(10):
                await client.subscribe(["x@depth"])
            seen = client.counters.reconnects
            await rig.proxy.reset_rst()
            with anyio.fail_after(10):
                await client.wait_reconnected(seen)
    assert states == [{"x@depth": SubscriptionStatus.ACTIVE}]


async def test_rejected_login_is_fatal_without_a_reconnect_storm(
    venue_factory, op_protocol, inbox
) -> None:
    async with venue_factory("op", require_login=True) as rig:
        client = rig.client(op_protocol(api_key="bad-key"), inbox)
        with anyio.fail_after(10), pytest.raises(AuthenticationError) as refused:
            async with client:
                pytest.fail("must not get here: the login was refused")
        assert refused.value.venue_code == "60009"
        assert client.state is ConnectionState.FAILED
        assert client.error is refused.value
        assert rig.venue.logins_refused == 1
        assert rig.server.ws_connections == 1


@pytest.mark.parametrize("status", [401, 403])
async def test_upgrade_refused_with_401_or_403_is_fatal(
    venue_factory, binance_protocol, inbox, status
) -> None:
    async with venue_factory("binance", upgrade_status=status) as rig:
        client = rig.client(binance_protocol(), inbox)
        with anyio.fail_after(10), pytest.raises(AuthenticationError) as refused:
            async with client:
                pytest.fail("must not get here: the upgrade was refused")
        assert refused.value.http_status == status
        assert rig.server.ws_rejected == 1
        assert client.state is ConnectionState.FAILED


async def test_fatal_error_while_running_ends_the_async_with_body(
    venue_factory, op_protocol, inbox
) -> None:
    async with venue_factory("op", require_login=True) as rig:
        client = rig.client(op_protocol(api_key="good-key"), inbox)

        async def revoke_key_while_connected() -> None:
            async with client:
                rig.venue.valid_key = "rotated"
                await rig.proxy.reset_rst()
                await anyio.sleep_forever()  # ended by the fatal error, not by a deadline

        with anyio.fail_after(10), pytest.raises(AuthenticationError):
            await revoke_key_while_connected()
        assert client.state is ConnectionState.FAILED
        assert rig.venue.logins_refused == 1


async def test_connect_failures_back_off_and_are_bounded(binance_protocol, inbox) -> None:
    from tradeport.net import WebSocketClient
    from tradeport.testing import FaultProxy, LoopbackServer

    async with LoopbackServer() as server, FaultProxy(server.port) as proxy:
        proxy.refuse()  # every connection is reset on arrival
        policy = ReconnectPolicy(initial=0.05, max=1, factor=2, jitter=0.2, max_attempts=4)
        client = WebSocketClient(proxy.ws_url + "/ws", binance_protocol(), inbox, reconnect=policy)
        started = time.monotonic()
        with anyio.fail_after(10), pytest.raises(TransportError):
            async with client:
                pytest.fail("must not get here: every attempt is refused")
        elapsed = time.monotonic() - started
        assert proxy.connections == 4
        assert client.counters.connect_failures == 4
        assert client.state is ConnectionState.FAILED
        # Three waits between four attempts: 0.05, 0.1, 0.2 (+/- 20 %).
        assert elapsed >= 0.8 * (0.05 + 0.1 + 0.2)


async def test_blackhole_is_caught_by_the_idle_timeout(
    venue_factory, binance_protocol, inbox
) -> None:
    async with venue_factory("binance") as rig:
        client = rig.client(binance_protocol(), inbox, idle_timeout=0.5, connect_timeout=0.5)
        async with client:
            with anyio.fail_after(10):
                await client.subscribe(["a@trade"])
            seen = client.counters.reconnects
            rig.proxy.blackhole()  # TCP stays up; nothing flows either way
            with anyio.fail_after(10):
                await client.wait_state(ConnectionState.RECONNECTING)
            assert client.counters.idle_timeouts == 1
            # Reconnects hang in the black hole too, until the path is restored.
            with anyio.fail_after(10):
                await rig.proxy.wait_until(lambda: rig.proxy.connections >= 2)
            rig.proxy.restore()
            with anyio.fail_after(10):
                await client.wait_reconnected(seen)
            assert client.subscriptions == {"a@trade": SubscriptionStatus.ACTIVE}
            assert client.counters.connect_failures >= 1


async def test_unanswered_control_ping_fails_the_connection(
    venue_factory, binance_protocol, inbox
) -> None:
    from tradeport.net import Heartbeat

    async with venue_factory("binance") as rig:
        heartbeat = Heartbeat(ping_interval=0.2, ping_timeout=0.3)
        client = rig.client(binance_protocol(), inbox, heartbeat=heartbeat, connect_timeout=0.5)
        async with client:
            with anyio.fail_after(10):
                await rig.server.wait_until(lambda: bool(rig.server.websockets))
                # The client pings again only after the previous pong: two pings, one pong back.
                await rig.server.wait_until(lambda: rig.server.websockets[0].pings_received >= 2)
            assert client.counters.pongs_received >= 1
            seen = client.counters.reconnects
            rig.proxy.blackhole()
            with anyio.fail_after(10):
                await client.wait_state(ConnectionState.RECONNECTING)
            rig.proxy.restore()
            with anyio.fail_after(10):
                await client.wait_reconnected(seen)
        assert client.counters.idle_timeouts == 0


async def _lose_the_venue_for_good(rig, client) -> None:
    """Connect, then the venue refuses every connection and the live one is reset."""
    async with client:
        rig.proxy.refuse()
        await rig.proxy.reset_rst()
        await anyio.sleep_forever()  # ended by the exhausted policy


async def test_reconnect_attempts_after_a_drop_are_bounded(
    venue_factory, binance_protocol, inbox
) -> None:
    policy = ReconnectPolicy(initial=0.02, max=0.05, max_attempts=3)
    async with venue_factory("binance") as rig:
        client = rig.client(binance_protocol(), inbox, reconnect=policy)
        with anyio.fail_after(10), pytest.raises(TransportError):
            await _lose_the_venue_for_good(rig, client)
        assert rig.proxy.connections == 1 + 3  # the first connection, then three attempts
        assert client.counters.connect_failures == 3
        assert client.state is ConnectionState.FAILED


async def test_reconnect_now_goes_through_a_normal_reconnect(
    venue_factory, binance_protocol, inbox, caplog
) -> None:
    """reconnect_now (e.g. on Binance listenKeyExpired) drops the connection; the client
    reconnects and replays its subscriptions like after any drop."""
    async with venue_factory("binance") as rig, rig.client(binance_protocol(), inbox) as client:
        with anyio.fail_after(10):
            await client.subscribe(["a@trade"])
        seen = client.counters.reconnects
        caplog.set_level(logging.INFO, logger="tradeport.net")
        await client.reconnect_now("stream token expired")
        with anyio.fail_after(10):
            await client.wait_reconnected(seen)
        assert client.counters.reconnects == seen + 1
        assert rig.venue.connection_count == 2
        assert rig.venue.log[2] == [("subscribe", ["a@trade"])]
        assert "reconnecting as asked: stream token expired" in caplog.text
        assert "connection lost" not in caplog.text


async def test_first_attempt_after_a_stable_connection_drops_does_not_wait_the_backoff(
    venue_factory, binance_protocol, inbox
) -> None:
    # initial is far longer than the deadline: only the quick first attempt can make it.
    policy = ReconnectPolicy(initial=30.0, max=30.0, first_delay_max=0.05, stable_after=0)
    async with (
        venue_factory("binance") as rig,
        rig.client(binance_protocol(), inbox, reconnect=policy) as client,
    ):
        with anyio.fail_after(10):
            await client.subscribe(["a@trade", "b@trade"])
        seen = client.counters.reconnects
        assert await rig.proxy.reset_rst() == 1
        with anyio.fail_after(10):
            await client.wait_reconnected(seen)
        assert client.subscriptions == {
            "a@trade": SubscriptionStatus.ACTIVE,
            "b@trade": SubscriptionStatus.ACTIVE,
        }


async def test_a_venue_that_stays_down_sees_bounded_growing_delays(
    venue_factory, binance_protocol, inbox
) -> None:
    policy = ReconnectPolicy(
        initial=0.1, max=0.4, factor=2, jitter=0, first_delay_max=0, stable_after=0, max_attempts=5
    )
    async with venue_factory("binance") as rig:
        client = rig.client(binance_protocol(), inbox, reconnect=policy)
        with anyio.fail_after(20), pytest.raises(TransportError):
            await _lose_the_venue_for_good(rig, client)
    attempts = rig.proxy.arrivals[1:]  # after the first connection: five refused attempts
    assert len(attempts) == 5
    gaps = [later - earlier for earlier, later in itertools.pairwise(attempts)]
    # Waits 0.1, 0.2, 0.4, then capped at 0.4: growing, never below the policy, bounded by max
    # (the upper slack absorbs a loaded machine; a storm would show gaps near zero).
    for gap, wait in zip(gaps, [0.1, 0.2, 0.4, 0.4], strict=True):
        assert wait * 0.95 <= gap < wait + 1.5


async def test_a_flapping_connection_keeps_backing_off(
    venue_factory, binance_protocol, inbox
) -> None:
    # stable_after is never reached: every drop continues the backoff instead of starting over.
    policy = ReconnectPolicy(initial=0.1, max=0.4, factor=2, jitter=0, stable_after=60)
    async with (
        venue_factory("binance") as rig,
        rig.client(binance_protocol(), inbox, reconnect=policy) as client,
    ):
        for _ in range(3):
            seen = client.counters.reconnects
            dropped = time.monotonic()
            assert await rig.proxy.reset_rst() == 1
            with anyio.fail_after(10):
                await client.wait_reconnected(seen)
            took = time.monotonic() - dropped
        # The third reconnect waited the third step of the backoff (0.4 s), not 0.1 s.
        assert took >= 0.4 * 0.95
