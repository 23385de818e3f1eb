"""Explicit maps between Databento's enums (``databento_dbn``) and tradeport's.

Every map is a plain dict so a value nobody mapped fails loudly (KeyError) in a test rather
than turning into a wrong default.
"""

from __future__ import annotations

from typing import Final

import databento_dbn as dbn
from tradeport.model.enums import (
    AggressorSide,
    BarAggregation,
    BookAction,
    MarketStatus,
    OrderSide,
    ProductType,
)

__all__ = [
    "SCHEMAS",
    "BAR_SCHEMAS",
    "BAR_STEP_NS",
    "QUOTE_SCHEMAS",
    "BOOK_SCHEMAS",
    "STYPES",
    "AGGRESSOR",
    "BOOK_SIDE",
    "MBO_ACTION",
    "STATUS",
    "INSTRUMENT_CLASS_PRODUCT",
    "SLOW_READER_BEHAVIORS",
    "DATASET_VENUES",
]

#: Schema names the gateway and the historical API accept (docs: schemas and data formats).
SCHEMAS: Final = frozenset(str(s) for s in dbn.Schema.variants())

#: (step, aggregation) of a bar -> the OHLCV schema that carries it.
BAR_SCHEMAS: Final = {
    (1, BarAggregation.SECOND): "ohlcv-1s",
    (1, BarAggregation.MINUTE): "ohlcv-1m",
    (1, BarAggregation.HOUR): "ohlcv-1h",
    (1, BarAggregation.DAY): "ohlcv-1d",
}
#: OHLCV rtype -> bar length in ns. A bar's ts_event is its *open* time (docs: OHLCV schema).
BAR_STEP_NS: Final = {
    dbn.RType.OHLCV_1S: 1_000_000_000,
    dbn.RType.OHLCV_1M: 60_000_000_000,
    dbn.RType.OHLCV_1H: 3_600_000_000_000,
    dbn.RType.OHLCV_1D: 86_400_000_000_000,
}
#: Schemas whose records are top-of-book quotes.
QUOTE_SCHEMAS: Final = frozenset({"mbp-1", "bbo-1s", "bbo-1m", "tbbo"})
#: Schemas that build a local book, and the book they build.
BOOK_SCHEMAS: Final = frozenset({"mbo", "mbp-10"})

#: Symbology types of subscriptions and requests.
STYPES: Final = frozenset({"raw_symbol", "parent", "continuous", "instrument_id"})

#: The side of a trade record is the aggressor's (docs: "the side that initiates the event").
AGGRESSOR: Final = {
    dbn.Side.ASK: AggressorSide.SELLER,
    dbn.Side.BID: AggressorSide.BUYER,
    dbn.Side.NONE: AggressorSide.NO_AGGRESSOR,
}
#: The side of a book record is the resting order's.
BOOK_SIDE: Final = {dbn.Side.BID: OrderSide.BUY, dbn.Side.ASK: OrderSide.SELL}

#: MBO actions that change the book. Cancel (``C``) removes ``size`` from the order (partial
#: cancels), so the book turns it into an UPDATE with the remaining size or a DELETE; Trade
#: (``T``), Fill (``F``) and None (``N``) change nothing (the fill's cancel follows).
MBO_ACTION: Final = {
    dbn.Action.ADD: BookAction.ADD,
    dbn.Action.MODIFY: BookAction.UPDATE,
    dbn.Action.CANCEL: BookAction.DELETE,
    dbn.Action.CLEAR: BookAction.CLEAR,
}

