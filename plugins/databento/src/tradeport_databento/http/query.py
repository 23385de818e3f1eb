"""Parameter builders of the historical API: exactly the venue's names and units.

Times go out as UNIX nanoseconds (the API takes ISO 8601 or integer ns); symbols as one
comma-separated list; ``encoding=dbn`` and ``compression=zstd|none`` on data requests.
"""

from __future__ import annotations

from collections.abc import Sequence

from tradeport.errors import ValidationError

from tradeport_databento.enums import SCHEMAS, STYPES

__all__ = ["range_form", "resolve_form", "check_schema", "check_stype"]


def check_schema(schema: str) -> str:
    if schema not in SCHEMAS:
        raise ValidationError("schema", schema, f"is not one of {', '.join(sorted(SCHEMAS))}")
    return schema


def check_stype(name: str, stype: str) -> str:
    if stype not in STYPES:
        raise ValidationError(name, stype, f"is not one of {', '.join(sorted(STYPES))}")
    return stype


def range_form(
    *,
    dataset: str,
    schema: str,
    symbols: Sequence[str],
    start: int,
    end: int | None = None,
    stype_in: str = "raw_symbol",
    stype_out: str = "instrument_id",
    limit: int | None = None,
    encoding: str | None = "dbn",
    compression: str | None = "zstd",
) -> list[tuple[str, str]]:
    """The form of ``timeseries.get_range`` (and, without encoding/compression, of
    ``metadata.get_cost`` / ``get_record_count`` / ``get_billable_size``)."""
    if not symbols:
        raise ValidationError("symbols", list(symbols), "must name at least one symbol")
    if start < 0 or (end is not None and end <= start):
        raise ValidationError("end", end, f"must be after start {start}")
    if limit is not None and limit <= 0:
        raise ValidationError("limit", limit, "must be positive")
    form = [
        ("dataset", dataset),
        ("start", str(start)),
        ("symbols", ",".join(symbols)),
        ("schema", check_schema(schema)),
        ("stype_in", check_stype("stype_in", stype_in)),
        ("stype_out", check_stype("stype_out", stype_out)),
    ]
    if end is not None:
        form.append(("end", str(end)))
    if limit is not None:
        form.append(("limit", str(limit)))
    if encoding is not None:
        form.append(("encoding", encoding))
    if compression is not None:
        form.append(("compression", compression))
    return form


def resolve_form(
    *,
    dataset: str,
    symbols: Sequence[str],
    stype_in: str,
    stype_out: str,
    start_date: str,
    end_date: str | None = None,
) -> list[tuple[str, str]]:
    """The form of ``symbology.resolve`` (dates are ``YYYY-MM-DD``)."""
    if not symbols:
        raise ValidationError("symbols", list(symbols), "must name at least one symbol")
    form = [
        ("dataset", dataset),
        ("symbols", ",".join(symbols)),
        ("stype_in", check_stype("stype_in", stype_in)),
        ("stype_out", check_stype("stype_out", stype_out)),
        ("start_date", start_date),
    ]
    if end_date is not None:
        form.append(("end_date", end_date))
    return form
