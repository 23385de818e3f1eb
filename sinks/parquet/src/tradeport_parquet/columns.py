"""Model records <-> Arrow columns: the Parquet files' schema.

Every file starts with ``run`` (string) and ``seq`` (int64): the event's stable id
(``<run>-<seq>``, :class:`tradeport.sinks.EventId`) and the recording order. Then one column
per field of the record type, by the field's type:

================================  ==================================================================
field type                        column
================================  ==================================================================
Price, Quantity                   ``decimal128(38, 18)`` (exact: every tradeport number has at most
                                  18 decimal places) and ``<field>_precision`` (int8), the
                                  decimal places the venue sent, so ``"100.50"`` reads back as
                                  ``"100.50"``
int named ``ts_*``                ``timestamp[ns, tz=UTC]`` (UNIX nanoseconds)
int                               int64
bool                              bool
str, identifiers, enums, Decimal  string (Decimal as its exact text; InstrumentId ``BTCUSDT.BINANCE``;
                                  BarType ``BTCUSDT.BINANCE-1-MINUTE-LAST-EXTERNAL``; enums by value)
anything else (nested records)    string holding the field's JSON (tradeport.model.serialization)
================================  ==================================================================

``OrderBookDeltas`` batches are stored one row per delta (``action``, ``side``, ``price``,
``size``, ``order_id``, ``flags``, ``sequence``, ``ts_event``, ``ts_init``); the rows of one
batch share ``run`` and ``seq``, which is how a reader puts the batch back together.
"""

from __future__ import annotations

import enum
import functools
import json
import typing
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

import attrs
import pyarrow as pa
from tradeport.model.data import BookOrder, OrderBookDelta, OrderBookDeltas
from tradeport.model.enums import BookAction, OrderSide
from tradeport.model.numbers import Price, Quantity
from tradeport.model.serialization import converter
from tradeport.sinks import EventId

__all__ = ["DECIMAL", "SCALE", "Layout", "layout_for", "decode_table", "encode_rows"]

SCALE = 18
DECIMAL = pa.decimal128(38, SCALE)
TIMESTAMP = pa.timestamp("ns", tz="UTC")
_POW10 = [10**i for i in range(SCALE + 1)]
_NONE_TYPE = type(None)


@attrs.frozen
class _Column:
    name: str
    kind: str  # fixed | timestamp | int | bool | str | json
    py_type: Any
    nullable: bool


def _classify(name: str, hint: Any) -> _Column:
    args = typing.get_args(hint)
    nullable = _NONE_TYPE in args
    if nullable:
        rest = [a for a in args if a is not _NONE_TYPE]
        hint = rest[0] if len(rest) == 1 else typing.Union[tuple(rest)]  # noqa: UP007
    if hint in (Price, Quantity):
        kind = "fixed"
    elif hint is bool:
        kind = "bool"
    elif hint is int:
        kind = "timestamp" if name.startswith("ts_") else "int"
    elif isinstance(hint, type) and issubclass(hint, enum.Enum):
        kind = "int" if all(isinstance(m.value, int) for m in hint) else "str"
    elif hint is str or hint is Decimal or _unstructures_to_str(hint):
        kind = "str"
    else:
        kind = "json"
    return _Column(name, kind, hint, nullable)


def _unstructures_to_str(hint: Any) -> bool:
    """Types the model serializes as one string (ids, bar types, money)."""
    from tradeport.model.data import BarSpecification, BarType
    from tradeport.model.identifiers import Identifier, InstrumentId
    from tradeport.model.numbers import Money

    return isinstance(hint, type) and issubclass(
        hint, (Identifier, InstrumentId, BarType, BarSpecification, Money)
    )


@attrs.frozen
class Layout:
    """How one record type maps to columns."""

    cls: type
    columns: tuple[_Column, ...]
    schema: pa.Schema
    #: OrderBookDeltas: one row per delta.
    per_delta: bool = False


def _schema(columns: Sequence[_Column]) -> pa.Schema:
    fields = [
        pa.field("run", pa.string(), nullable=False),
        pa.field("seq", pa.int64(), nullable=False),
    ]
    types = {
        "timestamp": TIMESTAMP,
        "int": pa.int64(),
        "bool": pa.bool_(),
        "str": pa.string(),
        "json": pa.string(),
    }
    for col in columns:
        if col.kind == "fixed":
            fields.append(pa.field(col.name, DECIMAL, nullable=col.nullable))
            fields.append(pa.field(f"{col.name}_precision", pa.int8(), nullable=col.nullable))
        else:
            fields.append(pa.field(col.name, types[col.kind], nullable=col.nullable))
    return pa.schema(fields)


