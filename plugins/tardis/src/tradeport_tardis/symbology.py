"""Symbology: Tardis exchange ids and symbols <-> the instrument ids of the venue plugins.

A Tardis recording of a venue's stream replays as that venue's events, so its instruments carry
the ids the venue's own plugin uses; Tardis is only the way there. Both directions:

==================  ==========================  ============================================
Tardis exchange     symbol (raw feed filter)    InstrumentId (venue plugin's rule)
==================  ==========================  ============================================
binance             btcusdt                     BTCUSDT.BINANCE (spot)
binance-futures     btcusdt / btcusdt_251226    BTCUSDT-PERP.BINANCE / BTCUSDT_251226.BINANCE
binance-delivery    btcusd_perp / btcusd_251226 BTCUSD_PERP-PERP.BINANCE / BTCUSD_251226.BINANCE
okex, okex-swap,    BTC-USDT, BTC-USDT-SWAP,    BTC-USDT.OKX, BTC-USDT-SWAP.OKX, ... (native)
okex-futures,       BTC-USD-251226, ...
okex-options
bybit               BTCUSDT / BTCUSD            BTCUSDT-LINEAR.BYBIT / BTCUSD-INVERSE.BYBIT
bybit-spot          BTCUSDT                     BTCUSDT-SPOT.BYBIT
bybit-options       BTC-26DEC25-100000-C        BTC-26DEC25-100000-C-OPTION.BYBIT
bitmex              XBTUSD                      XBTUSD.BITMEX (native)
==================  ==========================  ============================================

Raw data-feed filters take Binance symbols lower-cased (they are the lower-case stream names)
and every other venue's upper-cased, as the official client does (tardis-node
``src/mappers/*.ts``: ``lowerCaseSymbols`` / ``upperCaseSymbols``); normalized messages carry
the symbol upper-cased. Bybit's ``bybit`` feed holds linear and inverse contracts: a symbol
quoted in ``USD`` (``BTCUSD``, ``BTCUSDH25``) is inverse, any other linear.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

import attrs
from tradeport.clients.capabilities import DataType
from tradeport.errors import ValidationError
from tradeport.model.identifiers import InstrumentId

__all__ = [
    "RAW_CHANNELS",
    "TARDIS_EXCHANGES",
    "TardisExchange",
    "exchange_of",
    "feed_symbol",
    "instrument_id_for",
    "tardis_symbol",
]


@attrs.frozen
class TardisExchange:
    """A Tardis exchange id and the tradeport venue its recordings belong to."""

    id: str
    #: The venue plugin's name (its frame parser is asked for by it).
    venue: str
    #: The venue part of the instrument ids.
    venue_id: str


TARDIS_EXCHANGES: Final[Mapping[str, TardisExchange]] = {
    e.id: e
    for e in (
        TardisExchange("binance", "binance", "BINANCE"),
        TardisExchange("binance-futures", "binance", "BINANCE"),
        TardisExchange("binance-delivery", "binance", "BINANCE"),
        TardisExchange("okex", "okx", "OKX"),
        TardisExchange("okex-swap", "okx", "OKX"),
        TardisExchange("okex-futures", "okx", "OKX"),
        TardisExchange("okex-options", "okx", "OKX"),
        TardisExchange("bybit", "bybit", "BYBIT"),
        TardisExchange("bybit-spot", "bybit", "BYBIT"),
        TardisExchange("bybit-options", "bybit", "BYBIT"),
        TardisExchange("bitmex", "bitmex", "BITMEX"),
    )
}

#: The raw channels a data type is recorded in, per venue (tardis-node ``src/mappers``: the
#: channels each normalizer reads; checked at c1d73fb: OKX books are ``books-l2-tbt`` in
#: historical data, Bybit v5 books ``orderbook.50``). A subscription's
#: ``params={"channels": [...]}`` overrides.
RAW_CHANNELS: Final[Mapping[str, Mapping[DataType, tuple[str, ...]]]] = {
    "binance": {
        DataType.TRADES: ("trade",),
        DataType.QUOTES: ("bookTicker",),
        DataType.BOOK_DELTAS: ("depth", "depthSnapshot"),
        DataType.MARK_PRICES: ("markPrice",),
        DataType.INDEX_PRICES: ("markPrice",),
        DataType.FUNDING_RATES: ("markPrice",),
    },
    "bybit": {
        DataType.TRADES: ("publicTrade",),
        DataType.QUOTES: ("orderbook.1",),
        DataType.BOOK_DELTAS: ("orderbook.50",),
        DataType.MARK_PRICES: ("tickers",),
        DataType.INDEX_PRICES: ("tickers",),
        DataType.FUNDING_RATES: ("tickers",),
    },
    "bitmex": {
        DataType.TRADES: ("trade",),
        DataType.BOOK_DELTAS: ("orderBookL2",),
    },
    "okx": {
        DataType.TRADES: ("trades",),
        DataType.QUOTES: ("bbo-tbt",),
        DataType.BOOK_DELTAS: ("books-l2-tbt",),
        DataType.MARK_PRICES: ("mark-price",),
        DataType.FUNDING_RATES: ("funding-rate",),
    },
}

_BYBIT_INVERSE = re.compile(r"USD([FGHJKMNQUVXZ]\d\d)?$")
_OKX_FUTURE = re.compile(r"-\d{6}$")
_OKX_OPTION = re.compile(r"-\d{6}-[\d.]+-[CP]$")


def _exchange(exchange: str) -> TardisExchange:
    try:
        return TARDIS_EXCHANGES[exchange]
    except KeyError:
        known = ", ".join(sorted(TARDIS_EXCHANGES))
        raise ValidationError(
            "exchange", exchange, f"is not a mapped Tardis exchange ({known})"
        ) from None


def instrument_id_for(exchange: str, symbol: str) -> InstrumentId:
    """The venue plugin's instrument id of Tardis ``symbol`` on ``exchange``."""
    venue_id = _exchange(exchange).venue_id
    native = symbol.upper()
    if exchange == "binance-futures" and "_" not in native:
        native += "-PERP"  # USD-M perpetuals; dated futures (BTCUSDT_251226) stay native
    elif exchange == "binance-delivery" and native.endswith("_PERP"):
        native += "-PERP"
    elif exchange == "bybit":
        native += "-INVERSE" if _BYBIT_INVERSE.search(native) else "-LINEAR"
    elif exchange == "bybit-spot":
        native += "-SPOT"
    elif exchange == "bybit-options":
        native += "-OPTION"
    return InstrumentId.of(native, venue_id)


