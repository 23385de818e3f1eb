"""The TWS API connection against the loopback gateway: handshake, client ids, drops (FIN and
RST) and reconnects, heartbeats, and the connectivity notices (1100 / 1101 / 1102)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import anyio
import pytest
from tradeport.net.stream_session import ConnectionState
from tradeport_conformance.harness import wait_until
from tradeport_interactive_brokers.constants import Out
from tradeport_interactive_brokers.gateway import (
    ClientIdInUse,
    IbGateway,
    IncompatibleServer,
    TopicSpec,
)
from tradeport_interactive_brokers.messages import cancel_mkt_data, req_mkt_data
from tradeport_interactive_brokers.testing import MockGateway
from tradeport_interactive_brokers.testing.listings import AAPL

pytestmark = pytest.mark.anyio

DEADLINE = 10.0
Env = Any  # the conftest's mock gateway behind a fault proxy

pytestmark = pytest.mark.anyio


def _sent(mock: MockGateway, msg_id: int) -> list[list[str]]:
    return [f for c in mock.clients for f in c.received if f[0] == str(msg_id)]


async def test_handshake_then_usable(env: Env) -> None:
    """API\\0 + v176..178, the server's version and time, START_API, then nextValidId and
    managedAccounts before the session is usable; farm notices arrive as status."""
    env.mock.first_order_id = 41
    gateway = IbGateway(env.config(), client_id=7, name="t")
    async with gateway:
        assert gateway.ready.is_set()
        assert gateway.server_version == 178 and gateway.connection_time.endswith("UTC")
        assert gateway.accounts == ["DU1234567", "DU7654321"]
        assert gateway.next_order_id() == 41 and gateway.next_order_id() == 42
        assert [c.client_id for c in env.mock.clients] == [7]
        await wait_until(
            lambda: len(gateway.notices) >= 3, timeout=DEADLINE, what="len(gateway.notices) >= 3"
        )
        assert {n.code for n in gateway.notices} == {2104, 2106, 2158}
        assert {n.kind for n in gateway.notices} == {"FARM"}


async def test_server_version_outside_window_is_fatal(env: Env) -> None:
    env.mock.server_version = 170
    gateway = IbGateway(env.config(), client_id=1, name="t")
    with pytest.raises(IncompatibleServer, match="170"):
        async with gateway:
            pass
    assert env.proxy.connections == 1, "a fatal version mismatch was retried"


async def test_client_id_in_use_is_refused(env: Env) -> None:
    first = IbGateway(env.config(), client_id=3, name="first")
    async with first:
        second = IbGateway(env.config(), client_id=3, name="second")
        with pytest.raises(ClientIdInUse, match="client id 3"):
            async with second:
                pass
        assert env.mock.refused_handshakes == 1
        assert first.connected


def _quotes_topic(gateway: IbGateway, received: list[list[str]]) -> TopicSpec:
    async def on_message(fields: list[str]) -> None:
        received.append(fields)

    return TopicSpec(
        subscribe=lambda req_id: req_mkt_data(req_id, AAPL),
        cancel=cancel_mkt_data,
        on_message=on_message,
    )


@pytest.mark.parametrize("mode", ["fin", "rst"])
async def test_drop_reconnects_with_handshake_and_replays_topics(env: Env, mode: str) -> None:
    received: list[list[str]] = []
    gateway = IbGateway(env.config(), client_id=1, name="t")
    async with gateway:
        await gateway.subscribe("quotes:265598", _quotes_topic(gateway, received))
        await env.until(lambda: env.mock.market_data_subscriptions == [{"quotes:265598"}], "sub")
        first_req = next(iter(env.mock.clients[0].market_data))
        before = gateway.session.counters.reconnects
        await (env.proxy.close_fin() if mode == "fin" else env.proxy.reset_rst())
        with anyio.fail_after(DEADLINE):
            await gateway.session.wait_reconnected(before)
        assert env.mock.handshakes == 2
        await env.until(lambda: env.mock.market_data_subscriptions == [{"quotes:265598"}], "replay")
        assert next(iter(env.mock.clients[0].market_data)) != first_req, "request id reused"
        await env.mock.publish_quote(265598, Decimal(1), Decimal(2), Decimal(3), Decimal(4))
        await wait_until(lambda: bool(received), timeout=DEADLINE, what="quote ticks")


async def test_heartbeat_is_current_time(env: Env) -> None:
    gateway = IbGateway(env.config(heartbeat_interval=0.1), client_id=1, name="t")
    async with gateway:
        await wait_until(
            lambda: gateway.session.counters.text_pongs_received >= 2,
            timeout=DEADLINE,
            what="gateway.session.counters.text_pongs_received >= 2",
        )
        assert len(_sent(env.mock, Out.REQ_CURRENT_TIME)) >= 2


async def test_silent_gateway_is_detected_and_replaced(env: Env) -> None:
    config = env.config(heartbeat_interval=0.2, ws_idle_timeout=1.0, handshake_timeout=1.0)
    gateway = IbGateway(config, client_id=1, name="t")
    async with gateway:
        before = gateway.session.counters.reconnects
        env.proxy.blackhole()
        await wait_until(
            lambda: gateway.session.counters.idle_timeouts > 0,
            timeout=DEADLINE,
            what="gateway.session.counters.idle_timeouts > 0",
        )
        env.proxy.restore()
        with anyio.fail_after(DEADLINE):
            await gateway.session.wait_reconnected(before)
        assert gateway.session.state in (ConnectionState.CONNECTED, ConnectionState.AUTHENTICATED)


async def test_1101_resubscribes_everything_1102_does_not(env: Env) -> None:
    received: list[list[str]] = []
    gateway = IbGateway(env.config(), client_id=1, name="t")
    async with gateway:
        await gateway.subscribe("quotes:265598", _quotes_topic(gateway, received))
        await env.until(lambda: len(_sent(env.mock, Out.REQ_MKT_DATA)) == 1, "subscribed")

        await env.mock.send_notice(1102)
        await env.mock.send_notice(2107)  # ignored
        await env.mock.send_notice(1100)
        await wait_until(
            lambda: [n.code for n in gateway.notices][-2:] == [1102, 1100],
            timeout=DEADLINE,
            what="[n.code for n in gateway.notices][-2:] == [1102, 1100]",
        )
        assert len(_sent(env.mock, Out.REQ_MKT_DATA)) == 1, "1102 (data kept) resubscribed"
        assert 2107 not in [n.code for n in gateway.notices]

        await env.mock.send_notice(1101)
        await env.until(lambda: len(_sent(env.mock, Out.REQ_MKT_DATA)) == 2, "resubscribed")
        assert len(_sent(env.mock, Out.CANCEL_MKT_DATA)) == 1
        assert gateway.resubscriptions == 1
        assert [n.kind for n in gateway.notices][-1] == "RESTORED_DATA_LOST"
        assert env.mock.market_data_subscriptions == [{"quotes:265598"}]


async def test_nightly_restart_is_a_reconnect(env: Env) -> None:
    """TWS's nightly restart: the socket closes (FIN), the port refuses connections for a
    while, then TWS is back: the session keeps retrying (the core's backoff), handshakes again
    and replays."""
    received: list[list[str]] = []
    gateway = IbGateway(env.config(), client_id=1, name="t")
    async with gateway:
        await gateway.subscribe("quotes:265598", _quotes_topic(gateway, received))
        await env.until(lambda: env.mock.market_data_subscriptions == [{"quotes:265598"}], "sub")
        before = gateway.session.counters.reconnects
        env.proxy.refuse()
        await env.proxy.close_fin()
        refused_from = env.proxy.connections
        await wait_until(
            lambda: env.proxy.connections >= refused_from + 3, timeout=DEADLINE, what="retries"
        )
        env.proxy.restore()
        await gateway.session.wait_reconnected(before)
        assert env.mock.handshakes == 2
        await env.until(
            lambda: env.mock.market_data_subscriptions == [{"quotes:265598"}], "replayed"
        )


async def test_subscribe_returns_once_tws_has_read_the_request(env: Env) -> None:
    """Market data requests have no acknowledgement: the reqCurrentTime barrier after them is
    answered only after TWS has handled them (heartbeats in flight are answered first)."""
    received: list[list[str]] = []
    gateway = IbGateway(env.config(heartbeat_interval=0.05), client_id=1, name="t")
    async with gateway:
        for _ in range(5):
            await gateway.subscribe("quotes:265598", _quotes_topic(gateway, received))
            assert env.mock.market_data_subscriptions == [{"quotes:265598"}]
            await gateway.unsubscribe("quotes:265598")
            assert env.mock.market_data_subscriptions == [set()]
