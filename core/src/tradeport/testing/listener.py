"""What the loopback server and the fault proxy share: a TCP listener on 127.0.0.1 port 0 run
inside the caller's task group, and connections that can be dropped with FIN or RST."""

from __future__ import annotations

import ssl
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from typing import Any, Self

import anyio
import anyio.abc
from anyio.abc import SocketAttribute
from anyio.streams.tls import TLSListener

from tradeport.net.signals import ChangeNotifier
from tradeport.testing.http_messages import DropMode

__all__ = ["DroppableConnection", "LoopbackListener"]


class DroppableConnection:
    """One accepted connection whose serving task can be ended with FIN or RST at any time.

    The serving task runs inside :attr:`scope`; :meth:`drop` cancels it and records how the
    socket is to be closed; the task's cleanup does the closing and sets :attr:`ended` once the
    FIN is sent or the RST done.
    """

    def __init__(self) -> None:
        self.scope = anyio.CancelScope()
        self.drop_mode: DropMode | None = None
        self.ended = anyio.Event()

    def drop(self, mode: DropMode) -> None:
        """End the connection with ``"fin"`` or ``"rst"``, whatever it is doing."""
        if self.drop_mode is None:
            self.drop_mode = mode
        self.scope.cancel()


class LoopbackListener(anyio.AsyncContextManagerMixin, ABC):
    """A TCP service on ``host`` (127.0.0.1), port 0, serving from the caller's task group.

    Use ``async with service`` or ``await service.start(task_group)`` and ``service.stop()``.
    :attr:`changed` is notified on every change worth waiting for (see :meth:`wait_until`).
    """

    def __init__(self, host: str = "127.0.0.1", *, tls: ssl.SSLContext | None = None) -> None:
        self.host = host
        #: Server TLS context: connections are TLS when set (see LoopbackCA).
        self.tls = tls
        self.port = 0
        self.changed = ChangeNotifier()
        self._live: set[DroppableConnection] = set()
        self._scope: anyio.CancelScope | None = None

    @property
    def http_url(self) -> str:
        """``http://127.0.0.1:<port>`` (``https`` with TLS)."""
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        """``ws://127.0.0.1:<port>`` (``wss`` with TLS; append the path)."""
        return f"{'wss' if self.tls else 'ws'}://{self.host}:{self.port}"

    @property
    def active(self) -> int:
        """Connections open right now."""
        return len(self._live)

    @asynccontextmanager
    async def __asynccontextmanager__(self) -> AsyncGenerator[Self, None]:
        """Serve for the body of ``async with``."""
        async with anyio.create_task_group() as group:
            await self.start(group)
            try:
                yield self
            finally:
                self.stop()

    async def start(self, task_group: anyio.abc.TaskGroup) -> None:
        """Listen on port 0 and serve from ``task_group``; :attr:`port` is set on return."""
        await task_group.start(self._serve_forever)

    def stop(self) -> None:
        """Stop listening and close every connection."""
        if self._scope is not None:
            self._scope.cancel()

    async def _serve_forever(self, *, task_status: anyio.abc.TaskStatus[None]) -> None:
        tcp = await anyio.create_tcp_listener(local_host=self.host, local_port=0)
        self.port = tcp.extra(SocketAttribute.local_port)
        listener: anyio.abc.Listener[Any] = tcp
        if self.tls is not None:
            # Not standard-compatible: a client that hangs up without close_notify is a
            # normal end here, as on venues' servers.
            listener = TLSListener(tcp, self.tls, standard_compatible=False, handshake_timeout=10)
        with anyio.CancelScope() as self._scope:
            task_status.started()
            async with listener:
                await listener.serve(self._handle)

    @abstractmethod
    async def _handle(self, stream: anyio.abc.SocketStream) -> None:
        """Serve one accepted connection."""

    async def wait_until(self, predicate: Callable[[], bool]) -> None:
        """Wait (bounded by the caller's cancel scope) until ``predicate()`` holds."""
        await self.changed.wait_until(predicate)

    def notify(self) -> None:
        """Wake :meth:`wait_until` callers (for state kept outside, e.g. by a mock venue)."""
        self.changed.notify()

    async def _drop_live(self, mode: DropMode) -> int:
        """Drop every open connection; return once each sent its FIN or was reset."""
        live = list(self._live)
        for connection in live:
            connection.drop(mode)
        for connection in live:
            await connection.ended.wait()
        return len(live)
