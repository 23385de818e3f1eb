"""A fault-injecting TCP proxy for loopback tests.

Put it between a client and any server (a :class:`~tradeport.testing.LoopbackServer`, a mock
venue) and break the path the ways networks and venues break:

* :meth:`FaultProxy.close_fin` - the connection ends in an orderly way (TCP FIN to both ends);
* :meth:`FaultProxy.reset_rst` - the connection is reset (TCP RST to both ends);
* :meth:`FaultProxy.blackhole` - sockets stay open and TCP stays healthy, but nothing is forwarded
  either way: a hung venue, which keepalive at the TCP level never notices; new connections are
  accepted and then hang as well;
* :meth:`FaultProxy.refuse` - new connections are reset as soon as they arrive;
* :meth:`FaultProxy.restore` - new connections pass through again;
* :meth:`FaultProxy.fragment` - what the server sends reaches the client a few bytes per
  write (frames split across the client's reads);
* :meth:`FaultProxy.cut_after` - forward only the next N bytes from the server, then drop the
  connection (FIN or RST) in the middle of a frame.

::

    async with LoopbackServer(websockets={"/ws": venue}) as server, \\
            FaultProxy(server.port) as proxy:
        client_url = proxy.ws_url + "/ws"
        ...
        await proxy.reset_rst()
"""

from __future__ import annotations

import time
from typing import Literal

import anyio
import anyio.abc
import anyio.lowlevel

from tradeport.testing.http_messages import DropMode
from tradeport.testing.listener import DroppableConnection, LoopbackListener
from tradeport.testing.sockets import GONE, drain_and_close, reset_with_rst, send_fin

__all__ = ["FaultProxy", "ProxyMode"]

#: What happens to new connections.
ProxyMode = Literal["pass", "blackhole", "refuse"]


class _ProxiedConnection(DroppableConnection):
    def __init__(self, client: anyio.abc.SocketStream) -> None:
        super().__init__()
        self.client = client
        self.upstream: anyio.abc.SocketStream | None = None
        self.blackholed = False


class FaultProxy(LoopbackListener):
    """TCP proxy on 127.0.0.1 port 0 in front of ``target_host:target_port``.

    Observations: :attr:`connections` (accepted in total), :attr:`active` (open now),
    :attr:`mode`; :attr:`changed` is notified on every change (see :meth:`wait_until`).
    """

    def __init__(
        self, target_port: int, target_host: str = "127.0.0.1", *, host: str = "127.0.0.1"
    ) -> None:
        super().__init__(host)
        self.target_host = target_host
        self.target_port = target_port
        self.mode: ProxyMode = "pass"
        self.connections = 0
        #: ``time.monotonic()`` of each connection's arrival (reconnect timing in tests).
        self.arrivals: list[float] = []
        #: Server-to-client writes are at most this many bytes (None: as read).
        self.fragment_size: int | None = None
        # Server-to-client bytes still to forward before dropping, and how to drop.
        self._cut: tuple[int, DropMode] | None = None
        #: Server-to-client bytes forwarded in total.
        self.bytes_to_client = 0

    # -- faults ---------------------------------------------------------------------------------

    async def close_fin(self) -> int:
        """End every open connection with FIN on both sides; returns how many."""
        return await self._drop_live("fin")

    async def reset_rst(self) -> int:
        """Reset every open connection (RST on both sides); returns how many."""
        return await self._drop_live("rst")

    def blackhole(self) -> None:
        """Stop forwarding on open connections and hang new ones, keeping every socket open."""
        self.mode = "blackhole"
        for connection in self._live:
            assert isinstance(connection, _ProxiedConnection)
            connection.blackholed = True
        self.changed.notify()

    def refuse(self) -> None:
        """Reset new connections as soon as they are accepted."""
        self.mode = "refuse"
        self.changed.notify()

    def restore(self) -> None:
        """Forward new connections again (black-holed ones stay dead until closed)."""
        self.mode = "pass"
        self.changed.notify()

    def fragment(self, size: int | None = 1) -> None:
        """Forward server-to-client data ``size`` bytes per write (None: restore), yielding
        to the event loop between writes, so every frame reaches the client in pieces."""
        if size is not None and size < 1:
            raise ValueError(f"fragment: size must be at least 1, got {size}")
        self.fragment_size = size

    def cut_after(self, n_bytes: int, mode: DropMode = "rst") -> None:
        """Forward only the next ``n_bytes`` from the server to the client, then drop that
        connection with ``mode``: the client is left holding part of a frame."""
        self._cut = (n_bytes, mode)

    # -- forwarding -----------------------------------------------------------------------------

    async def _handle(self, client: anyio.abc.SocketStream) -> None:
        self.connections += 1
        self.arrivals.append(time.monotonic())
        if self.mode == "refuse":
            await reset_with_rst(client)
            self.changed.notify()
            return
        connection = _ProxiedConnection(client)
        connection.blackholed = self.mode == "blackhole"
        self._live.add(connection)
        self.changed.notify()
        try:
            with connection.scope:
                if not connection.blackholed:
                    connection.upstream = await anyio.connect_tcp(
                        self.target_host, self.target_port
                    )
                async with anyio.create_task_group() as group:
                    group.start_soon(self._pump, connection, client, True)
                    if connection.upstream is not None:
                        group.start_soon(self._pump, connection, connection.upstream, False)
        except GONE:
            pass
        finally:
            self._live.discard(connection)
            streams = [s for s in (client, connection.upstream) if s is not None]
            if connection.drop_mode == "rst":
                for stream in streams:
                    await reset_with_rst(stream)
                connection.ended.set()
            else:
                for stream in streams:
                    await send_fin(stream)
                connection.ended.set()
                with anyio.CancelScope(shield=True):
                    async with anyio.create_task_group() as group:
                        for stream in streams:
                            group.start_soon(drain_and_close, stream)
            self.changed.notify()

    async def _pump(
        self, connection: _ProxiedConnection, source: anyio.abc.SocketStream, to_upstream: bool
    ) -> None:
        """Copy one direction; when it ends, end the whole connection the same way."""
        try:
            while True:
                data = await source.receive(65536)
                target = connection.upstream if to_upstream else connection.client
                if connection.blackholed or target is None:
                    continue  # read and drop: the sender sees a healthy, silent peer
                if to_upstream:
                    await target.send(data)
                else:
                    await self._to_client(connection, target, data)
        except _Cut as cut:
            connection.drop(cut.mode)
        except anyio.EndOfStream:
            connection.drop("fin")  # an orderly end is passed on as one
        except GONE:
            connection.drop("rst")  # so is a reset

    async def _to_client(
        self, connection: _ProxiedConnection, client: anyio.abc.SocketStream, data: bytes
    ) -> None:
        cut = self._cut
        if cut is not None:
            budget, mode = cut
            if len(data) >= budget:
                self._cut = None
                if budget:
                    await self._write(client, data[:budget])
                raise _Cut(mode)
            self._cut = (budget - len(data), mode)
        await self._write(client, data)

    async def _write(self, client: anyio.abc.SocketStream, data: bytes) -> None:
        size = self.fragment_size
        if size is None:
            await client.send(data)
        else:
            for start in range(0, len(data), size):
                await client.send(data[start : start + size])
                await anyio.lowlevel.checkpoint()  # let the pieces go out one by one
        self.bytes_to_client += len(data)
        self.changed.notify()


class _Cut(Exception):
    def __init__(self, mode: DropMode) -> None:
        super().__init__(mode)
        self.mode = mode
