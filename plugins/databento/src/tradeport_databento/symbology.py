"""Symbology: Databento symbols and instrument ids <-> tradeport InstrumentIds, both ways.

Databento names an instrument four ways (docs: Standards and conventions, symbology):

* ``raw_symbol`` - the exchange's symbol (``ESZ6``, ``AAPL``);
* ``instrument_id`` - the publisher's numeric id (``42``), what every record carries;
* ``parent`` - a product group (``ES.FUT``, ``ES.OPT``);
* ``continuous`` - a rule (``ES.c.0``: front month by calendar; ``.v.`` volume, ``.n.`` open
  interest).

tradeport ids are ``RAW_SYMBOL.MIC``: the raw symbol and the *exchange* as venue (``ESZ6.XCME``,
``AAPL.XNAS``), the definition's ``exchange`` field, else the dataset's venue. A subscription by
id picks the stype from the symbol's shape (``ES.FUT.XCME`` is parent, ``ES.c.0.XCME``
continuous, ``42.XCME`` an instrument id, the rest raw); records always come back under the raw
symbol the gateway mapped them to (a continuous subscription yields ``ESZ6.XCME`` data), and
:class:`SymbolMap` keeps every mapping the stream announced (``SymbolMappingMsg``), current.
"""

from __future__ import annotations

import re
from typing import Any, Final

from tradeport.errors import ValidationError
from tradeport.model.identifiers import InstrumentId, Symbol, Venue

from tradeport_databento.enums import DATASET_VENUES

__all__ = ["stype_of", "databento_symbol", "dataset_venue", "instrument_id_for", "SymbolMap"]

_CONTINUOUS: Final = re.compile(r"^[A-Za-z0-9]+\.[cnv]\.\d+$")
_PARENT_SUFFIXES: Final = (".FUT", ".OPT", ".SPOT")


def stype_of(symbol: str) -> str:
    """The symbology type of a Databento symbol, from its shape."""
    if not symbol:
        raise ValidationError("symbol", symbol, "must not be empty")
    if symbol.isdigit():
        return "instrument_id"
    if _CONTINUOUS.match(symbol):
        return "continuous"
    if symbol.endswith(_PARENT_SUFFIXES):
        return "parent"
    return "raw_symbol"


def databento_symbol(instrument_id: InstrumentId) -> tuple[str, str]:
    """(stype_in, symbol) to subscribe to ``instrument_id``."""
    symbol = instrument_id.symbol.value
    return stype_of(symbol), symbol


def dataset_venue(dataset: str) -> str:
    """The venue of ids from ``dataset`` when a definition names no exchange."""
    return DATASET_VENUES.get(dataset, dataset.partition(".")[0])


def instrument_id_for(raw_symbol: str, venue: str) -> InstrumentId:
    """``ESZ6`` on ``XCME`` -> ``ESZ6.XCME``."""
    return InstrumentId(Symbol(raw_symbol), Venue(venue))


class SymbolMap:
    """The live session's instrument_id <-> symbol mappings, kept current.

    ``on_mapping(record)`` applies a SymbolMappingMsg (the gateway sends one per resolved symbol
    after a subscription, and again when a continuous or parent symbol starts naming another
    instrument); ``on_definition(record)`` learns the exchange of an instrument; ``on_metadata``
    applies the mappings a historical stream's metadata carries.
    """

    def __init__(self, dataset: str) -> None:
        self.dataset = dataset
        self.default_venue = dataset_venue(dataset)
        #: publisher instrument_id -> raw symbol
        self.raw_by_id: dict[int, str] = {}
        #: raw symbol -> publisher instrument_id
        self.id_by_raw: dict[str, int] = {}
        #: subscribed symbol (parent/continuous/raw) -> raw symbols it maps to now
        self.resolved: dict[str, set[str]] = {}
        #: raw symbol -> exchange MIC (from definitions)
        self.venue_by_raw: dict[str, str] = {}
        self._ids: dict[int, InstrumentId] = {}

    def on_mapping(self, record: Any) -> int:
        """Apply a SymbolMappingMsg; returns its instrument_id."""
        iid = int(record.instrument_id)
        stype_in_symbol = str(record.stype_in_symbol)
        raw = str(record.stype_out_symbol)
        if raw.isdigit():  # stype_out instrument_id (historical): the input is the raw symbol
            raw = stype_in_symbol
        self._map(iid, raw)
        previous = self.raw_by_id.get(iid)
        if previous is not None:
            for group in self.resolved.values():
                group.discard(previous)
        self.resolved.setdefault(stype_in_symbol, set()).add(raw)
        return iid

    def _map(self, iid: int, raw: str) -> None:
        old = self.raw_by_id.get(iid)
        if old is not None and old != raw:
            self.id_by_raw.pop(old, None)
        self.raw_by_id[iid] = raw
        self.id_by_raw[raw] = iid
        self._ids.pop(iid, None)

    def on_definition(self, record: Any) -> None:
        """Learn an instrument's raw symbol and exchange from its definition."""
        raw = str(record.raw_symbol)
        if raw:
            self._map(int(record.instrument_id), raw)
            exchange = str(record.exchange or "")
            if exchange:
                self.venue_by_raw[raw] = exchange

    def on_metadata(self, metadata: Any) -> None:
        """Apply the symbol mappings of DBN metadata (historical streams): ``{input symbol:
        [{start_date, end_date, symbol}]}`` where ``symbol`` is the instrument id."""
        mappings = metadata.mappings or {}
        items = mappings.items() if isinstance(mappings, dict) else ()
        for symbol_in, intervals in items:
            for interval in intervals:
                out = str(interval["symbol"])
                if out.isdigit():
                    raw = symbol_in if stype_of(symbol_in) == "raw_symbol" else None
                    if raw is not None:
                        self._map(int(out), raw)
                    self.resolved.setdefault(symbol_in, set())

    def venue_of(self, raw_symbol: str) -> str:
        return self.venue_by_raw.get(raw_symbol, self.default_venue)

    def instrument_id(self, publisher_instrument_id: int) -> InstrumentId | None:
        """The tradeport id of a record's instrument_id (None while unmapped)."""
        found = self._ids.get(publisher_instrument_id)
        if found is None:
            raw = self.raw_by_id.get(publisher_instrument_id)
            if raw is None:
                return None
            found = self._ids[publisher_instrument_id] = instrument_id_for(raw, self.venue_of(raw))
        return found

    def publisher_id_of(self, instrument_id: InstrumentId) -> int | None:
        """The publisher instrument_id of a tradeport id (its raw symbol must be mapped)."""
        symbol = instrument_id.symbol.value
        if symbol.isdigit():
            return int(symbol)
        return self.id_by_raw.get(symbol)

    def raw_symbols(self, symbol: str) -> set[str]:
        """The raw symbols a subscribed symbol (parent, continuous, raw) maps to now."""
        return set(self.resolved.get(symbol, ()))
