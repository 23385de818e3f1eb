"""The venue side of a stream: what a plugin supplies to a :class:`~tradeport.net.StreamSession`.

A venue plugin stays thin: it gives the session a :class:`StreamProtocol` (the same class under
its first name, :class:`WsVenueProtocol`) that runs the venue's connect handshake, builds its
payloads (login, subscribe, unsubscribe, ping) and classifies what the venue sends. The session
does everything else (connection, heartbeats, acks, reconnects, replay), over any transport:
WebSocket, TCP, TLS.

The hooks, in the order a connection uses them:

* **connect** - :meth:`StreamProtocol.on_connect`: a handshake on the raw connection before
  anything else (a banner and a challenge to answer, a version exchange, a framing switch);
* **login** - :meth:`StreamProtocol.login_message`, answered by a ``LOGIN_OK`` /
  ``LOGIN_REFUSED`` classification;
* **subscribe** - :meth:`StreamProtocol.subscribe_messages` / ``unsubscribe_messages``, answered
  by ``ACK`` / ``REFUSAL``;
* **ping** - :meth:`StreamProtocol.text_ping` every ``ping_interval``, answered by ``PONG``;
  the venue's own pings are ``PING`` classifications with a ``reply``;
* **classify** - :meth:`StreamProtocol.classify_raw`, :meth:`StreamProtocol.decode`,
  :meth:`StreamProtocol.classify`.

Every received text/binary message goes through two steps:

1. :meth:`WsVenueProtocol.classify_raw` sees the raw frame first, so non-JSON heartbeats such as a
   plain ``pong`` never reach the decoder (and never count as parse errors);
2. :meth:`WsVenueProtocol.decode` then :meth:`WsVenueProtocol.classify` say what the message is:
   data for the handler, an ack or refusal of a (un)subscription (correlated by request id, or by
   the topics the venue echoes), a pong, a ping to answer, a login reply, a venue error, or noise.

:class:`GenericJsonProtocol` covers the common JSON shapes by configuration (Binance's
``method``/``params``/``id``, the ``op``/``args`` family of Bybit, OKX and BitMEX, text and JSON
pings), so tests and many plugins configure rather than subclass.
"""

from __future__ import annotations

import itertools
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final

import attrs
import msgspec

from tradeport.net import json_codec
from tradeport.net.http_errors import extract_venue_error

if TYPE_CHECKING:
    from tradeport.net.stream_session import StreamConnection

__all__ = [
    "PRESENT",
    "REQUEST_ID",
    "TOPICS",
    "Classified",
    "GenericJsonProtocol",
    "MessageKind",
    "RoutedFrame",
    "routed_frame_decoder",
    "StreamProtocol",
    "SubscriptionAction",
    "WsRequest",
    "WsVenueProtocol",
]


class MessageKind(StrEnum):
    """What a received message is, as far as the connection is concerned."""

    #: Market or account data: routed to the handler.
    DATA = "DATA"
    #: A venue acknowledged a (un)subscription (``request_id`` or ``topics``).
    ACK = "ACK"
    #: A venue refused a (un)subscription (``request_id`` or ``topics``, ``code``, ``message``).
    REFUSAL = "REFUSAL"
    #: The answer to our heartbeat.
    PONG = "PONG"
    #: The venue's own application-level ping; ``reply`` is sent back.
    PING = "PING"
    #: Login accepted.
    LOGIN_OK = "LOGIN_OK"
    #: Login refused (bad key, signature, timestamp): fatal, never retried.
    LOGIN_REFUSED = "LOGIN_REFUSED"
    #: A venue error not tied to a request: logged and counted.
    ERROR = "ERROR"
    #: Noise (welcome banners, info events): dropped.
    IGNORE = "IGNORE"
    #: A session-level message that needs an answer but is no ping (a FIX TestRequest or a
    #: sequence gap's ResendRequest): ``reply`` is sent back, nothing reaches the handler.
    REPLY = "REPLY"


class SubscriptionAction(StrEnum):
    """Which request an ack or refusal answers."""

    SUBSCRIBE = "SUBSCRIBE"
    UNSUBSCRIBE = "UNSUBSCRIBE"


