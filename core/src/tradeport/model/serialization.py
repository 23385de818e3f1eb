"""JSON-safe dicts from model objects and back, through one cattrs converter.

* :func:`to_dict` / :func:`from_dict`: a model record (QuoteTick, Order, AccountState, ...) as a
  dict of JSON values. Prices, quantities, Decimals and identifiers become strings (exact, and
  what venues send), Money ``"100.50 USD"``, enums their values, timestamps stay ints.
* :func:`to_tagged_dict` / :func:`from_tagged_dict`: the same with the type name under
  ``"type"``, so a mixed stream of events round-trips.
* :func:`unstructure` / :func:`structure`: any model value, including scalars such as Price or
  InstrumentId.

Structuring is strict: no float for a number, no ``"5"`` for an int, no unknown keys. Every
failure becomes one :class:`StructureError` (a ValidationError) whose message names the field
path and the value, e.g. ``QuoteTick.bid_price: '1.2.x' is not a decimal number``.

Plugins register their own record types (CustomData subclasses) with :func:`register_type`.
"""

from __future__ import annotations

import enum
import typing
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    ForbiddenExtraKeysError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn

from tradeport.errors import ValidationError
from tradeport.model import data, enums, events, identifiers, instruments, orders, reports
from tradeport.model.data import BarSpecification, BarType, CustomData
from tradeport.model.events import OrderEvent
from tradeport.model.identifiers import Identifier, InstrumentId
from tradeport.model.instruments import Instrument
from tradeport.model.numbers import Money, Price, Quantity

__all__ = [
    "StructureError",
    "converter",
    "to_dict",
    "from_dict",
    "to_tagged_dict",
    "from_tagged_dict",
    "unstructure",
    "structure",
    "register_type",
    "registered_types",
    "TYPE_KEY",
]

T = TypeVar("T")

#: The key that names the type in a tagged dict.
TYPE_KEY = "type"

#: Bases that are never serialized themselves (only their subclasses are).
BASE_TYPES: frozenset[type] = frozenset({Identifier, Instrument, OrderEvent, CustomData})


class StructureError(ValidationError):
    """Input could not be turned into a model object.

    ``errors`` lists every problem found as ``(path, value, problem)``; the message names
    them all, the first in ``field`` / ``value`` / ``problem``.
    """

    def __init__(self, errors: list[tuple[str, object, str]]) -> None:
        path, value, problem = errors[0]
        super().__init__(path, value, problem)
        self.errors = errors
        #: The cattrs exception (group) this was made from, if any.
        self.original: BaseException | None = None
        self.args = ("; ".join(_format_error(*error) for error in errors),)


_MISSING = object()


def _format_error(path: str, value: object, problem: str) -> str:
    if value is _MISSING:
        return f"{path}: {problem}"
    return f"{path}: {value!r} {problem}"


class _BadValue(Exception):
    """Raised by the converter's hooks: ``value`` cannot become the wanted type."""

    def __init__(self, value: object, problem: str) -> None:
        super().__init__(problem)
        self.value = value
        self.problem = problem


# -- structure hooks (strict: JSON values only, no silent coercion) ------------------------------


def _unstructure_int(value: int) -> int:
    return value if value.__class__ is int else int(value)


def _structure_int(value: object, _: type) -> int:
    if value.__class__ is not int:
        raise _BadValue(value, "is not an int")
    return value  # type: ignore[return-value]


def _structure_str(value: object, _: type) -> str:
    if value.__class__ is not str:
        raise _BadValue(value, "is not a string")
    return value  # type: ignore[return-value]


def _structure_bool(value: object, _: type) -> bool:
    if value.__class__ is not bool:
        raise _BadValue(value, "is not a bool")
    return value  # type: ignore[return-value]


