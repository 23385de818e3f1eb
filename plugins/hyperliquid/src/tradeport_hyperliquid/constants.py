"""Hyperliquid constants: names, declared capabilities, wire rules, request weights."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from tradeport.clients.capabilities import Capabilities, DataType, HistoryType
from tradeport.model.enums import BookType, OrderType, ProductType, TimeInForce

__all__ = [
    "VENUE_NAME",
    "VENUE_ID",
    "CAPABILITIES",
    "SPOT_ASSET_OFFSET",
    "HIP3_ASSET_OFFSET",
    "HIP3_ASSETS_PER_DEX",
    "hip3_asset_base",
    "PERP_MAX_DECIMALS",
    "SPOT_MAX_DECIMALS",
    "MAX_SIGNIFICANT_FIGURES",
    "DEFAULT_PING_INTERVAL_S",
    "DEFAULT_MARKET_SLIPPAGE",
    "REST_WEIGHT_PER_MINUTE",
    "info_weight",
    "exchange_weight",
]

#: What users type (``open_venue("hyperliquid")``).
VENUE_NAME: Final = "hyperliquid"
#: The venue part of instrument ids (``BTC-PERP.HYPERLIQUID``).
VENUE_ID: Final = "HYPERLIQUID"

#: Spot assets are ``10000 + index`` in ``spotMeta.universe`` on the wire (perps: the index in
#: ``meta.universe``). Docs: "Asset IDs".
SPOT_ASSET_OFFSET: Final = 10_000
#: Builder-deployed (HIP-3) perps are ``100000 + perp_dex_index * 10000 + index_in_meta``.
HIP3_ASSET_OFFSET: Final = 100_000
HIP3_ASSETS_PER_DEX: Final = 10_000
#: Prices have at most ``MAX_DECIMALS - szDecimals`` decimals: 6 for perps, 8 for spot.
PERP_MAX_DECIMALS: Final = 6
SPOT_MAX_DECIMALS: Final = 8
#: ... and at most 5 significant figures (integer prices are always allowed). Docs: "Tick and
#: lot size".
MAX_SIGNIFICANT_FIGURES: Final = 5

#: The server closes a connection that sent nothing for 60 s; a ``{"method":"ping"}`` well
#: inside that keeps it open (docs: "Timeouts and heartbeats").
DEFAULT_PING_INTERVAL_S: Final = 30.0
#: Market orders are IOC limit orders this far through the mid price (the SDK's default 5 %).
DEFAULT_MARKET_SLIPPAGE: Final = Decimal("0.05")

#: REST weight budget per IP (docs: "Rate limits and user limits": 1200 per minute).
REST_WEIGHT_PER_MINUTE: Final = 1200
#: ``/info`` requests of weight 2 (the docs' list); every other info request weighs 20.
_LIGHT_INFO: Final = frozenset(
    {
        "l2Book",
        "allMids",
        "clearinghouseState",
        "orderStatus",
        "spotClearinghouseState",
        "exchangeStatus",
    }
)
_HEAVY_INFO: Final = {"userRole": 60}


def hip3_asset_base(perp_dex_index: int) -> int:
    """The first asset number of a builder-deployed perp dex (0 for the main dex)."""
    if perp_dex_index == 0:
        return 0
    return HIP3_ASSET_OFFSET + perp_dex_index * HIP3_ASSETS_PER_DEX


def info_weight(request_type: str) -> int:
    """The rate-limit weight of one ``/info`` request of ``request_type``."""
    if request_type in _LIGHT_INFO:
        return 2
    return _HEAVY_INFO.get(request_type, 20)


def exchange_weight(batch_length: int) -> int:
    """The weight of one ``/exchange`` request: ``1 + floor(batch_length / 40)``."""
    return 1 + max(batch_length, 0) // 40


_TRIGGERED = (TimeInForce.GTC,)

#: What the plugin supports, as data (the README table is generated from it).
CAPABILITIES: Final = Capabilities(
    products={ProductType.SPOT, ProductType.PERPETUAL},
    data={
        DataType.QUOTES,
        DataType.TRADES,
        DataType.BOOK_DELTAS,
        DataType.BARS,
        DataType.MARK_PRICES,
        DataType.INDEX_PRICES,
    },
    book_types={BookType.L2_MBP},
    history={HistoryType.INSTRUMENTS, HistoryType.BARS, HistoryType.BOOK_SNAPSHOT},
    orders={
        OrderType.MARKET: (TimeInForce.IOC,),
        OrderType.LIMIT: (TimeInForce.GTC, TimeInForce.IOC),
        OrderType.STOP_MARKET: _TRIGGERED,
        OrderType.STOP_LIMIT: _TRIGGERED,
        OrderType.MARKET_IF_TOUCHED: _TRIGGERED,
        OrderType.LIMIT_IF_TOUCHED: _TRIGGERED,
    },
    post_only=True,
    reduce_only=True,
    modify_order=True,
    cancel_all=True,
    batch_cancel=True,
    batch_submit=True,
    batch_modify=True,
    order_lists=False,
    positions=True,
    private_streams=True,
    notes=(
        "Perpetuals are COIN-PERP (BTC-PERP), spot pairs BASE-QUOTE from the token names "
        "(PURR-USDC); the wire asset number and coin name are in Instrument.info.",
        "No native market order: MARKET is an IOC limit at mid * (1 +/- market_slippage), "
        "rounded to the venue's price rules (5 significant figures).",
        "Stops and if-touched orders are Hyperliquid trigger orders (sl / tp), triggered by "
        "the venue's mark price; post-only is ALO. No FOK, GTD or DAY.",
        "Funding rates stream from activeAssetCtx (subscribe_funding_rates) but are not "
        "declared: the venue sends no next funding time, which the capability promises.",
        "HIP-3 builder-deployed perps load from the dexes named in perp_dexs (ids "
        "dex:COIN-PERP); HIP-4 outcomes are not loaded. Signed actions go over the user "
        "stream's WebSocket post channel once connected (order_transport='ws', the faster "
        "path in bench/bench_hyperliquid_orders.py), over REST /exchange before that or with "
        "order_transport='rest'.",
    ),
)