@attrs.frozen(slots=True)
class Classified:
    """The result of classifying one message."""

    kind: MessageKind
    topics: tuple[str, ...] = ()
    request_id: str | int | None = None
    action: SubscriptionAction | None = None
    code: str | int | None = None
    message: str | None = None
    #: For ``PING`` and ``REPLY``: the payload to send back (str/bytes sent as is, anything else as JSON).
    reply: Any = None
    #: For ``ACK``: the reply also carries data (dYdX's ``subscribed`` message is the book
    #: snapshot), so it is routed to the handler as well, before the ack completes.
    carries_data: bool = False


# Shared instances for the hot path: classifying a data message allocates nothing.
DATA: Final = Classified(MessageKind.DATA)
PONG: Final = Classified(MessageKind.PONG)
IGNORE: Final = Classified(MessageKind.IGNORE)
LOGIN_OK: Final = Classified(MessageKind.LOGIN_OK)


@attrs.frozen
class WsRequest:
    """One outgoing (un)subscribe message with the topics it covers and its correlation id."""

    payload: Any
    topics: tuple[str, ...]
    action: SubscriptionAction
    request_id: str | int | None = None


class StreamProtocol(ABC):
    """What a venue plugin supplies to a stream session (see the module docstring).

    Hook names in the design notes map onto this class as follows: ``is_pong`` and
    ``answer_ping`` are the ``PONG`` / ``PING`` results of :meth:`classify` (or of
    :meth:`classify_raw` for plain-text heartbeats), and ``classify_login_reply`` is its
    ``LOGIN_OK`` / ``LOGIN_REFUSED`` results: one dispatch per message keeps the hot path short.
    """

    #: Seconds between application-level pings (:meth:`text_ping`); None disables them.
    ping_interval: float | None = None
    #: False for venues that never acknowledge subscriptions: topics are active once sent.
    acknowledges_subscriptions: bool = True
    #: Decode JSON numbers with a fraction as exact ``Decimal`` (venues that send prices as
    #: JSON numbers); see :func:`tradeport.net.json_codec.loads_exact`.
    exact_numbers: bool = False

    async def on_connect(self, connection: StreamConnection) -> None:
        """The connect hook: runs on every new connection before the login and the replay,
        with the connection to itself (``await connection.receive()`` / ``send()``; nothing
        else reads yet), bounded by the session's ``login_timeout``.

        For venues that greet or challenge first (Databento's ``lsg_version`` / ``cram`` lines,
        Betfair's ``connection`` message) or negotiate a version (IB's ``API\\0`` + version
        range; :meth:`~tradeport.net.TcpConnection.send_raw` writes unframed bytes, and
        :meth:`~tradeport.net.TcpConnection.set_inbound_framing` switches framing mid-stream).
        Raise :class:`~tradeport.errors.AuthenticationError` for refused credentials (fatal),
        :class:`~tradeport.errors.TransportError` for anything worth a reconnect. Default: none.
        """
        return None

    def text_ping(self) -> Any:
        """The application-level ping to send every :attr:`ping_interval` seconds, or None."""
        return None

    def classify_raw(self, raw: str | bytes) -> Classified | None:
        """Classify a raw frame before decoding (plain-text ``ping``/``pong``), or None."""
        return None

    def decode(self, raw: str | bytes) -> Any:
        """Decode one frame (JSON by default; numbers with a fraction as exact ``Decimal``
        when :attr:`exact_numbers`). A failure is counted as a parse error."""
        if self.exact_numbers:
            return json_codec.loads_exact(raw)
        return json_codec.loads(raw)

    def encode(self, payload: Any) -> str | bytes:
        """Encode an outgoing payload: str/bytes as is, anything else as compact JSON text."""
        if isinstance(payload, (str, bytes)):
            return payload
        return json_codec.dumps(payload)

    def classify(self, message: Any) -> Classified:
        """Say what a decoded message is (everything is data by default)."""
        return DATA

    def login_message(self) -> Any:
        """The login payload for a new connection (signed now), or None when no login is needed."""
        return None

    @abstractmethod
    def subscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        """The message(s) that subscribe ``topics`` (batched as the venue allows)."""

    @abstractmethod
    def unsubscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        """The message(s) that unsubscribe ``topics``."""

    def is_private(self, topic: str) -> bool:
        """Whether ``topic`` needs a login (private topics are replayed only after it)."""
        return False


#: The name the protocol had when only WebSockets had sessions.
WsVenueProtocol = StreamProtocol


