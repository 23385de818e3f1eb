"""What a plugin registers about each venue it provides: :class:`VenueSpec`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from tradeport.clients.capabilities import Capabilities
from tradeport.errors import ValidationError
from tradeport.model.enums import VenueKind

__all__ = ["VenueSpec", "EnvVar"]

_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
_VENUE_ID = re.compile(r"^[A-Z][A-Z0-9_]*$")


@attrs.frozen(kw_only=True)
class EnvVar:
    """An environment variable a venue reads, and which config field it fills."""

    name: str
    field: str
    description: str = ""
    secret: bool = False


def _env_vars(values: Iterable[EnvVar]) -> tuple[EnvVar, ...]:
    return tuple(values)


def _venue_ids(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)  # a typed converter: mypy cannot type ``converter=tuple``


def _check_name(_: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if not _NAME.match(value):
        raise ValidationError(
            f"VenueSpec.{attribute.name}", value, "must be lower-case letters, digits, '-' or '_'"
        )


def _check_venue_id(_: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if not _VENUE_ID.match(value):
        raise ValidationError(
            f"VenueSpec.{attribute.name}", value, "must be upper-case letters, digits or '_'"
        )


@attrs.frozen(kw_only=True)
class VenueSpec:
    """A venue as a plugin registers it.

    ``name`` is what users type (``tradeport info binance``, ``open_venue("binance")``);
    ``venue_id`` is the venue part of instrument ids (``BTCUSDT.BINANCE``).
    """

    name: str = attrs.field(validator=_check_name)
    venue_id: str = attrs.field(validator=_check_venue_id)
    kind: VenueKind = attrs.field(converter=VenueKind)
    capabilities: Capabilities = attrs.field(factory=Capabilities)
    #: The attrs config class users fill (structured with cattrs from dict/TOML/env).
    config_type: type | None = None
    env_vars: tuple[EnvVar, ...] = attrs.field(default=(), converter=_env_vars)
    #: Default endpoints, e.g. {"http": "https://api.binance.com", "ws": "wss://..."}.
    urls: Mapping[str, str] = attrs.field(factory=dict)
    description: str = ""
    docs_url: str | None = None
    #: The venue parts of the instrument ids this venue produces, when they are not its own
    #: ``venue_id``: a data provider or broker names the listing exchange (Databento
    #: ``("XCME", "XNAS", ...)``, IB ``("NASDAQ", "NYSE", ...)``); a replay provider of other
    #: plugins' venues names those (``("BINANCE", "OKX")``). Empty: only ``venue_id``.
    #: See "Instrument ids" in :mod:`tradeport.model.instruments`.
    instrument_venues: tuple[str, ...] = attrs.field(default=(), converter=_venue_ids)

    def __attrs_post_init__(self) -> None:
        for value in self.instrument_venues:
            if value.__class__ is not str or not _VENUE_ID.match(value):
                raise ValidationError(
                    "VenueSpec.instrument_venues",
                    value,
                    "must be upper-case letters, digits or '_' (an instrument id's venue part)",
                )

    @property
    def data_only(self) -> bool:
        """The venue takes no orders, by declaration (``Capabilities.data_only``)."""
        return self.capabilities.data_only

    def describe(self) -> dict[str, Any]:
        """A JSON-safe description for ``tradeport info``."""
        from tradeport.config import describe_config_fields

        return {
            "name": self.name,
            "venue_id": self.venue_id,
            "kind": self.kind.value,
            "description": self.description,
            "docs_url": self.docs_url,
            "urls": dict(sorted(self.urls.items())),
            "data_only": self.data_only,
            "instrument_venues": list(self.instrument_venues) or [self.venue_id],
            "config": describe_config_fields(self.config_type) if self.config_type else [],
            "env_vars": [
                {"name": e.name, "field": e.field, "description": e.description, "secret": e.secret}
                for e in self.env_vars
            ],
            "capabilities": self.capabilities.to_dict(),
        }
