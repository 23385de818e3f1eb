"""Background work a client runs between ``connect()`` and ``disconnect()``.

A client's stream must keep running after ``connect()`` returns, and callers wrap ``connect()``
in their own cancel scopes (``with anyio.fail_after(10): await client.connect()``). A task group
entered inside ``connect()`` would then outlive the caller's scope, which structured
concurrency forbids. So :class:`BackgroundTasks` hosts its task group in a task of its own,
started outside the caller's scopes; ``connect()`` and ``disconnect()`` only talk to it.

Children are supervised: an exception in one is logged, never propagated, so it cannot cancel
anything else. :meth:`BackgroundTasks.start_stream` returns once a stream's first connection is
established and raises the error that prevented it (refused credentials: fatal, no retry).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import anyio
import anyio.abc

from tradeport.errors import TradeportError
from tradeport.net import StreamSession

__all__ = ["BackgroundTasks"]

# Strong references to detached asyncio tasks (the event loop keeps only weak ones).
_DETACHED: set[asyncio.Task[None]] = set()


def _spawn_detached(func: Callable[[], Coroutine[Any, Any, None]], name: str) -> None:
    """Start ``func()`` as a task outside the caller's cancel scopes.

    anyio deliberately has no such primitive, so this is the one place that speaks to the
    backend: an asyncio task, or a trio system task.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # not asyncio: trio
        import trio

        trio.lowlevel.spawn_system_task(func, name=name)
        return
    task = loop.create_task(func(), name=name)
    _DETACHED.add(task)
    task.add_done_callback(_DETACHED.discard)


#: A stream type (WebSocketClient, StreamSession ...) kept by a client.
S = TypeVar("S")

class _StartedFlag:
    """A task status that remembers whether the task said it started."""

    def __init__(self, outer: anyio.abc.TaskStatus[None]) -> None:
        self.outer = outer
        self.started_ok = False

    def started(self, value: Any = None) -> None:
        self.started_ok = True
        self.outer.started(value)


class BackgroundTasks:
    """A supervised task group living from :meth:`open` to :meth:`close` (see the module
    docstring)."""

    def __init__(self, log: logging.Logger, name: str) -> None:
        self.log = log
        self.name = name
        self._group: anyio.abc.TaskGroup | None = None
        self._stop: anyio.Event | None = None
        self._done: anyio.Event | None = None
        #: The error that stopped a stream after its first connection, if one did.
        self.stream_error: TradeportError | None = None

    @property
    def is_open(self) -> bool:
        """Whether the task group is running."""
        return self._group is not None

    async def open(self) -> None:
        """Start the host task and its task group; returns once it is ready."""
        if self._done is not None:
            return
        ready, self._stop, self._done = anyio.Event(), anyio.Event(), anyio.Event()
        self.stream_error = None
        _spawn_detached(lambda: self._host(ready), name=self.name)
        await ready.wait()

    async def _host(self, ready: anyio.Event) -> None:
        assert self._stop is not None
        assert self._done is not None
        try:
            async with anyio.create_task_group() as group:
                self._group = group
                ready.set()
                await self._stop.wait()
                group.cancel_scope.cancel()
        except Exception:  # children are supervised; this is a bug, never crash the loop
            self.log.exception("%s: background tasks failed", self.name)
        finally:
            self._group = None
            ready.set()
            self._done.set()

    async def close(self) -> None:
        """Cancel every child and wait until they are gone."""
        stop, done = self._stop, self._done
        if stop is None or done is None:
            return
        stop.set()
        with anyio.CancelScope(shield=True):
            await done.wait()
        self._stop = self._done = None

    def _require_group(self, what: str) -> anyio.abc.TaskGroup:
        if self._group is None:
            raise TradeportError(f"{what}: the client is not connected (call connect() first)")
        return self._group

    def start_soon(self, func: Callable[..., Awaitable[Any]], *args: Any, name: str) -> None:
        """Run ``func(*args)`` in the background; an exception is logged, never propagated."""
        self._require_group(name).start_soon(self._guard, func, args, name, name=name)

    async def _guard(
        self, func: Callable[..., Awaitable[Any]], args: tuple[Any, ...], name: str
    ) -> None:
        try:
            await func(*args)
        except Exception:
            self.log.exception("%s failed", name)

    async def start_stream(self, stream: StreamSession) -> None:
        """Run ``stream``; return once its first connection is established (logged in,
        subscribed). A failure before that is raised here; a fatal failure later is logged
        and kept in :attr:`stream_error`."""
        await self._require_group(stream.name).start(self._supervise, stream)

    def live_stream(self, stream: S | None, venue: str) -> S:
        """The stream to send subscriptions on: refused, naming the venue, before connect(),
        and with the stream's fatal error once it stopped for good (never a silent no-op)."""
        if stream is None:
            raise TradeportError(f"{venue}: call connect() before subscribing")
        if self.stream_error is not None:
            raise self.stream_error
        return stream

    async def _supervise(
        self, stream: StreamSession, *, task_status: anyio.abc.TaskStatus[None]
    ) -> None:
        flag = _StartedFlag(task_status)
        try:
            await stream.run(task_status=flag)
        except TradeportError as exc:
            if not flag.started_ok:
                raise  # raised from start_stream(), i.e. from connect()
            self.stream_error = exc
            self.log.error("%s stopped: %s", stream.name, exc)
