"""Parsers, ladder and caches on Betfair payloads (test_data/SOURCES.md names each one)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tradeport.errors import AuthenticationError, RateLimitError, RequestRejected, ValidationError
from tradeport.model.enums import OrderSide, OrderStatus, TimeInForce
from tradeport.model.identifiers import AccountId
from tradeport.model.instruments import BettingMarket
from tradeport.model.numbers import Price
from tradeport.net import MessageKind
from tradeport_betfair.constants import PRICE_LADDER
from tradeport_betfair.http.client import _api_error, decode
from tradeport_betfair.http.parse import (
    fill_trade_id,
    market_liability,
    parse_account_funds,
    parse_current_order,
    parse_market_catalogue,
    parse_stream_order,
)
from tradeport_betfair.http.query import check_price
from tradeport_betfair.stream.messages import BetfairStreamProtocol
from tradeport_betfair.stream.parse import MarketCache, OrderCache
from tradeport_betfair.symbology import parse_runner_symbol, runner_id, runner_symbol
from tradeport_betfair.urls import cert_identity_url, identity_url

DATA = Path(__file__).parent / "test_data"
ACCOUNT = AccountId("BETFAIR-test")
TS = 1_700_000_000_000_000_000


def load(name: str) -> Any:
    return decode((DATA / f"{name}.json").read_bytes())


# -- the ladder -------------------------------------------------------------------------------


def test_ladder_has_betfairs_350_prices_and_bands() -> None:
    prices = [PRICE_LADDER.min_price]
    while prices[-1] != PRICE_LADDER.max_price:
        prices.append(PRICE_LADDER.next_up(prices[-1]))
    assert len(prices) == 350
    assert [str(p) for p in prices[:3]] == ["1.01", "1.02", "1.03"]
    steps = [
        (PRICE_LADDER.next_up(Price.from_str(p)).as_decimal() - Decimal(p)).normalize()
        for p in ("1.5", "2.5", "3.5", "5", "8", "15", "25", "40", "75", "500")
    ]
    assert steps == [
        Decimal(s) for s in ("0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1", "2", "5", "1E+1")
    ]


@pytest.mark.parametrize(
    ("price", "nearest"),
    [
        ("2.05", ("2.04", "2.06")),
        ("3.33", ("3.30", "3.35")),
        ("10.3", ("10.00", "10.50")),
        ("105", ("100.00", "110.00")),
    ],
)
def test_price_off_the_ladder_is_refused_naming_the_nearest_prices(
    price: str, nearest: tuple[str, str]
) -> None:
    with pytest.raises(ValidationError) as caught:
        check_price(Decimal(price))
    message = str(caught.value)
    assert price in message and nearest[0] in message and nearest[1] in message


def test_prices_beyond_the_ladder_are_refused() -> None:
    for price in ("1.00", "1001", "0"):
        with pytest.raises(ValidationError, match="off the Betfair ladder"):
            check_price(Decimal(price))
    assert check_price(Decimal("1.01")) == Decimal("1.01") and check_price(Decimal("1000")) == 1000


def test_runner_symbols_round_trip() -> None:
    assert runner_symbol("1.180737206", 39980) == "1.180737206-39980"
    assert runner_symbol("1.2", 47972, Decimal("-1.5")) == "1.2-47972--1.5"
    assert parse_runner_symbol("1.2-47972--1.5") == ("1.2", 47972, Decimal("-1.5"))
    assert str(runner_id("1.180737206", 39980)) == "1.180737206-39980.BETFAIR"
    with pytest.raises(ValidationError, match="MARKETID-SELECTIONID"):
        parse_runner_symbol("BTCUSDT")


def test_identity_hosts_per_jurisdiction() -> None:
    assert identity_url("international") == "https://identitysso.betfair.com/api"
    assert cert_identity_url("italy") == "https://identitysso-cert.betfair.it/api"
    assert identity_url("australia") == "https://identitysso.betfair.com.au/api"
    with pytest.raises(ValueError, match="jurisdiction"):
        identity_url("mars")


# -- JSON-RPC answers ---------------------------------------------------------------------------


def test_market_catalogue_becomes_betting_markets() -> None:
    record = load("list_market_catalogue")["result"][0]
    runners, failed = parse_market_catalogue(record, "AUD", TS)
    assert not failed and len(runners) == len(record["runners"]) == 10
    first = runners[0]
    assert isinstance(first, BettingMarket)
    assert str(first.id) == "1.214829607-48616935.BETFAIR"
    assert (first.market_id, first.selection_id, first.handicap) == (
        "1.214829607",
        "48616935",
        Decimal(0),
    )
    assert first.selection_name == "1. Some Chevron"
    assert (first.event_id, first.event_name) == ("32392014", "Penrith (AUS) 1st Jun")
    assert first.market_type == "WIN" and first.event_type_id == ""  # no EVENT_TYPE projection
    assert first.market_start_ns is not None and first.price_ladder is PRICE_LADDER
    assert str(first.price_increment) == "0.01" and first.size_precision == 2
    assert first.is_valid_price(Price.from_str("2.04")) and not first.is_valid_price(
        Price.from_str("2.05")
    )
    assert (
        first.liability(OrderSide.BUY, Price.from_str("4.0"), first.make_qty("10")).as_decimal()
        == 30
    )


def test_current_orders_become_reports() -> None:
    rows = load("list_current_orders")["result"]["currentOrders"]
    back, lay = (parse_current_order(r, ACCOUNT, TS) for r in rows[:2])
    assert back.order_side is OrderSide.SELL and lay.order_side is OrderSide.BUY  # BACK, LAY
    assert back.time_in_force is TimeInForce.LAPSE and back.order_status is OrderStatus.ACCEPTED
    assert str(back.price) == "5.00" and str(back.quantity) == "10.00"
    assert str(back.instrument_id) == "1.180575118-39980.BETFAIR"


def test_account_funds_with_exposure() -> None:
    state = parse_account_funds(
        load("get_account_funds_with_exposure")["result"], ACCOUNT, "GBP", TS
    )
    (balance,) = state.balances
    assert (balance.free.as_decimal(), balance.locked.as_decimal(), balance.total.as_decimal()) == (
        1000,
        100,
        1100,
    )
    assert state.total_exposure("GBP").as_decimal() == 100


def test_exposure_per_market_from_market_profit_and_loss() -> None:
    """A listMarketProfitAndLoss record (the API reference's MarketProfitAndLoss: marketId,
    profitAndLosses of selectionId / ifWin, ifLose on multi-winner markets): the worst
    outcome's loss; the account's exposure not in any market's is market '*'."""
    win = {
        "marketId": "1.125877820",
        "profitAndLosses": [
            {"selectionId": 635848, "ifWin": decode(b"2.0")},
            {"selectionId": 10452285, "ifWin": decode(b"-0.4")},
        ],
    }
    place = {
        "marketId": "1.125877821",
        "profitAndLosses": [{"selectionId": 635848, "ifWin": 6, "ifLose": -3}],
    }
    winning = {"marketId": "1.125877822", "profitAndLosses": [{"selectionId": 1, "ifWin": 1}]}
    assert market_liability(win) == Decimal("0.4")
    assert market_liability(place) == 3
    assert market_liability(winning) == 0
    funds = load("get_account_funds_with_exposure")["result"]  # exposure -100
    state = parse_account_funds(funds, ACCOUNT, "GBP", TS, [win, place, winning])
    by_market = {e.market_id: e.liability.as_decimal() for e in state.exposures}
    assert by_market == {"1.125877820": Decimal("0.4"), "1.125877821": 3, "*": Decimal("96.6")}
    assert state.total_exposure("GBP").as_decimal() == 100


