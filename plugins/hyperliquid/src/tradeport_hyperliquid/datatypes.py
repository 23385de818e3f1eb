"""Hyperliquid-specific data types: the whole perp asset context, every mid price, user funding
payments. Registered for tagged serialization under ``hyperliquid.*`` names."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs
from tradeport.model.data import CustomData
from tradeport.model.identifiers import InstrumentId
from tradeport.model.numbers import Money
from tradeport.model.serialization import register_type

__all__ = [
    "HyperliquidAssetContext",
    "HyperliquidMids",
    "HyperliquidFundingPayment",
    "parse_asset_context",
    "parse_mids",
    "parse_funding_payment",
]


def _decimal(value: Any) -> Decimal | None:
    return Decimal(value) if value not in (None, "") else None


@attrs.frozen(kw_only=True)
class HyperliquidAssetContext(CustomData):
    """A perp's ``activeAssetCtx``: mark, oracle, mid, funding, open interest, 24 h volume."""

    instrument_id: InstrumentId
    mark_price: Decimal | None
    oracle_price: Decimal | None
    mid_price: Decimal | None
    funding_rate: Decimal | None
    premium: Decimal | None
    open_interest: Decimal | None
    day_notional_volume: Decimal | None
    prev_day_price: Decimal | None


@attrs.frozen(kw_only=True)
class HyperliquidMids(CustomData):
    """One ``allMids`` message: the mid price of every coin (wire names: ``BTC``, ``@107``)."""

    mids: dict[str, Decimal] = attrs.field(eq=False)


@attrs.frozen(kw_only=True)
class HyperliquidFundingPayment(CustomData):
    """One hourly funding payment of the account (``userFundings``): ``amount`` is paid (< 0)
    or received (> 0) in USDC on a position of ``position_size`` (signed) at ``rate``."""

    instrument_id: InstrumentId
    amount: Money
    position_size: Decimal
    rate: Decimal


register_type(HyperliquidAssetContext, "hyperliquid.AssetContext")
register_type(HyperliquidMids, "hyperliquid.Mids")
register_type(HyperliquidFundingPayment, "hyperliquid.FundingPayment")


def parse_asset_context(
    ctx: Mapping[str, Any], instrument_id: InstrumentId, ts_event: int, ts_init: int
) -> HyperliquidAssetContext:
    """The ``ctx`` of an ``activeAssetCtx`` message (docs: WsActiveAssetCtx / PerpsAssetCtx)."""
    return HyperliquidAssetContext(
        instrument_id=instrument_id,
        mark_price=_decimal(ctx.get("markPx")),
        oracle_price=_decimal(ctx.get("oraclePx")),
        mid_price=_decimal(ctx.get("midPx")),
        funding_rate=_decimal(ctx.get("funding")),
        premium=_decimal(ctx.get("premium")),
        open_interest=_decimal(ctx.get("openInterest")),
        day_notional_volume=_decimal(ctx.get("dayNtlVlm")),
        prev_day_price=_decimal(ctx.get("prevDayPx")),
        ts_event=ts_event,
        ts_init=ts_init,
    )


def parse_mids(data: Mapping[str, Any], ts_event: int, ts_init: int) -> HyperliquidMids:
    """An ``allMids`` message's ``data`` (``{"mids": {coin: px}}``)."""
    mids = {str(k): Decimal(v) for k, v in (data.get("mids") or {}).items()}
    return HyperliquidMids(mids=mids, ts_event=ts_event, ts_init=ts_init)


def parse_funding_payment(
    record: Mapping[str, Any], instrument_id: InstrumentId, ts_init: int
) -> HyperliquidFundingPayment:
    """One ``userFundings`` item (``{"time", "coin", "usdc", "szi", "fundingRate"}``)."""
    return HyperliquidFundingPayment(
        instrument_id=instrument_id,
        amount=Money(record["usdc"], "USDC"),
        position_size=Decimal(record["szi"]),
        rate=Decimal(record["fundingRate"]),
        ts_event=int(record["time"]) * 1_000_000,
        ts_init=ts_init,
    )