_DELTA_COLUMNS = (
    _Column("instrument_id", "str", None, False),
    _Column("action", "str", BookAction, False),
    _Column("side", "str", OrderSide, True),
    _Column("price", "fixed", Price, True),
    _Column("size", "fixed", Quantity, True),
    _Column("order_id", "json", None, True),
    _Column("flags", "int", int, False),
    _Column("sequence", "int", int, False),
    _Column("ts_event", "timestamp", int, False),
    _Column("ts_init", "timestamp", int, False),
)


@functools.cache
def layout_for(cls: type) -> Layout:
    """The column layout of record type ``cls``."""
    if cls is OrderBookDeltas:
        return Layout(cls, _DELTA_COLUMNS, _schema(_DELTA_COLUMNS), per_delta=True)
    hints = typing.get_type_hints(cls)
    columns = tuple(_classify(f.name, hints[f.name]) for f in attrs.fields(cls))
    return Layout(cls, columns, _schema(columns))


# -- encoding ------------------------------------------------------------------------------------


def _fixed_arrays(values: list[Any]) -> tuple[pa.Array, pa.Array]:
    """Exact decimal128(38, 18) straight from each number's scaled int (no Decimal objects)."""
    if None in values:
        decimals = pa.array([None if v is None else v.as_decimal() for v in values], DECIMAL)
        precisions = pa.array([None if v is None else v.precision for v in values], pa.int8())
        return decimals, precisions
    pow10 = _POW10
    data = b"".join(
        (v.raw * pow10[SCALE - v.precision]).to_bytes(16, "little", signed=True) for v in values
    )
    decimals = pa.Array.from_buffers(DECIMAL, len(values), [None, pa.py_buffer(data)])
    return decimals, pa.array([v.precision for v in values], pa.int8())


def _string_of(kind: str) -> Any:
    cache: dict[Any, str] = {}

    def convert(value: Any) -> Any:
        if value is None:
            return None
        try:
            return cache[value]
        except KeyError:
            text = converter.unstructure(value)
            text = json.dumps(text) if kind == "json" else str(text)
            cache[value] = text
            return text
        except TypeError:  # unhashable
            text = converter.unstructure(value)
            return json.dumps(text) if kind == "json" else str(text)

    return convert


def _column_arrays(col: _Column, values: list[Any]) -> list[pa.Array]:
    if col.kind == "fixed":
        return list(_fixed_arrays(values))
    if col.kind == "timestamp":
        return [pa.array(values, TIMESTAMP)]
    if col.kind == "int":
        return [
            pa.array(
                [
                    v
                    if v is None or v.__class__ is int
                    else int(v.value if isinstance(v, enum.Enum) else v)
                    for v in values
                ],
                pa.int64(),
            )
        ]
    if col.kind == "bool":
        return [pa.array(values, pa.bool_())]
    return [pa.array(list(map(_string_of(col.kind), values)), pa.string())]


def encode_rows(layout: Layout, run: str, seqs: Sequence[int], events: Sequence[Any]) -> pa.Table:
    """A table of ``events`` of one type (ids ``run``-``seqs[i]``), in the given order."""
    if layout.per_delta:
        return _encode_deltas(layout, run, seqs, events)
    arrays: list[pa.Array] = [
        pa.array([run] * len(seqs), pa.string()).dictionary_encode(),
        pa.array(seqs, pa.int64()),
    ]
    for col in layout.columns:
        name = col.name
        arrays += _column_arrays(col, [getattr(event, name) for event in events])
    return pa.Table.from_arrays(arrays, schema=layout.schema)


def _encode_deltas(
    layout: Layout, run: str, seqs: Sequence[int], events: Sequence[Any]
) -> pa.Table:
    row_seqs: list[int] = []
    values: dict[str, list[Any]] = {c.name: [] for c in layout.columns}
    for seq, batch in zip(seqs, events, strict=True):
        for delta in batch.deltas:
            row_seqs.append(seq)
            order = delta.order
            values["instrument_id"].append(delta.instrument_id)
            values["action"].append(delta.action)
            values["side"].append(None if order is None else order.side)
            values["price"].append(None if order is None else order.price)
            values["size"].append(None if order is None else order.size)
            values["order_id"].append(None if order is None else order.order_id)
            values["flags"].append(delta.flags)
            values["sequence"].append(delta.sequence)
            values["ts_event"].append(delta.ts_event)
            values["ts_init"].append(delta.ts_init)
    arrays: list[pa.Array] = [
        pa.array([run] * len(row_seqs), pa.string()).dictionary_encode(),
        pa.array(row_seqs, pa.int64()),
    ]
    for col in layout.columns:
        arrays += _column_arrays(col, values[col.name])
    return pa.Table.from_arrays(arrays, schema=layout.schema)