class _Placeholder:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


#: Stands for the list of topics in a :class:`GenericJsonProtocol` request template.
TOPICS: Final = _Placeholder("TOPICS")
#: Stands for the request id in a :class:`GenericJsonProtocol` request template.
REQUEST_ID: Final = _Placeholder("REQUEST_ID")
#: In a field match: the key must be present, with any value.
PRESENT: Final = _Placeholder("PRESENT")

_MISSING: Final = object()

FieldMatch = Mapping[str, Any]


def _matches(message: Mapping[str, Any], pattern: FieldMatch | None) -> bool:
    if not pattern:
        return False
    for key, value in pattern.items():
        got = message.get(key, _MISSING)
        if got is _MISSING or (value is not PRESENT and got != value):
            return False
    return True


def _fill(template: Any, topics: list[str], request_id: str | int | None) -> Any:
    if template is TOPICS:
        return topics
    if template is REQUEST_ID:
        return request_id
    if isinstance(template, Mapping):
        return {k: _fill(v, topics, request_id) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(v, topics, request_id) for v in template]
    return template


def _uses_id(template: Any) -> bool:
    if template is REQUEST_ID:
        return True
    if isinstance(template, Mapping):
        return any(_uses_id(v) for v in template.values())
    if isinstance(template, list):
        return any(_uses_id(v) for v in template)
    return False


def _topics_of(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Iterable):
        return tuple(str(v) for v in value)
    return (str(value),)


class RoutedFrame(msgspec.Struct):
    """A data frame shaped ``{<route key>: "<topic>", <payload key>: ...}``, decoded only as
    far as routing needs it: ``route`` is the topic (Binance's ``stream``, Bybit's ``topic``)
    and ``payload`` the payload's JSON, still undecoded (a bytes-like :class:`msgspec.Raw`).

    Routing first and decoding second lets each route decode its payload straight into its
    own typed model (a :class:`msgspec.Struct` of the fields it reads) instead of building a
    dict of every field: on Binance's trade and bookTicker frames that is about a third of
    the cost of a message (``bench/bench_binance_parse.py``). Made by
    :func:`routed_frame_decoder`; :class:`GenericJsonProtocol` classifies it as data.
    """

    if TYPE_CHECKING:  # the fields come from routed_frame_decoder (renamed per venue)
        route: str
        payload: msgspec.Raw


def routed_frame_decoder(route_key: str, payload_key: str) -> Callable[[str | bytes], Any]:
    """A decoder of ``{route_key: str, payload_key: any JSON}`` frames into
    :class:`RoutedFrame` (other keys are skipped unread).

    The result has ``route=None`` when the frame has no ``route_key``, and an empty
    ``payload`` when it has no ``payload_key``; it raises :class:`msgspec.ValidationError`
    when the frame is not an object or its ``route_key`` is not a string, and
    :class:`msgspec.DecodeError` when it is not JSON.

    >>> decode = routed_frame_decoder("stream", "data")
    >>> frame = decode(b'{"stream":"btcusdt@trade","data":{"p":"1.5"}}')
    >>> frame.route, bytes(frame.payload)
    ('btcusdt@trade', b'{"p":"1.5"}')
    """
    frame_type = msgspec.defstruct(
        f"RoutedFrame_{route_key}_{payload_key}",
        [("route", str | None, None), ("payload", msgspec.Raw, msgspec.Raw())],
        bases=(RoutedFrame,),
        rename={"route": route_key, "payload": payload_key},
    )
    return msgspec.json.Decoder(frame_type).decode


