"""A task group for a client's long-lived tasks that outlives the caller's cancel scopes.

# CORE-CANDIDATE: every streaming client needs this. ``connect()`` must start stream tasks that
# keep running after it returns, yet a caller may wrap ``connect()`` in ``anyio.fail_after`` (the
# conformance suite does): a task group entered inside ``connect()`` would then be exited out of
# order ("cancel scope that isn't the current task's"). The better home is the core: have
# ``open_venue`` own a task group and hand it to the clients. Until then this hosts one task group
# in a task of its own (asyncio task / trio system task), so nothing nests in the caller's scopes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

import anyio
import anyio.abc
import sniffio

__all__ = ["BackgroundHost"]

log = logging.getLogger("tradeport.bybit.background")


class BackgroundHost:
    """Owns one task group running in a detached host task.

    ``await host.open()`` starts it; :meth:`start` / :meth:`start_soon` run tasks in it (like a
    task group's); :meth:`aclose` cancels them and waits. A task failing after it started ends
    the group; the error is kept in :attr:`error` and logged, never raised into unrelated code.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.error: BaseException | None = None
        self._group: anyio.abc.TaskGroup | None = None
        self._stop = anyio.Event()
        self._ready = anyio.Event()
        self._done = anyio.Event()
        self._task: Any = None

    @property
    def running(self) -> bool:
        """True between :meth:`open` and the end of the group."""
        return self._group is not None and not self._done.is_set()

    async def open(self) -> None:
        """Start the host task and wait until its task group is ready."""
        if self._task is not None:
            return
        library = sniffio.current_async_library()
        if library == "trio":
            import trio

            self._task = trio.lowlevel.spawn_system_task(self._host, name=self.name)
        else:
            import asyncio

            self._task = asyncio.get_running_loop().create_task(self._host(), name=self.name)
        await self._ready.wait()

    async def _host(self) -> None:
        try:
            async with anyio.create_task_group() as group:
                self._group = group
                self._ready.set()
                await self._stop.wait()
                group.cancel_scope.cancel()
        except Exception as exc:  # a task failed after it started: keep it, do not crash
            self.error = exc
            log.warning("%s: background tasks ended: %r", self.name, exc)
        finally:
            self._group = None
            self._ready.set()
            self._done.set()

    def _require(self) -> anyio.abc.TaskGroup:
        group = self._group
        if group is None:
            raise RuntimeError(f"{self.name}: background host is not running")
        return group

    async def start(self, func: Callable[..., Coroutine[Any, Any, Any]], *args: Any) -> Any:
        """Run ``func(*args, task_status=...)`` in the group; return once it reports started.

        An error before ``started()`` is raised here.
        """
        return await self._require().start(func, *args)

    def start_soon(self, func: Callable[..., Coroutine[Any, Any, Any]], *args: Any) -> None:
        """Run ``func(*args)`` in the group."""
        self._require().start_soon(func, *args)

    async def aclose(self) -> None:
        """Cancel every task and wait for the group to end."""
        if self._task is None:
            return
        self._stop.set()
        await self._done.wait()
