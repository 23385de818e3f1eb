"""Configuration of the dYdX clients.

:class:`DydxConfig` extends :class:`tradeport.config.VenueConfig` (URL overrides, ``testnet``,
HTTP and stream timings, reconnect backoff). ``base_url_http`` / ``base_url_ws`` override the
indexer; ``node_url`` the node's REST gateway. The wallet is a BIP-39 ``mnemonic`` or a hex
``private_key`` (both secrets, never printed); ``subaccount_number`` picks the subaccount.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
from tradeport.config import VenueConfig
from tradeport.errors import ValidationError
from tradeport.secrets import Secret
from tradeport.venue import EnvVar

from tradeport_dydx.constants import VENUE_NAME
from tradeport_dydx.urls import NETWORKS

__all__ = ["ENV_VARS", "DydxConfig"]


def _check_network(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in NETWORKS:
        raise ValidationError(
            f"{VENUE_NAME}.network", value, f"is not one of {', '.join(NETWORKS)}"
        )


def _check_transport(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in ("rest", "grpc"):
        raise ValidationError(f"{VENUE_NAME}.node_transport", value, "is not rest or grpc")
    if value == "grpc" and not instance.node_grpc_url:
        raise ValidationError(
            f"{VENUE_NAME}.node_grpc_url", None, "is needed with node_transport grpc"
        )


def _check_subaccount(instance: Any, attribute: attrs.Attribute[int], value: int) -> None:
    from tradeport_dydx.chain.keys import MAX_SUBACCOUNT_NUMBER

    if not 0 <= value < MAX_SUBACCOUNT_NUMBER:
        raise ValidationError(
            f"{VENUE_NAME}.subaccount_number", value, f"must be in 0..{MAX_SUBACCOUNT_NUMBER - 1}"
        )


def _int_tuple(value: Any) -> tuple[int, ...]:
    if isinstance(value, int):
        value = [value]
    return tuple(int(v) for v in value)


def _secret(value: Any) -> Secret | None:
    if value is None or isinstance(value, Secret):
        return value
    return Secret(str(value))


@attrs.frozen(kw_only=True)
class DydxConfig(VenueConfig):
    """Config of every dYdX client (instrument provider, data, execution)."""

    #: ``mainnet``, ``testnet`` or ``local`` (``testnet=True`` also selects the testnet).
    network: str = attrs.field(default="mainnet", validator=_check_network)
    #: The node's Cosmos REST gateway (overrides the network's).
    node_url: str | None = None
    #: How orders reach the node: ``rest`` (its Cosmos REST gateway, ``node_url``) or
    #: ``grpc`` (its gRPC services at ``node_grpc_url``; needs the ``grpc`` extra).
    node_transport: str = attrs.field(default="rest", validator=_check_transport)
    #: The node's gRPC endpoint: ``grpcs://host:port`` (TLS) or ``grpc://host:port``.
    node_grpc_url: str | None = None
    #: The chain id transactions are signed for (overrides the network's).
    chain_id: str | None = None
    #: BIP-39 mnemonic of the wallet (path m/44'/118'/0'/0/0).
    mnemonic: Secret | None = attrs.field(default=None, converter=_secret)
    #: Or the raw secp256k1 key, hex.
    private_key: Secret | None = attrs.field(default=None, converter=_secret)
    #: The wallet address orders are placed for; by default the key's own. For another
    #: address the key must be an API trading key of it: name its authenticator ids.
    address: str | None = None
    #: API trading key (dYdX permissioned keys): the ids of the authenticators of
    #: ``address`` the key signs through (each transaction selects them).
    authenticator_ids: tuple[int, ...] = attrs.field(default=(), converter=_int_tuple)
    #: The trading subaccount (0..127 parent subaccounts).
    subaccount_number: int = attrs.field(default=0, validator=_check_subaccount)
    #: Seconds to wait for the indexer's reply to a (un)subscribe request.
    ws_reply_timeout: float = 10.0
    #: A short-term order's good-til-block: this many blocks after the node's height (1..40,
    #: the ShortBlockWindow).
    short_term_blocks: int = 20
    #: Seconds a GTC (long-term) order lives: the chain keeps stateful orders at most 95 days.
    gtc_lifetime: float = 28 * 24 * 3600.0
    #: A MARKET order is an IOC limit this fraction beyond the best opposite price.
    market_slippage: Decimal = attrs.field(default=Decimal("0.05"), converter=Decimal)
    #: Blocks after a short-term order's good-til-block before the client settles it itself
    #: (the indexer lags the chain by a block or so).
    expiry_grace_blocks: int = 2
    #: Seconds between the client's checks of short-term orders past their good-til-block.
    expiry_poll_interval: float = 1.0
    #: Log markets that cannot be parsed as warnings (False: at debug level).
    warn_on_skipped_instruments: bool = True


#: Environment variables the plugin reads (``tradeport info dydx`` shows them).
ENV_VARS: tuple[EnvVar, ...] = (
    EnvVar(name="DYDX_MNEMONIC", field="mnemonic", description="wallet mnemonic", secret=True),
    EnvVar(
        name="DYDX_PRIVATE_KEY", field="private_key", description="wallet key (hex)", secret=True
    ),
    EnvVar(name="DYDX_SUBACCOUNT", field="subaccount_number", description="subaccount number"),
    EnvVar(name="DYDX_NETWORK", field="network", description="mainnet, testnet or local"),
    EnvVar(name="DYDX_ADDRESS", field="address", description="wallet traded for (API key)"),
)
