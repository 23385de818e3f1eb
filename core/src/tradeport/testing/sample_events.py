"""A deterministic, varied stream of market data events, for tests and benchmarks of sinks.

:func:`sample_events` mixes every market data type of the model (quotes, trades, bars, book
snapshots and deltas with a CLEAR, mark/index prices, funding rates with and without their
optional fields, instrument status and close) over two venues and three instruments, with
prices of different precisions, so a sink that loses a field, a precision, an optional value or
the order shows it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tradeport.model.data import (
    Bar,
    BarType,
    BookOrder,
    FundingRateUpdate,
    IndexPriceUpdate,
    InstrumentClose,
    InstrumentStatus,
    MarkPriceUpdate,
    OrderBookDelta,
    OrderBookDeltas,
    QuoteTick,
    RecordFlag,
    TradeTick,
)
from tradeport.model.enums import (
    AggressorSide,
    BookAction,
    InstrumentCloseType,
    MarketStatus,
    OrderSide,
)
from tradeport.model.identifiers import InstrumentId, TradeId
from tradeport.model.numbers import Price, Quantity

__all__ = ["INSTRUMENTS", "T0", "quotes", "sample_events"]

#: 2026-12-07 12:00:00 UTC in ns.
T0 = 1_796_644_800_000_000_000
INSTRUMENTS = (
    InstrumentId.from_str("BTCUSDT.BINANCE"),
    InstrumentId.from_str("BTCUSDT-PERP.BINANCE"),
    InstrumentId.from_str("XBTUSD.BITMEX"),
)


def quotes(count: int, instrument_id: InstrumentId = INSTRUMENTS[0]) -> list[QuoteTick]:
    """``count`` quotes of one instrument, one microsecond apart (for benchmarks)."""
    out = []
    for i in range(count):
        bid = Price.from_raw(10_000_000 + (i * 7919) % 2000, 2)
        out.append(
            QuoteTick(
                instrument_id,
                bid,
                Price.from_raw(bid.raw + 1, 2),
                Quantity.from_raw(1000 + i % 500, 3),
                Quantity.from_raw(2000 + i % 300, 3),
                T0 + i * 1000,
                T0 + i * 1000 + 250,
            )
        )
    return out


def sample_events(count: int, *, start_ns: int = T0) -> list[Any]:
    """``count`` events cycling through every market data type (deterministic)."""
    events: list[Any] = []
    i = 0
    while len(events) < count:
        iid = INSTRUMENTS[(i + i // 9) % len(INSTRUMENTS)]  # every type on every instrument
        ts = start_ns + i * 1_000_000
        bid = Price.from_str(f"{42000 + i % 17}.{i % 10}")  # 1 decimal place
        ask = Price.from_str(f"{42001 + i % 17}.{i % 10}0")  # 2 decimal places
        size = Quantity.from_str(f"{1 + i % 5}.{i % 1000:03d}")
        kind = i % 9
        if kind == 0:
            events.append(QuoteTick(iid, bid, ask, size, Quantity.from_str("0.5"), ts, ts + 1))
        elif kind == 1:
            side = AggressorSide.BUYER if i % 2 else AggressorSide.SELLER
            events.append(TradeTick(iid, ask, size, side, TradeId(f"T{i}"), ts, ts + 2))
        elif kind == 2:
            bar_type = BarType.from_str(f"{iid}-1-MINUTE-LAST-EXTERNAL")
            events.append(Bar(bar_type, bid, ask, bid, ask, size, ts, ts + 3))
        elif kind == 3:  # a snapshot: CLEAR then levels
            deltas = [OrderBookDelta.clear(iid, i, ts, ts + 4, flags=RecordFlag.F_SNAPSHOT)]
            for level in range(3):
                for book_side, price in ((OrderSide.BUY, bid), (OrderSide.SELL, ask)):
                    order = BookOrder(book_side, price, Quantity.from_str(f"{level + 1}.5"), 0)
                    deltas.append(
                        OrderBookDelta(
                            iid, BookAction.ADD, order, RecordFlag.F_SNAPSHOT, i, ts, ts + 4
                        )
                    )
            events.append(OrderBookDeltas(iid, tuple(deltas)))
        elif kind == 4:
            order = BookOrder(OrderSide.SELL, ask, Quantity.from_str("0"), f"ord-{i}")
            delta = OrderBookDelta(iid, BookAction.DELETE, order, RecordFlag.F_LAST, i, ts, ts + 5)
            events.append(OrderBookDeltas(iid, (delta,)))
        elif kind == 5:
            events.append(MarkPriceUpdate(iid, bid, ts, ts + 6))
            events.append(IndexPriceUpdate(iid, ask, ts, ts + 6))
        elif kind == 6:
            if i % 2:
                events.append(FundingRateUpdate(iid, Decimal("0.00010000"), ts, ts + 7))
            else:
                events.append(
                    FundingRateUpdate(
                        iid,
                        Decimal("-1E-7"),
                        ts,
                        ts + 7,
                        next_funding_ns=ts + 8 * 3600 * 10**9,
                        interval_ns=8 * 3600 * 10**9,
                    )
                )
        elif kind == 7:
            reason = "circuit breaker" if i % 2 else None
            events.append(
                InstrumentStatus(
                    iid,
                    MarketStatus.HALTED if reason else MarketStatus.OPEN,
                    ts,
                    ts + 8,
                    reason=reason,
                )
            )
        else:
            events.append(InstrumentClose(iid, bid, InstrumentCloseType.END_OF_SESSION, ts, ts + 9))
        i += 1
    return events[:count]
