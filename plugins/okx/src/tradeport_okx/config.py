"""Configuration of the OKX clients.

Credentials are three values: API key, secret and passphrase (all :class:`Secret`, never
printed). ``demo`` selects OKX demo trading (the ``x-simulated-trading: 1`` header on REST and
the ``wspap`` WebSocket host); the inherited ``testnet`` flag means the same. URL overrides point
the clients at a mock venue.
"""

from __future__ import annotations

import attrs
from tradeport.config import VenueConfig
from tradeport.secrets import Secret
from tradeport.venue import EnvVar

__all__ = ["OkxConfig", "ENV_VARS"]


@attrs.frozen(kw_only=True)
class OkxConfig(VenueConfig):
    """Config of every OKX client (provider, data, execution)."""

    #: The passphrase chosen when the API key was created.
    api_passphrase: Secret | None = None
    #: Trade on OKX demo trading instead of live.
    demo: bool = False
    #: Instrument types the provider loads (SPOT, MARGIN, SWAP, FUTURES, OPTION).
    inst_types: tuple[str, ...] = ("SPOT", "SWAP", "FUTURES", "OPTION")
    #: Instrument families to load options for (OKX requires one per request), e.g. BTC-USD.
    option_families: tuple[str, ...] = ("BTC-USD",)
    #: Default trade mode for derivatives and margin orders (``cross`` or ``isolated``);
    #: spot orders use ``cash``.
    margin_mode: str = "cross"
    #: Seconds between text ``ping`` messages (OKX closes a connection after 30 s of silence);
    #: overrides the base default (None) with OKX's need for a ping well inside 30 s.
    ws_heartbeat_interval: float | None = 20.0
    #: Seconds without any message before the client replaces the connection (OKX: 30).
    ws_idle_timeout: float = 30.0
    #: Log in on the public stream too (OKX requires it for ``books-l2-tbt`` and
    #: ``books50-l2-tbt``); needs credentials.
    ws_public_login: bool = False
    #: Seconds to wait for subscription acks and the login reply.
    ws_ack_timeout: float = 10.0
    # Inherited and used as is: http_max_attempts, http_retry_delay, ws_connect_timeout,
    # ws_max_message_size, reconnect_delay_initial, reconnect_delay_max, reconnect_max_attempts.
    #: Verify the CRC32 book checksum (OKX announced it always sends 0 from June 2026; a 0
    #: checksum is never verified either way).
    verify_book_checksum: bool = True
    #: Seconds to add to the local clock when signing (tests use it to simulate skew).
    clock_offset: float = 0.0

    @property
    def is_demo(self) -> bool:
        """Demo trading, by either flag."""
        return self.demo or self.testnet

    @property
    def has_credentials(self) -> bool:
        """All three credential parts are set."""
        return bool(self.api_key) and bool(self.api_secret) and bool(self.api_passphrase)


#: Environment variables the plugin reads (first listed for a field wins).
ENV_VARS: tuple[EnvVar, ...] = (
    EnvVar(name="OKX_API_KEY", field="api_key", description="API key", secret=True),
    EnvVar(name="OKX_API_SECRET", field="api_secret", description="API secret", secret=True),
    EnvVar(
        name="OKX_API_PASSPHRASE",
        field="api_passphrase",
        description="API passphrase",
        secret=True,
    ),
    EnvVar(name="OKX_DEMO", field="demo", description="use OKX demo trading (true/false)"),
)
