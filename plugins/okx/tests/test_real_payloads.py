"""Every recorded real OKX payload through the matching parser (../shared/venue-payloads/okx).

The payloads are live captures by third parties (ccxt's static responses; nautilus_trader's
test data: instruments, trades, candles, orders history, balances and the account push are live
captures, the order book and positions look hand-written; SOURCES.md there names each origin).
The expected values were worked out by hand from the records and OKX's v5 documentation (sizes
of derivatives in contracts of ``ctVal * ctMult``; candle ``ts`` is the open time; a negative
fee is a charge), not taken from the parser's output. Where a record carries a redundant figure
(``volCcy``, ``frozenBal``), the parsed value is checked against it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tradeport.model.data import BarType
from tradeport.model.enums import (
    AccountType,
    AggressorSide,
    BookAction,
    OptionKind,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
)
from tradeport.model.identifiers import AccountId
from tradeport.model.instruments import (
    DatedFuture,
    Instrument,
    OptionContract,
    Perpetual,
    SpotPair,
)
from tradeport.model.numbers import Price, Quantity
from tradeport.testing.recorded import require_recorded
from tradeport_okx.http.parse import (
    parse_account_state,
    parse_bar,
    parse_instrument,
    parse_mark_price,
    parse_order_status_report,
    parse_position_status_report,
    parse_quote_from_ticker,
    parse_trade_tick,
)
from tradeport_okx.websocket.parse import parse_book_deltas

RECORDED = require_recorded("okx", __file__)

MS = 1_000_000
TS = 1_700_000_000_000_000_000
ACCOUNT = AccountId("OKX-master")


def D(text: str) -> Decimal:
    return Decimal(text)


def data(name: str) -> list[Any]:
    return RECORDED.load(f"nautilus/{name}")["data"]  # type: ignore[union-attr, no-any-return]


def instrument(name: str, inst_id: str) -> Instrument:
    (record,) = [r for r in data(name) if r["instId"] == inst_id]
    return parse_instrument(record, TS)


def btc_usdt_swap() -> Instrument:
    return instrument("http_get_instruments_swap.json", "BTC-USDT-SWAP")


def btc_usdt() -> Instrument:
    # OKX lists BTC-USDT under MARGIN with the same trading rules as under SPOT.
    return instrument("http_get_instruments_margin.json", "BTC-USDT")


# -- instruments: every product family ------------------------------------------------------------


def test_swaps_linear_and_inverse() -> None:
    assert [r["instId"] for r in data("http_get_instruments_swap.json")] == [
        "BTC-USD-SWAP",
        "ETH-USDT-SWAP",
        "BTC-USDT-SWAP",
    ]
    inverse = instrument("http_get_instruments_swap.json", "BTC-USD-SWAP")
    assert isinstance(inverse, Perpetual) and inverse.is_inverse
    # ctVal 100 USD x ctMult 1: one contract is 100 USD, settled in BTC.
    assert inverse.multiplier == Quantity("100")
    assert (inverse.base_currency, inverse.quote_currency, inverse.settle_currency) == (
        "BTC",
        "USD",
        "BTC",
    )
    linear = btc_usdt_swap()
    assert isinstance(linear, Perpetual) and not linear.is_inverse
    assert linear.multiplier == Quantity("0.01")  # ctVal 0.01 BTC
    assert (linear.settle_currency, linear.quote_currency) == ("USDT", "USDT")
    assert linear.size_increment == Quantity("0.01") and linear.price_increment == Price("0.1")
    eth = instrument("http_get_instruments_swap.json", "ETH-USDT-SWAP")
    assert eth.multiplier == Quantity("0.1")


def test_inverse_futures() -> None:
    records = data("http_get_instruments_futures.json")
    assert len(records) == 6
    future = instrument("http_get_instruments_futures.json", "BTC-USD-241220")
    assert isinstance(future, DatedFuture) and future.is_inverse
    assert future.multiplier == Quantity("100") and future.settle_currency == "BTC"
    assert future.expiry_ns == 1734681600000 * MS
    assert future.activation_ns == 1733472600725 * MS  # listTime
    assert future.underlying == "BTC-USD"


def test_options() -> None:
    records = data("http_get_instruments_option.json")
    assert len(records) == 4
    call = instrument("http_get_instruments_option.json", "BTC-USD-241217-92000-C")
    assert isinstance(call, OptionContract)
    assert call.option_kind is OptionKind.CALL and call.strike_price == Price("92000")
    # ctVal 1 BTC x ctMult 0.01: one contract is 0.01 BTC.
    assert call.multiplier == Quantity("0.01") and call.settle_currency == "BTC"
    # The premium is quoted in BTC (tickSz 0.0001 BTC); the strike 92000 is USD.
    assert call.quote_currency == "BTC"
    assert call.expiry_ns == 1734422400000 * MS
    assert call.price_increment == Price("0.0001")
    put = instrument("http_get_instruments_option.json", "BTC-USD-241217-92000-P")
    assert put.option_kind is OptionKind.PUT  # type: ignore[attr-defined]


def test_spot_and_margin_pairs() -> None:
    spot_ids = [r["instId"] for r in data("http_get_instruments_spot.json")]
    assert spot_ids == ["BTC-USD", "ETH-USD", "SOL-USD", "XRP-USD", "USDT-USD"]
    for name in ("http_get_instruments_spot.json", "http_get_instruments_margin.json"):
        for record in data(name):
            inst = parse_instrument(record, TS)
            assert isinstance(inst, SpotPair) and inst.multiplier == Quantity("1")
            assert (inst.base_currency, inst.quote_currency) == (
                record["baseCcy"],
                record["quoteCcy"],
            )
    btc = btc_usdt()
    assert btc.size_increment == Quantity("0.00000001") and btc.min_quantity == Quantity("0.00001")
    assert btc.price_increment == Price("0.1")


# -- market data ----------------------------------------------------------------------------------


def test_candles_are_stamped_at_their_close() -> None:
    """Issue 13 bug 4: OKX's candle ``ts`` is the open; tradeport bars carry the close."""
    rows = data("http_get_candlesticks_full.json")
    bar_type = BarType.from_str("BTC-USDT-SWAP.OKX-1-MINUTE-LAST-EXTERNAL")
    inst = btc_usdt_swap()
    bars = [parse_bar(row, bar_type, inst, TS) for row in rows]
    assert [b.ts_event for b in bars] == [1747094100000 * MS, 1747094040000 * MS]
    newest = bars[0]
    assert (newest.open, newest.high, newest.low, newest.close) == (
        Price("102806.1"),
        Price("102820.4"),
        Price("102806.1"),
        Price("102820.4"),
    )
    # vol is in contracts; times ctVal 0.01 BTC it is volCcy.
    assert newest.volume == Quantity("1040.37")
    assert newest.volume.as_decimal() * inst.multiplier.as_decimal() == D(rows[0][6])


