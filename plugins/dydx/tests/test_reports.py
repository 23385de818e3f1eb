"""The indexer's private records, as documented, into reports.

The indexer names orders and subaccounts by UUIDs of their chain fields; the client computes
them to know an order's venue id before the indexer reports it, so they must reproduce the
documented ids exactly. The records are the order, fill and subaccount of the indexer
WebSocket documentation's ``v4_subaccounts`` examples (test_data/SOURCES.md): the same
OrderSubaccountMessageContents / SubaccountResponseObject fields the REST records carry.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from tradeport.model.enums import LiquiditySide, OrderSide, OrderStatus, TimeInForce
from tradeport.model.identifiers import AccountId, ClientOrderId
from tradeport_dydx.chain.proto import SubaccountId
from tradeport_dydx.http.parse import iso_to_ns, parse_perpetual_market
from tradeport_dydx.http.reports import (
    parse_account_state,
    parse_fill_report,
    parse_order_report,
)
from tradeport_dydx.orders import client_id_of, order_uuid, subaccount_uuid

DATA = Path(__file__).parent / "test_data"
MESSAGES = json.loads((DATA / "ws_messages.json").read_text())
UPDATE = MESSAGES["subaccounts_update"]
ORDER = UPDATE["contents"]["orders"][0]
FILL = UPDATE["contents"]["fills"][0]
SUBACCOUNT = MESSAGES["subaccounts_subscribed"]["contents"]["subaccount"]
MARKETS = json.loads((DATA / "perpetual_markets.json").read_text())["markets"]
ACCOUNT = AccountId("DYDX-test")
ETH = parse_perpetual_market(MARKETS["ETH-USD"], 0)


def test_subaccount_and_order_ids_are_the_indexer_uuids() -> None:
    address, number = UPDATE["id"].split("/")
    assert subaccount_uuid(address, int(number)) == ORDER["subaccountId"] == FILL["subaccountId"]
    computed = order_uuid(
        SubaccountId(address, int(number)),
        int(ORDER["clientId"]),
        int(ORDER["clobPairId"]),
        int(ORDER["orderFlags"]),
    )
    assert computed == ORDER["id"] == FILL["orderId"] == "64fe30a2-006d-5108-a156-cb0c8443546c"
    # Any other field changes the id.
    assert order_uuid(SubaccountId(address, 1), 320611130, 1, 0) != ORDER["id"]
    assert order_uuid(SubaccountId(address, 0), 320611131, 1, 0) != ORDER["id"]
    assert order_uuid(SubaccountId(address, 0), 320611130, 0, 0) != ORDER["id"]
    assert order_uuid(SubaccountId(address, 0), 320611130, 1, 64) != ORDER["id"]


def test_client_ids_fit_the_chain_uint32() -> None:
    assert client_id_of(ClientOrderId("320611130")) == 320611130
    hashed = client_id_of(ClientOrderId("O-20261208-000001"))
    assert 0 <= hashed < 1 << 32
    assert hashed == client_id_of(ClientOrderId("O-20261208-000001"))
    assert client_id_of(ClientOrderId(str(1 << 32))) != 1 << 32  # too large: hashed


def test_a_filled_ioc_order_row() -> None:
    report = parse_order_report(ORDER, ETH, ACCOUNT, ClientOrderId("mine-1"), ts_init=1)
    assert str(report.venue_order_id) == "64fe30a2-006d-5108-a156-cb0c8443546c"
    assert report.client_order_id == ClientOrderId("mine-1")
    assert report.order_status is OrderStatus.FILLED
    assert report.order_side is OrderSide.BUY
    assert report.time_in_force is TimeInForce.IOC
    assert not report.reduce_only and not report.post_only
    assert report.quantity.as_decimal() == report.filled_qty.as_decimal() == Decimal(1)
    assert report.price is not None and report.price.as_decimal() == Decimal("1948.65")
    # The stream record carries no update time: the report is stamped at ts_init.
    assert report.ts_last == 1
    stamped = {**ORDER, "updatedAt": "2023-04-04T19:09:24.869Z"}
    assert parse_order_report(stamped, ETH, ACCOUNT, None, ts_init=1).ts_last == iso_to_ns(
        "2023-04-04T19:09:24.869Z"
    )


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"status": "OPEN", "totalFilled": "0"}, OrderStatus.ACCEPTED),
        (
            {"status": "BEST_EFFORT_OPENED", "size": "0.0002", "totalFilled": "0.0001"},
            OrderStatus.PARTIALLY_FILLED,
        ),
        ({"status": "CANCELED"}, OrderStatus.CANCELED),
        (
            {"status": "CANCELED", "removalReason": "ORDER_REMOVAL_REASON_INDEXER_EXPIRED"},
            OrderStatus.EXPIRED,
        ),
        (
            {"status": "BEST_EFFORT_CANCELED", "removalReason": "ORDER_REMOVAL_REASON_EXPIRED"},
            OrderStatus.EXPIRED,
        ),
        ({"status": "UNTRIGGERED", "totalFilled": "0"}, OrderStatus.ACCEPTED),
    ],
)
def test_order_statuses(changes: dict[str, str], status: OrderStatus) -> None:
    record = {**ORDER, **changes}
    assert parse_order_report(record, ETH, ACCOUNT, None).order_status is status


def test_fill_rows_name_their_orders() -> None:
    fill = parse_fill_report(FILL, ETH, ACCOUNT, None, ts_init=1)
    assert str(fill.venue_order_id) == ORDER["id"]
    assert str(fill.trade_id) == "c5030bd3-cd85-5046-8f2a-518bbba6ec45"
    assert fill.order_side is OrderSide.BUY
    assert fill.liquidity_side is LiquiditySide.TAKER
    assert fill.last_px.as_decimal() == Decimal("1854.25")
    assert fill.last_qty.as_decimal() == Decimal(1)
    # The stream fill names no fee: none is charged in the report.
    assert fill.commission.as_decimal() == 0 and str(fill.commission.currency) == "USDC"
    assert fill.ts_event == iso_to_ns("2023-04-04T19:09:24.869Z")
    maker = parse_fill_report({**FILL, "liquidity": "MAKER", "fee": "-0.1"}, ETH, ACCOUNT, None)
    assert maker.liquidity_side is LiquiditySide.MAKER
    assert maker.commission.as_decimal() == Decimal("-0.1")


def test_the_subaccount_is_the_account_state() -> None:
    state = parse_account_state(SUBACCOUNT, ACCOUNT, 5)
    (balance,) = state.balances
    assert str(balance.total.currency) == "USDC"
    assert balance.total.as_decimal() == Decimal("100000000000")
    assert balance.free.as_decimal() == Decimal("100000000000")
    assert balance.locked.as_decimal() == 0
    # Margin in use is equity minus free collateral.
    used = {**SUBACCOUNT, "freeCollateral": "99999999000.000000"}
    (balance,) = parse_account_state(used, ACCOUNT, 5).balances
    assert balance.locked.as_decimal() == Decimal(1000)
