"""Closing TCP connections the two ways venues do: orderly (FIN) and abrupt (RST)."""

from __future__ import annotations

import socket
import struct

import anyio
import anyio.abc
from anyio.abc import SocketAttribute
from anyio.streams.tls import TLSStream

__all__ = ["GONE", "close_with_fin", "drain_and_close", "reset_with_rst", "send_fin"]

#: Errors a socket raises once the peer is gone; closing must not fail on them.
GONE = (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError, anyio.EndOfStream)


async def reset_with_rst(stream: anyio.abc.ByteStream) -> None:
    """Close ``stream`` with a TCP RST (SO_LINGER 0): the peer sees ``connection reset``."""
    try:
        raw = stream.extra(SocketAttribute.raw_socket)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except (OSError, anyio.TypedAttributeLookupError):
        pass
    with anyio.CancelScope(shield=True):
        try:
            # Forcefully: a TLS stream would otherwise wait for the peer's close_notify.
            await anyio.aclose_forcefully(stream)
        except GONE:
            pass


async def send_fin(stream: anyio.abc.ByteStream) -> None:
    """Shut down the sending side: the peer reads end-of-stream (TCP FIN).

    On TLS the FIN goes out on the TCP stream underneath (anyio cannot half-close TLS): the
    peer sees the connection end without a close_notify, as when a venue's process dies.
    """
    target: anyio.abc.ObjectStream[bytes] | anyio.abc.ByteStream = (
        stream.transport_stream if isinstance(stream, TLSStream) else stream
    )
    with anyio.CancelScope(shield=True):
        try:
            await target.send_eof()
        except GONE:
            pass


#: Bytes :func:`drain_and_close` reads at most: a peer still sending more after our FIN is not
#: closing (a mock streaming an oversized frame), and reading it all would hide that it was cut.
DRAIN_LIMIT = 1 << 20


async def drain_and_close(
    stream: anyio.abc.ByteStream, drain_timeout: float = 2.0, max_bytes: int = DRAIN_LIMIT
) -> None:
    """Read until the peer closes (or ``drain_timeout``, or ``max_bytes`` read), then close.

    After :func:`send_fin`, this keeps the close a FIN: closing a socket with unread data makes
    the kernel send RST instead. A peer that keeps sending past ``max_bytes`` gets the RST: the
    drain must not turn into a sink that accepts a whole oversized stream (ER4 measures how
    much of one a client took).
    """
    with anyio.CancelScope(shield=True):
        with anyio.move_on_after(drain_timeout):
            read = 0
            try:
                while read < max_bytes and (data := await stream.receive(65536)):
                    read += len(data)
            except GONE:
                pass
        try:
            await anyio.aclose_forcefully(stream)
        except GONE:
            pass


async def close_with_fin(stream: anyio.abc.ByteStream, drain_timeout: float = 2.0) -> None:
    """Close ``stream`` with a TCP FIN (see :func:`send_fin` and :func:`drain_and_close`)."""
    await send_fin(stream)
    await drain_and_close(stream, drain_timeout)
