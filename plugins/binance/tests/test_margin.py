"""Cross and isolated margin execution against the mock venue on loopback (asyncio and trio).

Orders go to ``/sapi/v1/margin/*`` (isolated: ``isIsolated=TRUE`` on every account request);
user data comes by listenToken (``POST /sapi/v1/userListenToken``) subscribed on the WebSocket
API, because Binance retired the margin listenKey endpoints on 2026-02-20 (Margin Trading change
log, 2026-01-21).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from binance_payloads import load
from stream_events import DEADLINE, collect_until
from tradeport.clients.base import Reconnected
from tradeport.errors import ConfigError, UnsupportedOperation
from tradeport.model.enums import AccountType, AggressorSide, OrderSide, OrderStatus, ProductType
from tradeport.model.events import OrderAccepted, OrderCanceled, OrderFilled
from tradeport.model.identifiers import AccountId, InstrumentId
from tradeport.model.orders import Order
from tradeport.session import open_venue
from tradeport_binance.config import BinanceConfig
from tradeport_binance.enums import BinanceAccountType
from tradeport_binance.http.client import BinanceHttpClient
from tradeport_binance.http.parse import parse_spot_account_state
from tradeport_binance.testing import BinanceIsolatedMarginHarness, BinanceMarginHarness
from tradeport_binance.testing.mock_venue import WS_API_PATH


@pytest.fixture(
    params=[BinanceMarginHarness, BinanceIsolatedMarginHarness], ids=["cross", "isolated"]
)
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[BinanceMarginHarness]:
    async with request.param() as h:
        yield h


def _iid(harness: BinanceMarginHarness) -> InstrumentId:
    iid = harness.instrument_id(ProductType.SPOT)
    assert iid is not None
    return iid


def _buy(venue: Any, iid: InstrumentId, price: str) -> Order:
    inst = venue.instruments.get(iid)
    return Order.limit(
        instrument_id=iid,
        side=OrderSide.BUY,
        quantity=inst.make_qty(Decimal("0.01")),
        price=inst.make_price(Decimal(price)),
    )


def _margin_requests(harness: BinanceMarginHarness) -> list[Any]:
    return [r for r in harness.requests if r.path.startswith("/sapi/v1/margin/")]


@pytest.mark.anyio
async def test_submit_cancel_fill_and_reconcile(harness: BinanceMarginHarness) -> None:
    iid = _iid(harness)
    seen: list[Any] = []
    async with open_venue("binance", harness.client_config("valid")) as venue:
        execution = venue.execution
        await venue.instruments.load_all()
        # User data by listenToken on the WebSocket API, for this account; no listenKey at all.
        (subscription,) = harness.listen_token_subscriptions
        expected_account = "isolated:BTCUSDT" if harness.isolated else "cross"
        assert subscription["account"] == expected_account
        assert subscription["listen_token"] == execution.listen_token
        assert execution.listen_tokens_created == 1 and execution.listen_key is None
        assert not [r for r in harness.requests if "userDataStream" in r.path]
        (token_request,) = [r for r in harness.requests if r.path == "/sapi/v1/userListenToken"]
        token_params = dict(token_request.query)
        if harness.isolated:
            assert token_params == {"symbol": "BTCUSDT", "isIsolated": "true"}
        else:
            assert token_params == {}

        # Submit and cancel.
        canceled = _buy(venue, iid, "950")
        await execution.submit_order(canceled)
        accepted = await collect_until(
            venue,
            lambda e: (
                isinstance(e, OrderAccepted) and e.client_order_id == canceled.client_order_id
            ),
            "OrderAccepted",
            seen,
        )
        assert accepted.account_id == AccountId(
            "BINANCE-ISOLATED_MARGIN" if harness.isolated else "BINANCE-MARGIN"
        )
        await execution.cancel_order(iid, client_order_id=canceled.client_order_id)
        await collect_until(
            venue,
            lambda e: (
                isinstance(e, OrderCanceled) and e.client_order_id == canceled.client_order_id
            ),
            "OrderCanceled",
            seen,
        )

        # A fill on the user data stream (the WebSocket API subscription).
        filled = _buy(venue, iid, "990")
        await execution.submit_order(filled)
        await harness.publish_trade(iid, Decimal("990"), Decimal("0.05"), AggressorSide.SELLER)
        fill = await collect_until(
            venue,
            lambda e: isinstance(e, OrderFilled) and e.client_order_id == filled.client_order_id,
            "OrderFilled",
            seen,
        )
        assert fill.last_qty.as_decimal() == Decimal("0.01")

        resting = _buy(venue, iid, "900")
        await execution.submit_order(resting)
        await collect_until(
            venue,
            lambda e: isinstance(e, OrderAccepted) and e.client_order_id == resting.client_order_id,
            "OrderAccepted (resting)",
            seen,
        )

        # Reconciliation from REST: open orders, all orders, fills, balances.
        open_reports = await execution.order_status_reports(iid)
        assert [r.client_order_id for r in open_reports] == [resting.client_order_id]
        every = {
            r.client_order_id: r.order_status
            for r in await execution.order_status_reports(iid, open_only=False)
        }
        assert every == {
            canceled.client_order_id: OrderStatus.CANCELED,
            filled.client_order_id: OrderStatus.FILLED,
            resting.client_order_id: OrderStatus.ACCEPTED,
        }
        report = await execution.order_status_report(iid, client_order_id=filled.client_order_id)
        assert report is not None and report.filled_qty == filled.quantity
        fills = await execution.fill_reports(iid)
        assert [f.trade_id for f in fills] == [fill.trade_id]
        state = await execution.account_state()
        assert state.account_type is AccountType.MARGIN
        assert {b.total.currency for b in state.balances} == {"BTC", "USDT"}

    # Every margin account request named the account: isolated ones say so, cross ones not.
    margin_requests = _margin_requests(harness)
    assert {r.path for r in margin_requests} >= {
        "/sapi/v1/margin/order",
        "/sapi/v1/margin/openOrders",
        "/sapi/v1/margin/allOrders",
        "/sapi/v1/margin/myTrades",
    }
    for r in margin_requests:
        query = dict(r.query)
        if r.path == harness.account_path:  # the account endpoint names its pairs instead
            assert query.get("symbols") == ("BTCUSDT" if harness.isolated else None), r
        else:
            assert query.get("isIsolated") == ("TRUE" if harness.isolated else None), r
    assert all(r.signature_ok for r in margin_requests)


@pytest.mark.anyio
async def test_listen_token_renewed_then_resubscribed_after_termination(
    harness: BinanceMarginHarness,
) -> None:
    iid = _iid(harness)
    seen: list[Any] = []
    config = harness.client_config("valid", listen_key_keepalive_s=0.1)
    async with open_venue("binance", config) as venue:
        execution = venue.execution
        await venue.instruments.load_all()
        connections = harness.total_connections

        # Renewal: new tokens subscribed on the same connection (no reconnect, no new login).
        await harness.wait_until(
            lambda: (
                execution.listen_tokens_created >= 3
                and [s["listen_token"] for s in harness.listen_token_subscriptions]
                == [execution.listen_token]
            ),
            DEADLINE,
            "listenToken renewals",
        )
        assert harness.total_connections == connections and harness.logins == 1
        renewals = [r for r in harness.requests if r.path == "/sapi/v1/userListenToken"]
        assert len(renewals) == execution.listen_tokens_created

        # The subscription ends (a token not renewed in time): eventStreamTerminated, then a
        # new connection with a new token.
        await harness.expire_listen_keys()
        await collect_until(
            venue,
            lambda e: isinstance(e, Reconnected) and e.stream == "user",
            "the user data stream to come back",
            seen,
        )
        await harness.wait_until(lambda: harness.logins >= 2, DEADLINE, "a new subscription")

        # Events flow on the new subscription.
        order = _buy(venue, iid, "950")
        await execution.submit_order(order)
        accepted = await collect_until(
            venue,
            lambda e: isinstance(e, OrderAccepted) and e.client_order_id == order.client_order_id,
            "OrderAccepted",
            seen,
        )
        harness.exchange.cancel(str(accepted.venue_order_id))
        await harness.push_account_events()
        await collect_until(
            venue,
            lambda e: isinstance(e, OrderCanceled) and e.client_order_id == order.client_order_id,
            "OrderCanceled on the new subscription",
            seen,
        )


@pytest.mark.anyio
async def test_isolated_orders_without_is_isolated_reach_another_account() -> None:
    # The isolated harness holds no cross margin account: a client configured for cross margin
    # is refused there (this is what the isIsolated parameter is for).
    async with BinanceIsolatedMarginHarness() as harness:
        iid = _iid(harness)
        config = harness.client_config("valid", account_type="margin")
        seen: list[Any] = []
        async with open_venue("binance", config) as venue:
            await venue.instruments.load_all()
            order = _buy(venue, iid, "950")
            await venue.execution.submit_order(order)
            rejected = await collect_until(
                venue,
                lambda e: (
                    getattr(e, "client_order_id", None) == order.client_order_id
                    and type(e).__name__ == "OrderRejected"
                ),
                "OrderRejected",
                seen,
            )
            assert "-2010" in rejected.reason


def test_isolated_account_payload_from_the_docs() -> None:
    state = parse_spot_account_state(
        load("margin_isolated_account.json"),
        AccountId("BINANCE-ISOLATED_MARGIN"),
        1,
        margin=True,
    )
    # The documented example holds zeros only: parsed, and dropped as empty.
    assert state.account_type is AccountType.MARGIN and state.balances == ()
    payload = load("margin_isolated_account.json")
    payload["assets"][0]["quoteAsset"].update(free="12.5", locked="0.5")
    state = parse_spot_account_state(payload, AccountId("X"), 1, margin=True)
    (usdt,) = state.balances
    assert (usdt.total.as_decimal(), usdt.locked.as_decimal()) == (Decimal("13"), Decimal("0.5"))


@pytest.mark.anyio
async def test_margin_has_no_listen_key_and_a_default_ws_api_endpoint() -> None:
    config = BinanceConfig(
        account_type=BinanceAccountType.MARGIN, api_key="k", api_secret="s", base_url_http="x"
    )
    assert config.ws_api_url == "wss://ws-api.binance.com:443/ws-api/v3"
    client = BinanceHttpClient(config)
    with pytest.raises(UnsupportedOperation, match="2026-02-20"):
        await client.http_create_listen_key()
    await client.aclose()
    with pytest.raises(ConfigError):
        _ = BinanceConfig(account_type=BinanceAccountType.SPOT).ws_api_url
    with pytest.raises(ConfigError):
        _ = BinanceConfig(account_type=BinanceAccountType.MARGIN, testnet=True).ws_api_url
    assert WS_API_PATH == "/ws-api/v3"


@pytest.mark.anyio
async def test_isolated_margin_without_its_pair_is_a_config_error() -> None:
    config = BinanceConfig(
        account_type=BinanceAccountType.ISOLATED_MARGIN,
        api_key="k",
        api_secret="s",
        base_url_http="http://127.0.0.1:9",
    )
    client = BinanceHttpClient(config)
    with pytest.raises(ConfigError, match="isolated_symbol"):
        await client.http_create_listen_token()
    await client.aclose()
