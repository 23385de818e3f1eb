"""The BitMEX realtime stream: a :class:`tradeport.net.WebSocketClient` configured for BitMEX
and kept running between a client's ``connect`` and ``disconnect``."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import anyio
import anyio.abc
from tradeport.errors import TradeportError
from tradeport.net import Heartbeat, ReconnectPolicy, WebSocketClient

from tradeport_bitmex.config import BitmexConfig
from tradeport_bitmex.constants import VENUE_ID
from tradeport_bitmex.credential import BitmexSigner
from tradeport_bitmex.urls import ws_url
from tradeport_bitmex.websocket.messages import BitmexWsProtocol

__all__ = ["BitmexStream"]

log = logging.getLogger("tradeport.bitmex.stream")


class _StartedFlag:
    """Forwards ``started()`` and remembers that it happened."""

    def __init__(self, task_status: anyio.abc.TaskStatus[None]) -> None:
        self._task_status = task_status
        self.done = False

    def started(self, value: None = None) -> None:
        self.done = True
        self._task_status.started(value)


# CORE-CANDIDATE: every venue client needs a stream whose task group lives from connect() to
# disconnect() and whose late fatal error must not cancel the caller (okx, bybit and binance
# each keep their own version); the core's VenueClient or WebSocketClient could own it.
class BitmexStream:
    """One BitMEX WebSocket connection kept up in the background.

    :param signer: logs in with ``authKeyExpires`` on every (re)connection when given.
    :param handler: awaited with every decoded table message.
    :param on_reconnected: awaited after a reconnection restored login and subscriptions.
    """

    def __init__(
        self,
        config: BitmexConfig,
        handler: Callable[[Any], Awaitable[None]],
        *,
        name: str,
        signer: BitmexSigner | None = None,
        on_reconnected: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.protocol = BitmexWsProtocol(
            login=signer.ws_login if signer is not None else None,
            ping_interval=config.ws_heartbeat_interval or config.default_text_ping_interval,
        )
        self.ws = WebSocketClient(
            ws_url(config),
            self.protocol,
            handler,
            venue=VENUE_ID,
            name=name,
            heartbeat=Heartbeat(
                ping_interval=config.control_ping_interval,
                ping_timeout=config.control_ping_timeout,
            ),
            connect_timeout=config.ws_connect_timeout,
            idle_timeout=config.ws_idle_timeout,
            reconnect=ReconnectPolicy(
                initial=config.reconnect_delay_initial,
                max=config.reconnect_delay_max,
                max_attempts=config.reconnect_max_attempts,
            ),
            max_message_size=config.ws_max_message_size,
            ack_timeout=config.ack_timeout,
            login_timeout=config.ack_timeout,
            on_reconnected=on_reconnected,
        )
        self._stack: AsyncExitStack | None = None
        self._group: anyio.abc.TaskGroup | None = None
        #: The fatal error that stopped the stream after it had started, if any.
        self.error: TradeportError | None = None

    @property
    def running(self) -> bool:
        """Whether :meth:`start` ran and :meth:`stop` did not."""
        return self._stack is not None

    async def start(self) -> None:
        """Connect (and log in); returns once the first connection is established.

        A failure of the first connection (refused login, unreachable venue) is raised here. A
        fatal error later (reconnect attempts exhausted) is logged and kept in :attr:`error`:
        it must not cancel the caller's code, which shares this task group's scope.
        """
        if self._stack is not None:
            return
        stack = AsyncExitStack()
        group = await stack.enter_async_context(anyio.create_task_group())
        try:
            await group.start(self._run)
        except BaseException:
            group.cancel_scope.cancel()
            with contextlib.suppress(TradeportError):
                await stack.aclose()
            raise
        self._group, self._stack = group, stack

    async def _run(self, *, task_status: anyio.abc.TaskStatus[None]) -> None:
        started = _StartedFlag(task_status)
        try:
            await self.ws.run(task_status=started)
        except TradeportError as error:
            if not started.done:
                raise
            self.error = error
            log.error("%s stopped: %s", self.ws.name, error)

    async def stop(self) -> None:
        """Close the connection."""
        stack, group = self._stack, self._group
        self._stack = self._group = None
        if stack is None or group is None:
            return
        self.ws.close()
        group.cancel_scope.cancel()
        with contextlib.suppress(TradeportError):
            await stack.aclose()

    async def subscribe(self, topics: list[str]) -> None:
        """Subscribe and wait for BitMEX's acks."""
        await self.ws.subscribe(topics)

    async def unsubscribe(self, topics: list[str]) -> None:
        """Unsubscribe (never replayed after a reconnect)."""
        await self.ws.unsubscribe(topics)
