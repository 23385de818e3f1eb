"""The FIX session layer as a :class:`~tradeport.net.StreamProtocol` (sans-IO, any FIX venue).

:class:`FixSessionProtocol` runs on a :class:`~tradeport.net.StreamSession` over a
:class:`~tradeport.net.TcpTransport` with :class:`~tradeport.net.FixFraming` (which adds and
checks ``8=``, ``9=`` and ``10=``). It keeps what FIX asks of a session, so a venue plugin only
adds its logon fields (credentials, signature) and reads the application messages:

* **logon** (``35=A``) built when the connection is made, with ``ResetSeqNumFlag`` (141=Y) by
  default, so both sides start at 1 on every connection; the venue's Logon is ``LOGIN_OK``, a
  Logout (``35=5``) before it is ``LOGIN_REFUSED`` (fatal: a refused logon is never repeated);
* **sequence numbers**: every outgoing message gets the next ``MsgSeqNum`` (34) and a
  ``SendingTime`` (52); every incoming one is checked against the next expected number;
* **gaps**: a message numbered above the expected one is held back and a ResendRequest
  (``35=2``, 7=expected, 16=0) is sent once; while it is outstanding, further messages above
  the expected number are dropped too (the resend covers them); resent messages
  (``PossDupFlag`` 43=Y) and ``SequenceReset`` gap fills (``35=4``, 123=Y) close the gap.
  A duplicate (below the expected number, PossDup) is dropped, so every application message
  reaches the handler exactly once and in sequence order;
* **heartbeats**: a Heartbeat (``35=0``) every ``HeartBtInt`` seconds (the session's text
  ping, which the venue's Heartbeats answer as pongs), a TestRequest (``35=1``) answered with a
  Heartbeat carrying its ``TestReqID`` (112);
* **the venue's ResendRequest** is answered with a gap fill up to our next number (a client of
  this layer sends only session messages, which FIX never resends);
* **logout**: :meth:`FixSessionProtocol.logout` is the message to send before closing.

Application messages reach the session handler as :class:`FixMessage` objects.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from tradeport.net.framing import parse_fix
from tradeport.net.ws_protocol import (
    IGNORE,
    PONG,
    Classified,
    MessageKind,
    StreamProtocol,
    WsRequest,
)

__all__ = ["FixMessage", "FixOutgoing", "FixSessionProtocol", "fix_sending_time"]


def fix_sending_time(epoch_seconds: float) -> str:
    """``SendingTime`` (tag 52) in UTC with milliseconds: ``YYYYMMDD-HH:MM:SS.sss``."""
    whole = int(epoch_seconds)
    millis = round((epoch_seconds - whole) * 1000)
    if millis == 1000:
        whole, millis = whole + 1, 0
    return time.strftime("%Y%m%d-%H:%M:%S", time.gmtime(whole)) + f".{millis:03d}"


@attrs.frozen(slots=True)
class FixOutgoing:
    """A message to send: its type (tag 35) and body fields after the standard header."""

    msg_type: str
    fields: tuple[tuple[int, Any], ...] = ()


@attrs.frozen(slots=True)
class FixMessage:
    """One received FIX message: every ``(tag, value)`` pair in order, and lookups by tag
    (the first occurrence; repeating groups are read from :attr:`pairs`)."""

    pairs: tuple[tuple[int, str], ...]
    values: dict[int, str] = attrs.field(eq=False, repr=False)

    @classmethod
    def parse(cls, raw: bytes) -> FixMessage:
        """Parse a framed message (checksum already verified by the framing)."""
        pairs = tuple((tag, value.decode()) for tag, value in parse_fix(raw))
        values: dict[int, str] = {}
        for tag, value in pairs:
            values.setdefault(tag, value)
        return cls(pairs, values)

    @property
    def msg_type(self) -> str:
        """``MsgType`` (35)."""
        return self.values[35]

    @property
    def seq(self) -> int:
        """``MsgSeqNum`` (34)."""
        return int(self.values[34])

    @property
    def poss_dup(self) -> bool:
        """``PossDupFlag`` (43) is ``Y``: a resent message."""
        return self.values.get(43) == "Y"

    def get(self, tag: int, default: str | None = None) -> str | None:
        """The value of ``tag``, or ``default``."""
        return self.values.get(tag, default)

    def __getitem__(self, tag: int) -> str:
        return self.values[tag]

    def __contains__(self, tag: object) -> bool:
        return tag in self.values


class FixSessionProtocol(StreamProtocol):
    """The FIX session layer (see the module docstring).

    :param sender_comp_id: ``SenderCompID`` (49) of our messages.
    :param target_comp_id: ``TargetCompID`` (56), the venue's session name.
    :param heartbeat_interval: ``HeartBtInt`` (108) in seconds, also our Heartbeat period.
    :param reset_on_logon: send ``ResetSeqNumFlag`` (141=Y): both sides restart at 1.
    :param clock: epoch seconds, for ``SendingTime``.

    Subclasses add venue fields to the Logon by overriding :meth:`logon_fields`.
    """

    acknowledges_subscriptions = False

    def __init__(
        self,
        sender_comp_id: str,
        target_comp_id: str,
        *,
        heartbeat_interval: int = 30,
        reset_on_logon: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.sender_comp_id = sender_comp_id
        self.target_comp_id = target_comp_id
        self.heartbeat_interval = heartbeat_interval
        self.ping_interval = float(heartbeat_interval)
        self.reset_on_logon = reset_on_logon
        self.clock = clock
        #: Next MsgSeqNum we send / we expect from the venue.
        self.next_outgoing = 1
        self.next_incoming = 1
        #: The first missing number while a ResendRequest is outstanding.
        self.resend_from: int | None = None
        #: Counters: gaps detected, resend requests sent, duplicates dropped, held back messages.
        self.gaps = 0
        self.resend_requests = 0
        self.duplicates = 0
        self.held_back = 0
        self.logged_on = False

    # -- hooks for venues -----------------------------------------------------------------------

    def logon_fields(self, sending_time: str) -> Sequence[tuple[int, Any]]:
        """Venue fields appended to the Logon (credentials, signature over ``sending_time``)."""
        return ()

    # -- StreamProtocol ---------------------------------------------------------------------------

    async def on_connect(self, connection: Any) -> None:
        """Every connection is a new FIX session: both sequences restart at 1."""
        if self.reset_on_logon:
            self.next_outgoing = 1
            self.next_incoming = 1
        self.resend_from = None
        self.logged_on = False

    def login_message(self) -> FixOutgoing:
        fields: list[tuple[int, Any]] = [(98, 0), (108, self.heartbeat_interval)]
        if self.reset_on_logon:
            fields.append((141, "Y"))
        return FixOutgoing("A", tuple(fields))

    def text_ping(self) -> FixOutgoing:
        return FixOutgoing("0")

    def logout(self, text: str | None = None) -> FixOutgoing:
        """The Logout to send before closing the connection."""
        return FixOutgoing("5", ((58, text),) if text else ())

    def encode(self, payload: Any) -> bytes:
        """Add the standard header (35, 49, 56, 34, 52) to a :class:`FixOutgoing` body; the
        framing adds 8, 9 and 10. Bytes are sent as they are (already a body)."""
        if isinstance(payload, bytes):
            return payload
        if not isinstance(payload, FixOutgoing):
            raise TypeError(f"FIX payload must be FixOutgoing or bytes, not {type(payload)!r}")
        sending_time = fix_sending_time(self.clock())
        fields: list[tuple[int, Any]] = [
            (35, payload.msg_type),
            (49, self.sender_comp_id),
            (56, self.target_comp_id),
            (34, self.next_outgoing),
            (52, sending_time),
            *payload.fields,
        ]
        if payload.msg_type == "A":
            fields.extend(self.logon_fields(sending_time))
        self.next_outgoing += 1
        return b"".join(b"%d=%s\x01" % (tag, str(value).encode()) for tag, value in fields)

    def decode(self, raw: str | bytes) -> FixMessage:
        return FixMessage.parse(raw if isinstance(raw, bytes) else raw.encode())

    def classify(self, message: FixMessage) -> Classified:
        msg_type = message.msg_type
        if msg_type == "A":
            self.logged_on = True
            self.next_incoming = message.seq + 1
            return Classified(MessageKind.LOGIN_OK)
        if msg_type == "5" and not self.logged_on:
            return Classified(MessageKind.LOGIN_REFUSED, message=message.get(58))
        if msg_type == "4":
            return self._sequence_reset(message)
        checked = self._check_sequence(message)
        if checked is not None:
            return checked
        if msg_type == "0":
            return PONG
        if msg_type == "1":
            return Classified(
                MessageKind.REPLY, reply=FixOutgoing("0", ((112, message.get(112, "")),))
            )
        if msg_type == "2":
            # We send session messages only, which FIX never resends: a SequenceReset (reset
            # mode, which ignores its own MsgSeqNum) moves the venue past all of them.
            reset = FixOutgoing("4", ((123, "N"), (36, self.next_outgoing + 1)))
            return Classified(MessageKind.REPLY, reply=reset)
        if msg_type == "3":
            return Classified(MessageKind.ERROR, code=message.get(373), message=message.get(58))
        if msg_type == "5":
            self.logged_on = False
            return Classified(MessageKind.ERROR, code="logout", message=message.get(58))
        return Classified(MessageKind.DATA)

    def _check_sequence(self, message: FixMessage) -> Classified | None:
        """None when ``message`` is the next expected one (the counter moves on); otherwise
        what to do with it: drop it (duplicate, or held back while a resend is outstanding) or
        ask for the missing range."""
        seq = message.seq
        expected = self.next_incoming
        if seq == expected:
            self.next_incoming = seq + 1
            if self.resend_from is not None and self.resend_from < self.next_incoming:
                self.resend_from = None
            return None
        if seq < expected:
            self.duplicates += 1
            if message.poss_dup:
                return IGNORE
            return Classified(
                MessageKind.ERROR,
                code="MsgSeqNum too low",
                message=f"MsgSeqNum {seq} below the expected {expected} without PossDupFlag",
            )
        self.held_back += 1
        if self.resend_from is not None:
            return IGNORE
        self.gaps += 1
        self.resend_requests += 1
        self.resend_from = expected
        return Classified(MessageKind.REPLY, reply=FixOutgoing("2", ((7, expected), (16, 0))))

    def _sequence_reset(self, message: FixMessage) -> Classified:
        new_seq = int(message[36])
        if message.get(123) == "Y":
            # Gap fill: numbered like any message (it can itself come after a gap).
            checked = self._check_sequence(message)
            if checked is not None:
                return checked
            self.next_incoming = max(self.next_incoming, new_seq)
        else:
            # Reset mode: MsgSeqNum is ignored.
            self.next_incoming = new_seq
        if self.resend_from is not None and self.resend_from < self.next_incoming:
            self.resend_from = None
        return IGNORE

    def subscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        """A FIX session has no topics (drop copy streams everything after the logon)."""
        return []

    def unsubscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        return []
