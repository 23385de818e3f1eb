"""A change notifier: wait (without polling) until a condition on shared state holds.

State owners call :meth:`ChangeNotifier.notify` after every change; waiters re-check their
predicate on each notification. Works under asyncio and trio (anyio), and can be created outside
a running event loop (the underlying event is made on first wait).
"""

from __future__ import annotations

from collections.abc import Callable

import anyio

__all__ = ["ChangeNotifier"]


class ChangeNotifier:
    """Wakes every waiter whenever :meth:`notify` is called."""

    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event: anyio.Event | None = None

    def notify(self) -> None:
        """Wake all current waiters (they re-check their conditions)."""
        event, self._event = self._event, None
        if event is not None:
            event.set()

    async def wait(self) -> None:
        """Wait for the next :meth:`notify`."""
        if self._event is None:
            self._event = anyio.Event()
        await self._event.wait()

    async def wait_until(self, predicate: Callable[[], bool]) -> None:
        """Return once ``predicate()`` is true, re-checking after every notification.

        Bound it with a cancel scope (``anyio.fail_after``) when the condition may never hold.
        """
        while not predicate():
            await self.wait()
