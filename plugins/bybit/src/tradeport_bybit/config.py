"""Bybit configuration: one config type for the provider, data and execution clients.

Environment variables (``BYBIT_API_KEY`` / ``BYBIT_API_SECRET``, and the testnet and demo
variants) fill the credentials; see :data:`ENV_VARS`.
"""

from __future__ import annotations

from typing import Final

import attrs
from tradeport.config import VenueConfig
from tradeport.errors import ConfigError
from tradeport.venue import EnvVar

from tradeport_bybit.constants import DEFAULT_RECV_WINDOW_MS
from tradeport_bybit.enums import BybitCategory

__all__ = ["BybitConfig", "ENV_VARS"]


def _categories(value: object) -> tuple[BybitCategory, ...]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    try:
        out = tuple(BybitCategory(str(v).lower()) for v in value)  # type: ignore[attr-defined]
    except (ValueError, TypeError):
        known = ", ".join(c.value for c in BybitCategory)
        raise ConfigError(
            f"BybitConfig.categories: {value!r} is not a list of {known}", field="categories"
        ) from None
    if not out:
        raise ConfigError(
            "BybitConfig.categories: must name at least one category", field="categories"
        )
    return out


@attrs.frozen(kw_only=True)
class BybitConfig(VenueConfig):
    """Bybit settings (every field has a working default for the live venue).

    The timing fields shared by every venue (``http_max_attempts``, ``http_retry_delay``,
    ``ws_connect_timeout``, ``ws_heartbeat_interval`` (default: Bybit's 20 s),
    ``ws_idle_timeout``, ``ws_max_message_size``, ``reconnect_delay_*``) come from
    :class:`~tradeport.config.VenueConfig`.
    """

    #: Product categories the provider loads and the clients trade.
    categories: tuple[BybitCategory, ...] = attrs.field(
        default=(BybitCategory.SPOT, BybitCategory.LINEAR), converter=_categories
    )
    #: Use demo trading (api-demo / stream-demo); exclusive with ``testnet``.
    demo: bool = False
    #: ``X-BAPI-RECV-WINDOW`` in milliseconds.
    recv_window_ms: int = DEFAULT_RECV_WINDOW_MS
    #: Added to the local clock when signing (milliseconds), to correct a known skew.
    clock_offset_ms: int = 0
    #: Override of the private stream URL (the public streams use ``base_url_ws``).
    base_url_ws_private: str | None = None
    #: Account type for wallet queries (``UNIFIED`` for unified trading accounts).
    account_type: str = "UNIFIED"
    #: Position mode of the account: False one-way (positionIdx 0), True hedge mode (1/2).
    hedge_mode: bool = False
    #: Seconds to wait for subscription and login acks.
    ack_timeout: float = 10.0
    #: Order book depth streamed for book deltas (Bybit offers 1, 50, 200, 1000 per category).
    book_depth: int = 50
    #: Log and skip instruments that cannot be parsed (False: silently skip).
    warn_on_skipped_instruments: bool = True

    def __attrs_post_init__(self) -> None:
        if self.testnet and self.demo:
            raise ConfigError("BybitConfig: testnet and demo are exclusive", field="demo")
        if self.recv_window_ms <= 0:
            raise ConfigError(
                f"BybitConfig.recv_window_ms: {self.recv_window_ms!r} must be positive",
                field="recv_window_ms",
            )


#: Credentials from the environment; the first variable found for a field wins.
ENV_VARS: Final = (
    EnvVar(name="BYBIT_API_KEY", field="api_key", description="API key", secret=True),
    EnvVar(name="BYBIT_API_SECRET", field="api_secret", description="API secret", secret=True),
    EnvVar(
        name="BYBIT_TESTNET_API_KEY", field="api_key", description="testnet API key", secret=True
    ),
    EnvVar(
        name="BYBIT_TESTNET_API_SECRET",
        field="api_secret",
        description="testnet API secret",
        secret=True,
    ),
    EnvVar(
        name="BYBIT_DEMO_API_KEY", field="api_key", description="demo trading API key", secret=True
    ),
    EnvVar(
        name="BYBIT_DEMO_API_SECRET",
        field="api_secret",
        description="demo trading API secret",
        secret=True,
    ),
    EnvVar(name="BYBIT_TESTNET", field="testnet", description="use the testnet (true/false)"),
    EnvVar(name="BYBIT_DEMO", field="demo", description="use demo trading (true/false)"),
)