def test_public_trades() -> None:
    ticks = [parse_trade_tick(r, btc_usdt(), TS) for r in data("http_get_trades.json")]
    assert [(t.aggressor_side, t.size, t.price) for t in ticks] == [
        (AggressorSide.SELLER, Quantity("0.00013669"), Price("102537.9")),
        (AggressorSide.BUYER, Quantity("0.00001250"), Price("102537.9")),
    ]
    assert ticks[0].trade_id.value == "734864333" and ticks[0].ts_event == 1747087163557 * MS


def test_mark_price() -> None:
    (record,) = data("http_get_mark_price.json")
    mark = parse_mark_price(record, btc_usdt_swap(), TS)
    assert mark.value == Price("84660.1") and mark.ts_event == 1744590349506 * MS


def test_order_book() -> None:
    (record,) = data("http_get_order_book.json")
    deltas = parse_book_deltas(record, btc_usdt(), True, TS)
    assert deltas is not None and deltas.is_snapshot
    assert deltas.deltas[0].action is BookAction.CLEAR
    levels = [(d.order.side, d.order.price, d.order.size) for d in deltas.deltas if d.order]
    assert len(levels) == 6
    assert (OrderSide.BUY, Price("41006.7"), Quantity("0.48792100")) in levels
    assert (OrderSide.SELL, Price("41006.8"), Quantity("0.60038921")) in levels
    assert deltas.ts_event == 1704067200000 * MS


def test_ticker_quote() -> None:
    message = RECORDED.load("nautilus/ws_tickers.json")
    assert message["arg"] == {"channel": "tickers", "instId": "BTC-USDT"}
    (record,) = message["data"]
    # OKX's documented example (hand-written values) quotes to 0.01, finer than BTC-USDT's 0.1.
    (btc,) = [r for r in data("http_get_instruments_margin.json") if r["instId"] == "BTC-USDT"]
    quote = parse_quote_from_ticker(record, parse_instrument({**btc, "tickSz": "0.01"}, TS), TS)
    assert quote is not None
    assert (quote.bid_price, quote.bid_size) == (Price("8888.88"), Quantity("5"))
    assert (quote.ask_price, quote.ask_size) == (Price("9999.99"), Quantity("11"))
    assert quote.ts_event == 1597026383085 * MS


