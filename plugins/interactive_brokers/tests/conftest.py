"""Shared fixtures: both async backends; no proxies for loopback traffic; a mock gateway
behind a fault proxy (``env``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest
from tradeport.testing import FaultProxy
from tradeport_conformance.simulated import SimulatedExchange
from tradeport_interactive_brokers.config import InteractiveBrokersConfig
from tradeport_interactive_brokers.testing import MockGateway
from tradeport_interactive_brokers.testing.listings import default_listings


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Async tests run under asyncio and trio."""
    return request.param


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback traffic must never be routed through an environment proxy."""
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)


DEADLINE = 10.0


class Env:
    def __init__(self, gateway: MockGateway, proxy: FaultProxy) -> None:
        self.mock = gateway
        self.proxy = proxy

    def config(self, **overrides: Any) -> InteractiveBrokersConfig:
        values: dict[str, Any] = {
            "port": self.proxy.port,
            "reconnect_delay_initial": 0.05,
            "reconnect_delay_max": 0.2,
            "heartbeat_interval": 0.5,
            "ws_idle_timeout": 3.0,
        }
        values.update(overrides)
        return InteractiveBrokersConfig(**values)

    async def until(self, predicate: Any, what: str) -> None:
        with anyio.fail_after(DEADLINE):
            await self.mock.server.wait_until(predicate)


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    exchange = SimulatedExchange()
    mock = MockGateway(exchange)
    for listing in default_listings(exchange):
        mock.add_listing(listing)
    async with anyio.create_task_group() as group:
        await mock.start(group)
        proxy = FaultProxy(mock.port)
        await proxy.start(group)
        yield Env(mock, proxy)
        proxy.stop()
        mock.stop()
        group.cancel_scope.cancel()
