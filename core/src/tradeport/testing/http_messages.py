"""HTTP request and response values exchanged with a :class:`LoopbackServer` handler."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

import attrs

from tradeport.net import json_codec

__all__ = ["AbortConnection", "DropMode", "Request", "Response"]

#: How a connection is dropped: TCP FIN (orderly) or TCP RST (abrupt).
DropMode = Literal["fin", "rst"]


@attrs.frozen(kw_only=True)
class Request:
    """One HTTP request (or WebSocket upgrade request) as the server received it."""

    method: str
    #: Path without the query string, as sent (percent-encoding kept).
    path: str
    #: The query string exactly as sent, without ``?`` (what a venue verifies signatures over).
    raw_query: str
    #: Decoded query parameters, in order.
    query: tuple[tuple[str, str], ...]
    #: Header names lower-cased, values as sent, in order.
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    #: The client certificate's common name on a TLS connection that presented one (a mock
    #: venue checks it, as Betfair's certificate login does); None otherwise.
    peer_common_name: str | None = None

    def header(self, name: str, default: str | None = None) -> str | None:
        """The first value of header ``name`` (case-insensitive)."""
        name = name.lower()
        for key, value in self.headers:
            if key == name:
                return value
        return default

    def param(self, name: str, default: str | None = None) -> str | None:
        """The first value of query parameter ``name``."""
        for key, value in self.query:
            if key == name:
                return value
        return default

    @property
    def target(self) -> str:
        """Path plus query string, as on the request line."""
        return f"{self.path}?{self.raw_query}" if self.raw_query else self.path

    def json(self) -> Any:
        """The body decoded as JSON."""
        return json_codec.loads(self.body)


def _header_pairs(
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None,
) -> tuple[tuple[str, str], ...]:
    if headers is None:
        return ()
    items = headers.items() if isinstance(headers, Mapping) else headers
    return tuple((str(k), str(v)) for k, v in items)


@attrs.frozen(kw_only=True)
class Response:
    """What a handler returns. ``Content-Length`` is added by the server.

    With ``release`` (an ``anyio.Event``) the server sends the head and the first
    ``held_from`` bytes of the body, then waits for the event before sending the rest: a
    body that arrives in parts, so a test can see a client use the first part before the
    rest exists (a streamed download, not one loaded whole).
    """

    status: int = 200
    headers: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_header_pairs)
    body: bytes = b""
    held_from: int = 0
    release: Any = None

    @classmethod
    def json(
        cls,
        payload: Any,
        status: int = 200,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    ) -> Response:
        """A JSON response."""
        return cls(
            status=status,
            headers=(("content-type", "application/json"), *_header_pairs(headers)),
            body=json_codec.dumps_venue(payload),  # Decimal as JSON numbers
        )

    @classmethod
    def text(
        cls,
        text: str,
        status: int = 200,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    ) -> Response:
        """A plain-text response."""
        return cls(
            status=status,
            headers=(("content-type", "text/plain; charset=utf-8"), *_header_pairs(headers)),
            body=text.encode(),
        )


class AbortConnection(Exception):
    """Raised by an HTTP handler to drop the connection instead of answering.

    ``mode="rst"`` resets it (the client sees a connection reset), ``"fin"`` closes it cleanly
    (the client sees the server hang up without a response).

    With ``partial`` (a response) and ``body_bytes``, the server first sends that response's
    head and the first ``body_bytes`` bytes of its body, then drops: a download that breaks
    off mid-body, as a network failure does.
    """

    def __init__(
        self, mode: DropMode = "rst", *, partial: Response | None = None, body_bytes: int = 0
    ) -> None:
        super().__init__(mode)
        self.mode: DropMode = mode
        self.partial = partial
        self.body_bytes = body_bytes
