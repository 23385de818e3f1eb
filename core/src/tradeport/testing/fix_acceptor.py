"""A FIX acceptor for mock venues: the venue side of :mod:`tradeport.net.fix_session`.

:class:`FixAcceptor` serves connections of a :class:`~tradeport.testing.StreamServer` (TLS with
a :class:`~tradeport.testing.LoopbackCA` certificate) with :class:`~tradeport.net.FixFraming`.
Per connection (one FIX session; ``ResetSeqNumFlag`` restarts both sides at 1) it:

* checks the Logon with the venue's ``verify_logon(message)`` (None accepts, a string is the
  reason of the Logout that refuses it), then answers with a Logon;
* numbers what it sends, keeps it for resends, answers a ResendRequest by resending the range
  with ``PossDupFlag`` (43=Y) and ``OrigSendingTime`` (122), gap-filling session messages;
* answers a TestRequest with a Heartbeat, a Logout with a Logout;
* sends application messages with :meth:`FixAcceptor.publish` to every logged-on session.

Controls for tests: :meth:`FixAcceptor.skip_next` (the next message is numbered but never sent:
the client sees a gap), :meth:`FixAcceptor.send_test_request`, and the observations
``logons``, ``refused_logons``, ``resend_requests``, ``heartbeats``, ``test_request_replies``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import anyio

from tradeport.net.fix_session import FixMessage, fix_sending_time
from tradeport.testing.stream_server import ServerStream, StreamClosed

__all__ = ["FixAcceptor", "FixAcceptorSession"]

logger = logging.getLogger("tradeport.testing")

Fields = Sequence[tuple[int, Any]]


def _body(fields: Fields) -> bytes:
    return b"".join(b"%d=%s\x01" % (tag, str(value).encode()) for tag, value in fields)


class FixAcceptorSession:
    """One logged-on (or logging-on) connection of a :class:`FixAcceptor`."""

    def __init__(self, acceptor: FixAcceptor, stream: ServerStream) -> None:
        self.acceptor = acceptor
        self.stream = stream
        self.next_outgoing = 1
        self.client_comp_id = ""
        self.logged_on = False
        #: What was sent (or skipped) by MsgSeqNum: (type, fields, sending time).
        self.sent: dict[int, tuple[str, tuple[tuple[int, Any], ...], str]] = {}
        self._lock = anyio.Lock()

    async def send(self, msg_type: str, fields: Fields = (), *, skip: bool = False) -> int:
        """Number and send one message (or only number it when ``skip``); its MsgSeqNum."""
        async with self._lock:
            seq = self.next_outgoing
            self.next_outgoing += 1
            sending_time = fix_sending_time(self.acceptor.clock())
            self.sent[seq] = (msg_type, tuple(fields), sending_time)
            if not skip:
                await self.stream.send(self._encode(msg_type, seq, sending_time, fields))
            return seq

    def _encode(
        self, msg_type: str, seq: int, sending_time: str, fields: Fields, extra: Fields = ()
    ) -> bytes:
        header = [
            (35, msg_type),
            (49, self.acceptor.comp_id),
            (56, self.client_comp_id),
            (34, seq),
            *extra,
            (52, sending_time if not extra else fix_sending_time(self.acceptor.clock())),
        ]
        return _body([*header, *fields])

    async def resend(self, begin: int, end: int) -> None:
        """Resend ``begin..end`` (0: up to the last sent): application messages again with
        PossDup, session messages as one gap fill per run."""
        async with self._lock:
            last = self.next_outgoing - 1 if end == 0 else min(end, self.next_outgoing - 1)
            seq = begin
            while seq <= last:
                msg_type, fields, sending_time = self.sent[seq]
                if msg_type in {"0", "1", "2", "4", "5", "A"}:
                    run_end = seq
                    while run_end + 1 <= last and self.sent[run_end + 1][0] in {
                        "0",
                        "1",
                        "2",
                        "4",
                        "5",
                        "A",
                    }:
                        run_end += 1
                    await self.stream.send(
                        self._encode(
                            "4",
                            seq,
                            sending_time,
                            [(123, "Y"), (36, run_end + 1)],
                            extra=[(43, "Y"), (122, sending_time)],
                        )
                    )
                    seq = run_end + 1
                    continue
                await self.stream.send(
                    self._encode(
                        msg_type, seq, sending_time, fields, extra=[(43, "Y"), (122, sending_time)]
                    )
                )
                seq += 1


class FixAcceptor:
    """The venue side of FIX sessions for a :class:`~tradeport.testing.StreamServer`
    (see the module docstring). Pass :meth:`handle` as the server's handler.

    :param comp_id: the venue's ``SenderCompID`` (the client's TargetCompID).
    :param verify_logon: ``message -> None`` (accepted) or the refusal reason.
    :param on_message: awaited with each application message a client sends.
    :param clock: epoch seconds for ``SendingTime``.
    """

    def __init__(
        self,
        comp_id: str,
        *,
        verify_logon: Callable[[FixMessage], str | None] = lambda message: None,
        on_message: Callable[[FixAcceptorSession, FixMessage], Any] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        import time

        self.comp_id = comp_id
        self.verify_logon = verify_logon
        self.on_message = on_message
        self.clock = clock or time.time
        self.sessions: list[FixAcceptorSession] = []
        self.logons = 0
        self.refused_logons: list[str] = []
        self.resend_requests: list[tuple[int, int]] = []
        self.heartbeats = 0
        self.test_request_replies: list[str] = []
        self.logouts = 0
        self._skip = 0
        self._changed = anyio.Event()

    # -- observation -----------------------------------------------------------------------------

    @property
    def active(self) -> list[FixAcceptorSession]:
        """Logged-on sessions."""
        return [session for session in self.sessions if session.logged_on]

    def _notify(self) -> None:
        self._changed.set()
        self._changed = anyio.Event()

    async def wait_until(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait (bounded) until ``condition()`` holds after some session event."""
        with anyio.fail_after(timeout):
            while not condition():
                await self._changed.wait()

    # -- controls ------------------------------------------------------------------------------------

    def skip_next(self, count: int = 1) -> None:
        """The next ``count`` application messages get their numbers but are not sent: the
        client sees a gap and has to ask for a resend."""
        self._skip += count

    async def publish(self, msg_type: str, fields: Fields) -> int:
        """Send an application message to every logged-on session; how many got it."""
        sessions = self.active
        skip = self._skip > 0
        if skip and sessions:
            self._skip -= 1
        for session in sessions:
            await session.send(msg_type, fields, skip=skip)
        return len(sessions)

    async def send_test_request(self, test_req_id: str) -> None:
        """Send a TestRequest to every logged-on session."""
        for session in self.active:
            await session.send("1", [(112, test_req_id)])

    # -- serving ------------------------------------------------------------------------------------

    async def handle(self, stream: ServerStream) -> None:
        """Serve one connection (the :class:`~tradeport.testing.StreamServer` handler)."""
        session = FixAcceptorSession(self, stream)
        self.sessions.append(session)
        try:
            async for raw in stream:
                await self._on_message(session, FixMessage.parse(raw))
        except StreamClosed:
            pass
        finally:
            session.logged_on = False
            self._notify()

    async def _on_message(self, session: FixAcceptorSession, message: FixMessage) -> None:
        msg_type = message.msg_type
        if msg_type == "A":
            session.client_comp_id = message.get(49) or ""
            reason = self.verify_logon(message)
            if reason is not None:
                self.refused_logons.append(reason)
                await session.send("5", [(58, reason)])
                self._notify()
                session.stream.close_fin()
                return
            await session.send("A", [(98, 0), (108, message.get(108, "30"))])
            session.logged_on = True
            self.logons += 1
        elif not session.logged_on:
            return
        elif msg_type == "0":
            self.heartbeats += 1
            if 112 in message:
                self.test_request_replies.append(message[112])
        elif msg_type == "1":
            await session.send("0", [(112, message.get(112, ""))])
        elif msg_type == "2":
            begin, end = int(message[7]), int(message[16])
            self.resend_requests.append((begin, end))
            await session.resend(begin, end)
        elif msg_type == "5":
            self.logouts += 1
            await session.send("5")
            session.logged_on = False
        elif msg_type not in {"3", "4"} and self.on_message is not None:
            result = self.on_message(session, message)
            if hasattr(result, "__await__"):
                await result
        self._notify()
