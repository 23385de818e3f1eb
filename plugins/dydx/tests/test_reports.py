"""The indexer's private records, as recorded from the mainnet indexer, into reports.

The indexer names orders and subaccounts by UUIDs of their chain fields; the client computes
them to know an order's venue id before the indexer reports it, so they must reproduce the
recorded ids exactly.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from tradeport.model.enums import LiquiditySide, OrderSide, OrderStatus, TimeInForce
from tradeport.model.identifiers import AccountId, ClientOrderId
from tradeport_dydx.chain.proto import SubaccountId
from tradeport_dydx.http.parse import parse_perpetual_market
from tradeport_dydx.http.reports import (
    parse_account_state,
    parse_fill_report,
    parse_order_report,
)
from tradeport_dydx.orders import client_id_of, order_uuid, subaccount_uuid

DATA = Path(__file__).parent / "test_data"
PRIVATE = json.loads((DATA / "indexer_private.json").read_text())
MARKETS = json.loads((DATA / "perpetual_markets.json").read_text())["markets"]
ADDRESS = "dydx1n56z5fhmemtffzkt2eqyf9kuc7ycjfs86mvqy7"
ACCOUNT = AccountId("DYDX-test")
BTC = parse_perpetual_market(MARKETS["BTC-USD"], 0)


def test_subaccount_and_order_ids_are_the_indexer_uuids() -> None:
    assert subaccount_uuid(ADDRESS, 0) == PRIVATE["orders"][0]["subaccountId"]
    for record in PRIVATE["orders"]:
        computed = order_uuid(
            SubaccountId(ADDRESS, 0),
            int(record["clientId"]),
            int(record["clobPairId"]),
            int(record["orderFlags"]),
        )
        assert computed == record["id"]


def test_client_ids_fit_the_chain_uint32() -> None:
    assert client_id_of(ClientOrderId("1700756032")) == 1700756032
    hashed = client_id_of(ClientOrderId("O-20261208-000001"))
    assert 0 <= hashed < 1 << 32
    assert hashed == client_id_of(ClientOrderId("O-20261208-000001"))
    assert client_id_of(ClientOrderId(str(1 << 32))) != 1 << 32  # too large: hashed


def test_a_filled_ioc_order_row() -> None:
    record = PRIVATE["orders"][0]
    report = parse_order_report(record, BTC, ACCOUNT, ClientOrderId("mine-1"), ts_init=1)
    assert str(report.venue_order_id) == "0f0981cb-152e-57d3-bea9-4d8e0dd5ed35"
    assert report.client_order_id == ClientOrderId("mine-1")
    assert report.order_status is OrderStatus.FILLED
    assert report.order_side is OrderSide.BUY
    assert report.time_in_force is TimeInForce.IOC
    assert report.reduce_only and not report.post_only
    assert report.quantity.as_decimal() == report.filled_qty.as_decimal() == Decimal("0.0001")
    assert report.price is not None and report.price.as_decimal() == Decimal(110372)
    assert report.ts_last == 1762946392470000000


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
    record = {**PRIVATE["orders"][1], **changes}
    assert parse_order_report(record, BTC, ACCOUNT, None).order_status is status


def test_fill_rows_name_their_orders() -> None:
    fills = [parse_fill_report(r, BTC, ACCOUNT, None) for r in PRIVATE["fills"]["fills"]]
    order_ids = {r["id"] for r in PRIVATE["orders"]}
    assert {str(f.venue_order_id) for f in fills} == order_ids
    first = fills[0]
    assert str(first.trade_id) == "6450e369-1dc3-5229-8dc2-fb3b5d1cf2ab"
    assert first.order_side is OrderSide.BUY
    assert first.liquidity_side is LiquiditySide.TAKER
    assert first.last_px.as_decimal() == Decimal(105117)
    assert first.last_qty.as_decimal() == Decimal("0.0001")
    assert first.commission.as_decimal() == 0 and str(first.commission.currency) == "USDC"


def test_the_subaccount_is_the_account_state() -> None:
    state = parse_account_state(PRIVATE["subaccount"]["subaccount"], ACCOUNT, 5)
    (balance,) = state.balances
    assert str(balance.total.currency) == "USDC"
    assert balance.total.as_decimal() == Decimal("45.201296")
    assert balance.free.as_decimal() == Decimal("45.201296")
    assert balance.locked.as_decimal() == 0