def _structure_decimal(value: object, _: type) -> Decimal:
    if value.__class__ is int:
        return Decimal(value)  # type: ignore[arg-type]
    if value.__class__ is not str or not value or value != value.strip() or "_" in value:  # type: ignore[operator,attr-defined]
        raise _BadValue(value, "is not a decimal number")
    try:
        result = Decimal(value)  # type: ignore[arg-type]
    except InvalidOperation:
        raise _BadValue(value, "is not a decimal number") from None
    if not result.is_finite():
        raise _BadValue(value, "is not a finite decimal number")
    return result


def _fixed_point_hook(kind: type[Price] | type[Quantity]) -> Callable[[object, type], Any]:
    def structure(value: object, _: type) -> Price | Quantity:
        try:
            if value.__class__ is int:
                return kind.from_int(value)  # type: ignore[arg-type]
            if value.__class__ is str:
                return kind.from_str(value)  # type: ignore[arg-type]
        except ValidationError as exc:
            raise _BadValue(value, exc.problem) from None
        raise _BadValue(value, "is not a decimal number string")

    return structure


def _structure_money(value: object, _: type) -> Money:
    try:
        return Money.from_str(value)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise _BadValue(value, exc.problem) from None


def _from_str_hook(parse: Callable[[str], Any], what: str) -> Callable[[object, type], Any]:
    def structure(value: object, _: type) -> Any:
        if value.__class__ is not str:
            raise _BadValue(value, f"is not a string {what}")
        try:
            return parse(value)  # type: ignore[arg-type]
        except ValidationError as exc:
            raise _BadValue(value, f"is not a valid {what}: {exc}") from None

    return structure


def _structure_identifier(value: object, cls: type[Identifier]) -> Identifier:
    if value.__class__ is not str:
        raise _BadValue(value, f"is not a string {cls.__name__}")
    try:
        return cls(value)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise _BadValue(value, exc.problem) from None


def _structure_enum(value: object, cls: type[enum.Enum]) -> enum.Enum:
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(str(member.value) for member in cls)
        raise _BadValue(value, f"is not a valid {cls.__name__} (one of {allowed})") from None


def _structure_int_or_str(value: object, _: object) -> int | str:
    if value.__class__ is int or value.__class__ is str:
        return value  # type: ignore[return-value]
    raise _BadValue(value, "is not an int or a string")


def _is_identifier(cls: Any) -> bool:
    return isinstance(cls, type) and issubclass(cls, Identifier)


def _is_enum(cls: Any) -> bool:
    return isinstance(cls, type) and issubclass(cls, enum.Enum)


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True)

    # Registered first: cattrs tries predicate hooks newest-first, so the specific hooks below
    # (identifiers are attrs classes too) take precedence over this general one.
    def attrs_hook_factory(cls: type) -> Callable[[object, type], Any]:
        # cattrs' generated function, behind a check that the input is a JSON object at all
        # (otherwise a string input fails deep inside with an unhelpful TypeError).
        inner: Callable[[Any, Any], Any] = make_dict_structure_fn(
            cls, conv, _cattrs_forbid_extra_keys=True
        )

        def structure(value: object, _: type) -> Any:
            if not isinstance(value, dict):
                raise _BadValue(value, f"is not an object (dict) for {cls.__name__}")
            return inner(value, cls)

        return structure

    conv.register_structure_hook_factory(attrs.has, attrs_hook_factory)

    # Unstructure: plain ints (an IntFlag such as RecordFlag in an int field becomes its
    # value), exact numbers and ids as strings.
    conv.register_unstructure_hook(int, _unstructure_int)
    conv.register_unstructure_hook(bool, bool)  # bool subclasses int: keep it a bool
    conv.register_unstructure_hook(Price, str)
    conv.register_unstructure_hook(Quantity, str)
    conv.register_unstructure_hook(Money, str)
    conv.register_unstructure_hook(Decimal, str)
    conv.register_unstructure_hook(InstrumentId, str)
    conv.register_unstructure_hook(BarType, str)
    conv.register_unstructure_hook(BarSpecification, str)
    conv.register_unstructure_hook_func(_is_identifier, lambda ident: ident.value)

    # Structure: strict primitives and our value types.
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook(Decimal, _structure_decimal)
    conv.register_structure_hook(Price, _fixed_point_hook(Price))
    conv.register_structure_hook(Quantity, _fixed_point_hook(Quantity))
    conv.register_structure_hook(Money, _structure_money)
    conv.register_structure_hook(
        InstrumentId, _from_str_hook(InstrumentId.from_str, "InstrumentId")
    )
    conv.register_structure_hook(BarType, _from_str_hook(BarType.from_str, "BarType"))
    conv.register_structure_hook(
        BarSpecification, _from_str_hook(BarSpecification.from_str, "BarSpecification")
    )
    conv.register_structure_hook_func(_is_identifier, _structure_identifier)
    conv.register_structure_hook_func(lambda t: t == (int | str), _structure_int_or_str)
    for name in enums.__all__ if hasattr(enums, "__all__") else dir(enums):
        member = getattr(enums, name)
        if _is_enum(member) and member.__module__ == enums.__name__:
            _register_enum(conv, member)
    return conv


