"""dYdX v4 constants: names, declared capabilities, chain and indexer facts."""

from __future__ import annotations

from typing import Final

from tradeport.clients.capabilities import Capabilities, DataType, HistoryType
from tradeport.model.enums import BookType, ProductType

__all__ = [
    "VENUE_NAME",
    "VENUE_ID",
    "QUOTE_CURRENCY",
    "QUOTE_ATOMIC_RESOLUTION",
    "SHORT_TERM_BLOCK_WINDOW",
    "MAX_STATEFUL_ORDER_SECONDS",
    "CAPABILITIES",
]

#: What users type (``open_venue("dydx")``).
VENUE_NAME: Final = "dydx"
#: The venue part of instrument ids (``BTC-USD.DYDX``).
VENUE_ID: Final = "DYDX"
#: Every perpetual settles in USDC; quote quantums are micro-USDC.
QUOTE_CURRENCY: Final = "USD"
QUOTE_ATOMIC_RESOLUTION: Final = -6
#: A short-term order's good-til-block may lie at most this many blocks after the current
#: height (``ShortBlockWindow`` in v4-chain x/clob/types: 40 now, 20 in older releases).
SHORT_TERM_BLOCK_WINDOW: Final = 40
#: Long-term and conditional orders live at most 95 days (good-til-block-time).
MAX_STATEFUL_ORDER_SECONDS: Final = 95 * 24 * 3600

#: What the plugin supports, as data (conformance scenarios skip the rest, naming it).
CAPABILITIES: Final = Capabilities(
    products={ProductType.PERPETUAL},
    data={
        DataType.TRADES,
        DataType.BOOK_DELTAS,
        DataType.BARS,
        DataType.INDEX_PRICES,
        DataType.FUNDING_RATES,
    },
    book_types={BookType.L2_MBP},
    history={
        HistoryType.INSTRUMENTS,
        HistoryType.TRADES,
        HistoryType.BARS,
        HistoryType.BOOK_SNAPSHOT,
    },
    notes=(
        "Perpetuals only, under their indexer tickers (BTC-USD.DYDX); the exact "
        "price/size <-> subticks/quantums conversion is on DydxMarket (Instrument.info).",
        "Order entry is not wired into an ExecutionClient yet: the chain module "
        "(tradeport_dydx.chain) builds, signs and decodes MsgPlaceOrder / MsgCancelOrder / "
        "MsgBatchCancel transactions byte-identical to the official SDK, but no order "
        "scenario is declared.",
        "No quotes channel at the venue: QUOTES is not declared. v4_markets gives the oracle "
        "price (INDEX_PRICES) and the predicted hourly funding rate (FUNDING_RATES, next "
        "funding on the next full hour); there is no separate mark price (the oracle price is "
        "what margins use), so MARK_PRICES is not declared.",
        "Bars are v4_candles (1MIN ... 1DAY) stamped at their close; a streamed bar is "
        "published once the next candle starts.",
        "The book has no sequence numbers at the venue: it is resynchronised (resubscribed) "
        "when it crosses or when a message_id gap shows a lost message.",
    ),
)