class GenericJsonProtocol(StreamProtocol):
    """A configurable JSON venue protocol covering the common shapes.

    Requests are templates where :data:`TOPICS` and :data:`REQUEST_ID` are filled in::

        binance_like = GenericJsonProtocol(
            subscribe={"method": "SUBSCRIBE", "params": TOPICS, "id": REQUEST_ID},
            unsubscribe={"method": "UNSUBSCRIBE", "params": TOPICS, "id": REQUEST_ID},
            reply_id_key="id",                 # {"result": null, "id": 1} acks request 1
        )
        okx_like = GenericJsonProtocol(
            subscribe={"op": "subscribe", "args": TOPICS},
            unsubscribe={"op": "unsubscribe", "args": TOPICS},
            reply_id_key=None,
            ack={"event": "subscribe"}, unsubscribe_ack={"event": "unsubscribe"},
            ack_topics=lambda m: [m["arg"]],   # topics the venue echoes
            errors=[{"event": "error"}],
            text_ping="ping", pong="pong", ping_interval=20,
            login=make_login, login_ok={"event": "login", "code": "0"},
            login_refused={"event": "error"},
        )

    Replies carrying ``reply_id_key`` are acks unless they hold an ``error``, ``success: false``
    or match one of ``errors``; then they are refusals (code and message are lifted from the
    common shapes). ``pong`` is either plain text compared with the raw frame, or a field match
    on the decoded message; ``server_pings`` maps a plain-text venue ping to its answer.
    Everything else is data.

    ``route_by=(route_key, payload_key)`` (e.g. ``("stream", "data")`` for Binance's combined
    streams) decodes frames that carry a string ``route_key`` and a ``payload_key`` into a
    :class:`RoutedFrame` (data, payload undecoded) for the handler to route and decode with a
    typed model; every other frame (acks, errors, pongs) decodes to a dict as usual.

    ``exact_numbers=True`` decodes JSON numbers with a fraction as exact ``Decimal``.
    """

    def __init__(
        self,
        *,
        subscribe: Any = None,
        unsubscribe: Any = None,
        batch_size: int | None = None,
        reply_id_key: str | None = "id",
        string_ids: bool = False,
        ack: FieldMatch | None = None,
        unsubscribe_ack: FieldMatch | None = None,
        ack_topics: Callable[[Mapping[str, Any]], Any] | None = None,
        errors: Sequence[FieldMatch] = (),
        text_ping: Any = None,
        ping_interval: float | None = None,
        pong: str | FieldMatch | None = None,
        server_pings: Mapping[str, str] | None = None,
        login: Callable[[], Any] | None = None,
        login_ok: FieldMatch | None = None,
        login_refused: FieldMatch | None = None,
        private_topics: Callable[[str], bool] | Collection[str] | None = None,
        ignore: Sequence[FieldMatch] = (),
        acknowledges_subscriptions: bool = True,
        route_by: tuple[str, str] | None = None,
        exact_numbers: bool = False,
    ) -> None:
        self.subscribe_template = (
            subscribe
            if subscribe is not None
            else {"method": "SUBSCRIBE", "params": TOPICS, "id": REQUEST_ID}
        )
        self.unsubscribe_template = (
            unsubscribe
            if unsubscribe is not None
            else {"method": "UNSUBSCRIBE", "params": TOPICS, "id": REQUEST_ID}
        )
        self.batch_size = batch_size
        self.reply_id_key = reply_id_key
        self.string_ids = string_ids
        self.ack = ack
        self.unsubscribe_ack = unsubscribe_ack
        self.ack_topics = ack_topics
        self.errors = tuple(errors)
        self._text_ping = text_ping
        self.ping_interval = ping_interval
        self.pong_text = pong if isinstance(pong, str) else None
        self.pong_match = None if isinstance(pong, str) else pong
        self.server_pings = dict(server_pings or {})
        self.login = login
        self.login_ok = login_ok
        self.login_refused = login_refused
        self.private_topics = private_topics
        self.ignore = tuple(ignore)
        self.acknowledges_subscriptions = acknowledges_subscriptions
        self.route_by = route_by
        self.exact_numbers = exact_numbers
        self._routed = routed_frame_decoder(*route_by) if route_by is not None else None
        self._ids: Iterator[int] = itertools.count(1)
        # Plain-text frames worth a look before decoding; bounded length keeps the check O(1).
        self._raw: dict[str | bytes, Classified] = {}
        if self.pong_text is not None:
            self._raw[self.pong_text] = PONG
            self._raw[self.pong_text.encode()] = PONG
        for ping, answer in self.server_pings.items():
            self._raw[ping] = Classified(MessageKind.PING, reply=answer)
            self._raw[ping.encode()] = Classified(MessageKind.PING, reply=answer)
        self._raw_max = max((len(k) for k in self._raw), default=-1)

    # -- outgoing -----------------------------------------------------------------------------

    def text_ping(self) -> Any:
        """The configured application-level ping."""
        return self._text_ping

    def login_message(self) -> Any:
        """The login payload from the ``login`` factory (called per connection), or None."""
        return self.login() if self.login is not None else None

    def is_private(self, topic: str) -> bool:
        """Whether ``topic`` is private according to ``private_topics``."""
        private = self.private_topics
        if private is None:
            return False
        if callable(private):
            return bool(private(topic))
        return topic in private

    def next_request_id(self) -> str | int:
        """A fresh request id (int, or str when ``string_ids``)."""
        value = next(self._ids)
        return str(value) if self.string_ids else value

    def _requests(
        self, template: Any, topics: Sequence[str], action: SubscriptionAction
    ) -> list[WsRequest]:
        size = self.batch_size or max(len(topics), 1)
        with_id = _uses_id(template)
        requests = []
        for start in range(0, len(topics), size):
            batch = list(topics[start : start + size])
            request_id = self.next_request_id() if with_id else None
            requests.append(
                WsRequest(_fill(template, batch, request_id), tuple(batch), action, request_id)
            )
        return requests

    def subscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        """Subscribe requests from the template, ``batch_size`` topics each."""
        return self._requests(self.subscribe_template, topics, SubscriptionAction.SUBSCRIBE)

    def unsubscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        """Unsubscribe requests from the template, ``batch_size`` topics each."""
        return self._requests(self.unsubscribe_template, topics, SubscriptionAction.UNSUBSCRIBE)

    # -- incoming -----------------------------------------------------------------------------

    def classify_raw(self, raw: str | bytes) -> Classified | None:
        """Plain-text pongs and venue pings, matched exactly before any decoding."""
        if len(raw) <= self._raw_max:
            return self._raw.get(raw)
        return None

    def decode(self, raw: str | bytes) -> Any:
        """A :class:`RoutedFrame` for a routed data frame (with ``route_by``), else a dict."""
        routed = self._routed
        if routed is not None:
            try:
                frame = routed(raw)
            except msgspec.ValidationError:
                frame = None  # not an object, or the route key is no string: decode it all
            if frame is not None and frame.route is not None and frame.payload:
                return frame
        if self.exact_numbers:
            return json_codec.loads_exact(raw)
        return json_codec.loads(raw)

    def _topics(self, message: Mapping[str, Any]) -> tuple[str, ...]:
        if self.ack_topics is None:
            return ()
        try:
            return _topics_of(self.ack_topics(message))
        except (KeyError, TypeError, IndexError):
            return ()

    def _is_refusal(self, message: Mapping[str, Any]) -> bool:
        error = message.get("error")
        if error is not None and error is not False and error != "":
            return True
        if message.get("success") is False:
            return True
        return any(_matches(message, pattern) for pattern in self.errors)

    def classify(self, message: Any) -> Classified:
        """Classify a decoded message by the configured field matches (see the class docs)."""
        if not isinstance(message, dict):
            return DATA
        if self.pong_match is not None and _matches(message, self.pong_match):
            return PONG
        if self.login_ok is not None and _matches(message, self.login_ok):
            return LOGIN_OK
        if self.login_refused is not None and _matches(message, self.login_refused):
            code, text = extract_venue_error(message)
            return Classified(MessageKind.LOGIN_REFUSED, code=code, message=text)
        rid_key = self.reply_id_key
        if rid_key is not None and rid_key in message:
            request_id = message[rid_key]
            if self._is_refusal(message):
                code, text = extract_venue_error(message)
                return Classified(
                    MessageKind.REFUSAL, self._topics(message), request_id, code=code, message=text
                )
            return Classified(MessageKind.ACK, self._topics(message), request_id)
        for pattern in self.errors:
            if _matches(message, pattern):
                code, text = extract_venue_error(message)
                topics = self._topics(message)
                kind = MessageKind.REFUSAL if topics else MessageKind.ERROR
                return Classified(kind, topics, code=code, message=text)
        if self.unsubscribe_ack is not None and _matches(message, self.unsubscribe_ack):
            return Classified(
                MessageKind.ACK, self._topics(message), action=SubscriptionAction.UNSUBSCRIBE
            )
        if self.ack is not None and _matches(message, self.ack):
            return Classified(
                MessageKind.ACK, self._topics(message), action=SubscriptionAction.SUBSCRIBE
            )
        for pattern in self.ignore:
            if _matches(message, pattern):
                return IGNORE
        return DATA