def _register_enum(conv: cattrs.Converter, cls: type[enum.Enum]) -> None:
    """Enums go by value. Registered per class: a StrEnum is also a str, and cattrs' class
    dispatch would otherwise treat it as a plain string."""
    conv.register_unstructure_hook(cls, lambda member: member.value)
    conv.register_structure_hook(cls, _structure_enum)


#: The shared converter (use the functions below; exposed for plugins that extend it).
converter = _make_converter()


# -- error reporting ------------------------------------------------------------------------------


def _leaves(exc: BaseException, path: str) -> Iterator[tuple[str, BaseException]]:
    """Walk cattrs' exception groups, yielding each leaf error with its field path."""
    for note in getattr(exc, "__notes__", ()):
        if isinstance(note, AttributeValidationNote):
            path = f"{path}.{note.name}"
        elif isinstance(note, IterableValidationNote):
            path = f"{path}[{note.index}]"
    if isinstance(exc, BaseExceptionGroup):
        for sub in exc.exceptions:
            yield from _leaves(sub, path)
    else:
        yield path, exc


def _describe(path: str, exc: BaseException) -> tuple[str, object, str]:
    if isinstance(exc, _BadValue):
        return path, exc.value, exc.problem
    if isinstance(exc, ValidationError):
        # Raised by a model's own validation: its field is relative to the object at `path`.
        field = exc.field or ""
        if field and not field[0].isupper():  # "price" -> "Order.price"; "Venue" stays as is
            path = f"{path}.{field}"
        return path, exc.value, exc.problem
    if isinstance(exc, KeyError):
        return path, _MISSING, "is required but missing"
    if isinstance(exc, ForbiddenExtraKeysError):
        extra = ", ".join(repr(key) for key in sorted(exc.extra_fields))
        return path, _MISSING, f"has unexpected field(s) {extra}"
    return path, _MISSING, f"is invalid: {type(exc).__name__}: {exc}"


def _raise_structure_error(exc: Exception, root: str) -> None:
    errors = [_describe(path, leaf) for path, leaf in _leaves(exc, root)]
    error = StructureError(errors)
    error.original = exc
    # The exception group is kept on `original` for debugging, not chained: one clear error.
    raise error from None


# -- public API ------------------------------------------------------------------------------------


def unstructure(obj: Any) -> Any:
    """Any model value as JSON-safe data (dict, list, str, int, bool, None)."""
    return converter.unstructure(obj)


def structure(value: Any, cls: type[T]) -> T:
    """Build ``cls`` from JSON-safe data; raises :class:`StructureError` naming the field."""
    try:
        return converter.structure(value, cls)
    except Exception as exc:  # cattrs raises exception groups and plain errors
        _raise_structure_error(exc, getattr(cls, "__name__", str(cls)))
        raise  # unreachable: keeps type checkers content


