"""Databento constants: names, the declared capabilities, protocol limits and defaults."""

from __future__ import annotations

from typing import Final

from tradeport.clients.capabilities import Capabilities, DataType, HistoryType
from tradeport.model.enums import BookType, ProductType

__all__ = [
    "VENUE_NAME",
    "VENUE_ID",
    "CAPABILITIES",
    "FIXED_PRICE_SCALE",
    "PRICE_DECIMALS",
    "UNDEF_PRICE",
    "SYMBOL_CHUNK",
    "CONTROL_LINE_LIMIT",
    "DEFAULT_HEARTBEAT_INTERVAL_S",
    "HEARTBEAT_MARGIN_S",
    "HEARTBEAT_INTERVAL_RANGE",
    "AUTH_TIMEOUT_S",
    "DEFAULT_DATASET",
    "ALL_SYMBOLS",
    "INSTRUMENT_VENUES",
]

#: What users type (``open_venue("databento")``).
VENUE_NAME: Final = "databento"
#: The data source's id. Instrument ids carry the *exchange* as venue (``ESZ6.XCME``), not this.
VENUE_ID: Final = "DATABENTO"

#: DBN prices are int64 in units of 1e-9 (docs: "Standards and conventions: prices").
FIXED_PRICE_SCALE: Final = 1_000_000_000
PRICE_DECIMALS: Final = 9
#: The null price (``i64::MAX``).
UNDEF_PRICE: Final = 2**63 - 1
#: Symbols per subscription control line (docs: "It's recommended to chunk the symbols in groups
#: of 500", subscription request); every chunk but the last carries ``is_last=0``.
SYMBOL_CHUNK: Final = 500
#: "Control messages are limited to 64KiB" (docs: Raw API protocol).
CONTROL_LINE_LIMIT: Final = 64 * 1024
#: The gateway's default heartbeat interval (the official client assumes 30 s).
DEFAULT_HEARTBEAT_INTERVAL_S: Final = 30
#: "Must be between 5 and 1800 seconds" (authentication request, heartbeat_interval_s).
HEARTBEAT_INTERVAL_RANGE: Final = (5, 1800)
#: The official client declares a gateway dead after interval + 10 s without any record.
HEARTBEAT_MARGIN_S: Final = 10
#: The official client gives the CRAM handshake 30 s.
AUTH_TIMEOUT_S: Final = 30.0
DEFAULT_DATASET: Final = "GLBX.MDP3"
ALL_SYMBOLS: Final = "ALL_SYMBOLS"
#: The venue parts of instrument ids: the listing exchanges' MICs (CME Group's four, the US
#: equity and options venues, ICE, Eurex), as definitions name them.
INSTRUMENT_VENUES: Final = (
    "XCME",
    "XCBT",
    "XNYM",
    "XCEC",
    "XNAS",
    "XNYS",
    "ARCX",
    "XBOS",
    "XPSX",
    "BATS",
    "BATY",
    "EDGA",
    "EDGX",
    "IEXG",
    "EQUS",
    "OPRA",
    "IFEU",
    "NDEX",
    "XEEE",
    "XEUR",
)

#: What the plugin supports, as data (the README table is generated from it). Data only, by
#: declaration: the session creates no execution client and the suite skips order scenarios.
CAPABILITIES: Final = Capabilities(
    data_only=True,
    resolve_instruments=True,
    replay={DataType.TRADES, DataType.QUOTES, DataType.BOOK_DELTAS, DataType.BARS},
    products={
        ProductType.FUTURE,
        ProductType.FUTURE_OPTION,
        ProductType.OPTION,
        ProductType.EQUITY,
    },
    data={
        DataType.INSTRUMENTS,
        DataType.QUOTES,
        DataType.TRADES,
        DataType.BOOK_DELTAS,
        DataType.BARS,
        DataType.INSTRUMENT_STATUS,
        DataType.CUSTOM,
    },
    book_types={BookType.L2_MBP, BookType.L3_MBO},
    history={
        HistoryType.INSTRUMENTS,
        HistoryType.BARS,
        HistoryType.TRADES,
        HistoryType.QUOTES,
        HistoryType.BOOK_SNAPSHOT,
    },
    notes=(
        "Data only: Databento has no order entry.",
        "Instrument ids carry the exchange as venue: ESZ6.XCME, AAPL.XNAS (the definition's "
        "exchange MIC; the dataset's venue when no definition names one).",
        "Quotes come from MBP-1 (or BBO-1s/1m, TBBO); trades from the trades schema; books from "
        "MBO (L3, snapshot or replay from midnight) or MBP-10 (L2, each record the top 10).",
        "Trade ids are the venue sequence number of the record (Databento has no trade id).",
        "Statistics (settlement, open interest, ...) and imbalance records are CustomData.",
        "The live gateway has no subscription refusal for unknown symbols until it answers "
        "with an ErrorMsg (symbol resolution failed).",
    ),
)
