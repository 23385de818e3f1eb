"""Render the SimulatedExchange's market as DBN records, encoded with databento-dbn.

Every record is built with the official record classes (``databento_dbn.TradeMsg`` ...) and
encoded with ``bytes(record)``; metadata with ``Metadata.encode()``. Shapes are therefore the
venue's own; only the values come from the simulated market.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Final

import databento_dbn as dbn
from tradeport.model.enums import AggressorSide, MarketStatus, ProductType
from tradeport_conformance.simulated import SimInstrument

from tradeport_databento.enums import STATUS_ACTION

__all__ = [
    "fixed",
    "metadata_bytes",
    "definition",
    "trade",
    "mbp1",
    "mbp10",
    "mbo",
    "ohlcv",
    "status",
    "statistic",
    "symbol_mapping",
    "system",
    "error",
]

PUBLISHER_ID: Final = 1  # GLBX.MDP3.GLBX
SCALE: Final = Decimal(1_000_000_000)
_SIDES: Final = {
    AggressorSide.BUYER: dbn.Side.BID,
    AggressorSide.SELLER: dbn.Side.ASK,
    AggressorSide.NO_AGGRESSOR: dbn.Side.NONE,
}
_OHLCV_RTYPE: Final = {
    "ohlcv-1s": dbn.RType.OHLCV_1S,
    "ohlcv-1m": dbn.RType.OHLCV_1M,
    "ohlcv-1h": dbn.RType.OHLCV_1H,
    "ohlcv-1d": dbn.RType.OHLCV_1D,
}


class _Interval:
    """A MappingInterval (databento-dbn takes any object with these attributes)."""

    def __init__(self, start_date: Any, end_date: Any, symbol: str) -> None:
        self.start_date = start_date
        self.end_date = end_date
        self.symbol = symbol


class _Mapping:
    def __init__(self, raw_symbol: str, intervals: list[_Interval]) -> None:
        self.raw_symbol = raw_symbol
        self.intervals = intervals


def fixed(value: Decimal) -> int:
    """A Decimal as a 1e-9 fixed-point int (exact, or ValueError)."""
    scaled = value * SCALE
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value} has more than 9 decimals")
    return int(scaled)


def metadata_bytes(
    dataset: str,
    start: int,
    *,
    schema: Any = None,
    stype_in: Any = None,
    stype_out: Any = dbn.SType.INSTRUMENT_ID,
    symbols: Sequence[str] = (),
    partial: Sequence[str] = (),
    not_found: Sequence[str] = (),
    end: int | None = None,
    ts_out: bool = False,
    mappings: Sequence[tuple[str, int, Any, Any]] = (),
) -> bytes:
    """DBN metadata (live sessions have no schema and no stype_in). ``mappings`` are
    (input symbol, instrument id, start date, end date)."""
    return bytes(
        dbn.Metadata(
            dataset=dataset,
            start=start,
            stype_in=stype_in,
            stype_out=stype_out,
            schema=schema,
            symbols=list(symbols),
            partial=list(partial),
            not_found=list(not_found),
            end=end,
            ts_out=ts_out,
            mappings=[
                _Mapping(symbol, [_Interval(start_date, end_date, str(iid))])
                for symbol, iid, start_date, end_date in mappings
            ],
        ).encode()
    )


def definition(
    sim: SimInstrument, instrument_id: int, ts: int, *, exchange: str, malformed: bool = False
) -> bytes:
    """An InstrumentDefMsg for a simulated instrument (futures, options, stocks)."""
    meta = sim.meta
    if sim.product_type in (ProductType.OPTION, ProductType.FUTURE_OPTION):
        cls = dbn.InstrumentClass.PUT if meta.get("put") else dbn.InstrumentClass.CALL
        security_type = "OOF" if sim.product_type is ProductType.FUTURE_OPTION else "OPT"
    elif sim.product_type is ProductType.EQUITY:
        cls, security_type = dbn.InstrumentClass.STOCK, "STK"
    else:
        cls, security_type = dbn.InstrumentClass.FUTURE, "FUT"
    return bytes(
        dbn.InstrumentDefMsg(
            PUBLISHER_ID,
            instrument_id,
            ts,
            ts,
            # A malformed definition: no price increment (the client cannot price it).
            0 if malformed else fixed(sim.tick_size),
            1_000_000_000,
            sim.symbol,
            sim.base_asset,
            security_type,
            cls,
            dbn.SecurityUpdateAction.ADD,
            expiration=int(meta.get("expiration", dbn.UNDEF_TIMESTAMP)),
            activation=int(meta.get("activation", dbn.UNDEF_TIMESTAMP)),
            unit_of_measure_qty=fixed(sim.multiplier),
            strike_price=fixed(Decimal(meta["strike"])) if "strike" in meta else dbn.UNDEF_PRICE,
            min_lot_size_round_lot=int(sim.lot_size),
            currency=sim.quote_asset,
            exchange=exchange,
            underlying=str(meta.get("underlying", "")),
            group=str(meta.get("group", "")),
        )
    )


def trade(
    instrument_id: int,
    price: Decimal,
    size: Decimal,
    aggressor: AggressorSide,
    sequence: int,
    ts: int,
) -> bytes:
    return bytes(
        dbn.TradeMsg(
            PUBLISHER_ID,
            instrument_id,
            ts,
            fixed(price),
            int(size),
            dbn.Action.TRADE,
            _SIDES[aggressor],
            0,
            ts,
            flags=dbn.F_LAST,
            sequence=sequence,
        )
    )


def _pair(bid: tuple[Decimal, Decimal] | None, ask: tuple[Decimal, Decimal] | None) -> Any:
    return dbn.BidAskPair(
        bid_px=fixed(bid[0]) if bid else dbn.UNDEF_PRICE,
        ask_px=fixed(ask[0]) if ask else dbn.UNDEF_PRICE,
        bid_sz=int(bid[1]) if bid else 0,
        ask_sz=int(ask[1]) if ask else 0,
        bid_ct=1 if bid else 0,
        ask_ct=1 if ask else 0,
    )


def mbp1(
    instrument_id: int,
    bid: tuple[Decimal, Decimal] | None,
    ask: tuple[Decimal, Decimal] | None,
    sequence: int,
    ts: int,
) -> bytes:
    """A top-of-book change (action modify on the bid side) with the new top level."""
    price = fixed(bid[0]) if bid else dbn.UNDEF_PRICE
    return bytes(
        dbn.MBP1Msg(
            PUBLISHER_ID,
            instrument_id,
            ts,
            price,
            int(bid[1]) if bid else 0,
            dbn.Action.MODIFY,
            dbn.Side.BID,
            0,
            ts,
            flags=dbn.F_LAST | dbn.F_TOB,
            sequence=sequence,
            levels=_pair(bid, ask),  # one level: a BidAskPair, not a list
        )
    )


def mbp10(
    instrument_id: int,
    bids: Sequence[tuple[Decimal, Decimal]],
    asks: Sequence[tuple[Decimal, Decimal]],
    sequence: int,
    ts: int,
) -> bytes:
    """The top ten levels after an event."""
    levels = [
        _pair(bids[i] if i < len(bids) else None, asks[i] if i < len(asks) else None)
        for i in range(10)
    ]
    top = bids[0] if bids else None
    return bytes(
        dbn.MBP10Msg(
            PUBLISHER_ID,
            instrument_id,
            ts,
            fixed(top[0]) if top else dbn.UNDEF_PRICE,
            int(top[1]) if top else 0,
            dbn.Action.MODIFY,
            dbn.Side.BID,
            0,
            ts,
            flags=dbn.F_LAST,
            sequence=sequence,
            levels=levels,
        )
    )


def mbo(
    instrument_id: int,
    order_id: int,
    price: Decimal | None,
    size: int,
    action: Any,
    side: Any,
    sequence: int,
    ts: int,
    flags: int,
) -> bytes:
    return bytes(
        dbn.MBOMsg(
            PUBLISHER_ID,
            instrument_id,
            ts,
            order_id,
            fixed(price) if price is not None else dbn.UNDEF_PRICE,
            size,
            action,
            side,
            ts,
            flags=flags,
            sequence=sequence,
        )
    )


def ohlcv(
    schema: str,
    instrument_id: int,
    ts_open: int,
    o: Decimal,
    h: Decimal,
    low: Decimal,
    c: Decimal,
    volume: Decimal,
) -> bytes:
    return bytes(
        dbn.OHLCVMsg(
            _OHLCV_RTYPE[schema],
            PUBLISHER_ID,
            instrument_id,
            ts_open,
            fixed(o),
            fixed(h),
            fixed(low),
            fixed(c),
            int(volume),
        )
    )


def status(instrument_id: int, market_status: MarketStatus, ts: int) -> bytes:
    action = STATUS_ACTION[market_status]
    trading = dbn.TriState.YES if market_status is MarketStatus.OPEN else dbn.TriState.NO
    return bytes(
        dbn.StatusMsg(
            PUBLISHER_ID,
            instrument_id,
            ts,
            ts,
            action=action,
            is_trading=trading,
        )
    )


def statistic(
    instrument_id: int,
    stat_type: Any,
    ts: int,
    *,
    price: Decimal | None = None,
    quantity: int | None = None,
    sequence: int = 0,
) -> bytes:
    return bytes(
        dbn.StatMsg(
            PUBLISHER_ID,
            instrument_id,
            ts,
            ts,
            dbn.UNDEF_TIMESTAMP,
            fixed(price) if price is not None else dbn.UNDEF_PRICE,
            quantity if quantity is not None else dbn.UNDEF_STAT_QUANTITY,
            stat_type,
            sequence=sequence,
            update_action=dbn.StatUpdateAction.NEW,
        )
    )


def symbol_mapping(
    instrument_id: int, stype_in: str, symbol_in: str, raw_symbol: str, ts: int
) -> bytes:
    return bytes(
        dbn.SymbolMappingMsg(
            PUBLISHER_ID,
            instrument_id,
            ts,
            dbn.SType(stype_in),
            symbol_in,
            dbn.SType.RAW_SYMBOL,
            raw_symbol,
            ts,
            dbn.UNDEF_TIMESTAMP,
        )
    )


def system(text: str, code: Any, ts: int) -> bytes:
    return bytes(dbn.SystemMsg(ts, text, code=code))


def error(text: str, code: Any, ts: int) -> bytes:
    return bytes(dbn.ErrorMsg(ts, text, code=code))