def test_api_errors_are_typed() -> None:
    error = _api_error(
        "AccountAPING/v1.0/getAccountFunds", load("get_account_funds_error_no_appkey")["error"]
    )
    assert isinstance(error, AuthenticationError) and error.venue_code == "NO_APP_KEY"
    busy = {
        "data": {
            "exceptionname": "APINGException",
            "APINGException": {"errorCode": "TOO_MANY_REQUESTS"},
        }
    }
    assert isinstance(_api_error("x", busy), RateLimitError)
    bad = {
        "data": {
            "exceptionname": "APINGException",
            "APINGException": {"errorCode": "TOO_MUCH_DATA"},
        }
    }
    assert type(_api_error("x", bad)) is RequestRejected


def test_numbers_decode_exactly() -> None:
    assert load("place_orders_success")["result"]["instructionReports"][0]["instruction"][
        "limitOrder"
    ]["price"] == Decimal("2.58")


# -- the stream ---------------------------------------------------------------------------------


def _protocol() -> BetfairStreamProtocol:
    return BetfairStreamProtocol(app_key=lambda: "key", session_token=lambda: "token")


def test_status_messages_are_classified() -> None:
    protocol = _protocol()
    login = protocol.login_message()
    assert login == {"op": "authentication", "id": login["id"], "appKey": "key", "session": "token"}
    assert protocol.classify({**load("status"), "id": login["id"]}).kind is MessageKind.LOGIN_OK
    refused = {
        "op": "status",
        "id": login["id"],
        "statusCode": "FAILURE",
        "errorCode": "INVALID_SESSION_INFORMATION",
    }
    assert protocol.classify(refused).kind is MessageKind.LOGIN_REFUSED
    timeout = protocol.classify(load("status_error"))
    assert timeout.kind is MessageKind.ERROR and timeout.code == "TIMEOUT"
    (request,) = protocol.subscribe_messages(["1.180737206"])
    assert (
        protocol.classify({"op": "status", "id": request.request_id, "statusCode": "SUCCESS"}).kind
        is MessageKind.ACK
    )
    ping = protocol.text_ping()
    assert (
        protocol.classify({"op": "status", "id": ping["id"], "statusCode": "SUCCESS"}).kind
        is MessageKind.PONG
    )
    assert protocol.classify(load("mcm_heartbeat")).kind is MessageKind.DATA
    assert protocol.classify(load("connection")).kind is MessageKind.IGNORE