def tardis_symbol(instrument_id: InstrumentId) -> tuple[str, str]:
    """(Tardis exchange id, Tardis symbol) of a venue plugin's instrument id."""
    venue = instrument_id.venue.value
    symbol = instrument_id.symbol.value
    if venue == "BINANCE":
        if symbol.endswith("-PERP"):
            native = symbol.removesuffix("-PERP")
            exchange = "binance-delivery" if native.endswith("_PERP") else "binance-futures"
        elif "_" in symbol:
            native = symbol
            # COIN-M contracts are quoted in USD (BTCUSD_251226), USD-M in USDT/USDC.
            coin_margined = symbol.split("_")[0].endswith("USD")
            exchange = "binance-delivery" if coin_margined else "binance-futures"
        else:
            native, exchange = symbol, "binance"
        return exchange, native.lower()
    if venue == "BYBIT":
        head, _, suffix = symbol.rpartition("-")
        category = {
            "SPOT": "bybit-spot",
            "LINEAR": "bybit",
            "INVERSE": "bybit",
            "OPTION": "bybit-options",
        }.get(suffix)
        if category is None or not head:
            raise ValidationError(
                "instrument_id", str(instrument_id), "is not a Bybit id (SYMBOL-LINEAR.BYBIT...)"
            )
        return category, head
    if venue == "OKX":
        if symbol.endswith("-SWAP"):
            return "okex-swap", symbol
        if _OKX_OPTION.search(symbol):
            return "okex-options", symbol
        if _OKX_FUTURE.search(symbol):
            return "okex-futures", symbol
        return "okex", symbol
    if venue == "BITMEX":
        return "bitmex", symbol
    raise ValidationError(
        "instrument_id",
        str(instrument_id),
        "names a venue Tardis replays are not mapped for (BINANCE, OKX, BYBIT, BITMEX)",
    )


def exchange_of(exchange: str) -> TardisExchange:
    """The :class:`TardisExchange` of an id (``ValidationError`` naming the known ones)."""
    return _exchange(exchange)


def feed_symbol(exchange: str, symbol: str) -> str:
    """``symbol`` as the raw data-feed filters take it (Binance lower-case, others upper)."""
    venue = _exchange(exchange).venue
    return symbol.lower() if venue == "binance" else symbol.upper()
