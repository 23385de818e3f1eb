"""A replay of recorded Binance frames yields, in order, exactly the events a live session
yields on the same frames (issue 16: the raw-frame parser hook, the replay session).

Live: the Binance mock venue on loopback sends the frames (real recorded ones from
``../shared/venue-payloads/binance`` and the examples of Binance's stream documentation in
``tests/test_data``) to a live session subscribed to their streams; a barrier quote after each
frame tells which events that frame produced, and when it arrived (their ``ts_init``).

Replay: a replay provider registered in-process (it imports nothing of this plugin) reads the
recording, ``<arrival ns> <frame>`` per line like Tardis' raw feeds, and parses each frame
with the parser the Binance plugin offers through the core (``tradeport_register_frame_parsers``);
``tradeport.open_replay`` yields the result. Both sequences must be equal, ``ts_init``
included.
"""

from __future__ import annotations

import json
import types
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import pytest
from tradeport import hookimpl, open_replay
from tradeport.clients import Capabilities
from tradeport.frames import FrameParsers
from tradeport.model.data import BarType, QuoteTick
from tradeport.model.enums import AggressorSide, ProductType
from tradeport.model.identifiers import InstrumentId
from tradeport.plugins import load_plugins
from tradeport.replay import ReplayRequest, ReplaySource, ReplaySubscription
from tradeport.session import open_venue
from tradeport.testing.recorded import missing_reason, recorded_payloads
from tradeport.venue import VenueSpec
from tradeport_binance.testing import BinanceHarness
from tradeport_conformance.simulated.records import SimInstrument

pytestmark = pytest.mark.anyio

DEADLINE = 10.0
TEST_DATA = Path(__file__).parent / "test_data"
_PAYLOADS = recorded_payloads("binance", __file__)
#: ../shared/venue-payloads/binance; a test needing an absent file skips, naming it.
RECORDED = _PAYLOADS.folder if _PAYLOADS is not None else Path("venue-payloads-absent")

#: (file, channel, symbol): recorded frames are combined-stream envelopes already; the
#: documentation examples are bare payloads, wrapped as Binance wraps them on /stream.
FRAMES = [
    (RECORDED / "nautilus" / "ws_spot_ticker_book.json", "bookTicker", "ETHUSDT"),
    (RECORDED / "nautilus" / "ws_spot_trade.json", "trade", "ETHUSDT"),
    (TEST_DATA / "spot_book_ticker.json", "bookTicker", "BNBUSDT"),
    (TEST_DATA / "spot_trade.json", "trade", "BNBBTC"),
    (TEST_DATA / "spot_kline.json", "kline_1m", "BNBBTC"),  # open kline: no event, live or not
]
AGG_FRAMES = [
    (RECORDED / "nautilus" / "ws_spot_agg_trade.json", "aggTrade", "ETHUSDT"),
    (TEST_DATA / "spot_agg_trade.json", "aggTrade", "BNBBTC"),
]
#: The instruments the frames need (tick and lot fine enough for every recorded value).
SYMBOLS = {
    "ETHUSDT": ("ETH", "USDT", "0.01", "0.00001"),
    "BNBUSDT": ("BNB", "USDT", "0.0001", "0.01"),
    "BNBBTC": ("BNB", "BTC", "0.000001", "0.001"),
}


def _frame(path: Path, channel: str, symbol: str) -> bytes:
    if not path.exists():
        pytest.skip(missing_reason("binance") + f" ({path.name})")
    body = json.loads(path.read_text())
    if "stream" not in body:
        body = {"stream": f"{symbol.lower()}@{channel}", "data": body}
    return json.dumps(body, separators=(",", ":")).encode()


async def _live_recording(
    frames: list[tuple[Path, str, str]], **config: Any
) -> tuple[list[Any], list[bytes], list[Any]]:
    """Send ``frames`` through the mock to a live session: its events (barrier quotes left
    out), the recording (``<ts_init> <frame>`` lines) and the session's instruments."""
    recording: list[bytes] = []
    live: list[Any] = []
    async with BinanceHarness() as harness:
        for symbol, (base, quote, tick, lot) in SYMBOLS.items():
            harness.exchange.add_instrument(
                SimInstrument(
                    symbol=symbol,
                    product_type=ProductType.SPOT,
                    base_asset=base,
                    quote_asset=quote,
                    tick_size=Decimal(tick),
                    lot_size=Decimal(lot),
                )
            )
        barrier_iid = harness.instrument_id(ProductType.SPOT)
        assert barrier_iid is not None
        async with open_venue("binance", harness.client_config("none", **config)) as venue:
            await venue.instruments.load_all()
            await venue.data.subscribe_quotes(barrier_iid)
            for symbol in SYMBOLS:
                iid = InstrumentId.of(symbol, "BINANCE")
                await venue.data.subscribe_trades(iid)
                await venue.data.subscribe_quotes(iid)
                await venue.data.subscribe_bars(BarType.from_str(f"{iid}-1-MINUTE-LAST-EXTERNAL"))
            for number, (path, channel, symbol) in enumerate(frames, start=1):
                frame = _frame(path, channel, symbol)
                stream = json.loads(frame)["stream"]
                assert await harness.broadcast(stream, json.loads(frame)) == 1
                # The barrier follows on the same connection: what arrives before it is all
                # that this frame produced.
                barrier_bid = Decimal(1000 + number)
                await harness.publish_quote(
                    barrier_iid, barrier_bid, barrier_bid + 1, Decimal(1), Decimal(1)
                )
                produced: list[Any] = []
                with anyio.fail_after(DEADLINE):
                    while True:
                        event = await venue.next_event()
                        if isinstance(event, QuoteTick) and event.instrument_id == barrier_iid:
                            # The mock sends the barrier on every bookTicker stream: the first
                            # copy of this one ends the frame, older copies are dropped.
                            if event.bid_price.as_decimal() == barrier_bid:
                                arrival = event.ts_init
                                break
                            continue
                        produced.append(event)
                if produced:
                    arrival = produced[0].ts_init
                    assert all(e.ts_init == arrival for e in produced)
                recording.append(b"%d %s" % (arrival, frame))
                live.extend(produced)
            instruments = venue.instruments.list_all()
    return live, recording, instruments


