"""The drop-copy FIX session: the core's session layer with the venue's signed Logon.

:class:`DropCopyProtocol` is :class:`tradeport.net.FixSessionProtocol` (sequence numbers,
heartbeats, test requests, resend requests and gap fills, logout) plus what INTX asks of a
Logon (FIX API > Admin Messages): SenderCompID = the API key, TargetCompID ``CBINTLDC``,
``ResetSeqNumFlag`` 141=Y (the venue resets sequences after every disconnect), HeartBtInt at
most 30 s, Username 553 = key, Password 554 = passphrase, Text 58 = the signature (see
:func:`tradeport_coinbase_intx.credential.fix_logon_payload`), DefaultApplVerID 1137=9.

:func:`make_drop_copy_session` puts it on a :class:`tradeport.net.StreamSession` over TLS
(:class:`tradeport.net.TcpTransport` with :class:`tradeport.net.FixFraming`): reconnects with
backoff, idle timeout, one error type. Because every connection is a new FIX session starting
at 1, what happened while disconnected is reconciled over REST (the execution client queries
its open orders on the reconnected signal).
"""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable
from typing import Any

from tradeport.net import (
    FixFraming,
    FixMessage,
    FixSessionProtocol,
    Heartbeat,
    StreamSession,
    TcpTransport,
    tls_client_context,
)

from tradeport_coinbase_intx.config import CoinbaseIntxConfig
from tradeport_coinbase_intx.constants import (
    FIX_APPL_VER_ID,
    FIX_BEGIN_STRING,
    FIX_DROP_COPY_SESSION,
    FIX_MAX_HEARTBEAT,
    VENUE_ID,
)
from tradeport_coinbase_intx.credential import CoinbaseIntxCredential

__all__ = ["FRAMING", "DropCopyProtocol", "make_drop_copy_session"]

#: FIXT.1.1 framing (BodyLength and CheckSum verified on every received message).
FRAMING = FixFraming(FIX_BEGIN_STRING)


class DropCopyProtocol(FixSessionProtocol):
    """The drop-copy session's FIX layer, signed with ``credential``."""

    def __init__(
        self,
        credential: CoinbaseIntxCredential,
        *,
        heartbeat_interval: int = 10,
        target_comp_id: str = FIX_DROP_COPY_SESSION,
    ) -> None:
        super().__init__(
            credential.api_key,
            target_comp_id,
            heartbeat_interval=min(heartbeat_interval, FIX_MAX_HEARTBEAT),
            clock=credential.now,
        )
        self.credential = credential

    def logon_fields(self, sending_time: str) -> list[tuple[int, Any]]:
        """553, 554, 58 (signed over this Logon's SendingTime) and 1137=9."""
        return [
            *self.credential.fix_logon_fields(sending_time, self.target_comp_id),
            (1137, FIX_APPL_VER_ID),
        ]


def _tls(config: CoinbaseIntxConfig) -> ssl.SSLContext:
    """Verify the gateway with the system's CAs, or the configured CA (a path or PEM text)."""
    ca = config.fix_ca
    if ca is None:
        return tls_client_context()
    if ca.lstrip().startswith("-----BEGIN"):
        return tls_client_context(cadata=ca)
    return tls_client_context(cafile=ca)


def make_drop_copy_session(
    config: CoinbaseIntxConfig,
    credential: CoinbaseIntxCredential,
    handler: Callable[[FixMessage], Awaitable[None]],
    *,
    on_reconnected: Callable[[], Awaitable[None]] | None = None,
) -> tuple[StreamSession, DropCopyProtocol]:
    """The drop-copy session for ``config`` (``fix_host``/``fix_port``, TLS) and its protocol."""
    protocol = DropCopyProtocol(credential, heartbeat_interval=config.fix_heartbeat_interval)
    host, port = config.fix_endpoint()
    transport = TcpTransport(host, port, framing=FRAMING, tls=_tls(config), venue=VENUE_ID)
    session = StreamSession(
        transport,
        protocol,
        handler,
        venue=VENUE_ID,
        name=f"{VENUE_ID} FIX drop copy",
        connect_timeout=config.ws_connect_timeout,
        heartbeat=Heartbeat(ping_interval=None),  # TCP: FIX Heartbeats are the heartbeat
        idle_timeout=config.fix_heartbeat_interval * 3.0,
        reconnect=config.reconnect_policy(),
        login_timeout=config.ws_reply_timeout,
        on_reconnected=on_reconnected,
    )
    return session, protocol
