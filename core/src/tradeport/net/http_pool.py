"""HttpPool: one venue REST connection pool, kept open or leased per call.

Venue REST clients are used two ways: held open by a connected client (``open()`` in connect,
``aclose()`` in disconnect), and ad hoc without connecting (a provider's ``load_all()``, a
one-off query). :class:`HttpPool` serves both with one :class:`~tradeport.net.HttpClient` at a
time: :meth:`HttpPool.session` yields the open pool, or a short-lived one shared by nested and
concurrent calls and closed when the last of them ends (shielded, so a cancelled caller still
closes it). The factory builds the HttpClient (base URL, signer, limiter, retries).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import anyio

from tradeport.net.http import HttpClient

__all__ = ["HttpPool"]


class HttpPool:
    """One HttpClient, open between :meth:`open` and :meth:`aclose`, else leased per call."""

    def __init__(self, factory: Callable[[], HttpClient]) -> None:
        self._factory = factory
        self._http: HttpClient | None = None
        self._persistent = False
        self._leases = 0

    @property
    def is_open(self) -> bool:
        """Whether :meth:`open` keeps a pool open."""
        return self._persistent

    async def open(self) -> None:
        """Keep one pool open until :meth:`aclose`."""
        if not self._persistent:
            if self._http is None:
                self._http = self._factory()
            self._persistent = True

    async def aclose(self) -> None:
        """Close the pool opened by :meth:`open` (at once, or when its last lease ends)."""
        self._persistent = False
        if self._http is not None and self._leases == 0:
            http, self._http = self._http, None
            await http.aclose()

    @asynccontextmanager
    async def session(self) -> AsyncIterator[HttpClient]:
        """The open pool, or a short-lived one shared by nested and concurrent calls."""
        if self._http is None:
            self._http = self._factory()
        http = self._http
        self._leases += 1
        try:
            yield http
        finally:
            self._leases -= 1
            if self._leases == 0 and not self._persistent and self._http is http:
                self._http = None
                with anyio.CancelScope(shield=True):
                    await http.aclose()
