"""Configuration of the Coinbase International Exchange clients.

:class:`CoinbaseIntxConfig` extends :class:`tradeport.config.VenueConfig`, whose shared fields the
clients use as they are: credentials (``api_key``, ``api_secret``, never printed), URL overrides
(``base_url_http``, ``base_url_ws``), ``testnet``, HTTP timeout and retries, stream connect
timeout, heartbeat interval (the venue's text ping here), idle timeout, largest message, and the
reconnect backoff. Only what is specific to CoinbaseIntx is added below.

Users give it as a dict, a TOML table or environment variables (see :data:`ENV_VARS` and the
README); ``tradeport info coinbase_intx`` lists every field.
"""

from __future__ import annotations

from typing import Any

import attrs
from tradeport.config import VenueConfig
from tradeport.errors import ValidationError
from tradeport.secrets import Secret
from tradeport.venue import EnvVar

from tradeport_coinbase_intx.constants import FIX_MAX_HEARTBEAT, VENUE_NAME

__all__ = ["ENV_VARS", "PRODUCT_TYPES", "CoinbaseIntxConfig"]

#: Instrument families the venue lists (its ``type`` values).
PRODUCT_TYPES = ("spot", "perpetual")


def _secret(value: Any) -> Secret | None:
    if value is None or isinstance(value, Secret):
        return value
    return Secret(str(value))


def _check_order_events(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in ("fix", "poll"):
        raise ValidationError(f"{VENUE_NAME}.order_events", value, "must be 'fix' or 'poll'")


def _check_heartbeat(instance: Any, attribute: attrs.Attribute[int], value: int) -> None:
    if not 1 <= value <= FIX_MAX_HEARTBEAT:
        raise ValidationError(
            f"{VENUE_NAME}.fix_heartbeat_interval", value, f"must be from 1 to {FIX_MAX_HEARTBEAT}"
        )


def _check_products(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    unknown = [v for v in value if v not in PRODUCT_TYPES]
    if unknown:
        raise ValidationError(
            f"{VENUE_NAME}.product_types", unknown, f"are not among {', '.join(PRODUCT_TYPES)}"
        )


@attrs.frozen(kw_only=True)
class CoinbaseIntxConfig(VenueConfig):
    """Config of every Coinbase INTX client (instrument provider, data, execution)."""

    #: The API key's passphrase (never printed); signed into REST, WebSocket and FIX.
    api_passphrase: Secret | None = attrs.field(default=None, converter=_secret)
    #: The portfolio orders go to and reports read (UUID or id); default: the first one listed.
    portfolio: str | None = None
    #: Milliseconds added to the local clock when signing (a known skew; tests simulate one).
    clock_offset_ms: int = 0
    #: Seconds to wait for a subscription ack or the FIX Logon reply.
    ws_reply_timeout: float = 10.0
    #: Where order events come from: ``"fix"`` (the drop-copy session) or ``"poll"`` (REST).
    order_events: str = attrs.field(default="fix", validator=_check_order_events)
    #: Seconds between REST polls of open orders in ``"poll"`` mode.
    poll_interval: float = 1.0
    #: FIX drop-copy endpoint (``host:port``, TLS); default: the venue's for live or sandbox.
    fix_address: str | None = None
    #: The CA to verify the FIX endpoint with: a PEM file's path or PEM text (default: the
    #: system's CAs).
    fix_ca: str | None = None
    #: FIX HeartBtInt (the venue caps it at 30 s).
    fix_heartbeat_interval: int = attrs.field(default=10, validator=_check_heartbeat)
    #: Instrument families the provider loads.
    product_types: tuple[str, ...] = attrs.field(default=PRODUCT_TYPES, validator=_check_products)
    #: Log instrument records that cannot be parsed as warnings (False: at debug level).
    warn_on_skipped_instruments: bool = True
    #: Attempts to resolve an order whose submission had no clear answer (timeout, 5xx).
    resolve_attempts: int = 3

    @property
    def has_credentials(self) -> bool:
        """Key, secret and passphrase are all set."""
        return (
            self.api_key is not None
            and self.api_secret is not None
            and self.api_passphrase is not None
        )

    def fix_endpoint(self) -> tuple[str, int]:
        """``(host, port)`` of the FIX drop-copy gateway."""
        from tradeport_coinbase_intx.urls import fix_address

        host, _, port = fix_address(self).rpartition(":")
        return host, int(port)


#: Environment variables the plugin reads (``tradeport info coinbase_intx`` shows them).
ENV_VARS: tuple[EnvVar, ...] = (
    EnvVar(name="COINBASE_INTX_API_KEY", field="api_key", description="API key", secret=True),
    EnvVar(
        name="COINBASE_INTX_API_SECRET", field="api_secret", description="API secret", secret=True
    ),
    EnvVar(
        name="COINBASE_INTX_API_PASSPHRASE",
        field="api_passphrase",
        description="API key passphrase",
        secret=True,
    ),
    EnvVar(name="COINBASE_INTX_PORTFOLIO_ID", field="portfolio", description="portfolio id"),
    EnvVar(name="COINBASE_INTX_TESTNET", field="testnet", description="use the sandbox"),
)