# -- decoding ------------------------------------------------------------------------------------


def _fixed_values(table: pa.Table, col: _Column) -> list[Any]:
    kind = col.py_type
    decimals = table.column(col.name).combine_chunks()
    precisions = table.column(f"{col.name}_precision").to_pylist()
    if decimals.null_count:
        return [
            None if d is None else kind.from_raw(int(d.scaleb(p)), p)
            for d, p in zip(decimals.to_pylist(), precisions, strict=True)
        ]
    data = decimals.buffers()[1].to_pybytes()[
        decimals.offset * 16 : (decimals.offset + len(decimals)) * 16
    ]
    pow10 = _POW10
    from_bytes = int.from_bytes
    return [
        kind.from_raw(
            from_bytes(data[i * 16 : i * 16 + 16], "little", signed=True) // pow10[SCALE - p], p
        )
        for i, p in enumerate(precisions)
    ]


def _structured(col: _Column, values: list[Any], py_type: Any) -> list[Any]:
    cache: dict[Any, Any] = {}
    out = []
    for value in values:
        if value is None:
            out.append(None)
            continue
        obj = cache.get(value)
        if obj is None:
            data = json.loads(value) if col.kind == "json" else value
            obj = cache[value] = data if py_type is None else converter.structure(data, py_type)
        out.append(obj)
    return out


def _column_values(table: pa.Table, col: _Column, py_type: Any) -> list[Any]:
    if col.kind == "fixed":
        return _fixed_values(table, col)
    column = table.column(col.name)
    if col.kind == "timestamp":
        return column.cast(pa.int64()).to_pylist()
    values = column.to_pylist()
    if col.kind == "bool" or (col.kind == "int" and py_type is int):
        return values
    return _structured(col, values, py_type)


def decode_table(layout: Layout, table: pa.Table) -> Iterator[tuple[EventId, Any]]:
    """The ``(event id, record)`` rows of a table made by :func:`encode_rows`, in row order."""
    if table.num_rows == 0:
        return
    runs = table.column("run").to_pylist()
    seqs = table.column("seq").to_pylist()
    if layout.per_delta:
        yield from _decode_deltas(layout, table, runs, seqs)
        return
    hints = typing.get_type_hints(layout.cls)
    names = [c.name for c in layout.columns]
    columns = [_column_values(table, c, _strip_optional(hints[c.name])) for c in layout.columns]
    cls = layout.cls
    for i, row in enumerate(zip(*columns, strict=True)):
        yield EventId(runs[i], seqs[i]), cls(**dict(zip(names, row, strict=True)))


def _strip_optional(hint: Any) -> Any:
    args = [a for a in typing.get_args(hint) if a is not _NONE_TYPE]
    if _NONE_TYPE in typing.get_args(hint) and len(args) == 1:
        return args[0]
    return hint


def _decode_deltas(
    layout: Layout, table: pa.Table, runs: list[str], seqs: list[int]
) -> Iterator[tuple[EventId, Any]]:
    from tradeport.model.identifiers import InstrumentId

    types = {
        "instrument_id": InstrumentId,
        "action": BookAction,
        "side": OrderSide,
        "order_id": None,
    }
    cols = {c.name: _column_values(table, c, types.get(c.name, c.py_type)) for c in layout.columns}
    batch: list[OrderBookDelta] = []
    for i in range(table.num_rows):
        price = cols["price"][i]
        order = (
            None
            if price is None
            else BookOrder(cols["side"][i], price, cols["size"][i], cols["order_id"][i])
        )
        batch.append(
            OrderBookDelta(
                cols["instrument_id"][i],
                cols["action"][i],
                order,
                cols["flags"][i],
                cols["sequence"][i],
                cols["ts_event"][i],
                cols["ts_init"][i],
            )
        )
        if i + 1 == table.num_rows or seqs[i + 1] != seqs[i] or runs[i + 1] != runs[i]:
            yield EventId(runs[i], seqs[i]), OrderBookDeltas(batch[0].instrument_id, tuple(batch))
            batch = []
