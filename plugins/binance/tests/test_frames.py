"""The raw-frame parser Binance offers through the core: each channel gives what the live data
client publishes for it (the parser methods the client uses, the arrival time as ts_init), and
bad frames are refused naming what is wrong. Payloads: tests/test_data (Binance's docs, see
SOURCES.md) and recorded exchange info from ../shared/venue-payloads/binance."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from binance_payloads import load, raw
from tradeport.errors import UnknownInstrument, ValidationError
from tradeport.model.data import (
    FundingRateUpdate,
    IndexPriceUpdate,
    MarkPriceUpdate,
    OrderBookDeltas,
    TradeTick,
)
from tradeport.model.enums import BookAction
from tradeport.testing.recorded import missing_reason, recorded_payloads
from tradeport_binance.http.parse import parse_futures_instrument, parse_spot_instrument
from tradeport_binance.websocket.frames import BinanceFrameParser

TS = 1_700_000_000_123_456_789
_PAYLOADS = recorded_payloads("binance", __file__)


def recorded(name: str) -> Path:
    """A file of ../shared/venue-payloads/binance; the test skips, naming it, when absent."""
    if _PAYLOADS is None or not (_PAYLOADS.folder / name).exists():
        pytest.skip(missing_reason("binance") + f" ({name})")
    return _PAYLOADS.folder / name


BNBBTC = parse_spot_instrument(load("spot_exchange_info.json")["symbols"][0], 0)


def envelope(stream: str, payload_file: str) -> bytes:
    return b'{"stream":"%s","data":%s}' % (stream.encode(), raw(payload_file))


def futures_btcusdt():
    path = recorded("nautilus/http_futures_market_exchange_info.json")
    record = json.loads(path.read_text())["symbols"][0]
    assert record["symbol"] == "BTCUSDT"
    return parse_futures_instrument(record, 0)


def test_trade_frame_with_and_without_envelope() -> None:
    parser = BinanceFrameParser([BNBBTC])
    (tick,) = parser.parse(envelope("bnbbtc@trade", "spot_trade.json"), TS)
    assert isinstance(tick, TradeTick) and tick.ts_init == TS
    assert (str(tick.price), str(tick.size), tick.trade_id.value) == (
        "0.001000",
        "100.000",
        "12345",
    )
    assert tick.ts_event == 1672515782136 * 1_000_000
    # The same payload without the envelope, its channel named by the caller.
    assert parser.parse(raw("spot_trade.json"), TS, channel="trade") == [tick]


def test_depth_frame_gives_the_deltas_as_sent() -> None:
    parser = BinanceFrameParser([BNBBTC])
    (deltas,) = parser.parse(envelope("bnbbtc@depth@100ms", "spot_depth_update.json"), TS)
    assert isinstance(deltas, OrderBookDeltas) and deltas.sequence == 160
    assert [(d.action, str(d.order.price)) for d in deltas.deltas] == [
        (BookAction.UPDATE, "0.002400"),
        (BookAction.UPDATE, "0.002600"),
    ]


def test_recorded_depth_snapshot_is_the_live_clients_snapshot() -> None:
    from tradeport_binance.http.parse import parse_book_snapshot

    parser = BinanceFrameParser([BNBBTC])
    # Tardis records the REST snapshot in the stream as <symbol>@depthSnapshot.
    (snapshot,) = parser.parse(envelope("bnbbtc@depthSnapshot", "spot_depth_snapshot.json"), TS)
    assert snapshot == parse_book_snapshot(load("spot_depth_snapshot.json"), BNBBTC, TS)
    assert snapshot.is_snapshot and snapshot.sequence == 1027024
    with pytest.raises(ValidationError, match="needs the stream envelope"):
        parser.parse(raw("spot_depth_snapshot.json"), TS, channel="depthSnapshot")


def test_open_kline_gives_nothing_and_acks_give_nothing() -> None:
    parser = BinanceFrameParser([BNBBTC])
    assert parser.parse(envelope("bnbbtc@kline_1m", "spot_kline.json"), TS) == []  # "x": false
    assert parser.parse(b'{"result":null,"id":1}', TS) == []


def test_futures_mark_price() -> None:
    perp = futures_btcusdt()
    parser = BinanceFrameParser([perp])
    mark, index, funding = parser.parse(
        envelope("btcusdt@markPrice@1s", "futures_mark_price.json"), TS
    )
    assert isinstance(mark, MarkPriceUpdate) and isinstance(index, IndexPriceUpdate)
    assert isinstance(funding, FundingRateUpdate) and str(funding.rate) == "0.00038167"
    assert mark.instrument_id == perp.id and mark.ts_init == TS


def test_bad_frames_are_refused_naming_the_problem() -> None:
    parser = BinanceFrameParser([BNBBTC])
    with pytest.raises(ValidationError, match="is not JSON"):
        parser.parse(b"{not json", TS)
    with pytest.raises(ValidationError, match="channel: 'forceOrder' is not one of"):
        parser.parse(b'{"stream":"bnbbtc@forceOrder","data":{}}', TS)
    with pytest.raises(ValidationError, match="trade payload"):
        parser.parse(b'{"stream":"bnbbtc@trade","data":{"s":"BNBBTC"}}', TS)
    with pytest.raises(UnknownInstrument, match="ETHUSDT"):
        parser.parse(
            b'{"stream":"ethusdt@trade","data":%s}'
            % raw("spot_trade.json").replace(b"BNBBTC", b"ETHUSDT"),
            TS,
        )


def test_instruments_of_two_account_types_are_refused() -> None:
    perp = futures_btcusdt()
    spot = parse_spot_instrument(
        json.loads(recorded("nautilus/http_spot_market_exchange_info.json").read_text())["symbols"][
            0
        ],
        0,
    )
    with pytest.raises(ValidationError, match="one account type"):
        BinanceFrameParser([spot, perp])
