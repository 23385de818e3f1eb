"""What the plugin registers about OKX: declared capabilities, config type, env vars, URLs."""

from __future__ import annotations

from tradeport.clients.capabilities import Capabilities, DataType, HistoryType
from tradeport.model.enums import BookType, OrderType, ProductType, TimeInForce
from tradeport.venue import VenueSpec

from tradeport_okx.config import ENV_VARS, OkxConfig
from tradeport_okx.constants import VENUE, VENUE_NAME
from tradeport_okx.urls import REST_URL, WS_DEMO_URL, WS_URL

__all__ = ["CAPABILITIES", "venue_spec"]

_GTC = TimeInForce.GTC
_IOC = TimeInForce.IOC
_FOK = TimeInForce.FOK

#: What the OKX plugin supports (the suite reads it; the README table is generated from it).
CAPABILITIES = Capabilities(
    products={ProductType.SPOT, ProductType.PERPETUAL, ProductType.FUTURE, ProductType.OPTION},
    data={
        DataType.QUOTES,
        DataType.TRADES,
        DataType.BOOK_DELTAS,
        DataType.BOOK_SNAPSHOTS,
        DataType.BARS,
        DataType.MARK_PRICES,
        DataType.INDEX_PRICES,
        DataType.FUNDING_RATES,
        DataType.INSTRUMENT_STATUS,
    },
    book_types={BookType.L1_MBP, BookType.L2_MBP},
    history={
        HistoryType.INSTRUMENTS,
        HistoryType.BARS,
        HistoryType.TRADES,
        HistoryType.BOOK_SNAPSHOT,
    },
    orders={
        # ordType market (and optimal_limit_ioc for derivatives): fills now or not at all.
        OrderType.MARKET: [_GTC, _IOC],
        # limit / ioc / fok; post_only is the post-only flag on a GTC limit.
        OrderType.LIMIT: [_GTC, _IOC, _FOK],
        # Algo orders (/trade/order-algo): trigger orders with market or limit execution.
        OrderType.STOP_MARKET: [_GTC],
        OrderType.STOP_LIMIT: [_GTC],
        # Algo move_order_stop: callbackRatio (basis points) or callbackSpread, activePx.
        OrderType.TRAILING_STOP_MARKET: [_GTC],
    },
    post_only=True,
    reduce_only=True,
    modify_order=True,
    cancel_all=True,
    batch_cancel=True,
    order_lists=False,
    positions=True,
    private_streams=True,
    notes=(
        "Derivative quantities are contracts; Instrument.multiplier is ctVal * ctMult.",
        "MARGIN pairs load as SpotPair (instType kept in info); orders on them use "
        "tdMode cross/isolated.",
        "cancel_all_orders cancels the instrument's open orders in batches of 20 "
        "(OKX's mass-cancel endpoint exists only for options).",
        "The fills channel is VIP-only at OKX: fills are taken from the orders channel.",
        "Book checksum verification stops by itself when OKX sends 0 (deprecated June 2026).",
    ),
)


def venue_spec() -> VenueSpec:
    """The VenueSpec the plugin registers."""
    return VenueSpec(
        name=VENUE_NAME,
        venue_id=VENUE,
        kind="EXCHANGE",
        capabilities=CAPABILITIES,
        config_type=OkxConfig,
        env_vars=ENV_VARS,
        urls={"http": REST_URL, "ws": WS_URL, "ws_demo": WS_DEMO_URL},
        description="OKX v5 API: spot, margin, perpetual swaps, futures and options; "
        "live and demo trading",
        docs_url="https://www.okx.com/docs-v5/en/",
    )
