"""Stream parsers and the stream protocol against Bybit's documented messages."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from tradeport.model.data import BarType, FundingRateUpdate, IndexPriceUpdate, MarkPriceUpdate
from tradeport.model.enums import AggressorSide, BookAction, OrderStatus, PositionSide
from tradeport.model.identifiers import AccountId
from tradeport.model.instruments import Perpetual
from tradeport.model.numbers import Money, Price, Quantity
from tradeport.net.ws_protocol import MessageKind, SubscriptionAction
from tradeport_bybit.http.parse import (
    parse_account_state,
    parse_fill_report,
    parse_instrument,
    parse_order_status_report,
    parse_position_status_report,
)
from tradeport_bybit.websocket.messages import BybitWsProtocol
from tradeport_bybit.websocket.parse import (
    TickerState,
    parse_ws_bar,
    parse_ws_book,
    parse_ws_quote,
    parse_ws_ticker,
    parse_ws_trades,
)


def load(name: str) -> Any:
    """A documented payload from tests/test_data (see SOURCES.md)."""
    return json.loads((Path(__file__).parent / "test_data" / name).read_text(encoding="utf-8"))


TS = 1_700_000_000_000_000_000


@pytest.fixture
def btc() -> Perpetual:
    """BTCUSDT linear with the 2-decimal prices the stream examples use."""
    inst = parse_instrument(load("instruments_linear.json")["result"]["list"][0], "linear", TS)
    assert isinstance(inst, Perpetual)
    return attrs.evolve(inst, price_precision=2, price_increment=Price("0.01"))


def test_public_trade(btc: Perpetual) -> None:
    (tick,) = parse_ws_trades(load("ws_public_trade.json"), btc, TS)
    assert tick.price == Price("16578.50") and tick.size == Quantity("0.001")
    assert tick.aggressor_side is AggressorSide.BUYER
    assert tick.trade_id.value == "20f43950-d8dd-5b31-9112-a178eb6023af"
    assert tick.ts_event == 1672304486865 * 1_000_000


def test_orderbook_snapshot_and_delta(btc: Perpetual) -> None:
    message = load("ws_orderbook_snapshot.json")
    snap = parse_ws_book(message, btc, TS)
    assert snap is not None and snap.is_snapshot and snap.sequence == 18521288
    assert [d.action for d in snap.deltas][:2] == [BookAction.CLEAR, BookAction.ADD]
    assert len(snap.deltas) == 5
    # A delta has the same shape (docs: type "delta"); size "0" deletes the level.
    delta_msg = {
        **message,
        "type": "delta",
        "data": {**message["data"], "b": [["16493.50", "0"]], "a": [], "u": 18521289},
    }
    delta = parse_ws_book(delta_msg, btc, TS)
    assert delta is not None and not delta.is_snapshot and delta.sequence == 18521289
    assert delta.deltas[0].action is BookAction.DELETE


def test_quote_from_level_one(btc: Perpetual) -> None:
    message = load("ws_orderbook_snapshot.json")
    quote = parse_ws_quote(message, btc, TS)
    assert quote is not None
    assert (quote.bid_price, quote.ask_price) == (Price("16493.50"), Price("16611.00"))
    assert quote.bid_size == Quantity("0.006")
    one_sided = {**message, "data": {**message["data"], "a": []}}
    assert parse_ws_quote(one_sided, btc, TS) is None


def test_linear_ticker_mark_index_funding(btc: Perpetual) -> None:
    updates = parse_ws_ticker(load("ws_ticker_linear.json"), btc, TS, TickerState())
    mark, index, funding = updates
    assert isinstance(mark, MarkPriceUpdate) and mark.value == Price("17217.33")
    assert isinstance(index, IndexPriceUpdate) and index.value == Price("17227.36")
    assert isinstance(funding, FundingRateUpdate)
    assert funding.rate == Decimal("-0.000212")
    assert funding.next_funding_ns == 1673280000000 * 1_000_000
    assert funding.interval_ns == 480 * 60 * 1_000_000_000


def test_ticker_delta_uses_merged_state(btc: Perpetual) -> None:
    state = TickerState()
    parse_ws_ticker(load("ws_ticker_linear.json"), btc, TS, state)
    delta = {
        "topic": "tickers.BTCUSDT",
        "type": "delta",
        "ts": 1673272861690,
        "data": {"symbol": "BTCUSDT", "fundingRate": "-0.0002"},
    }
    (funding,) = parse_ws_ticker(delta, btc, TS, state)
    assert isinstance(funding, FundingRateUpdate)
    assert funding.next_funding_ns == 1673280000000 * 1_000_000


def test_spot_ticker_has_no_derivative_prices(btc: Perpetual) -> None:
    assert parse_ws_ticker(load("ws_ticker_spot.json"), btc, TS) == []


def test_kline_only_closed_candles(btc: Perpetual) -> None:
    message = load("ws_kline.json")
    bar_type = BarType.from_str("BTCUSDT-LINEAR.BYBIT-5-MINUTE-LAST-EXTERNAL")
    item = message["data"][0]
    assert parse_ws_bar(item, bar_type, btc, TS) is None  # confirm: false
    bar = parse_ws_bar({**item, "confirm": True}, bar_type, btc, TS)
    assert bar is not None and bar.close == Price("16677") and bar.volume == Quantity("2.081")
    assert bar.ts_event == 1672325100000 * 1_000_000


def test_private_order_execution_position_wallet() -> None:
    linear = load("instruments_linear.json")["result"]["list"][0]
    option = load("instruments_option.json")["result"]["list"][0]
    eth_option = parse_instrument(
        {
            **option,
            "symbol": "ETH-30DEC22-1400-C",
            "optionsType": "Call",
            "priceFilter": {**option["priceFilter"], "tickSize": "0.1"},
        },
        "option",
        TS,
    )
    report = parse_order_status_report(load("ws_order.json")["data"][0], eth_option)
    assert report.order_status is OrderStatus.FILLED
    assert report.avg_px == Decimal("75") and report.filled_qty == Quantity("1")
    assert report.price is None  # a market order's price is the venue's protection price

    xrp = parse_instrument(
        {
            **linear,
            "symbol": "XRPUSDT",
            "priceFilter": {**linear["priceFilter"], "tickSize": "0.0001"},
            "lotSizeFilter": {**linear["lotSizeFilter"], "qtyStep": "1"},
        },
        "linear",
        TS,
    )
    fill = parse_fill_report(load("ws_execution.json")["data"][0], xrp)
    assert fill is not None and fill.commission == Money("0.005061", "USDT")
    assert fill.last_px == Price("0.3374")

    pos = parse_position_status_report(
        load("ws_position.json")["data"][0], parse_instrument(linear, "linear", TS)
    )
    assert pos.position_side is PositionSide.FLAT and not pos.quantity

    state = parse_account_state(load("ws_wallet.json")["data"][0], AccountId("BYBIT-1"), TS)
    usdt = state.balance("USDT")
    assert usdt is not None
    assert usdt.total == Money("106.03036732", "USDT")
    assert usdt.locked == Money("7539.624", "USDT")
    assert state.margins[0].initial == Money("1179.1604584", "USDT")


def test_protocol_classifies_documented_replies() -> None:
    protocol = BybitWsProtocol()
    (request,) = protocol.subscribe_messages(["orderbook.1.BTCUSDT", "publicTrade.BTCUSDT"])
    assert request.payload == {
        "op": "subscribe",
        "args": ["orderbook.1.BTCUSDT", "publicTrade.BTCUSDT"],
        "req_id": request.request_id,
    }
    ack = protocol.classify(load("ws_subscribe_ack_spot.json"))
    assert (ack.kind, ack.request_id, ack.action) == (
        MessageKind.ACK,
        "10001",
        SubscriptionAction.SUBSCRIBE,
    )
    option_ack = protocol.classify(load("ws_subscribe_ack_option.json"))
    assert option_ack.kind is MessageKind.ACK
    assert option_ack.topics == ("orderbook.100.BTC-6JAN23-18000-C",)
    assert protocol.classify(load("ws_pong_linear.json")).kind is MessageKind.PONG
    assert protocol.classify(load("ws_pong_private.json")).kind is MessageKind.PONG
    assert protocol.classify(load("ws_auth_ok.json")).kind is MessageKind.LOGIN_OK
    refused = protocol.classify(
        {"success": False, "ret_msg": "error:handler not found", "op": "subscribe", "req_id": "7"}
    )
    assert (refused.kind, refused.request_id) == (MessageKind.REFUSAL, "7")
    login_refused = protocol.classify({"success": False, "ret_msg": "Invalid apikey", "op": "auth"})
    assert login_refused.kind is MessageKind.LOGIN_REFUSED
    assert protocol.classify(load("ws_public_trade.json")).kind is MessageKind.DATA
    assert protocol.text_ping() == {"op": "ping"}
    assert protocol.is_private("order") and protocol.is_private("execution.linear")
    assert not protocol.is_private("orderbook.50.BTCUSDT")
