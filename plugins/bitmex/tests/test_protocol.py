"""The realtime protocol classifier and the REST query builders, on documented payloads."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from tradeport.errors import ValidationError
from tradeport.model.enums import (
    OrderSide,
    PegPriceType,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)
from tradeport.model.identifiers import ClientOrderId, InstrumentId
from tradeport.model.numbers import Price, Quantity
from tradeport.model.orders import Order
from tradeport.net.ws_protocol import MessageKind, SubscriptionAction
from tradeport_bitmex.http.query import (
    amend_form,
    bucketed_trades_query,
    cancel_form,
    history_query,
    iso_time,
    order_form,
)
from tradeport_bitmex.websocket.messages import BitmexWsProtocol, refused_topics

XBTUSD = InstrumentId.from_str("XBTUSD.BITMEX")


def test_classify_documented_messages(payload: Callable[[str], Any]) -> None:
    protocol = BitmexWsProtocol()
    assert protocol.classify(payload("ws_welcome.json")).kind is MessageKind.IGNORE
    ack = protocol.classify(payload("ws_subscribe_ack.json"))
    assert (ack.kind, ack.topics, ack.action) == (
        MessageKind.ACK,
        ("trade:XBTUSD",),
        SubscriptionAction.SUBSCRIBE,
    )
    # BitMEX publishes no example of its replies to a refused request or a login. The replies
    # below are built here with our own values on the layout BitMEX uses (status, error, meta
    # and the whole request echoed; a login answered by success plus the request).
    # A refusal of a two-topic request: only the topic the error names is refused.
    refusal = protocol.classify(
        {
            "status": 400,
            "error": "Unknown table: quoteBin7m",
            "meta": {},
            "request": {"op": "subscribe", "args": ["trade:XBTUSD", "quoteBin7m"]},
        }
    )
    assert (refusal.kind, refusal.topics, refusal.code) == (
        MessageKind.REFUSAL,
        ("quoteBin7m",),
        400,
    )
    assert refusal.message == "Unknown table: quoteBin7m"
    login = {"op": "authKeyExpires", "args": ["key", 1_900_000_000, "signature"]}
    ok = {"success": True, "request": login}
    error = {"status": 401, "error": "Signature not valid.", "meta": {}, "request": login}
    assert protocol.classify(ok).kind is MessageKind.LOGIN_OK
    # The older ``authKey`` op gets the same replies.
    for reply in (ok, error):
        older = {**reply, "request": {**login, "op": "authKey"}}
        assert protocol.classify(older).kind is protocol.classify(reply).kind
    refused = protocol.classify(error)
    assert (refused.kind, refused.message) == (MessageKind.LOGIN_REFUSED, "Signature not valid.")
    order_ack = protocol.classify(payload("ws_order_subscribe_ack.json"))
    assert (order_ack.kind, order_ack.topics) == (MessageKind.ACK, ("order:XBTUSD",))
    for name in (
        "ws_trade_partial.json",
        "ws_orderbook_l2_update.json",
        "ws_order_partial_empty.json",
        "ws_order.json",
        "ws_quote.json",
    ):
        assert protocol.classify(payload(name)).kind is MessageKind.DATA
    # Tables BitMEX publishes no message of: the documented envelope around a documented row.
    execution = payload("execution_new_order_record.json")
    trade = payload("ws_trade_partial.json")["data"][0]
    for table, action, row in (
        ("execution", "insert", execution),
        ("trade", "insert", trade),
        ("orderBook10", "partial", {"symbol": "XBTUSD", "bids": [], "asks": []}),
        ("funding", "insert", {"symbol": "XBTUSD"}),
    ):
        message = {"table": table, "action": action, "data": [row]}
        assert protocol.classify(message).kind is MessageKind.DATA, table
    assert protocol.classify_raw("pong") is not None
    assert protocol.classify_raw("pong").kind is MessageKind.PONG  # type: ignore[union-attr]
    assert protocol.classify_raw('{"table":"trade"}') is None
    unsub = protocol.classify({"success": True, "unsubscribe": "quote:XBTUSD", "request": {}})
    assert unsub.action is SubscriptionAction.UNSUBSCRIBE


def test_refused_topics_are_the_named_ones() -> None:
    request = {"op": "subscribe", "args": ["trade:XBTUSD", "quote:XBTUSDZ99"]}
    assert refused_topics(request, "Unknown or expired symbol: XBTUSDZ99") == ("quote:XBTUSDZ99",)
    assert refused_topics(request, "Unknown table: quote") == ("quote:XBTUSDZ99",)
    # A text that names none of them refuses the whole batch.
    assert refused_topics(request, "Rate limit exceeded") == tuple(request["args"])
    assert refused_topics({"op": "subscribe", "args": "trade"}, "Unknown table: trade") == (
        "trade",
    )


def test_requests_and_private_topics() -> None:
    protocol = BitmexWsProtocol(login=lambda: {"op": "authKeyExpires", "args": []})
    (request,) = protocol.subscribe_messages(["trade:XBTUSD", "orderBookL2:XBTUSD"])
    assert request.payload == {"op": "subscribe", "args": ["trade:XBTUSD", "orderBookL2:XBTUSD"]}
    assert protocol.unsubscribe_messages(["quote:XBTUSD"])[0].payload["op"] == "unsubscribe"
    assert protocol.is_private("execution") and protocol.is_private("order:XBTUSD")
    assert not protocol.is_private("trade:XBTUSD")
    assert protocol.text_ping() == "ping"
    assert protocol.login_message() == {"op": "authKeyExpires", "args": []}
    assert BitmexWsProtocol().login_message() is None


def _order(**fields: Any) -> Order:
    base: dict[str, Any] = {
        "client_order_id": ClientOrderId("mm_bitmex_1a/oemUeQ4CAJZgP3fjHsA"),
        "instrument_id": XBTUSD,
        "side": OrderSide.BUY,
        "quantity": Quantity.from_int(98),
    }
    base.update(fields)
    return Order(**base)


def test_order_forms() -> None:
    limit = Order.limit(
        XBTUSD,
        OrderSide.BUY,
        Quantity.from_int(98),
        Price.from_str("219.0"),
        client_order_id=ClientOrderId("c1"),
        post_only=True,
        reduce_only=True,
    )
    assert order_form(limit) == [
        ("symbol", "XBTUSD"),
        ("side", "Buy"),
        ("orderQty", "98"),
        ("ordType", "Limit"),
        ("clOrdID", "c1"),
        ("price", "219.0"),
        ("timeInForce", "GoodTillCancel"),
        ("execInst", "ParticipateDoNotInitiate,ReduceOnly"),
    ]
    stop = Order.stop_limit(
        XBTUSD,
        OrderSide.SELL,
        Quantity.from_int(100),
        Price.from_str("90.5"),
        Price.from_str("91.0"),
        trigger_type=TriggerType.LAST_PRICE,
        client_order_id=ClientOrderId("c2"),
        time_in_force=TimeInForce.DAY,
    )
    form = dict(order_form(stop))
    assert (
        form["ordType"],
        form["stopPx"],
        form["price"],
        form["timeInForce"],
        form["execInst"],
    ) == ("StopLimit", "91.0", "90.5", "Day", "LastPrice")
    market = dict(
        order_form(
            Order.market(
                XBTUSD, OrderSide.SELL, Quantity.from_int(100), client_order_id=ClientOrderId("c3")
            )
        )
    )
    assert market["ordType"] == "Market" and "timeInForce" not in market
    assert dict(order_form(limit, close=True))["execInst"].endswith("Close")


def test_pegged_order_form() -> None:
    pegged = Order.pegged(
        XBTUSD,
        OrderSide.BUY,
        Quantity.from_int(100),
        PegPriceType.PRIMARY,
        peg_offset=Decimal("-0.5"),
        client_order_id=ClientOrderId("p1"),
    )
    assert order_form(pegged) == [
        ("symbol", "XBTUSD"),
        ("side", "Buy"),
        ("orderQty", "100"),
        ("ordType", "Pegged"),
        ("clOrdID", "p1"),
        ("pegPriceType", "PrimaryPeg"),
        ("pegOffsetValue", "-0.5"),
        ("timeInForce", "GoodTillCancel"),
    ]
    market_peg = dict(
        order_form(Order.pegged(XBTUSD, OrderSide.SELL, Quantity.from_int(1), PegPriceType.MARKET))
    )
    assert (market_peg["pegPriceType"], "pegOffsetValue" in market_peg, "price" in market_peg) == (
        "MarketPeg",
        False,
        False,
    )
    # BitMEX documents PrimaryPeg and MarketPeg only: the others are refused before sending.
    for peg in (PegPriceType.MID, PegPriceType.LAST):
        with pytest.raises(ValidationError) as info:
            order_form(Order.pegged(XBTUSD, OrderSide.BUY, Quantity.from_int(1), peg))
        assert info.value.field == "peg_price_type"


def test_trailing_stop_is_a_pegged_stop() -> None:
    trailing = Order.trailing_stop_market(
        XBTUSD,
        OrderSide.SELL,
        Quantity.from_int(100),
        Decimal("50"),
        trailing_offset_type=TrailingOffsetType.PRICE,
        client_order_id=ClientOrderId("t1"),
    )
    form = dict(order_form(trailing))
    assert (form["ordType"], form["pegPriceType"], form["pegOffsetValue"]) == (
        "Stop",
        "TrailingStopPeg",
        "-50",
    )
    in_bp = Order.trailing_stop_market(
        XBTUSD,
        OrderSide.SELL,
        Quantity.from_int(100),
        Decimal("50"),
        client_order_id=ClientOrderId("t2"),
    )
    with pytest.raises(ValidationError, match="price offset"):
        order_form(in_bp)


def test_gtd_refused() -> None:
    gtd = Order.limit(
        XBTUSD,
        OrderSide.BUY,
        Quantity.from_int(1),
        Price.from_str("1.0"),
        time_in_force=TimeInForce.GTD,
        expire_time_ns=10**18,
    )
    with pytest.raises(ValidationError, match="GTC, IOC, FOK and DAY"):
        order_form(gtd)


def test_history_queries() -> None:
    start = 1_518_064_236_000_000_000
    assert iso_time(start + 123_000_000) == "2018-02-08T04:30:36.123Z"
    assert bucketed_trades_query("XBTUSD", "1m", start_ns=start, count=1000, start=1000) == [
        ("binSize", "1m"),
        ("partial", None),
        ("symbol", "XBTUSD"),
        ("count", 1000),
        ("start", 1000),
        ("reverse", None),
        ("startTime", "2018-02-08T04:30:36.000Z"),
        ("endTime", None),
    ]
    assert ("filter", '{"open":true}') in history_query(None, conditions={"open": True})
    with pytest.raises(ValidationError):
        history_query("XBTUSD", count=1001)
    assert amend_form(order_id=None, orig_cl_ord_id="c1", price=Price.from_str("1.5")) == [
        ("orderID", None),
        ("origClOrdID", "c1"),
        ("orderQty", None),
        ("price", "1.5"),
        ("stopPx", None),
    ]
    assert cancel_form([], ["a", "b"]) == [("orderID", None), ("clOrdID", "a,b"), ("text", None)]
