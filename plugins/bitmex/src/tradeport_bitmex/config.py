"""BitMEX configuration: credentials, testnet, URL overrides, timings, rate limits."""

from __future__ import annotations

import attrs
from tradeport.config import VenueConfig
from tradeport.venue import EnvVar

from tradeport_bitmex.constants import (
    DEFAULT_EXPIRES_AFTER,
    DEFAULT_ORDER_REQUESTS_PER_SECOND,
    DEFAULT_REQUESTS_PER_MINUTE,
)

__all__ = ["BitmexConfig", "ENV_VARS"]


@attrs.frozen(kw_only=True)
class BitmexConfig(VenueConfig):
    """Config of every BitMEX client (provider, data, execution).

    Inherits credentials, URL overrides, ``testnet``, HTTP retries (``http_max_attempts``,
    ``http_retry_delay``), stream timings (``ws_heartbeat_interval`` for BitMEX's text ping,
    ``ws_idle_timeout``, ``ws_connect_timeout``, ``ws_max_message_size``) and reconnect backoff
    (``reconnect_delay_initial``/``_max``/``reconnect_max_attempts``) from
    :class:`~tradeport.config.VenueConfig`.
    """

    #: Seconds a signed request stays valid (``api-expires`` = now + this).
    expires_after: int = DEFAULT_EXPIRES_AFTER
    #: Seconds added to the local clock when signing (correct a known clock offset).
    clock_offset: float = 0.0
    #: REST requests per minute (BitMEX: 120 authenticated) and order requests per second.
    requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE
    order_requests_per_second: int = DEFAULT_ORDER_REQUESTS_PER_SECOND
    #: Attempts for a write BitMEX answered "503 overloaded" (documented as not executed, so
    #: even an order is sent again).
    overloaded_attempts: int = 3
    #: BitMEX's text ``ping`` interval when ``ws_heartbeat_interval`` is not set (BitMEX asks
    #: for a ping after 5 s without messages).
    default_text_ping_interval: float = 5.0
    #: Seconds between WebSocket control pings we send (None: off) and the pong deadline.
    control_ping_interval: float | None = 20.0
    control_ping_timeout: float | None = 10.0
    #: Seconds to wait for a subscription ack and for the ``authKeyExpires`` reply.
    ack_timeout: float = 10.0
    #: Log and skip instrument records that cannot be parsed (False: silently skip).
    warn_on_skipped_instruments: bool = True


#: Environment variables read for credentials, as (name, field) declarations.
ENV_VARS: tuple[EnvVar, ...] = (
    EnvVar(name="BITMEX_API_KEY", field="api_key", description="live API key id", secret=True),
    EnvVar(name="BITMEX_API_SECRET", field="api_secret", description="live secret", secret=True),
    EnvVar(
        name="BITMEX_TESTNET_API_KEY",
        field="api_key",
        description="testnet API key id (read when BITMEX_API_KEY is unset)",
        secret=True,
    ),
    EnvVar(
        name="BITMEX_TESTNET_API_SECRET",
        field="api_secret",
        description="testnet secret (read when BITMEX_API_SECRET is unset)",
        secret=True,
    ),
    EnvVar(name="BITMEX_TESTNET", field="testnet", description="true to use testnet"),
)
