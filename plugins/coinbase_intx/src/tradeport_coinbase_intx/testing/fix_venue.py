"""The mock venue's FIX drop-copy gateway: a TLS acceptor on loopback.

:class:`DropCopyGateway` is tradeport's :class:`~tradeport.testing.FixAcceptor` on a
:class:`~tradeport.testing.StreamServer` with a certificate made at test time
(:class:`~tradeport.testing.LoopbackCA`). It checks the Logon as the venue does (FIX API >
Admin Messages): SenderCompID and Username are a known key, TargetCompID ``CBINTLDC``,
Password is its passphrase, Text is the signature over SendingTime + key + TargetCompID +
passphrase with the base64-decoded secret, ResetSeqNumFlag Y, DefaultApplVerID 9, and a
SendingTime near the venue's clock. It then publishes ExecutionReports with sequence numbers;
``skip_next()`` numbers one without sending it, so the client has to send a ResendRequest.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Mapping
from typing import Any

from tradeport.net import FixMessage
from tradeport.testing import FixAcceptor, LoopbackCA, StreamServer

from tradeport_coinbase_intx.constants import (
    FIX_APPL_VER_ID,
    FIX_DROP_COPY_SESSION,
    WS_TIMESTAMP_TOLERANCE_S,
)
from tradeport_coinbase_intx.credential import fix_logon_payload, sign
from tradeport_coinbase_intx.fix.messages import fix_time_ns
from tradeport_coinbase_intx.fix.session import FRAMING

__all__ = ["DropCopyGateway"]


class DropCopyGateway:
    """The drop-copy gateway of the mock venue (see the module docstring).

    :param keys: API key -> (secret, passphrase).
    :param clock_ms: the venue's clock (UNIX ms) a Logon's SendingTime is checked against
        (the harness's login clock, which it can move past a logon's window).
    """

    def __init__(
        self,
        keys: Mapping[str, tuple[str, str]],
        clock_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
    ) -> None:
        self.keys = dict(keys)
        self.clock_ms = clock_ms
        #: The SendingTime (UNIX ms) of every accepted Logon, in order.
        self.logon_stamps: list[int] = []
        self.ca = LoopbackCA()
        self.acceptor = FixAcceptor(FIX_DROP_COPY_SESSION, verify_logon=self.verify_logon)
        self.server = StreamServer(
            self.acceptor.handle, framing=FRAMING, tls=self.ca.server_context()
        )

    async def __aenter__(self) -> DropCopyGateway:
        await self.server.__aenter__()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.server.__aexit__(*exc)

    @property
    def address(self) -> str:
        """``host:port`` for the client config's ``fix_address``."""
        return f"{self.server.host}:{self.server.port}"

    @property
    def ca_pem(self) -> str:
        """The test CA (PEM text) for the client config's ``fix_ca``."""
        return self.ca.ca_pem.decode("ascii")

    def verify_logon(self, message: FixMessage) -> str | None:
        """None when the Logon is what the venue accepts, else the Logout reason."""
        key = message.get(553)
        if key is None or key not in self.keys or message.get(49) != key:
            return "Invalid API key"
        secret, passphrase = self.keys[key]
        if message.get(56) != FIX_DROP_COPY_SESSION:
            return f"unknown TargetCompID {message.get(56)!r}"
        if message.get(554) != passphrase:
            return "Invalid passphrase"
        if message.get(141) != "Y" or message.seq != 1:
            return "ResetSeqNumFlag must be Y and MsgSeqNum 1"
        if message.get(1137) != FIX_APPL_VER_ID:
            return "DefaultApplVerID must be 9"
        sending_time = message[52]
        expected = sign(secret, fix_logon_payload(sending_time, key, message[56], passphrase))
        if not hmac.compare_digest(expected, message.get(58) or ""):
            return "Invalid signature"
        stamp_ms = fix_time_ns(sending_time) // 1_000_000
        skew = abs(self.clock_ms() - stamp_ms) / 1000
        if skew > WS_TIMESTAMP_TOLERANCE_S:
            return f"SendingTime is {skew:.0f}s off the venue's clock"
        self.logon_stamps.append(stamp_ms)
        return None
