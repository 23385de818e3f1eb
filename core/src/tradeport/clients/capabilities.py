"""Declared venue capabilities.

A plugin declares what its venue can do as data (:class:`Capabilities`), not as code paths. The
CLI shows it (`tradeport info VENUE`), the conformance suite reads it to decide which scenarios
apply (a skip always names the capability), and clients use it to raise
:class:`~tradeport.errors.UnsupportedOperation` for anything undeclared.

Defaults are conservative: a capability not declared is not claimed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Any

import attrs

from tradeport.model.enums import BookType, OrderType, PegPriceType, ProductType, TimeInForce

__all__ = ["Capabilities", "DataType", "HistoryType", "order_matrix"]


class DataType(StrEnum):
    """Kinds of streaming market data a venue can publish."""

    INSTRUMENTS = "INSTRUMENTS"
    QUOTES = "QUOTES"
    TRADES = "TRADES"
    BOOK_DELTAS = "BOOK_DELTAS"
    BOOK_SNAPSHOTS = "BOOK_SNAPSHOTS"
    BARS = "BARS"
    MARK_PRICES = "MARK_PRICES"
    INDEX_PRICES = "INDEX_PRICES"
    FUNDING_RATES = "FUNDING_RATES"
    INSTRUMENT_STATUS = "INSTRUMENT_STATUS"
    INSTRUMENT_CLOSE = "INSTRUMENT_CLOSE"
    CUSTOM = "CUSTOM"


class HistoryType(StrEnum):
    """Kinds of historical data a venue can be asked for."""

    INSTRUMENTS = "INSTRUMENTS"
    BARS = "BARS"
    TRADES = "TRADES"
    QUOTES = "QUOTES"
    BOOK_SNAPSHOT = "BOOK_SNAPSHOT"


def order_matrix(
    spec: Mapping[OrderType, Iterable[TimeInForce]],
) -> frozenset[tuple[OrderType, TimeInForce]]:
    """Build the (order type, time in force) pairs from a readable mapping."""
    return frozenset((ot, tif) for ot, tifs in spec.items() for tif in tifs)


def _tuple_of_str(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


def _products(values: Iterable[Any]) -> frozenset[ProductType]:
    return frozenset(ProductType(v) for v in values)


def _data_types(values: Iterable[Any]) -> frozenset[DataType]:
    return frozenset(DataType(v) for v in values)


def _book_types(values: Iterable[Any]) -> frozenset[BookType]:
    return frozenset(BookType(v) for v in values)


def _history_types(values: Iterable[Any]) -> frozenset[HistoryType]:
    return frozenset(HistoryType(v) for v in values)


def _history_depth(values: Mapping[Any, Any]) -> Mapping[HistoryType, int]:
    """A read-only {HistoryType: positive int}; a bad kind or depth names itself."""
    depths: dict[HistoryType, int] = {}
    for kind, depth in dict(values).items():
        try:
            key = HistoryType(kind)
        except ValueError:
            raise ValueError(f"history_depth: unknown history kind {kind!r}") from None
        if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
            raise ValueError(
                f"history_depth[{key.value}]: {depth!r} is not a positive record count"
            )
        depths[key] = depth
    return MappingProxyType(depths)


def _peg_price_types(values: Iterable[Any]) -> frozenset[PegPriceType]:
    return frozenset(PegPriceType(v) for v in values)


def _pairs(values: Any) -> frozenset[tuple[OrderType, TimeInForce]]:
    if isinstance(values, Mapping):
        return order_matrix(values)
    return frozenset((OrderType(ot), TimeInForce(tif)) for ot, tif in values)


#: The capabilities that mean the venue takes orders (refused on a data-only venue).
_EXECUTION_FIELDS = (
    "orders",
    "peg_price_types",
    "post_only",
    "reduce_only",
    "modify_order",
    "cancel_all",
    "batch_cancel",
    "batch_submit",
    "batch_modify",
    "order_lists",
    "positions",
    "private_streams",
    "provisional_fills",
)


@attrs.frozen(kw_only=True)
class Capabilities:
    """What a venue (through its plugin) supports. Every field defaults to "not supported"."""

    #: Product families the instrument provider loads.
    products: frozenset[ProductType] = attrs.field(factory=frozenset, converter=_products)
    #: Streaming data types the data client can subscribe to.
    data: frozenset[DataType] = attrs.field(factory=frozenset, converter=_data_types)
    #: Book types the data client maintains.
    book_types: frozenset[BookType] = attrs.field(factory=frozenset, converter=_book_types)
    #: Historical requests the data client answers.
    history: frozenset[HistoryType] = attrs.field(factory=frozenset, converter=_history_types)
    #: Bounded history: how many of the latest records of a kind the venue serves at all
    #: (Kraken: the latest 720 bars), however far back a request asks. A kind not named is
    #: unbounded. Only for kinds in ``history``. Not part of the hash (a mapping).
    history_depth: Mapping[HistoryType, int] = attrs.field(
        factory=dict, converter=_history_depth, hash=False
    )
    #: Supported (order type, time in force) pairs. Empty means no execution at all.
    orders: frozenset[tuple[OrderType, TimeInForce]] = attrs.field(
        factory=frozenset, converter=_pairs
    )
    #: The references a PEGGED order can follow. Required (non-empty) exactly when ``orders``
    #: declares PEGGED: the time in force of pegged orders is in the ``orders`` matrix.
    peg_price_types: frozenset[PegPriceType] = attrs.field(
        factory=frozenset, converter=_peg_price_types
    )
    post_only: bool = False
    reduce_only: bool = False
    modify_order: bool = False
    cancel_all: bool = False
    batch_cancel: bool = False
    #: Several independent orders in one venue request (ExecutionClient.submit_orders).
    batch_submit: bool = False
    #: Several modifications in one venue request (ExecutionClient.modify_orders).
    batch_modify: bool = False
    order_lists: bool = False
    #: The venue reports positions (derivatives) and PositionStatusReports can be produced.
    positions: bool = False
    #: Private streams (orders, fills, balances) over the venue's stream API.
    private_streams: bool = False
    #: A data-only venue (a data or replay provider: Databento, Tardis): it takes no orders
    #: at all, by declaration. The session creates no execution client, ``venue.execution``
    #: says why, and the conformance suite skips every execution scenario with this reason.
    #: Refused together with any execution capability.
    data_only: bool = False
    #: Streaming data types the venue serves from the past through ``open_replay``
    #: (the plugin implements ``tradeport_create_replay_source``).
    replay: frozenset[DataType] = attrs.field(factory=frozenset, converter=_data_types)
    #: Fills may be provisional (settled later on chain) and are then confirmed or reversed.
    provisional_fills: bool = False
    #: Instruments must (or can) be looked up before use: ``InstrumentProvider.resolve``
    #: asks the venue (contract details, symbology) rather than the loaded instruments.
    resolve_instruments: bool = False
    #: Free-form notes on limitations, shown by `tradeport info`.
    notes: tuple[str, ...] = attrs.field(default=(), converter=_tuple_of_str)

    def __attrs_post_init__(self) -> None:
        undeclared = sorted(k.value for k in self.history_depth if k not in self.history)
        if undeclared:
            raise ValueError(
                f"history_depth bounds {', '.join(undeclared)}, which history does not declare"
            )
        if self.data_only:
            claimed = [name for name in _EXECUTION_FIELDS if getattr(self, name)]
            if claimed:
                raise ValueError(
                    f"data_only venue declares execution capabilities: {', '.join(claimed)}"
                )
        pegged = OrderType.PEGGED in self.order_types
        if pegged and not self.peg_price_types:
            raise ValueError("orders declare PEGGED: peg_price_types must name its references")
        if self.peg_price_types and not pegged:
            raise ValueError(
                f"peg_price_types {sorted(self.peg_price_types)} declared without PEGGED orders"
            )

    @property
    def execution(self) -> bool:
        """True when the venue accepts orders at all (never for a ``data_only`` venue)."""
        return bool(self.orders)

    @property
    def order_types(self) -> frozenset[OrderType]:
        return frozenset(ot for ot, _ in self.orders)

    def time_in_force_for(self, order_type: OrderType) -> frozenset[TimeInForce]:
        return frozenset(tif for ot, tif in self.orders if ot == order_type)

    def supports_order(self, order_type: OrderType, time_in_force: TimeInForce) -> bool:
        return (order_type, time_in_force) in self.orders

    def supports_peg(self, peg_price_type: PegPriceType) -> bool:
        """Whether a PEGGED order may follow ``peg_price_type``."""
        return peg_price_type in self.peg_price_types

    def supports_data(self, data_type: DataType) -> bool:
        return data_type in self.data

    def history_limit(self, kind: HistoryType | str) -> int | None:
        """How many of the latest ``kind`` records the venue keeps, or None when unbounded."""
        return self.history_depth.get(HistoryType(kind))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe, stably ordered description (for the CLI and docs)."""
        matrix: dict[str, list[str]] = {}
        for ot in OrderType:
            tifs = [tif.value for tif in TimeInForce if (ot, tif) in self.orders]
            if tifs:
                matrix[ot.value] = tifs
        return {
            "products": sorted(p.value for p in self.products),
            "data": sorted(d.value for d in self.data),
            "book_types": sorted(b.value for b in self.book_types),
            "history": sorted(h.value for h in self.history),
            "history_depth": {k.value: v for k, v in sorted(self.history_depth.items())},
            "orders": matrix,
            "peg_price_types": sorted(p.value for p in self.peg_price_types),
            "post_only": self.post_only,
            "reduce_only": self.reduce_only,
            "modify_order": self.modify_order,
            "cancel_all": self.cancel_all,
            "batch_cancel": self.batch_cancel,
            "batch_submit": self.batch_submit,
            "batch_modify": self.batch_modify,
            "order_lists": self.order_lists,
            "positions": self.positions,
            "private_streams": self.private_streams,
            "data_only": self.data_only,
            "replay": sorted(d.value for d in self.replay),
            "provisional_fills": self.provisional_fills,
            "resolve_instruments": self.resolve_instruments,
            "notes": list(self.notes),
        }

    def markdown_table(self) -> str:
        """A Markdown capability table, for plugin READMEs (generated, never hand-written)."""
        d = self.to_dict()
        rows = ["| capability | supported |", "| --- | --- |"]
        if self.data_only:  # the declared fact first; the order rows below stay empty
            rows.append("| execution | none: data-only venue (declared) |")
        for key in ("products", "data", "book_types", "history"):
            rows.append(f"| {key} | {', '.join(d[key]) or '-'} |")
        if d["history_depth"]:  # only bounded venues get the row
            depths = ", ".join(f"{k} {v}" for k, v in d["history_depth"].items())
            rows.append(f"| history_depth (latest records) | {depths} |")
        if d["replay"]:  # only replay providers get the row (as for pegs below)
            rows.append(f"| replay | {', '.join(d['replay'])} |")
        for ot, tifs in d["orders"].items():
            rows.append(f"| order {ot} | {', '.join(tifs)} |")
        if d["peg_price_types"]:  # only venues with pegged orders get the row
            rows.append(f"| peg_price_types | {', '.join(d['peg_price_types'])} |")
        # A data-only venue has none of the order flags: its "execution" row says it all.
        flags = (
            ()
            if self.data_only
            else (
                "post_only",
                "reduce_only",
                "modify_order",
                "cancel_all",
                "batch_cancel",
                "batch_submit",
                "batch_modify",
                "order_lists",
                "positions",
                "private_streams",
            )
        )
        for key in flags:
            rows.append(f"| {key} | {'yes' if d[key] else 'no'} |")
        for key in ("provisional_fills", "resolve_instruments"):
            if d[key]:  # rows only where declared, so existing tables stay as they are
                rows.append(f"| {key} | yes |")
        return "\n".join(rows)
