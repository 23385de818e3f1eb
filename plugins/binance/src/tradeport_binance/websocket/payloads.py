"""Typed models of Binance's high-volume market stream payloads, decoded straight from JSON.

Each model lists only the fields the parser reads, under readable names renamed to Binance's
one-letter keys (the "Websocket Market Streams" pages of the Spot, USD-M and COIN-M docs); the
decoder skips the rest unread. Decoding a frame into one of these costs about 40% less than
decoding it into a dict (``bench/bench_binance_parse.py``), and a payload whose fields have the
wrong type fails here, naming the field, instead of deeper in the parser.

The market stream client routes each combined-stream frame by its ``stream`` before decoding
(:class:`tradeport.net.ws_protocol.RoutedFrame`), so each route decodes its payload with the
decoder of its own model:

>>> trade = decode_trade(b'{"e":"trade","E":1,"s":"BNBBTC","t":12345,"p":"0.001","q":"100",'
...                      b'"b":88,"a":50,"T":1672515782136,"m":true,"M":true}')
>>> trade.symbol, trade.price, trade.trade_id, trade.buyer_is_maker
('BNBBTC', '0.001', 12345, True)

Lower-volume streams (klines, mark price, 24h ticker) decode to dicts.
"""

from __future__ import annotations

import msgspec

__all__ = [
    "AggTradePayload",
    "BookTickerPayload",
    "DepthUpdatePayload",
    "TradePayload",
    "decode_agg_trade",
    "decode_book_ticker",
    "decode_depth_update",
    "decode_trade",
]


class TradePayload(
    msgspec.Struct,
    rename={
        "symbol": "s",
        "trade_id": "t",
        "price": "p",
        "quantity": "q",
        "trade_time": "T",
        "buyer_is_maker": "m",
    },
):
    """``<symbol>@trade``: one trade."""

    symbol: str
    trade_id: int
    price: str
    quantity: str
    trade_time: int
    buyer_is_maker: bool


class AggTradePayload(
    msgspec.Struct,
    rename={
        "symbol": "s",
        "agg_trade_id": "a",
        "price": "p",
        "quantity": "q",
        "trade_time": "T",
        "buyer_is_maker": "m",
    },
):
    """``<symbol>@aggTrade``: the trades of one taker order at one price."""

    symbol: str
    agg_trade_id: int
    price: str
    quantity: str
    trade_time: int
    buyer_is_maker: bool


class BookTickerPayload(
    msgspec.Struct,
    rename={
        "symbol": "s",
        "bid_price": "b",
        "bid_qty": "B",
        "ask_price": "a",
        "ask_qty": "A",
        "event_time": "E",
        "transaction_time": "T",
    },
):
    """``<symbol>@bookTicker``. Spot sends neither time; futures send ``E`` and ``T``."""

    symbol: str
    bid_price: str
    bid_qty: str
    ask_price: str
    ask_qty: str
    event_time: int | None = None
    transaction_time: int | None = None


class DepthUpdatePayload(
    msgspec.Struct,
    rename={
        "symbol": "s",
        "event_time": "E",
        "first_update_id": "U",
        "final_update_id": "u",
        "previous_final_update_id": "pu",
        "bids": "b",
        "asks": "a",
    },
):
    """``<symbol>@depth@100ms`` (``depthUpdate``): levels are ``[price, quantity]`` strings;
    ``pu`` (the previous event's ``u``) is sent by futures only."""

    symbol: str
    event_time: int
    first_update_id: int
    final_update_id: int
    bids: list[tuple[str, str]]
    asks: list[tuple[str, str]]
    previous_final_update_id: int | None = None


decode_trade = msgspec.json.Decoder(TradePayload).decode
decode_agg_trade = msgspec.json.Decoder(AggTradePayload).decode
decode_book_ticker = msgspec.json.Decoder(BookTickerPayload).decode
decode_depth_update = msgspec.json.Decoder(DepthUpdatePayload).decode
