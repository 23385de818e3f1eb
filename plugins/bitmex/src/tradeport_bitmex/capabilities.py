"""What the BitMEX plugin supports, declared as data (shown by ``tradeport info bitmex``)."""

from __future__ import annotations

from tradeport.clients.capabilities import Capabilities, DataType, HistoryType
from tradeport.model.enums import BookType, OrderType, PegPriceType, ProductType, TimeInForce

__all__ = ["CAPABILITIES"]

_GTC, _IOC, _FOK, _DAY = TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK, TimeInForce.DAY

CAPABILITIES = Capabilities(
    products={ProductType.PERPETUAL, ProductType.FUTURE, ProductType.SPOT},
    data={
        DataType.QUOTES,
        DataType.TRADES,
        DataType.BOOK_DELTAS,
        DataType.BOOK_SNAPSHOTS,
        DataType.BARS,
        DataType.MARK_PRICES,
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
        OrderType.MARKET: (_GTC, _IOC, _FOK),
        OrderType.LIMIT: (_GTC, _IOC, _FOK, _DAY),
        OrderType.STOP_MARKET: (_GTC, _DAY),
        OrderType.STOP_LIMIT: (_GTC, _DAY),
        OrderType.MARKET_IF_TOUCHED: (_GTC, _DAY),
        OrderType.LIMIT_IF_TOUCHED: (_GTC, _DAY),
        OrderType.PEGGED: (_GTC, _IOC, _FOK, _DAY),
        # Stop + pegPriceType=TrailingStopPeg, a signed price offset in pegOffsetValue.
        OrderType.TRAILING_STOP_MARKET: (_GTC, _DAY),
        # StopLimit + TrailingStopPeg: the same offset, and a fixed limit price in price.
        OrderType.TRAILING_STOP_LIMIT: (_GTC, _DAY),
    },
    # POST /order documents pegPriceType PrimaryPeg and MarketPeg for ordType=Pegged.
    peg_price_types={PegPriceType.PRIMARY, PegPriceType.MARKET},
    post_only=True,
    reduce_only=True,
    modify_order=True,
    cancel_all=True,
    batch_cancel=True,
    order_lists=False,
    positions=True,
    private_streams=True,
    notes=(
        "Quantities are contracts (spot: lots); Instrument.multiplier is the contract size in "
        "the settlement currency; XBt/USDt/Gwei amounts are converted to XBT/USDT/ETH.",
        "Trailing stops (Stop, or StopLimit, + pegPriceType=TrailingStopPeg) trail by a price "
        "offset only (TrailingOffsetType.PRICE) and have no activation price. A trailing "
        "stop-limit's limit price is fixed (Order.price); a limit_offset from the moving "
        "trigger cannot be expressed and is refused before sending.",
        "No GTD: BitMEX has no expiry time in force. No order lists: BitMEX retired contingent "
        "orders (OCO/OTO).",
        "Quote history is not offered: BitMEX removed GET /quote.",
    ),
)
