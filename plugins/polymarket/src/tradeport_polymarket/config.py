"""Configuration of the Polymarket clients.

:class:`PolymarketConfig` extends :class:`tradeport.config.VenueConfig`. The shared fields are
used as they are: ``api_key`` / ``api_secret`` are the L2 API key and its (URL-safe base64)
secret, URL overrides, ``testnet`` (Polygon Amoy and the staging CLOB), timeouts, heartbeat
(the text ``PING``), idle timeout and reconnect backoff. Polymarket adds the passphrase, the
wallet (private key, funder, signature type) and its own options below.
"""

from __future__ import annotations

from typing import Any, Final

import attrs
from tradeport.config import VenueConfig
from tradeport.errors import ValidationError
from tradeport.secrets import Secret
from tradeport.venue import EnvVar

from tradeport_polymarket.constants import (
    AMOY,
    DEFAULT_ASSETS_PER_CONNECTION,
    POLYGON,
    VENUE_NAME,
)
from tradeport_polymarket.credential import SignatureType

__all__ = ["AMOUNT_ROUNDING", "ENV_VARS", "PolymarketConfig"]

#: ``sdk``: order amounts computed exactly as the official client (binary floats, including
#: its artefacts, e.g. size 148.39 becomes 148.38); ``exact``: the same rules in exact decimals.
AMOUNT_ROUNDING: Final = ("sdk", "exact")


def _signature_type(value: Any) -> SignatureType:
    if isinstance(value, SignatureType):
        return value
    try:
        return SignatureType[value] if isinstance(value, str) else SignatureType(int(value))
    except (KeyError, ValueError):
        names = ", ".join(t.name for t in SignatureType)
        raise ValidationError(
            f"{VENUE_NAME}.signature_type", value, f"is not one of {names}"
        ) from None


def _secret(value: Any) -> Secret | None:
    if value is None or isinstance(value, Secret):
        return value
    return Secret(str(value))


def _check_positive(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and value <= 0:
        raise ValidationError(f"{VENUE_NAME}.{attribute.name}", value, "must be positive")


def _check_rounding(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in AMOUNT_ROUNDING:
        raise ValidationError(
            f"{VENUE_NAME}.amount_rounding", value, f"is not one of {AMOUNT_ROUNDING}"
        )


@attrs.frozen(kw_only=True)
class PolymarketConfig(VenueConfig):
    """Config of every Polymarket client (instrument provider, data, execution)."""

    #: The API passphrase issued with the API key (L2 auth and the user channel).
    api_passphrase: Secret | None = attrs.field(default=None, converter=_secret)
    #: The EOA's private key (0x hex): signs L1 requests and orders.
    private_key: Secret | None = attrs.field(default=None, converter=_secret)
    #: The funder (order ``maker``): the proxy, Safe or deposit wallet holding the funds.
    #: None: the EOA itself (signature type EOA only).
    funder: str | None = None
    #: How orders are signed: EOA, POLY_PROXY, POLY_GNOSIS_SAFE or POLY_1271.
    signature_type: SignatureType = attrs.field(
        default=SignatureType.EOA, converter=_signature_type
    )
    #: The chain: Polygon (137) by default, Amoy (80002) with ``testnet``.
    chain_id: int | None = None
    #: Base URL of the Data API (positions, public trades; tests point it at the mock venue).
    base_url_data: str | None = None
    #: Seconds added to the local clock when signing (tests use it to simulate skew).
    clock_offset_s: int = 0
    #: Seconds between ``POST /v1/heartbeats``; None turns the dead-man switch off. While it
    #: is on, the venue cancels every open order when heartbeats stop.
    heartbeat_interval: float | None = attrs.field(default=None, validator=_check_positive)
    #: Assets per market-channel connection; more subscriptions open more connections.
    assets_per_connection: int = attrs.field(
        default=DEFAULT_ASSETS_PER_CONNECTION, validator=_check_positive
    )
    #: How order amounts are rounded (see :data:`AMOUNT_ROUNDING`).
    amount_rounding: str = attrs.field(default="sdk", validator=_check_rounding)
    #: Builder code put on every order (bytes32 hex); None: zero.
    builder_code: str | None = None
    #: Log instrument records that cannot be parsed as warnings (False: at debug level).
    warn_on_skipped_instruments: bool = True
    #: Attempts to resolve an order whose submission had no clear answer (timeout, 5xx).
    resolve_attempts: int = 3
    #: How far back (seconds) reconciliation looks for trades when no window is given.
    trades_lookback_s: int = 86_400

    @property
    def has_credentials(self) -> bool:
        """L2 trading needs the API key, its secret, the passphrase and a key for orders."""
        return bool(self.api_key) and bool(self.api_secret) and bool(self.api_passphrase)

    @property
    def chain(self) -> int:
        """The chain id in effect."""
        if self.chain_id is not None:
            return self.chain_id
        return AMOY if self.testnet else POLYGON


#: Environment variables the plugin reads (``tradeport info polymarket`` shows them).
ENV_VARS: tuple[EnvVar, ...] = (
    EnvVar(name="POLYMARKET_API_KEY", field="api_key", description="L2 API key", secret=True),
    EnvVar(
        name="POLYMARKET_API_SECRET", field="api_secret", description="L2 API secret", secret=True
    ),
    EnvVar(
        name="POLYMARKET_API_PASSPHRASE",
        field="api_passphrase",
        description="L2 API passphrase",
        secret=True,
    ),
    EnvVar(
        name="POLYMARKET_PRIVATE_KEY",
        field="private_key",
        description="EOA private key (orders, L1)",
        secret=True,
    ),
    EnvVar(
        name="POLYMARKET_FUNDER",
        field="funder",
        description="funder wallet (proxy, Safe, deposit wallet)",
    ),
    EnvVar(
        name="POLYMARKET_SIGNATURE_TYPE",
        field="signature_type",
        description="EOA, POLY_PROXY, POLY_GNOSIS_SAFE or POLY_1271",
    ),
    EnvVar(
        name="POLYMARKET_TESTNET",
        field="testnet",
        description="use Amoy and the staging CLOB (true/false)",
    ),
)
