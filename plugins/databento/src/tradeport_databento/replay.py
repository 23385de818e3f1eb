"""``open_replay("databento", ...)``: the historical API as a replay source.

Each subscription is one streamed ``timeseries.get_range`` (decoded chunk by chunk, bounded
memory) of its schema: TRADES -> ``trades``, QUOTES -> ``quote_schema``, BOOK_DELTAS ->
``book_schema`` (MBO events batched at F_LAST, or MBP-10 snapshots), BARS -> the OHLCV schema of
``params["bar_type"]`` (default 1-MINUTE). Events are those a live session yields, with
``ts_init`` = the record's ``ts_recv`` (Databento's capture time, the order its historical data
is sorted in; a bar's is its close), so the source orders by ``ts_init``; several subscriptions
are merged in that order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import databento_dbn as dbn
from tradeport.clients.base import InstrumentProvider
from tradeport.clients.capabilities import DataType
from tradeport.errors import UnsupportedOperation
from tradeport.model.data import BarType
from tradeport.replay import ReplayRequest, ReplaySource, ReplaySubscription, merge_ordered

from tradeport_databento.config import DatabentoConfig
from tradeport_databento.constants import CAPABILITIES, VENUE_ID
from tradeport_databento.data import MboBook
from tradeport_databento.decode import DbnBlock
from tradeport_databento.enums import BAR_SCHEMAS, BAR_STEP_NS
from tradeport_databento.http.client import DatabentoHttpClient
from tradeport_databento.parse import (
    RecordContext,
    parse_bar,
    parse_mbp10_deltas,
    parse_quote_tick,
    parse_trade_tick,
)
from tradeport_databento.symbology import databento_symbol

__all__ = ["DatabentoReplaySource"]


class DatabentoReplaySource(ReplaySource):
    """Historical Databento data as replay events (see the module docstring)."""

    order_by = frozenset({"ts_init"})

    def __init__(
        self, config: DatabentoConfig, *, instruments: InstrumentProvider, **kwargs: Any
    ) -> None:
        kwargs.setdefault("capabilities", CAPABILITIES)
        super().__init__(VENUE_ID, config, **kwargs)
        self.instruments = instruments
        self._http: DatabentoHttpClient | None = None

    @property
    def http(self) -> DatabentoHttpClient:
        if self._http is None:
            self._http = DatabentoHttpClient(self.config)
        return self._http

    async def disconnect(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def replay(self, request: ReplayRequest) -> AsyncIterator[Any]:
        streams = [self._one(sub, request) for sub in request.subscriptions]
        return merge_ordered(streams, key="ts_init")

    async def _one(self, sub: ReplaySubscription, request: ReplayRequest) -> AsyncIterator[Any]:
        if sub.instrument_id is None:
            raise UnsupportedOperation(
                VENUE_ID, "open_replay", "name an instrument per subscription"
            )
        instrument = await self.instruments.ensure(sub.instrument_id)
        ctx = RecordContext(instrument)
        pid = int(instrument.info.get("instrument_id", -1))
        stype, symbol = databento_symbol(sub.instrument_id)
        data_type = sub.data_type
        bar_type: BarType | None = None
        mbo: MboBook | None = None
        if data_type is DataType.TRADES:
            schema = "trades"
        elif data_type is DataType.QUOTES:
            schema = self.config.quote_schema
        elif data_type is DataType.BOOK_DELTAS:
            schema = self.config.book_schema
            mbo = MboBook(ctx) if schema == "mbo" else None
        elif data_type is DataType.BARS:
            bar_type = BarType.from_str(
                str(sub.params.get("bar_type") or f"{sub.instrument_id}-1-MINUTE-LAST-EXTERNAL")
            )
            schema = BAR_SCHEMAS[(bar_type.spec.step, bar_type.spec.aggregation)]
        else:
            raise UnsupportedOperation(VENUE_ID, "open_replay", f"no replay of {data_type.value}")
        async for batch in self.http.stream_range(
            schema,
            [symbol],
            request.from_ns,
            request.end_ns,
            stype_in=stype,
            confirm=bool(request.params.get("confirm", False)),
            blocks=mbo is not None,
        ):
            if mbo is not None:
                # Columnar: MBO blocks through MboColumns, the same batches as on_record.
                for item in batch:
                    if item.__class__ is not DbnBlock:
                        continue
                    records = item.by_instrument().get(pid)
                    columns = mbo.on_block(records) if records is not None else None
                    if columns is not None:
                        for deltas in columns.events():
                            yield deltas
                continue
            for record in batch:
                if record.instrument_id != pid or record.__class__ in (
                    dbn.SymbolMappingMsg,
                    dbn.SystemMsg,
                    dbn.ErrorMsg,
                ):
                    continue
                if bar_type is not None:
                    step = BAR_STEP_NS.get(record.rtype, 0)
                    yield parse_bar(record, bar_type, ctx, record.ts_event + step)
                elif schema == "mbp-10":
                    yield parse_mbp10_deltas(record, ctx, record.ts_recv)
                elif data_type is DataType.QUOTES:
                    quote = parse_quote_tick(record, ctx, record.ts_recv)
                    if quote is not None:
                        yield quote
                else:
                    yield parse_trade_tick(record, ctx, record.ts_recv)