def _recorded_frames_plugin() -> types.SimpleNamespace:
    """A replay provider of recorded frames: core API only, no import of the Binance plugin."""

    class RecordedFrames(ReplaySource):
        order_by = frozenset({"ts_init"})

        def __init__(self, config: Any, frames: FrameParsers) -> None:
            super().__init__("RECORDED", config)
            self.frames = frames

        async def replay(self, request: ReplayRequest) -> Any:
            parser = self.frames.create(self.config["venue"], request.instruments)
            async with await anyio.open_file(self.config["path"], "rb") as recording:
                async for line in recording:  # one frame at a time: memory stays flat
                    arrival, _, frame = line.rstrip(b"\n").partition(b" ")
                    for event in parser.parse(frame, int(arrival)):
                        yield event

    @hookimpl
    def tradeport_register_venues(register):
        register(
            VenueSpec(
                name="recorded",
                venue_id="RECORDED",
                kind="DATA_PROVIDER",
                capabilities=Capabilities(
                    data_only=True, replay=["TRADES", "QUOTES", "BARS", "BOOK_DELTAS"]
                ),
                instrument_venues=("BINANCE",),
            )
        )

    @hookimpl
    def tradeport_create_replay_source(venue, config, instruments, frames):
        return RecordedFrames(config, frames) if venue == "recorded" else None

    return types.SimpleNamespace(
        tradeport_register_venues=tradeport_register_venues,
        tradeport_create_replay_source=tradeport_create_replay_source,
    )


async def _replayed(recording: list[bytes], instruments: list[Any], tmp_path: Path) -> list[Any]:
    path = tmp_path / "binance.frames"
    path.write_bytes(b"\n".join(recording) + b"\n")
    start = int(recording[0].split(b" ")[0])
    end = int(recording[-1].split(b" ")[0]) + 1
    registry = load_plugins(extra=[("recorded", _recorded_frames_plugin())])
    async with open_replay(
        "recorded",
        {"path": str(path), "venue": "binance"},
        start,
        end,
        subscriptions=[
            ReplaySubscription(data_type="TRADES"),
            ReplaySubscription(data_type="QUOTES"),
        ],
        instruments=instruments,
        registry=registry,
    ) as replay:
        events = [event async for event in replay.events()]
        assert replay.completed and replay.progress.done
    return events


async def test_replay_of_recorded_frames_equals_the_live_session(tmp_path: Path) -> None:
    live, recording, instruments = await _live_recording(FRAMES)
    # The frames produced quotes and trades of three instruments; the open kline nothing.
    assert [type(e).__name__ for e in live] == ["QuoteTick", "TradeTick", "QuoteTick", "TradeTick"]
    assert [str(e.instrument_id) for e in live] == [
        "ETHUSDT.BINANCE", "ETHUSDT.BINANCE", "BNBUSDT.BINANCE", "BNBBTC.BINANCE",
    ]  # fmt: skip
    assert live[1].aggressor_side is AggressorSide.SELLER  # "m": true, the buyer was the maker
    assert await _replayed(recording, instruments, tmp_path) == live


async def test_replay_of_recorded_agg_trades_equals_the_live_session(tmp_path: Path) -> None:
    live, recording, instruments = await _live_recording(AGG_FRAMES, use_agg_trade_ticks=True)
    assert [str(e.trade_id) for e in live] == ["226532", "12345"]  # the aggregate ids ("a")
    assert await _replayed(recording, instruments, tmp_path) == live


def test_the_binance_offer_is_found_through_the_core() -> None:
    parsers = FrameParsers.from_registry(load_plugins())
    spec = parsers.spec("binance")
    assert {"trade", "aggTrade", "bookTicker", "depth", "kline", "markPrice"} <= set(spec.channels)
    from tradeport.frames import UnknownFrameParser

    with pytest.raises(UnknownFrameParser, match="channel 'forceOrder'"):
        parsers.create("binance", [], channels=["forceOrder"])
