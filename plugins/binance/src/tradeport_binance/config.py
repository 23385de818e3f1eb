"""Binance configuration: :class:`BinanceConfig` and credential resolution from the environment.

Credentials come from the config or, when absent there, from the environment variables of the
account type and network in use (the integration guide's names)::

    spot / margin live      BINANCE_API_KEY, BINANCE_API_SECRET
    spot testnet            BINANCE_TESTNET_API_KEY, BINANCE_TESTNET_API_SECRET
    futures live            BINANCE_FUTURES_API_KEY, BINANCE_FUTURES_API_SECRET
    futures testnet         BINANCE_FUTURES_TESTNET_API_KEY, BINANCE_FUTURES_TESTNET_API_SECRET

The choice depends on two config fields, so it cannot be a plain field <- variable mapping: the
plugin resolves it itself (:func:`resolve_credentials`) when a client is created.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import attrs
from tradeport.config import VenueConfig, config_converter
from tradeport.secrets import Secret
from tradeport.venue import EnvVar

from tradeport_binance.constants import DEFAULT_RECV_WINDOW_MS, LISTEN_KEY_KEEPALIVE_S
from tradeport_binance.enums import BinanceAccountType, parse_account_type
from tradeport_binance.urls import http_base_url, ws_api_base_url, ws_base_url

__all__ = ["BinanceConfig", "ENV_VARS", "resolve_credentials", "credential_env_names"]

# Accept "usdm", "USDT_FUTURE", ... in dicts, TOML and env (the shared converter looks hooks up
# by type, so this only affects BinanceAccountType fields).
config_converter.register_structure_hook(
    BinanceAccountType, lambda value, _: parse_account_type(value)
)


def _check_recv_window(_: Any, attribute: attrs.Attribute[int], value: int) -> None:
    if not 0 < value <= 60000:
        raise ValueError(f"{attribute.name} must be in 1..60000 ms, got {value}")


def _check_key_type(_: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in ("hmac", "ed25519"):
        raise ValueError(f"{attribute.name} must be 'hmac' or 'ed25519', got {value!r}")


@attrs.frozen(kw_only=True)
class BinanceConfig(VenueConfig):
    """Configuration of every Binance client (provider, data, execution)."""

    #: spot, margin, isolated_margin, usdt_future (USD-M) or coin_future (COIN-M).
    account_type: BinanceAccountType = BinanceAccountType.SPOT
    #: Binance US (spot only).
    us: bool = False
    #: ``hmac`` (api_secret is the HMAC secret) or ``ed25519`` (api_secret is a PEM private key).
    key_type: str = attrs.field(default="hmac", validator=_check_key_type)
    #: Receive window sent with signed requests, in ms (max 60000).
    recv_window_ms: int = attrs.field(default=DEFAULT_RECV_WINDOW_MS, validator=_check_recv_window)
    #: Added to the local clock for request timestamps (ms); correct a known skew here.
    clock_offset_ms: int = 0
    #: Trade ticks from ``aggTrade`` (and aggregated-trade history) instead of ``trade``.
    use_agg_trade_ticks: bool = False
    #: Log a warning for each exchangeInfo record that cannot be parsed (it is skipped anyway).
    log_instrument_warnings: bool = True
    #: Symbol of the isolated margin account (isolated_margin only).
    isolated_symbol: str | None = None
    #: REST depth of book snapshots used for the diff-depth sync (Binance: up to 5000 / 1000).
    book_snapshot_depth: int = 1000
    #: Seconds between listenKey keepalives (Binance: expires 60 min after the last one). Margin
    #: accounts renew their listenToken on the same schedule (a token lives up to 24 hours).
    listen_key_keepalive_s: float = float(LISTEN_KEY_KEEPALIVE_S)
    #: The WebSocket API endpoint (margin user data: ``userDataStream.subscribe.listenToken``);
    #: default ``wss://ws-api.binance.com:443/ws-api/v3``.
    base_url_ws_api: str | None = None
    #: Seconds between our WebSocket control pings (None: rely on Binance's pings).
    ws_ping_interval: float | None = 60.0
    #: Seconds without any market data message before the stream is considered hung.
    ws_idle_timeout: float | None = 120.0
    #: Same for the user data stream; None by default because accounts can be quiet for hours.
    user_stream_idle_timeout: float | None = None
    # Reconnect backoff: the core's reconnect_delay_initial / reconnect_delay_max /
    # reconnect_max_attempts (VenueConfig) apply to both streams.
    #: Seconds to wait for a subscription ack.
    ws_ack_timeout: float = 10.0
    #: Attempts per HTTP request (1 = no retries).
    http_max_attempts: int = 3
    #: Pause before refetching a book snapshot that failed or did not connect (seconds).
    book_resync_delay: float = 0.5

    @property
    def http_url(self) -> str:
        """The REST base URL in use (override or default)."""
        return self.base_url_http or http_base_url(
            self.account_type, us=self.us, testnet=self.testnet
        )

    @property
    def ws_url(self) -> str:
        """The stream host in use (override or default); no path."""
        return (
            self.base_url_ws or ws_base_url(self.account_type, us=self.us, testnet=self.testnet)
        ).rstrip("/")

    @property
    def ws_api_url(self) -> str:
        """The WebSocket API endpoint in use (override or default), path included."""
        return (
            self.base_url_ws_api
            or ws_api_base_url(self.account_type, us=self.us, testnet=self.testnet)
        ).rstrip("/")


def credential_env_names(account_type: BinanceAccountType, testnet: bool) -> tuple[str, str]:
    """The (key, secret) environment variable names for an account type and network."""
    prefix = "BINANCE_FUTURES" if account_type.is_futures else "BINANCE"
    if testnet:
        prefix += "_TESTNET"
    return f"{prefix}_API_KEY", f"{prefix}_API_SECRET"


def resolve_credentials(
    config: BinanceConfig, environ: Mapping[str, str] | None = None
) -> tuple[Secret | None, Secret | None]:
    """The (api_key, api_secret) to use: the config's, else the environment's for this account
    type and network. Never logs or returns a value as plain text."""
    env = os.environ if environ is None else environ
    key, secret = config.api_key, config.api_secret
    key_var, secret_var = credential_env_names(config.account_type, config.testnet)
    if key is None and env.get(key_var):
        key = Secret(env[key_var])
    if secret is None and env.get(secret_var):
        secret = Secret(env[secret_var])
    return key, secret


def _env_vars() -> tuple[EnvVar, ...]:
    # ``field`` names the config field the variable stands in for, with the case it applies to;
    # they deliberately do not match a field name, so the core's generic env loading leaves them
    # to resolve_credentials (which knows the account type and network).
    cases = (
        (BinanceAccountType.SPOT, False, "spot/margin live"),
        (BinanceAccountType.SPOT, True, "spot testnet"),
        (BinanceAccountType.USDT_FUTURE, False, "futures live"),
        (BinanceAccountType.USDT_FUTURE, True, "futures testnet"),
    )
    out: list[EnvVar] = []
    for account_type, testnet, label in cases:
        key_var, secret_var = credential_env_names(account_type, testnet)
        out.append(
            EnvVar(
                name=key_var,
                field=f"api_key ({label})",
                description=f"API key, {label}",
                secret=True,
            )
        )
        out.append(
            EnvVar(
                name=secret_var,
                field=f"api_secret ({label})",
                description=f"API secret, {label}",
                secret=True,
            )
        )
    return tuple(out)


#: Every environment variable the plugin reads (for ``tradeport info binance``).
ENV_VARS: tuple[EnvVar, ...] = _env_vars()
