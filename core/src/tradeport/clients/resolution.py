"""What :meth:`InstrumentProvider.resolve` looks instruments up by: :class:`InstrumentQuery`.

Brokers and symbology services know instruments only once asked (IB contract details,
Databento symbology, an option chain). A query names what the caller knows; the provider
answers with the one instrument that matches, or raises
:class:`~tradeport.errors.AmbiguousInstrument` holding every candidate, or
:class:`~tradeport.errors.UnknownInstrument`.

The default matching (:func:`matches`) compares a query with instruments already known; a
venue that must ask overrides ``InstrumentProvider.fetch_candidates`` and may use
``params`` for what only it understands (IB ``{"secType": "FOP", "conId": 12087792}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from tradeport.errors import ValidationError
from tradeport.model.enums import OptionKind, ProductType
from tradeport.model.identifiers import InstrumentId
from tradeport.model.instruments import Instrument

__all__ = ["InstrumentQuery", "matches"]

_NS_PER_DAY = 86_400 * 10**9


def _optional_product(value: Any) -> ProductType | None:
    return None if value is None else ProductType(value)


def _optional_kind(value: Any) -> OptionKind | None:
    return None if value is None else OptionKind(value)


def _optional_decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, (int, str)):
        return Decimal(value)
    raise ValidationError("strike", value, "must be a Decimal, int or str")


@attrs.frozen(kw_only=True)
class InstrumentQuery:
    """What the caller knows of an instrument; every field set must match.

    :param symbol: the native symbol (``AAPL``, ``ESZ6``), or a root/underlying (``ES``):
        matches an instrument's raw symbol, its id's symbol, or its ``underlying``.
    :param venue: the id's venue part (``XCME``, ``NASDAQ``).
    :param product_type: the family (``FUTURE``, ``OPTION``, ...).
    :param currency: the quote currency.
    :param expiry_ns: any time on the expiry's UTC day (futures and options).
    :param strike: an option's strike; :param option_kind: CALL or PUT.
    :param params: venue-specific keys the provider understands (ignored by :func:`matches`).
    """

    symbol: str | None = None
    venue: str | None = None
    product_type: ProductType | None = attrs.field(default=None, converter=_optional_product)
    currency: str | None = None
    expiry_ns: int | None = None
    strike: Decimal | None = attrs.field(default=None, converter=_optional_decimal)
    option_kind: OptionKind | None = attrs.field(default=None, converter=_optional_kind)
    params: Mapping[str, Any] = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        if all(getattr(self, f.name) in (None, {}) for f in attrs.fields(InstrumentQuery)):
            raise ValidationError("InstrumentQuery", self, "names nothing to look up")

    @classmethod
    def of(cls, value: InstrumentQuery | InstrumentId | str) -> InstrumentQuery:
        """A query from what callers pass to ``resolve``: a query as is, an InstrumentId
        (symbol and venue), or a string: ``"SYMBOL.VENUE"`` when it parses as one, else a
        symbol."""
        if isinstance(value, InstrumentQuery):
            return value
        if isinstance(value, InstrumentId):
            return cls(symbol=value.symbol.value, venue=value.venue.value)
        if isinstance(value, str):
            try:
                return cls.of(InstrumentId.from_str(value))
            except ValidationError:
                return cls(symbol=value)
        raise ValidationError("query", value, "must be an InstrumentQuery, InstrumentId or str")

    def __str__(self) -> str:
        fields = {
            f.name: getattr(self, f.name)
            for f in attrs.fields(InstrumentQuery)
            if getattr(self, f.name) not in (None, {})
        }
        return "query(" + ", ".join(f"{k}={v}" for k, v in fields.items()) + ")"


def matches(query: InstrumentQuery, instrument: Instrument) -> bool:
    """Whether ``instrument`` satisfies every field ``query`` sets (``params`` aside)."""
    if query.symbol is not None and query.symbol not in (
        instrument.raw_symbol.value,
        instrument.id.symbol.value,
        getattr(instrument, "underlying", None),
    ):
        return False
    if query.venue is not None and query.venue != instrument.id.venue.value:
        return False
    if query.product_type is not None and query.product_type is not instrument.product_type:
        return False
    if query.currency is not None and query.currency != instrument.quote_currency:
        return False
    if query.expiry_ns is not None:
        expiry = getattr(instrument, "expiry_ns", None)
        if expiry is None or expiry // _NS_PER_DAY != query.expiry_ns // _NS_PER_DAY:
            return False
    if query.strike is not None:
        strike = getattr(instrument, "strike_price", None)
        if strike is None or strike.as_decimal() != query.strike:
            return False
    kind = query.option_kind
    return kind is None or getattr(instrument, "option_kind", None) is kind