def test_subscription_carries_fields_and_resumes_with_clk() -> None:
    protocol = _protocol()
    (first,) = protocol.subscribe_messages(["1.180737206"])
    payload = first.payload
    assert payload["op"] == "marketSubscription" and payload["marketFilter"] == {
        "marketIds": ["1.180737206"]
    }
    assert (
        "EX_ALL_OFFERS" in payload["marketDataFilter"]["fields"]
        and payload["segmentationEnabled"] is True
    )
    assert "clk" not in payload
    protocol.market_cache.apply(load("mcm_sub_image"))
    (again,) = protocol.subscribe_messages(["1.180737206"])  # the replay after a reconnect
    assert (again.payload["initialClk"], again.payload["clk"]) == ("ab34r43r", "AAAAAAAA")
    (wider,) = protocol.subscribe_messages(["1.999"])  # a new market: a new image, no clk
    assert "clk" not in wider.payload and wider.payload["marketFilter"]["marketIds"] == [
        "1.180737206",
        "1.999",
    ]


def test_image_then_delta_patches_the_ladders() -> None:
    cache = MarketCache()
    image = load("mcm_sub_image")
    updates = cache.apply(image)
    assert updates and updates[0].image and cache.initial_clk == "ab34r43r"
    market = cache.markets["1.180737206"]
    assert market.definition is not None and market.definition["status"] == "OPEN"
    update = load("mcm_live_update")
    cache.apply(update)
    runner = cache.markets["1.176621195"].runners[(42153, Decimal(0))]
    assert runner.atl[Decimal("1.72")] == Decimal("672.45") and runner.trd[
        Decimal("1.72")
    ] == Decimal("30571.99")
    assert cache.clk == "AOwCANgCALoD"
    cache.apply(
        {
            "op": "mcm",
            "clk": "X",
            "mc": [{"id": "1.176621195", "rc": [{"id": 42153, "atl": [[1.72, 0]]}]}],
        }
    )
    assert Decimal("1.72") not in runner.atl  # size 0 deletes


def test_heartbeat_conflation_and_stale() -> None:
    cache = MarketCache()
    cache.apply(load("mcm_sub_image"))
    assert cache.apply(load("mcm_heartbeat")) == [] and cache.clk == load("mcm_heartbeat")["clk"]
    cache.apply(load("mcm_con_true"))
    assert cache.conflated
    cache.apply({"op": "mcm", "clk": "Y", "status": 503, "mc": []})
    assert cache.stale
    cache.apply({"op": "mcm", "clk": "Z", "mc": []})
    assert not cache.stale


