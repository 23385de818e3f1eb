"""Betfair configuration: one config type for the provider, data and execution clients.

``api_key`` is the application key (``X-Application``). Login is non-interactive with a client
certificate (``cert_file`` + ``key_file``, the certificate uploaded to the account) and
``username`` / ``api_secret`` (the password), or interactive (the same without a certificate).
A ``session_token`` from elsewhere can be given instead of a login. Environment variables: see
:data:`ENV_VARS`.
"""

from __future__ import annotations

from typing import Final

import attrs
from tradeport.config import VenueConfig
from tradeport.errors import ConfigError
from tradeport.secrets import Secret
from tradeport.venue import EnvVar

from tradeport_betfair.constants import DEFAULT_HEARTBEAT_MS, DEFAULT_KEEP_ALIVE_S
from tradeport_betfair.urls import IDENTITY_HOSTS

__all__ = ["BetfairConfig", "ENV_VARS"]


def _in_range(field: str, low: int, high: int):  # type: ignore[no-untyped-def]
    def check(_instance: object, _attribute: object, value: int | None) -> None:
        if value is not None and not low <= value <= high:
            raise ConfigError(
                f"BetfairConfig.{field}: {value!r} must be from {low} to {high}", field=field
            )

    return check


def _jurisdiction(_instance: object, _attribute: object, value: str) -> None:
    if value not in IDENTITY_HOSTS:
        raise ConfigError(
            f"BetfairConfig.jurisdiction: {value!r} is not one of {', '.join(IDENTITY_HOSTS)}",
            field="jurisdiction",
        )


@attrs.frozen(kw_only=True)
class BetfairConfig(VenueConfig):
    """Betfair settings. The shared timing fields come from :class:`~tradeport.config.VenueConfig`
    (``ws_idle_timeout`` defaults to three stream heartbeats here)."""

    #: The account's user name (``api_secret`` is its password).
    username: str | None = None
    #: A session token obtained elsewhere (no login then; keepAlive still runs).
    session_token: Secret | None = None
    #: The client certificate (PEM) and its key for certificate login; without them login is
    #: interactive.
    cert_file: str | None = None
    key_file: str | None = None
    #: Which identity host to log in at (international ``.com``, ``.es``, ``.it``, ...).
    jurisdiction: str = attrs.field(default="international", validator=_jurisdiction)
    #: Overrides of the identity hosts (tests point them at a mock venue).
    base_url_identity: str | None = None
    base_url_identity_cert: str | None = None
    #: ``host:port`` of the stream socket (default ``stream-api.betfair.com:443``).
    stream_address: str | None = None
    #: A PEM file of CAs to trust instead of the system's (a private test CA).
    ca_file: str | None = None
    #: Seconds between keepAlive calls (the session lives 12 h unused by default).
    keep_alive_interval: float = DEFAULT_KEEP_ALIVE_S
    #: The stream's heartbeat (``heartbeatMs``, 500-5000) and conflation (``conflateMs``).
    heartbeat_ms: int = attrs.field(
        default=DEFAULT_HEARTBEAT_MS, validator=_in_range("heartbeat_ms", 500, 5000)
    )
    conflate_ms: int | None = attrs.field(
        default=None, validator=_in_range("conflate_ms", 0, 120000)
    )
    #: Ladder depth of ``EX_BEST_OFFERS`` (1-10).
    ladder_levels: int = attrs.field(default=10, validator=_in_range("ladder_levels", 1, 10))
    #: Heartbeat API dead-man switch: cancel every unmatched bet when no heartbeat arrives for
    #: this many seconds (10-300); None leaves it off.
    dead_man_timeout: int | None = attrs.field(
        default=None, validator=_in_range("dead_man_timeout", 10, 300)
    )
    #: Instrument loading: which event types and markets ``load_all`` asks for.
    event_type_ids: tuple[str, ...] = ("7",)
    market_types: tuple[str, ...] = ("WIN", "MATCH_ODDS")
    max_markets: int = attrs.field(default=200, validator=_in_range("max_markets", 1, 1000))
    #: The account currency (stakes, balances); Betfair accounts are GBP, EUR, AUD ...
    currency: str = "GBP"
    #: A name sent as customerStrategyRef on every order (at most 15 characters).
    strategy_ref: str | None = None
    #: Seconds to wait for stream acks and the stream login.
    ack_timeout: float = 10.0
    #: Log and skip runners that cannot be parsed (False: silently skip).
    warn_on_skipped_instruments: bool = True
    ws_idle_timeout: float | None = 15.0

    def __attrs_post_init__(self) -> None:
        if (self.cert_file is None) != (self.key_file is None):
            raise ConfigError(
                "BetfairConfig.cert_file and key_file go together (got only one)", field="cert_file"
            )
        if self.strategy_ref is not None and len(self.strategy_ref) > 15:
            raise ConfigError(
                f"BetfairConfig.strategy_ref: {self.strategy_ref!r} is longer than 15 characters",
                field="strategy_ref",
            )

    @property
    def has_credentials(self) -> bool:
        """An app key and a way to a session: a token, or a user name and password."""
        if not self.api_key:
            return False
        return bool(self.session_token) or (bool(self.username) and bool(self.api_secret))

    @property
    def certificate_login(self) -> bool:
        """Whether login is non-interactive (a client certificate is configured)."""
        return self.cert_file is not None


#: Credentials from the environment; the first variable found for a field wins.
ENV_VARS: Final = (
    EnvVar(name="BETFAIR_APP_KEY", field="api_key", description="application key", secret=True),
    EnvVar(name="BETFAIR_USERNAME", field="username", description="account user name"),
    EnvVar(
        name="BETFAIR_PASSWORD", field="api_secret", description="account password", secret=True
    ),
    EnvVar(name="BETFAIR_CERT_FILE", field="cert_file", description="client certificate (PEM)"),
    EnvVar(name="BETFAIR_KEY_FILE", field="key_file", description="client certificate key (PEM)"),
    EnvVar(
        name="BETFAIR_SESSION_TOKEN",
        field="session_token",
        description="existing session token",
        secret=True,
    ),
)
