"""Tardis exchange ids and symbols <-> the venue plugins' instrument ids, both ways."""

from __future__ import annotations

import pytest
from tradeport.errors import ValidationError
from tradeport.model.identifiers import InstrumentId
from tradeport_tardis.symbology import feed_symbol, instrument_id_for, tardis_symbol

CASES = [
    ("binance", "btcusdt", "BTCUSDT.BINANCE"),
    ("binance-futures", "btcusdt", "BTCUSDT-PERP.BINANCE"),
    ("binance-futures", "btcusdt_251226", "BTCUSDT_251226.BINANCE"),
    ("binance-delivery", "btcusd_perp", "BTCUSD_PERP-PERP.BINANCE"),
    ("binance-delivery", "btcusd_251226", "BTCUSD_251226.BINANCE"),
    ("okex", "BTC-USDT", "BTC-USDT.OKX"),
    ("okex-swap", "BTC-USDT-SWAP", "BTC-USDT-SWAP.OKX"),
    ("okex-futures", "BTC-USD-251226", "BTC-USD-251226.OKX"),
    ("okex-options", "BTC-USD-251226-100000-C", "BTC-USD-251226-100000-C.OKX"),
    ("bybit", "BTCUSDT", "BTCUSDT-LINEAR.BYBIT"),
    ("bybit", "BTCUSD", "BTCUSD-INVERSE.BYBIT"),
    ("bybit", "BTCUSDH25", "BTCUSDH25-INVERSE.BYBIT"),
    ("bybit-spot", "BTCUSDT", "BTCUSDT-SPOT.BYBIT"),
    ("bitmex", "XBTUSD", "XBTUSD.BITMEX"),
]


@pytest.mark.parametrize(("exchange", "symbol", "iid"), CASES)
def test_both_ways(exchange: str, symbol: str, iid: str) -> None:
    assert str(instrument_id_for(exchange, symbol)) == iid
    assert tardis_symbol(InstrumentId.from_str(iid)) == (exchange, symbol)
    assert feed_symbol(exchange, symbol) == symbol  # the case raw filters take


def test_unmapped_venues_and_exchanges_are_named() -> None:
    with pytest.raises(ValidationError, match="KRAKEN"):
        tardis_symbol(InstrumentId.from_str("XBTUSD.KRAKEN"))
    with pytest.raises(ValidationError, match="deribit"):
        instrument_id_for("deribit", "BTC-PERPETUAL")