# -- execution and account ------------------------------------------------------------------------


def test_orders_history_market_fill() -> None:
    (record,) = data("http_get_orders_history.json")
    report = parse_order_status_report(record, btc_usdt_swap(), TS, ACCOUNT)
    assert report.order_type is OrderType.MARKET and report.time_in_force is TimeInForce.IOC
    assert report.order_status is OrderStatus.FILLED and report.order_side is OrderSide.BUY
    assert report.quantity == report.filled_qty == Quantity("0.03")  # contracts
    assert report.avg_px == D("103698.9") and report.price is None
    assert report.venue_order_id.value == "2497956918703120384"
    assert report.client_order_id is None  # clOrdId ""
    assert (report.ts_accepted, report.ts_last) == (1746947317401 * MS, 1746947317402 * MS)
    # The fee (-0.021776769 USDT, a charge) is the 0.07% taker fee of 0.03 x 0.01 BTC.
    assert D("0.03") * D("0.01") * D("103698.9") * D("0.0007") == -D(record["fee"])


def test_positions() -> None:
    (record,) = data("http_get_positions.json")
    report = parse_position_status_report(record, btc_usdt_swap(), TS, ACCOUNT)
    assert report.position_side is PositionSide.LONG and report.quantity == Quantity("0.50")
    assert report.avg_px_open == D("10000")
    assert report.venue_position_id is not None and report.venue_position_id.value == "12345"
    assert report.unrealized_pnl is not None and report.unrealized_pnl.as_decimal() == 0
    assert report.ts_last == 1622559930237 * MS


def _balances(record: dict[str, Any]) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    state = parse_account_state(record, ACCOUNT, TS)
    assert state.account_type is AccountType.MARGIN
    return {
        b.total.currency: (b.total.as_decimal(), b.locked.as_decimal(), b.free.as_decimal())
        for b in state.balances
    }


def test_ccxt_spot_balance() -> None:
    entry = RECORDED.load("ccxt_static.json")["fetchBalance spot balance (details[0:3])"]
    # total = eq; free = availBal; BTC has 0.4 frozen in open orders (ordFrozen).
    assert _balances(entry) == {
        "TUSD": (D("3000"), D("0"), D("3000")),
        "BTC": (D("1.06126645222"), D("0.4000000000000001"), D("0.6612664522199999")),
        "JFI": (D("100"), D("0"), D("100")),
    }


def test_account_balance() -> None:
    (record,) = data("http_get_account_balance.json")
    balances = _balances(record)
    total, locked, free = balances["USDT"]
    assert (total, free) == (D("99.89469657000001"), D("94.42612990333333"))
    # What is not available is the isolated margin in use (frozenBal 5.468566666666667).
    assert abs(locked - D("5.468566666666667")) < D("0.0000000001")


def test_account_push() -> None:
    message = RECORDED.load("nautilus/ws_account.json")
    assert message["arg"] == {"channel": "account"}
    balances = _balances(message["data"][0])
    assert balances["USDT"] == (D("100.52768569797846"), D("0"), D("100.52768569797846"))
    assert balances["BTC"] == (D("0.0000000051"), D("0"), D("0.0000000051"))
    assert set(balances) == {d["ccy"] for d in message["data"][0]["details"]}


CHECKED = {
    "ccxt_static.json": test_ccxt_spot_balance,
    "nautilus/http_get_account_balance.json": test_account_balance,
    "nautilus/http_get_candlesticks_full.json": test_candles_are_stamped_at_their_close,
    "nautilus/http_get_instruments_futures.json": test_inverse_futures,
    "nautilus/http_get_instruments_margin.json": test_spot_and_margin_pairs,
    "nautilus/http_get_instruments_option.json": test_options,
    "nautilus/http_get_instruments_spot.json": test_spot_and_margin_pairs,
    "nautilus/http_get_instruments_swap.json": test_swaps_linear_and_inverse,
    "nautilus/http_get_mark_price.json": test_mark_price,
    "nautilus/http_get_order_book.json": test_order_book,
    "nautilus/http_get_orders_history.json": test_orders_history_market_fill,
    "nautilus/http_get_positions.json": test_positions,
    "nautilus/http_get_trades.json": test_public_trades,
    "nautilus/ws_account.json": test_account_push,
    "nautilus/ws_tickers.json": test_ticker_quote,
}


def test_every_recorded_payload_is_checked() -> None:
    """A payload added to the folder without a check here fails this test."""
    assert RECORDED.files() == set(CHECKED)
    assert RECORDED.entries("ccxt_static.json") == {"fetchBalance spot balance (details[0:3])"}
