"""Interactive Brokers configuration: one config type for the provider, data and execution.

There is no API key: the Java application (TWS or IB Gateway) holds the IB login, and the API
socket trusts the machine it listens on (Trusted IPs) and a client id. ``host``/``port`` name the
application (``port`` None: the default of ``application`` + ``trading_mode``: Gateway 4001 live
/ 4002 paper, TWS 7496 / 7497). Each client takes its own client id: execution ``client_id``,
market data ``client_id + 1``, the instrument provider ``client_id + 2`` (TWS allows 32).
"""

from __future__ import annotations

from typing import Any

import attrs
from tradeport.config import VenueConfig
from tradeport.errors import ConfigError
from tradeport.venue import EnvVar

from tradeport_interactive_brokers.constants import PORTS

__all__ = ["InteractiveBrokersConfig", "ENV_VARS"]

#: Environment variables the plugin reads.
ENV_VARS = (
    EnvVar(name="IB_HOST", field="host", description="host of TWS / IB Gateway"),
    EnvVar(name="IB_PORT", field="port", description="API port (default: by application/mode)"),
    EnvVar(name="IB_CLIENT_ID", field="client_id", description="client id of the execution client"),
    EnvVar(name="IB_ACCOUNT", field="account", description="the managed account to trade"),
)


def _choice(name: str, value: Any, allowed: tuple[Any, ...]) -> None:
    if value not in allowed:
        raise ConfigError(
            f"InteractiveBrokersConfig.{name}: {value!r} is not one of "
            f"{', '.join(map(str, allowed))}",
            field=name,
        )


def _queries(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    return tuple(str(v) for v in value)  # type: ignore[attr-defined]


@attrs.frozen(kw_only=True)
class InteractiveBrokersConfig(VenueConfig):
    """Settings of the TWS API connection (every field has a working default)."""

    #: Where TWS / IB Gateway runs.
    host: str = "127.0.0.1"
    #: Its API port (None: from ``application`` and ``trading_mode``).
    port: int | None = None
    #: ``gateway`` (IB Gateway) or ``tws`` (Trader Workstation).
    application: str = "gateway"
    #: ``paper`` or ``live``.
    trading_mode: str = "paper"
    #: The execution client's API client id (data: +1, instrument provider: +2).
    client_id: int = 1
    #: The managed account orders go to and reports cover (None: the first one TWS names).
    account: str | None = None
    #: Instrument id scheme: ``simplified`` (``AAPL.NASDAQ``, ``ESZ6.CME``) or ``raw``
    #: (``AAPL=STK.NASDAQ``); see :mod:`tradeport_interactive_brokers.symbology`.
    symbology: str = "simplified"
    #: Read-only session (TWS's "Read-Only API"): no execution connection; order commands
    #: and execution reports raise MissingCredentials naming this setting.
    read_only: bool = False
    #: Market data type: 1 live, 2 frozen, 3 delayed, 4 delayed frozen (delayed needs no
    #: market data subscription).
    market_data_type: int = 1
    #: Instruments ``load_all`` resolves (IB cannot list everything): simplified ids
    #: (``AAPL.NASDAQ``, ``ESZ6.CME``) or bare symbols.
    load_instruments: tuple[str, ...] = attrs.field(default=(), converter=_queries)
    #: Depth rows a side for ``subscribe_book_deltas`` (IB allows up to 50 on some exchanges).
    depth_rows: int = 10
    #: SMART depth (aggregated over exchanges) for book subscriptions.
    smart_depth: bool = False
    #: Seconds between heartbeats (REQ_CURRENT_TIME, answered by CURRENT_TIME): keeps a quiet
    #: connection inside the idle timeout.
    heartbeat_interval: float = 10.0
    #: Seconds to wait for an answer to a request (contract details, executions, ...).
    request_timeout: float = 10.0
    #: Seconds for the connect handshake (server version, nextValidId, managedAccounts).
    handshake_timeout: float = 10.0
    #: Seconds historical requests pause after TWS reports a pacing violation (error 162),
    #: before the request is sent again.
    history_pacing_wait: float = 10.0
    #: Client-side message rate limit (IB: 50 per second).
    max_messages_per_second: int = 50
    #: Log contracts that cannot be mapped to an instrument (False: skip silently).
    warn_on_skipped_instruments: bool = True
    #: Idle timeout override: TWS sends nothing on a quiet connection except heartbeat answers.
    ws_idle_timeout: float | None = 30.0

    def __attrs_post_init__(self) -> None:
        _choice("application", self.application, ("gateway", "tws"))
        _choice("trading_mode", self.trading_mode, ("paper", "live"))
        _choice("symbology", self.symbology, ("simplified", "raw"))
        _choice("market_data_type", self.market_data_type, (1, 2, 3, 4))
        if not 0 <= self.client_id <= 2**31 - 3:
            raise ConfigError(
                f"InteractiveBrokersConfig.client_id: {self.client_id!r} must be in 0..2^31-3",
                field="client_id",
            )
        if self.port is not None and not 0 < self.port < 65536:
            raise ConfigError(
                f"InteractiveBrokersConfig.port: {self.port!r} is not a TCP port", field="port"
            )
        if not 1 <= self.max_messages_per_second <= 50:
            raise ConfigError(
                "InteractiveBrokersConfig.max_messages_per_second: "
                f"{self.max_messages_per_second!r} must be in 1..50 (IB's limit)",
                field="max_messages_per_second",
            )

    @property
    def api_port(self) -> int:
        """The port to connect to."""
        if self.port is not None:
            return self.port
        return PORTS[(self.application, self.trading_mode)]

    @property
    def has_credentials(self) -> bool:
        """The socket has no credentials (the application holds the login); what stands for
        them is being allowed to trade: False for a ``read_only`` session."""
        return not self.read_only
