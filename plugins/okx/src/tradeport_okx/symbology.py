"""OKX native symbols: ``BTC-USDT`` (spot/margin), ``BTC-USDT-SWAP`` (perpetual),
``BTC-USD-250328`` (dated future), ``BTC-USD-250328-50000-C`` (option). Instrument ids keep
them unchanged (``BTC-USDT-SWAP.OKX``): OKX symbols never collide across products, except spot
and margin, which are the same market."""

from __future__ import annotations

from tradeport_okx.enums import OkxInstType

__all__ = ["inst_type_of", "inst_family_of"]


def inst_type_of(inst_id: str) -> OkxInstType:
    """The instrument type a native symbol belongs to (SPOT for spot/margin pairs)."""
    parts = inst_id.split("-")
    if parts[-1] == "SWAP":
        return OkxInstType.SWAP
    if len(parts) == 5 and parts[-1] in ("C", "P"):
        return OkxInstType.OPTION
    if len(parts) == 3 and parts[2].isdigit():
        return OkxInstType.FUTURES
    return OkxInstType.SPOT


def inst_family_of(inst_id: str) -> str:
    """``BTC-USD`` for any derivative of that family (and the pair itself for spot)."""
    return "-".join(inst_id.split("-")[:2])
