"""Background tasks owned by a client between ``connect()`` and ``disconnect()``.

# CORE-CANDIDATE: every venue client needs a task group that lives from connect() to
# disconnect() (stream clients, book synchronizers, resubscriptions); the core's VenueClient
# could own one so plugins do not each manage an AsyncExitStack.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack
from typing import Any

import anyio
import anyio.abc
from tradeport.errors import TradeportError

__all__ = ["BackgroundTasks"]

log = logging.getLogger("tradeport.okx")


class _StartedFlag:
    """A task status that remembers whether the task reported it started."""

    def __init__(self, status: anyio.abc.TaskStatus[Any]) -> None:
        self._status = status
        self.started_once = False

    def started(self, value: Any = None) -> None:
        self.started_once = True
        self._status.started(value)


class BackgroundTasks:
    """A task group entered by :meth:`open` and cancelled and left by :meth:`close`.

    ``open`` and ``close`` must be awaited by the same task (the session does: connect and
    disconnect are called from its ``async with``).
    """

    def __init__(self) -> None:
        self._stack: AsyncExitStack | None = None
        self._group: anyio.abc.TaskGroup | None = None

    @property
    def running(self) -> bool:
        """Whether the task group is open."""
        return self._group is not None

    async def open(self) -> None:
        """Enter the task group."""
        if self._group is not None:
            return
        stack = AsyncExitStack()
        self._group = await stack.enter_async_context(anyio.create_task_group())
        self._stack = stack

    async def start(self, func: Callable[..., Coroutine[Any, Any, Any]], *args: Any) -> Any:
        """``task_group.start(func, *args)``: returns once ``func`` reported it started.

        A failure before that is raised here (and nothing stays running); a TradeportError
        after it (a stream that gave up) is logged and ends only that task, never the caller's
        task that owns the group.
        """
        if self._group is None:
            raise RuntimeError("background tasks are not open (call connect() first)")
        try:
            return await self._group.start(self._guarded, func, *args)
        except BaseException:
            # A task that failed to start (refused login...) leaves nothing running behind.
            await self.close()
            raise

    @staticmethod
    async def _guarded(
        func: Callable[..., Coroutine[Any, Any, Any]],
        *args: Any,
        task_status: anyio.abc.TaskStatus[Any] = anyio.TASK_STATUS_IGNORED,
    ) -> None:
        flag = _StartedFlag(task_status)
        try:
            await func(*args, task_status=flag)
        except TradeportError as exc:
            if not flag.started_once:
                raise
            log.error("%s stopped: %s", getattr(func, "__qualname__", func), exc)

    def start_soon(self, func: Callable[..., Coroutine[Any, Any, Any]], *args: Any) -> None:
        """``task_group.start_soon(func, *args)``."""
        if self._group is None:
            raise RuntimeError("background tasks are not open (call connect() first)")
        self._group.start_soon(func, *args)

    async def close(self) -> None:
        """Cancel every task and leave the task group."""
        group, stack = self._group, self._stack
        self._group = self._stack = None
        if group is None or stack is None:
            return
        group.cancel_scope.cancel()
        await stack.aclose()
