"""Hyperliquid configuration: one config type for the provider, data and execution clients.

Hyperliquid signs with a wallet: ``api_secret`` is the secp256k1 private key (of the master
wallet, or of an approved agent / API wallet). ``account_address`` is the master account when
the key is an agent's; ``vault_address`` trades for a vault or subaccount. ``api_key`` is not
used. Environment variables: see :data:`ENV_VARS`.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Final

import attrs
from tradeport.config import VenueConfig
from tradeport.errors import ConfigError
from tradeport.venue import EnvVar

from tradeport_hyperliquid.constants import DEFAULT_MARKET_SLIPPAGE

__all__ = ["HyperliquidConfig", "ENV_VARS"]

_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


def _address(field: str):  # type: ignore[no-untyped-def]
    def check(_instance: object, _attribute: object, value: str | None) -> None:
        if value is not None and not _ADDRESS.match(value):
            raise ConfigError(
                f"HyperliquidConfig.{field}: {value!r} is not 0x followed by 40 hex digits",
                field=field,
            )

    return check


def _transport(_instance: object, _attribute: object, value: str) -> None:
    if value not in ("rest", "ws"):
        raise ConfigError(
            f"HyperliquidConfig.order_transport: {value!r} is not 'rest' or 'ws'",
            field="order_transport",
        )


def _dexes(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    try:
        names = tuple(str(v) for v in value)  # type: ignore[attr-defined]
    except TypeError:
        raise ConfigError(
            f"HyperliquidConfig.perp_dexs: {value!r} is not a list of dex names", field="perp_dexs"
        ) from None
    bad = [n for n in names if not n or ":" in n]
    if bad:
        raise ConfigError(
            f"HyperliquidConfig.perp_dexs: {bad[0]!r} is not a dex name", field="perp_dexs"
        )
    return names


def _decimal(value: object) -> Decimal:
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise ConfigError(
            f"HyperliquidConfig.market_slippage: {value!r} is not a number",
            field="market_slippage",
        ) from None


@attrs.frozen(kw_only=True)
class HyperliquidConfig(VenueConfig):
    """Hyperliquid settings (every field has a working default for mainnet market data).

    The timing fields shared by every venue (``http_max_attempts``, ``ws_heartbeat_interval``
    (default: a ``{"method":"ping"}`` every 30 s), ``ws_idle_timeout`` (default 60 s, the
    venue's own silence limit), ``reconnect_delay_*``...) come from
    :class:`~tradeport.config.VenueConfig`.
    """

    #: The master account queries and user streams use (default: the key's own address).
    account_address: str | None = attrs.field(default=None, validator=_address("account_address"))
    #: A vault or subaccount that L1 actions trade for (sent as ``vaultAddress``).
    vault_address: str | None = attrs.field(default=None, validator=_address("vault_address"))
    #: Builder-deployed perp dexes (HIP-3) to load besides the main one, by name (``["xyz"]``);
    #: their coins are ``{dex}:{coin}`` and their assets ``100000 + dex_index * 10000 + index``.
    perp_dexs: tuple[str, ...] = attrs.field(default=(), converter=_dexes)
    #: How far through the mid price a MARKET order's IOC limit may fill (0.05 = 5 %).
    market_slippage: Decimal = attrs.field(default=DEFAULT_MARKET_SLIPPAGE, converter=_decimal)
    #: Where signed actions go once the execution client is connected: ``ws`` (the user
    #: stream's ``post`` channel; the default, faster in ``bench/bench_hyperliquid_orders.py``)
    #: or ``rest`` (``POST /exchange``, also used before ``connect()``).
    order_transport: str = attrs.field(default="ws", validator=_transport)
    #: Seconds to wait for subscription acks and the stream's credential check.
    ack_timeout: float = 10.0
    #: Log and skip instruments that cannot be parsed (False: silently skip).
    warn_on_skipped_instruments: bool = True

    def __attrs_post_init__(self) -> None:
        if not Decimal(0) < self.market_slippage < Decimal(1):
            raise ConfigError(
                f"HyperliquidConfig.market_slippage: {self.market_slippage} must be in (0, 1)",
                field="market_slippage",
            )

    @property
    def has_credentials(self) -> bool:
        """A private key is all Hyperliquid needs to sign."""
        return bool(self.api_secret)


#: Credentials from the environment; the first variable found for a field wins.
ENV_VARS: Final = (
    EnvVar(
        name="HYPERLIQUID_PRIVATE_KEY",
        field="api_secret",
        description="wallet or agent (API wallet) private key",
        secret=True,
    ),
    EnvVar(
        name="HYPERLIQUID_TESTNET_PRIVATE_KEY",
        field="api_secret",
        description="testnet wallet or agent private key",
        secret=True,
    ),
    EnvVar(
        name="HYPERLIQUID_ACCOUNT_ADDRESS",
        field="account_address",
        description="master account address (when the key is an agent's)",
    ),
    EnvVar(
        name="HYPERLIQUID_VAULT_ADDRESS",
        field="vault_address",
        description="vault or subaccount to trade for",
    ),
    EnvVar(name="HYPERLIQUID_TESTNET", field="testnet", description="use the testnet (true/false)"),
)
