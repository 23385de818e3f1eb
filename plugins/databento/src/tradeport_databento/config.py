"""Databento configuration: one config type for the provider and the data client.

``DATABENTO_API_KEY`` fills the key (the same variable the official clients read). The key is
the only credential: the live gateway takes a CRAM reply derived from it, the historical API
takes it as the HTTP Basic user name.
"""

from __future__ import annotations

from typing import Final

import attrs
from tradeport.config import VenueConfig
from tradeport.errors import ConfigError
from tradeport.venue import EnvVar

from tradeport_databento.constants import (
    ALL_SYMBOLS,
    AUTH_TIMEOUT_S,
    DEFAULT_DATASET,
    HEARTBEAT_INTERVAL_RANGE,
    HEARTBEAT_MARGIN_S,
)
from tradeport_databento.enums import BOOK_SCHEMAS, QUOTE_SCHEMAS, SLOW_READER_BEHAVIORS, STYPES

__all__ = ["DatabentoConfig", "ENV_VARS"]


def _symbols(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    return tuple(str(v) for v in value)  # type: ignore[attr-defined]


def _choice(name: str, value: str, allowed: frozenset[str]) -> None:
    if value not in allowed:
        raise ConfigError(
            f"DatabentoConfig.{name}: {value!r} is not one of {', '.join(sorted(allowed))}",
            field=name,
        )


@attrs.frozen(kw_only=True)
class DatabentoConfig(VenueConfig):
    """Databento settings (every field has a working default except the key).

    ``base_url_http`` overrides the historical API (``https://hist.databento.com``); ``gateway``
    the live gateway (``host:port``; default: the dataset's ``*.lsg.databento.com:13000``).
    The reconnect fields and ``ws_connect_timeout`` / ``ws_max_message_size`` of
    :class:`~tradeport.config.VenueConfig` apply to the live gateway too (a plain TCP stream, not
    a WebSocket); silence is judged by the heartbeat interval (:meth:`dead_after_s`).
    """

    #: The dataset of the live session and of historical requests.
    dataset: str = DEFAULT_DATASET
    #: Live gateway override, ``host:port``.
    gateway: str | None = None
    #: Symbology of the symbols the data client subscribes to and the provider loads.
    stype_in: str = "raw_symbol"
    #: What the instrument provider loads (definitions of these symbols, in ``stype_in``).
    symbols: tuple[str, ...] = attrs.field(default=(ALL_SYMBOLS,), converter=_symbols)
    #: Definitions from this UNIX ns time (None: UTC midnight of today).
    definitions_start_ns: int | None = None
    #: Heartbeat interval asked of the gateway (None: the gateway's default, 30 s).
    heartbeat_interval_s: int | None = None
    #: Seconds of silence past the heartbeat interval before the connection is dead (the
    #: official client waits 10 s).
    heartbeat_margin_s: float = float(HEARTBEAT_MARGIN_S)
    #: ``warn`` or ``skip`` (what the gateway does when the client reads too slowly).
    slow_reader_behavior: str | None = None
    #: Ask the gateway to append its send time (``ts_out``) to every record.
    ts_out: bool = False
    #: After a reconnect, replay from the last ``ts_event`` seen (deduplicated), so nothing is
    #: missed; False resubscribes live only.
    replay_on_reconnect: bool = True
    #: Schema quotes come from: mbp-1, bbo-1s, bbo-1m or tbbo.
    quote_schema: str = "mbp-1"
    #: Schema books come from: mbo (L3) or mbp-10 (L2, top 10).
    book_schema: str = "mbo"
    #: Historical cost (USD) above which a request needs ``confirm=True`` (None: never asks).
    max_cost_usd: float | None = None
    #: Historical responses compressed with zstd (decoded by databento-dbn).
    compression: str = "zstd"
    #: Seconds to wait for subscription acks.
    ack_timeout: float = 10.0
    #: Seconds for the connect handshake (greeting, CRAM, auth reply); the official client
    #: allows 30.
    auth_timeout: float = AUTH_TIMEOUT_S
    #: Log and skip definitions that cannot be parsed (False: silently skip).
    warn_on_skipped_instruments: bool = True

    def __attrs_post_init__(self) -> None:
        _choice("stype_in", self.stype_in, STYPES)
        _choice("quote_schema", self.quote_schema, QUOTE_SCHEMAS)
        _choice("book_schema", self.book_schema, BOOK_SCHEMAS)
        _choice("compression", self.compression, frozenset({"zstd", "none"}))
        if self.slow_reader_behavior is not None:
            _choice("slow_reader_behavior", self.slow_reader_behavior, SLOW_READER_BEHAVIORS)
        low, high = HEARTBEAT_INTERVAL_RANGE
        if self.heartbeat_interval_s is not None and not low <= self.heartbeat_interval_s <= high:
            raise ConfigError(
                f"DatabentoConfig.heartbeat_interval_s: {self.heartbeat_interval_s!r} must be "
                f"between {low} and {high} seconds",
                field="heartbeat_interval_s",
            )
        if not self.dataset or "." not in self.dataset:
            raise ConfigError(
                f"DatabentoConfig.dataset: {self.dataset!r} is not a dataset code (GLBX.MDP3)",
                field="dataset",
            )

    def effective_heartbeat_s(self) -> int | None:
        """The interval sent in the auth request: ``heartbeat_interval_s``, else the shared
        ``ws_heartbeat_interval`` rounded up into the gateway's range, else None."""
        if self.heartbeat_interval_s is not None:
            return self.heartbeat_interval_s
        if self.ws_heartbeat_interval is None:
            return None
        low, high = HEARTBEAT_INTERVAL_RANGE
        return min(high, max(low, int(-(-self.ws_heartbeat_interval // 1))))

    def dead_after_s(self) -> float:
        """Seconds without any record, heartbeats included, before the connection is dead:
        the heartbeat interval (the gateway sends a heartbeat whenever it has been quiet that
        long) plus ``heartbeat_margin_s``. ``ws_idle_timeout`` does not apply: the gateway's
        heartbeat contract says when silence means a dead connection."""
        return (self.effective_heartbeat_s() or 30) + self.heartbeat_margin_s


#: Credentials from the environment.
ENV_VARS: Final = (
    EnvVar(name="DATABENTO_API_KEY", field="api_key", description="API key (db-...)", secret=True),
    EnvVar(name="DATABENTO_DATASET", field="dataset", description="dataset code, e.g. GLBX.MDP3"),
)
