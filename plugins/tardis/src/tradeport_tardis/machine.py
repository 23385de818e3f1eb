"""tardis-machine: normalized replay (``/ws-replay-normalized``) and real-time stream
(``/ws-stream-normalized``) over WebSocket.

tardis-machine is a self-hosted server (npm ``tardis-machine``, Docker
``tardisdev/tardis-machine``; HTTP on its port, WebSocket on port + 1). Both endpoints take
``?options=<URL-encoded JSON>``: one object, or an array of them for a synchronized
multi-exchange replay, each ``{"exchange", "symbols", "from", "to", "dataTypes",
"withDisconnectMessages"}`` (``from``/``to`` select on the local arrival time). The server sends
one normalized message per text frame, ordered by ``localTimestamp`` across exchanges, and
closes with 1000 when a replay is done; any other end is an interruption (the replay's cursor
resumes it).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from tradeport.clients.capabilities import DataType
from tradeport.errors import ConfigError, TransportError, UnknownInstrument, ValidationError
from tradeport.model.data import BarType
from tradeport.model.enums import BarAggregation, PriceType
from tradeport.model.instruments import Instrument
from tradeport.net import json_codec
from tradeport.net.stream_session import StreamCounters
from tradeport.net.ws_client import WebSocketTransport
from tradeport.replay import ReplaySubscription

from tradeport_tardis.config import TardisConfig
from tradeport_tardis.constants import VENUE_ID
from tradeport_tardis.normalized import NormalizedParser
from tradeport_tardis.symbology import feed_symbol, tardis_symbol

__all__ = ["NORMALIZED_TYPES", "TardisMachine", "machine_options", "trade_bar_name"]

#: The normalized data type a tradeport data type is replayed from (``params`` override:
#: ``{"data_types": ["book_snapshot_25_100ms"]}``).
NORMALIZED_TYPES: dict[DataType, str] = {
    DataType.TRADES: "trade",
    DataType.QUOTES: "quote",
    DataType.BOOK_DELTAS: "book_change",
    DataType.BOOK_SNAPSHOTS: "book_snapshot_10_100ms",
    DataType.BARS: "trade_bar_1m",
    DataType.MARK_PRICES: "derivative_ticker",
    DataType.INDEX_PRICES: "derivative_ticker",
    DataType.FUNDING_RATES: "derivative_ticker",
}
CLOSE_NORMAL = 1000

#: tardis-machine's trade bar units (``trade_bar_{n}{unit}``), by bar aggregation: time bars
#: in ms, s or m (hours and days as minutes), tick and volume bars.
_BAR_UNITS: dict[BarAggregation, tuple[str, int]] = {
    BarAggregation.MILLISECOND: ("ms", 1),
    BarAggregation.SECOND: ("s", 1),
    BarAggregation.MINUTE: ("m", 1),
    BarAggregation.HOUR: ("m", 60),
    BarAggregation.DAY: ("m", 1440),
    BarAggregation.TICK: ("ticks", 1),
    BarAggregation.VOLUME: ("vol", 1),
}


def trade_bar_name(bar_type: BarType) -> str:
    """The normalized data type of a bar type: ``1-MINUTE-LAST`` -> ``trade_bar_1m``,
    ``1-HOUR-LAST`` -> ``trade_bar_60m``, ``100-TICK-LAST`` -> ``trade_bar_100ticks``.
    tardis-machine computes bars of last trade prices only."""
    spec = bar_type.spec
    unit = _BAR_UNITS.get(spec.aggregation)
    if unit is None or spec.price_type is not PriceType.LAST:
        raise ValidationError(
            "bar_type", str(bar_type), "tardis-machine computes LAST bars of ms, s, m, h, d, "
            "ticks or volume only",
        )  # fmt: skip
    return f"trade_bar_{spec.step * unit[1]}{unit[0]}"


def _iso(ns: int) -> str:
    moment = datetime.fromtimestamp(ns / 1e9, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ns // 1_000_000 % 1000:03d}Z"


def machine_options(
    subscriptions: Iterable[ReplaySubscription],
    start_ns: int | None = None,
    end_ns: int | None = None,
) -> list[dict[str, Any]]:
    """The ``options`` array: one object per exchange, symbols and data types sorted."""
    by_exchange: dict[str, tuple[set[str], set[str]]] = {}
    for sub in subscriptions:
        if sub.instrument_id is None:
            raise ValidationError("subscriptions", sub.data_type.value, "needs an instrument_id")
        exchange, symbol = tardis_symbol(sub.instrument_id)
        types = sub.params.get("data_types") or [NORMALIZED_TYPES.get(sub.data_type)]
        if None in types:
            raise ValidationError("subscriptions", sub.data_type.value,
                                  "has no normalized data type: give params={'data_types': [...]}")  # fmt: skip
        symbols, data_types = by_exchange.setdefault(exchange, (set(), set()))
        symbols.add(feed_symbol(exchange, symbol))
        data_types.update(str(t) for t in types)
    options = []
    for exchange, (symbols, data_types) in sorted(by_exchange.items()):
        option: dict[str, Any] = {"exchange": exchange, "symbols": sorted(symbols),
                                  "dataTypes": sorted(data_types), "withDisconnectMessages": True}  # fmt: skip
        if start_ns is not None:
            option["from"] = _iso(start_ns)
        if end_ns is not None:
            option["to"] = _iso(end_ns)
        options.append(option)
    return options


class TardisMachine:
    """A tardis-machine's normalized WebSocket endpoints (see the module docstring)."""

    def __init__(self, config: TardisConfig) -> None:
        if not config.machine_url:
            raise ConfigError(
                "TardisConfig.machine_url: a normalized replay needs a tardis-machine "
                "(e.g. ws://localhost:8001; TARDIS_MACHINE_WS_URL)",
                field="machine_url",
            )
        self.config = config
        self.url = config.machine_url.rstrip("/")
        #: Messages received, for observation.
        self.messages = 0

    async def messages_of(
        self, path: str, options: Sequence[Mapping[str, Any]]
    ) -> AsyncIterator[Any]:
        """Every message of one connection to ``path``, decoded; ends at a close with 1000."""
        query = urllib.parse.quote(json_codec.dumps(list(options)), safe="")
        transport = WebSocketTransport(f"{self.url}{path}?options={query}", venue=VENUE_ID)
        async with (
            transport.running(),
            transport.connect(timeout=self.config.ws_connect_timeout,
                              max_message_size=self.config.ws_max_message_size,
                              counters=StreamCounters()) as session,
        ):  # fmt: skip
            while True:
                try:
                    data = await session.receive()
                except TransportError as exc:
                    if exc.close_code == CLOSE_NORMAL:
                        return  # the replay is complete
                    raise
                self.messages += 1
                # Numbers as the decimals they were written as, not floats.
                yield json_codec.loads_exact(data)

    async def events(
        self,
        path: str,
        subscriptions: Sequence[ReplaySubscription],
        instruments: Sequence[Instrument],
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> AsyncIterator[Any]:
        """The events of a normalized replay (``start_ns``) or stream (None), in order."""
        known = {i.id for i in instruments}
        for sub in subscriptions:
            if sub.instrument_id is not None and sub.instrument_id not in known:
                raise UnknownInstrument(VENUE_ID, str(sub.instrument_id),
                                        "pass it in instruments=... for its precision")  # fmt: skip
        parser = NormalizedParser(i for i in instruments if i.id.venue.value != VENUE_ID)
        wanted = {(str(s.instrument_id), s.data_type) for s in subscriptions}
        options = machine_options(subscriptions, start_ns, end_ns)
        async for message in self.messages_of(path, options):
            for event in parser.parse(message):
                kind = _kind(event)
                iid = getattr(event, "instrument_id", None)
                if kind is None or iid is None or (str(iid), kind) in wanted:
                    yield event

    def replay(self, subscriptions: Sequence[ReplaySubscription], instruments: Sequence[Instrument],
               start_ns: int, end_ns: int) -> AsyncIterator[Any]:  # fmt: skip
        """``/ws-replay-normalized`` from ``start_ns`` to ``end_ns`` (arrival times)."""
        return self.events("/ws-replay-normalized", subscriptions, instruments, start_ns, end_ns)

    def stream(self, subscriptions: Sequence[ReplaySubscription],
               instruments: Sequence[Instrument]) -> AsyncIterator[Any]:  # fmt: skip
        """``/ws-stream-normalized``: real-time normalized data, until the caller stops."""
        return self.events("/ws-stream-normalized", subscriptions, instruments)


def _kind(event: Any) -> DataType | None:
    from tradeport_tardis.replay import EVENT_TYPES

    return EVENT_TYPES.get(type(event))