def test_segments_are_joined() -> None:
    cache = MarketCache()
    start = {
        "op": "mcm",
        "initialClk": "I",
        "ct": "SUB_IMAGE",
        "segmentType": "SEG_START",
        "mc": [{"id": "1.1", "rc": [{"id": 1, "atb": [[2, 5]]}]}],
    }
    middle = {
        "op": "mcm",
        "segmentType": "SEG",
        "mc": [{"id": "1.2", "rc": [{"id": 2, "atb": [[3, 6]]}]}],
    }
    end = {
        "op": "mcm",
        "clk": "C",
        "segmentType": "SEG_END",
        "mc": [{"id": "1.3", "rc": [{"id": 3, "atl": [[4, 7]]}]}],
    }
    assert cache.apply(start) == [] and cache.apply(middle) == []
    updates = cache.apply(end)
    assert [u.market_id for u in updates] == ["1.1", "1.2", "1.3"] and all(u.image for u in updates)
    assert (cache.initial_clk, cache.clk) == ("I", "C")


def test_resub_delta_patches_without_replacing() -> None:
    cache = MarketCache()
    cache.apply(load("mcm_sub_image"))
    before = set(cache.markets)
    delta = load("mcm_resub_delta")
    assert delta["ct"] == "RESUB_DELTA"
    cache.apply(delta)
    assert before <= set(cache.markets)


def test_cumulative_matched_sizes_become_fills_once() -> None:
    cache = OrderCache()
    messages = load("ocm_multiple_fills")
    sizes: list[Decimal] = []
    for message in messages:
        for _, _, _, increment, _, _ in cache.apply(message):
            if increment is not None:
                sizes.append(increment.size)
    final = Decimal(str(messages[-1]["oc"][0]["orc"][0]["uo"][0]["sm"]))
    assert sum(sizes) == final and all(s > 0 for s in sizes)
    for message in messages:  # the same messages again (a full image after a reconnect)
        assert all(increment is None for _, _, _, increment, *_ in cache.apply(message))


def test_duplicate_execution_reports_the_match_once() -> None:
    cache = OrderCache()
    first, second = load("ocm_duplicate_execution")[:2]
    assert [i.size for _, _, _, i, *_ in cache.apply(first) if i] == [Decimal("1.12")]
    (row,) = cache.apply(second)
    assert row[3] is None  # cancelled remainder, nothing more matched
    report = parse_stream_order(row[2], row[0], row[1][0], row[1][1], ACCOUNT, TS)
    assert report.order_status is OrderStatus.CANCELED and str(report.filled_qty) == "1.12"


def test_filled_order_stream_row() -> None:
    message = load("ocm_filled")
    ((market_id, key, uo, increment, _, _),) = OrderCache().apply(message)
    report = parse_stream_order(uo, market_id, key[0], key[1], ACCOUNT, TS)
    assert report.order_status is OrderStatus.FILLED and report.order_side is OrderSide.BUY  # "L"
    assert (
        report.time_in_force is TimeInForce.PERSIST
        and str(report.client_order_id) == "O-20210408-062924-001-001-2"
    )
    assert increment is not None and increment.size == 10
    assert str(fill_trade_id("229430281339", increment.total)) == "229430281339-10"


def test_sizes_with_float_noise_are_pennies() -> None:
    message = load("ocm_multiple_fills")[0]
    ((market_id, key, uo, *_),) = OrderCache().apply(message)
    report = parse_stream_order(uo, market_id, key[0], key[1], ACCOUNT, TS)
    assert str(report.filled_qty) == "16.19" and report.order_status is OrderStatus.PARTIALLY_FILLED


def test_fixture_files_are_listed_in_sources() -> None:
    listed = (DATA / "SOURCES.md").read_text()
    for path in DATA.glob("*.json"):
        assert f"`{path.name}`" in listed, path.name
    json.loads((DATA / "connection.json").read_text())