#: StatusMsg action -> market status (docs: status schema, StatusAction).
STATUS: Final = {
    dbn.StatusAction.NONE: MarketStatus.NOT_AVAILABLE,
    dbn.StatusAction.PRE_OPEN: MarketStatus.PRE_OPEN,
    dbn.StatusAction.PRE_CROSS: MarketStatus.PRE_OPEN,
    dbn.StatusAction.QUOTING: MarketStatus.PRE_OPEN,
    dbn.StatusAction.CROSS: MarketStatus.PRE_OPEN,
    dbn.StatusAction.ROTATION: MarketStatus.PRE_OPEN,
    dbn.StatusAction.NEW_PRICE_INDICATION: MarketStatus.PRE_OPEN,
    dbn.StatusAction.TRADING: MarketStatus.OPEN,
    dbn.StatusAction.HALT: MarketStatus.HALTED,
    dbn.StatusAction.PAUSE: MarketStatus.PAUSED,
    dbn.StatusAction.SUSPEND: MarketStatus.SUSPENDED,
    dbn.StatusAction.PRE_CLOSE: MarketStatus.OPEN,
    dbn.StatusAction.CLOSE: MarketStatus.CLOSED,
    dbn.StatusAction.POST_CLOSE: MarketStatus.CLOSED,
    dbn.StatusAction.SSR_CHANGE: MarketStatus.OPEN,
    dbn.StatusAction.NOT_AVAILABLE_FOR_TRADING: MarketStatus.NOT_AVAILABLE,
}
#: The reverse, for the mock venue (one StatusAction per market status).
STATUS_ACTION: Final = {
    MarketStatus.PRE_OPEN: dbn.StatusAction.PRE_OPEN,
    MarketStatus.OPEN: dbn.StatusAction.TRADING,
    MarketStatus.HALTED: dbn.StatusAction.HALT,
    MarketStatus.PAUSED: dbn.StatusAction.PAUSE,
    MarketStatus.SUSPENDED: dbn.StatusAction.SUSPEND,
    MarketStatus.CLOSED: dbn.StatusAction.CLOSE,
    MarketStatus.NOT_AVAILABLE: dbn.StatusAction.NOT_AVAILABLE_FOR_TRADING,
}

#: Definition ``instrument_class`` -> product family. Spreads are futures/options of their legs'
#: family (their legs stay in ``info``); index and bond definitions are not loaded.
INSTRUMENT_CLASS_PRODUCT: Final = {
    dbn.InstrumentClass.FUTURE: ProductType.FUTURE,
    dbn.InstrumentClass.FUTURE_SPREAD: ProductType.FUTURE,
    dbn.InstrumentClass.CALL: ProductType.OPTION,
    dbn.InstrumentClass.PUT: ProductType.OPTION,
    dbn.InstrumentClass.OPTION_SPREAD: ProductType.OPTION,
    dbn.InstrumentClass.MIXED_SPREAD: ProductType.OPTION,
    dbn.InstrumentClass.STOCK: ProductType.EQUITY,
    dbn.InstrumentClass.FX_SPOT: ProductType.SPOT,
    dbn.InstrumentClass.COMMODITY_SPOT: ProductType.SPOT,
}

#: ``slow_reader_behavior`` values of the authentication request.
SLOW_READER_BEHAVIORS: Final = frozenset({"warn", "skip"})

#: The venue of instrument ids when a definition names no exchange: the dataset's own venue
#: (its publisher's MIC). Definitions override it with their ``exchange`` (XCME, XCBT, ...).
DATASET_VENUES: Final = {
    "GLBX.MDP3": "XCME",
    "XNAS.ITCH": "XNAS",
    "XNAS.BASIC": "XNAS",
    "XNYS.PILLAR": "XNYS",
    "ARCX.PILLAR": "ARCX",
    "XBOS.ITCH": "XBOS",
    "XPSX.ITCH": "XPSX",
    "BATS.PITCH": "BATS",
    "BATY.PITCH": "BATY",
    "EDGA.PITCH": "EDGA",
    "EDGX.PITCH": "EDGX",
    "IEXG.TOPS": "IEXG",
    "OPRA.PILLAR": "OPRA",
    "DBEQ.BASIC": "XNAS",
    "EQUS.MINI": "EQUS",
    "IFEU.IMPACT": "IFEU",
    "NDEX.IMPACT": "NDEX",
    "XEEE.EOBI": "XEEE",
    "XEUR.EOBI": "XEUR",
}
