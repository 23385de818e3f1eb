"""Tardis records -> tradeport models: instruments metadata and normalized messages.

Tardis sends numbers as JSON floats. tardis-machine's messages are decoded exactly (the core's
``json_codec.loads_exact``: each number as the Decimal it was written as); a float from
elsewhere becomes the decimal of its shortest ``repr`` (``0.1`` is ``"0.1"``, never
``0.1000000000000000055...``). Then the value is put on the instrument's precision, so a price
is what the exchange showed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tradeport.errors import ValidationError
from tradeport.model.identifiers import Symbol
from tradeport.model.instruments import Instrument, Perpetual, SpotPair
from tradeport.model.numbers import Price, Quantity

from tradeport_tardis.lines import parse_local_timestamp
from tradeport_tardis.symbology import exchange_of, instrument_id_for

__all__ = ["decimal_of", "iso_ns", "parse_instrument", "precision_of"]


def decimal_of(value: Any, field: str) -> Decimal:
    """A JSON number (float or int) or numeric string as the exact decimal it was written as."""
    if isinstance(value, bool) or value is None:
        raise ValidationError(field, value, "is not a number")
    if isinstance(value, Decimal):  # decoded exactly (json_codec.loads_exact)
        text = str(value)
    elif isinstance(value, float):
        text = repr(value)
    elif isinstance(value, int | str):
        text = str(value)
    else:
        raise ValidationError(field, value, "is not a number")
    try:
        result = Decimal(text)
    except ArithmeticError:
        raise ValidationError(field, value, "is not a number") from None
    if not result.is_finite():
        raise ValidationError(field, value, "is not a finite number")
    return result


def precision_of(increment: Decimal) -> int:
    """Decimal places of a tick or lot (``0.01`` -> 2, ``1E-5`` -> 5, ``10`` -> 0)."""
    exponent = increment.normalize().as_tuple().exponent
    return max(0, -int(exponent))


def iso_ns(value: str, field: str) -> int:
    """UNIX ns of an ISO 8601 UTC time as Tardis writes them (``2019-03-30T00:00:00.000Z``)."""
    if not isinstance(value, str):
        raise ValidationError(field, value, "is not an ISO 8601 time")
    return parse_local_timestamp(value.encode())


def parse_instrument(record: dict[str, Any], ts_init: int) -> Instrument | None:
    """An instrument of the instruments metadata API (``/v1/instruments/{exchange}``), with
    the venue plugin's id; None for a type not modelled here (futures, options, combos)."""
    kind = record.get("type")
    if kind not in ("spot", "perpetual"):
        return None
    exchange = str(record["exchange"])
    venue = exchange_of(exchange).venue
    native = str(record["id"])
    raw_symbol = native.upper() if venue == "binance" else native
    tick = decimal_of(record["priceIncrement"], "priceIncrement")
    lot = decimal_of(record["amountIncrement"], "amountIncrement")
    if tick <= 0 or lot <= 0:
        raise ValidationError("priceIncrement/amountIncrement", f"{tick}/{lot}", "must be > 0")
    price_precision, size_precision = precision_of(tick), precision_of(lot)
    min_amount = record.get("minTradeAmount")
    since = record.get("availableSince")
    ts_event = iso_ns(since, "availableSince") if since else ts_init
    common: dict[str, Any] = {
        "id": instrument_id_for(exchange, native),
        "raw_symbol": Symbol(raw_symbol),
        "quote_currency": str(record["quoteCurrency"]),
        "price_precision": price_precision,
        "size_precision": size_precision,
        "price_increment": Price(tick, price_precision),
        "size_increment": Quantity(lot, size_precision),
        "min_quantity": (
            Quantity(decimal_of(min_amount, "minTradeAmount"), size_precision)
            if min_amount
            else None
        ),
        "maker_fee": decimal_of(record.get("makerFee", 0), "makerFee"),
        "taker_fee": decimal_of(record.get("takerFee", 0), "takerFee"),
        "ts_event": ts_event,
        "ts_init": ts_init,
        "info": dict(record),
    }
    base = str(record["baseCurrency"])
    if kind == "spot":
        return SpotPair(base_currency=base, **common)
    inverse = bool(record.get("inverse"))
    multiplier = record.get("contractMultiplier")
    settle = record.get("settlementCurrency") or (base if inverse else common["quote_currency"])
    return Perpetual(
        base_currency=base,
        settle_currency=str(settle),
        is_inverse=inverse,
        multiplier=Quantity(decimal_of(multiplier, "contractMultiplier"))
        if multiplier
        else Quantity(1),
        **common,
    )