def to_dict(obj: Any) -> dict[str, Any]:
    """A model record (an attrs model class instance) as a JSON-safe dict."""
    if not attrs.has(type(obj)) or _unstructures_to_str(type(obj)):
        raise TypeError(f"to_dict needs a model record, not {type(obj).__name__}")
    result: dict[str, Any] = converter.unstructure(obj)
    return result


def from_dict(cls: type[T], data: Mapping[str, Any]) -> T:
    """Build the model record ``cls`` from a dict made by :func:`to_dict` (or by hand)."""
    if not isinstance(data, Mapping):
        raise StructureError([(cls.__name__, data, "is not an object (dict)")])
    return structure(dict(data), cls)


def _unstructures_to_str(cls: type) -> bool:
    return issubclass(cls, (Identifier, InstrumentId, BarType, BarSpecification))


_REGISTRY: dict[str, type] = {}
_NAMES: dict[type, str] = {}


def register_type(cls: type, name: str | None = None) -> type:
    """Make ``cls`` (an attrs record, e.g. a CustomData subclass) usable in tagged dicts under
    ``name`` (default: the class name). Returns ``cls`` so it works as a decorator.

    Plugins should pass a prefixed name (``"binance.Ticker24h"``) to avoid collisions.
    """
    if not attrs.has(cls):
        raise TypeError(f"{cls!r} is not an attrs class")
    tag = name or cls.__name__
    existing = _REGISTRY.get(tag)
    if existing is not None and existing is not cls:
        raise ValueError(f"type name {tag!r} is already registered for {existing!r}")
    if any(f.name == TYPE_KEY for f in attrs.fields(cls)):
        raise ValueError(f"{cls.__name__} has a field named {TYPE_KEY!r}, which tagging uses")
    for enum_cls in _enums_in(cls):
        _register_enum(converter, enum_cls)
    _REGISTRY[tag] = cls
    _NAMES[cls] = tag
    return cls


def _enums_in(cls: type) -> set[type[enum.Enum]]:
    """Every Enum class named in the field types of ``cls`` (inside unions and tuples too)."""
    found: set[type[enum.Enum]] = set()
    pending = list(typing.get_type_hints(cls).values())
    while pending:
        hint = pending.pop()
        if _is_enum(hint):
            found.add(hint)
        pending.extend(typing.get_args(hint))
    return found


def registered_types() -> Mapping[str, type]:
    """Tag name -> record type, for every type tagged dicts can carry."""
    return dict(_REGISTRY)


def to_tagged_dict(obj: Any) -> dict[str, Any]:
    """Like :func:`to_dict`, with the type's registered name under ``"type"``."""
    name = _NAMES.get(type(obj))
    if name is None:
        raise TypeError(f"{type(obj).__name__} is not a registered model type (register_type)")
    return {TYPE_KEY: name, **to_dict(obj)}


def from_tagged_dict(data: Mapping[str, Any]) -> Any:
    """Build whatever record ``data[TYPE_KEY]`` names."""
    if not isinstance(data, Mapping):
        raise StructureError([("tagged dict", data, "is not an object (dict)")])
    fields = dict(data)
    name = fields.pop(TYPE_KEY, _MISSING)
    if name is _MISSING:
        raise StructureError([(TYPE_KEY, _MISSING, "is required but missing")])
    cls = _REGISTRY.get(name) if isinstance(name, str) else None
    if cls is None:
        raise StructureError([(TYPE_KEY, name, "is not a registered model type")])
    return structure(fields, cls)


def _model_record_types() -> Iterator[type]:
    for module in (data, instruments, orders, events, reports, identifiers):
        for name in module.__all__:
            obj = getattr(module, name)
            if (
                isinstance(obj, type)
                and attrs.has(obj)
                and obj not in BASE_TYPES
                and not _unstructures_to_str(obj)
            ):
                yield obj


for _cls in _model_record_types():
    register_type(_cls)
