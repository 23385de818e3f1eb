"""dYdX v4 constants: names, declared capabilities, chain and indexer facts."""

from __future__ import annotations

from typing import Final

from tradeport.clients.capabilities import Capabilities, DataType, HistoryType
from tradeport.model.enums import BookType, OrderType, ProductType, TimeInForce

__all__ = [
    "VENUE_NAME",
    "VENUE_ID",
    "QUOTE_CURRENCY",
    "QUOTE_ATOMIC_RESOLUTION",
    "SETTLE_CURRENCY",
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
#: The collateral every subaccount holds and every fee is paid in.
SETTLE_CURRENCY: Final = "USDC"
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
    orders={
        OrderType.LIMIT: (TimeInForce.GTC, TimeInForce.GTD, TimeInForce.IOC),
        # No market order on chain: an IOC limit at the best opposite price +- market_slippage.
        OrderType.MARKET: (TimeInForce.IOC,),
        # Conditional orders (flags 32) live until their good-til-block-time: STOP_LOSS and
        # TAKE_PROFIT conditions; the market variants execute IOC at a slippage-bounded price.
        OrderType.STOP_LIMIT: (TimeInForce.GTC, TimeInForce.GTD),
        OrderType.STOP_MARKET: (TimeInForce.GTC, TimeInForce.GTD),
        OrderType.LIMIT_IF_TOUCHED: (TimeInForce.GTC, TimeInForce.GTD),
        OrderType.MARKET_IF_TOUCHED: (TimeInForce.GTC, TimeInForce.GTD),
    },
    post_only=True,
    # On IOC and MARKET orders: the chain refuses reduce-only on resting ones (clob 9003).
    reduce_only=True,
    # One MsgBatchCancel for short-term orders; stateful ones one MsgCancelOrder each.
    batch_cancel=True,
    cancel_all=True,
    positions=True,
    private_streams=True,
    notes=(
        "Perpetuals only, under their indexer tickers (BTC-USD.DYDX); the exact "
        "price/size <-> subticks/quantums conversion is on DydxMarket (Instrument.info).",
        "Orders are chain transactions (MsgPlaceOrder / MsgCancelOrder over the node's REST "
        "gateway); an order is accepted only once the indexer reports it. Short-term orders "
        "(IOC, MARKET, GTC tagged dydx:short_term) carry a good-til-block and are reported "
        "EXPIRED when it passes; GTC / GTD limits are long-term (good-til-block-time).",
        "MARKET is emulated: an IOC limit at the best opposite price moved by market_slippage "
        "(default 5%). No FOK, no modify (cancel and replace), no batch submit. Batch cancel "
        "and cancel-all: one MsgBatchCancel for short-term orders, one MsgCancelOrder per "
        "stateful order.",
        "Stop and take-profit conditionals (STOP_LIMIT / STOP_MARKET, LIMIT_IF_TOUCHED / "
        "MARKET_IF_TOUCHED) are the chain's conditional orders; it triggers them on the oracle "
        "price and the block's trade prices (trigger_type is not chosen).",
        "Reduce-only works on IOC and MARKET orders only: the chain refuses it on resting "
        "orders (clob:9003, a rejection).",
        "Broadcast over the node's Cosmos REST gateway (default) or its gRPC services "
        "(node_transport = 'grpc', node_grpc_url; the grpc extra installs grpcio).",
        "Fills are final: the indexer reports a fill once its block is committed (CometBFT "
        "blocks are final), so provisional_fills is not declared.",
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
