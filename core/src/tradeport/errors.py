"""One error taxonomy for everything tradeport raises.

Every failure a caller can see is a :class:`TradeportError`. Venue-facing failures are
:class:`VenueError` subclasses that carry the HTTP status, the venue's own code and message, the
endpoint, and whether retrying could help (``retryable``). Raw httpx / httpx-ws / wsproto
exceptions never escape the network layer; they are wrapped in one of these.
"""

from __future__ import annotations

__all__ = [
    "TradeportError",
    "ConfigError",
    "ValidationError",
    "PluginError",
    "UnsupportedOperation",
    "MissingCredentials",
    "UnknownInstrument",
    "AmbiguousInstrument",
    "VenueError",
    "NetworkError",
    "RequestTimeout",
    "TransportError",
    "MessageTooLarge",
    "RateLimitError",
    "ServerError",
    "RequestRejected",
    "AuthenticationError",
    "ClockSkewError",
    "SubscriptionError",
    "OrderRejected",
]


class TradeportError(Exception):
    """Base of every error tradeport raises on purpose."""

    #: Whether repeating the same operation later could succeed.
    retryable: bool = False


class ConfigError(TradeportError, ValueError):
    """Bad configuration or bad input; the message names the field and the value."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ValidationError(ConfigError):
    """A value failed validation while building a model object or config.

    The message always names the field and the offending value, e.g.
    ``price: '1.2.3' is not a decimal number``.
    """

    def __init__(self, field: str, value: object, problem: str) -> None:
        super().__init__(f"{field}: {value!r} {problem}", field=field)
        self.value = value
        self.problem = problem


class PluginError(TradeportError):
    """A plugin could not be loaded or used (import failure, bad hook, missing dependency)."""

    def __init__(self, plugin: str, reason: str) -> None:
        super().__init__(f"plugin {plugin!r}: {reason}")
        self.plugin = plugin
        self.reason = reason


class UnsupportedOperation(TradeportError, NotImplementedError):
    """The venue (or its plugin) does not support this operation."""

    def __init__(self, venue: str, operation: str, detail: str = "") -> None:
        msg = f"{venue} does not support {operation}"
        super().__init__(f"{msg}: {detail}" if detail else msg)
        self.venue = venue
        self.operation = operation


class MissingCredentials(TradeportError):
    """A private operation was attempted without credentials; raised before any request leaves."""

    def __init__(self, venue: str, operation: str, hint: str = "") -> None:
        msg = f"{venue}: {operation} needs API credentials"
        super().__init__(f"{msg} ({hint})" if hint else msg)
        self.venue = venue
        self.operation = operation


class UnknownInstrument(TradeportError, KeyError):
    """An instrument id the venue does not list (or that was not loaded)."""

    def __init__(self, venue: str, instrument_id: object, detail: str = "") -> None:
        msg = f"{venue}: unknown instrument {instrument_id}"
        super().__init__(f"{msg} ({detail})" if detail else msg)
        self.venue = venue
        self.instrument_id = instrument_id

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class AmbiguousInstrument(TradeportError, LookupError):
    """An instrument query matched several instruments: ``candidates`` holds them all (sorted
    by id), so the caller can pick one or narrow the query."""

    def __init__(self, venue: str, query: object, candidates: tuple[object, ...]) -> None:
        ids = [str(getattr(c, "id", c)) for c in candidates]
        shown = ", ".join(ids[:10]) + (f", ... ({len(ids)} in all)" if len(ids) > 10 else "")
        super().__init__(f"{venue}: {query} is ambiguous: {shown}")
        self.venue = venue
        self.query = query
        self.candidates = candidates


class VenueError(TradeportError):
    """A failure talking to a venue.

    ``http_status`` is None for stream (WebSocket) failures; ``venue_code`` / ``venue_message``
    are the venue's own error code and text where the venue sent them.
    """

    def __init__(
        self,
        message: str,
        *,
        venue: str | None = None,
        endpoint: str | None = None,
        http_status: int | None = None,
        venue_code: str | int | None = None,
        venue_message: str | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.venue = venue
        self.endpoint = endpoint
        self.http_status = http_status
        self.venue_code = venue_code
        self.venue_message = venue_message
        if retryable is not None:
            self.retryable = retryable

    def __str__(self) -> str:
        parts = [super().__str__()]
        where = " ".join(p for p in (self.venue, self.endpoint) if p)
        if where:
            parts.append(f"[{where}]")
        if self.http_status is not None:
            parts.append(f"http={self.http_status}")
        if self.venue_code is not None:
            parts.append(f"code={self.venue_code}")
        if self.venue_message:
            parts.append(f"msg={self.venue_message!r}")
        return " ".join(parts)


class NetworkError(VenueError):
    """The request or connection failed below HTTP (refused, reset, DNS, TLS)."""

    retryable = True


class RequestTimeout(NetworkError):
    """No answer in time. The outcome on the venue is unknown (an order may be live)."""


class TransportError(NetworkError):
    """A WebSocket transport failure: the connection dropped, closed, or could not be used."""

    def __init__(self, message: str, *, close_code: int | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.close_code = close_code


class MessageTooLarge(TransportError):
    """A stream message exceeded the configured maximum size and was refused."""

    retryable = False


class RateLimitError(VenueError):
    """HTTP 429/418 or the venue's own rate-limit code. ``retry_after`` is seconds, if known."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class ServerError(VenueError):
    """HTTP 5xx: the venue failed. The outcome of a write is unknown.

    ``retry_after`` is seconds when the venue said when to come back (503 with Retry-After).
    """

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class RequestRejected(VenueError):
    """HTTP 4xx (other than 429) or a venue error code: the request itself was refused."""


class AuthenticationError(RequestRejected):
    """Credentials were refused (bad key, bad signature, HTTP 401/403). Fatal: never retried."""


class ClockSkewError(RequestRejected):
    """The request timestamp fell outside the venue's receive window (local clock skew)."""


class SubscriptionError(VenueError):
    """The venue refused a subscription."""


class OrderRejected(RequestRejected):
    """The venue definitively rejected an order command."""
