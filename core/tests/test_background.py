"""BackgroundTasks: client work that outlives connect()'s caller scope, supervised."""

from __future__ import annotations

import logging

import anyio
import anyio.lowlevel
import pytest
from tradeport.clients.background import BackgroundTasks
from tradeport.errors import AuthenticationError, TradeportError
from tradeport.net import GenericJsonProtocol, ReconnectPolicy, WebSocketClient
from tradeport.testing import LoopbackServer

pytestmark = pytest.mark.anyio

log = logging.getLogger("test.background")


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_children_outlive_the_opening_scope_and_stop_on_close() -> None:
    tasks = BackgroundTasks(log, "test")
    ticks = 0
    ticked = anyio.Event()
    cancelled = anyio.Event()

    async def ticker() -> None:
        nonlocal ticks
        try:
            while True:
                ticks += 1
                if ticks >= 3:
                    ticked.set()
                await anyio.lowlevel.checkpoint()  # yield; the loop runs until cancelled
        finally:
            cancelled.set()

    with anyio.fail_after(5):  # the caller's scope ends here; the child must live on
        await tasks.open()
        tasks.start_soon(ticker, name="ticker")
    with anyio.fail_after(5):
        await ticked.wait()
    assert tasks.is_open
    await tasks.close()
    assert cancelled.is_set() and not tasks.is_open
    await tasks.close()  # twice is fine


async def test_a_failing_child_is_logged_and_others_live(caplog: pytest.LogCaptureFixture) -> None:
    tasks = BackgroundTasks(log, "test")
    await tasks.open()
    survivor_ran = anyio.Event()

    async def boom() -> None:
        raise RuntimeError("child failed")

    async def survivor() -> None:
        await anyio.lowlevel.checkpoint()  # let the failing sibling run first
        survivor_ran.set()

    with caplog.at_level(logging.ERROR):
        tasks.start_soon(boom, name="boom")
        tasks.start_soon(survivor, name="survivor")
        with anyio.fail_after(5):
            await survivor_ran.wait()
    await tasks.close()
    assert "boom failed" in caplog.text and "child failed" in caplog.text


async def test_start_stream_raises_what_stopped_the_first_connection() -> None:
    async def refuse(ws) -> None:
        await ws.reject(401)

    async def handler(message) -> None:
        return None

    async with LoopbackServer(websockets={"/ws": refuse}) as server:
        stream = WebSocketClient(server.ws_url + "/ws", GenericJsonProtocol(), handler,
                                 reconnect=ReconnectPolicy(initial=0.01, max=0.05))
        tasks = BackgroundTasks(log, "test")
        await tasks.open()
        with anyio.fail_after(10), pytest.raises(AuthenticationError):
            await tasks.start_stream(stream)
        assert server.ws_rejected == 1  # fatal: no retry
        await tasks.close()


async def test_start_soon_before_open_is_a_clear_error() -> None:
    from tradeport.errors import TradeportError

    async def nothing() -> None:
        return None

    with pytest.raises(TradeportError, match="not connected"):
        BackgroundTasks(log, "test").start_soon(nothing, name="x")


def test_live_stream_refuses_before_connect_and_after_a_fatal_error() -> None:
    tasks = BackgroundTasks(logging.getLogger("test"), "t")
    with pytest.raises(TradeportError, match="ACME: call connect"):
        tasks.live_stream(None, "ACME")
    stream = object()
    assert tasks.live_stream(stream, "ACME") is stream
    tasks.stream_error = TradeportError("login refused for good")
    with pytest.raises(TradeportError, match="refused for good"):
        tasks.live_stream(stream, "ACME")
