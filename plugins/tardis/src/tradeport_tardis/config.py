"""Tardis configuration.

``TARDIS_API_KEY`` fills the key (sent as ``Authorization: Bearer <key>``). Without a key the
HTTP API serves only the first day of each month (docs: HTTP API reference, Authorization), and
the replay refuses any other day before sending a request. ``base_url_http`` overrides
``https://api.tardis.dev/v1``; ``machine_url`` names a tardis-machine's WebSocket
(``ws://localhost:8001``) for normalized replay.
"""

from __future__ import annotations

from typing import Final

import attrs
from tradeport.config import VenueConfig
from tradeport.errors import ConfigError
from tradeport.venue import EnvVar

from tradeport_tardis.constants import DEFAULT_MAX_PARALLEL

__all__ = ["ENV_VARS", "TardisConfig"]


def _exchanges(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    return tuple(str(v) for v in value)  # type: ignore[attr-defined]


@attrs.frozen(kw_only=True)
class TardisConfig(VenueConfig):
    """Tardis settings (every field has a working default; the key only widens the dates)."""

    #: tardis-machine WebSocket base URL (normalized replay and stream).
    machine_url: str | None = None
    #: Downloadable CSV datasets base URL (``params={"datasets": True}`` replays); None:
    #: ``https://datasets.tardis.dev/v1``.
    base_url_datasets: str | None = None
    #: Tardis exchange ids whose instruments the provider loads (instruments metadata API).
    exchanges: tuple[str, ...] = attrs.field(default=("binance",), converter=_exchanges)
    #: Data-feed slices fetched in parallel (each one minute, held until delivered).
    max_parallel: int = DEFAULT_MAX_PARALLEL
    #: Attempts per slice when its body breaks off mid-way (the head is retried by the core
    #: HTTP client: 429 with Retry-After, 5xx, connection errors).
    slice_attempts: int = 3
    #: Log and skip instrument records that cannot be parsed (False: skip silently).
    warn_on_skipped_instruments: bool = True

    def __attrs_post_init__(self) -> None:
        if not 1 <= self.max_parallel <= 60:
            raise ConfigError(
                f"TardisConfig.max_parallel: {self.max_parallel!r} must be between 1 and 60 "
                "(the docs: more than ~60 parallel requests bring nothing)",
                field="max_parallel",
            )
        if self.slice_attempts < 1:
            raise ConfigError(
                f"TardisConfig.slice_attempts: {self.slice_attempts!r} must be at least 1",
                field="slice_attempts",
            )


ENV_VARS: Final = (
    EnvVar(name="TARDIS_API_KEY", field="api_key", description="API key (Bearer)", secret=True),
    EnvVar(name="TARDIS_BASE_URL", field="base_url_http", description="HTTP API base URL"),
    EnvVar(
        name="TARDIS_MACHINE_WS_URL",
        field="machine_url",
        description="tardis-machine WebSocket URL, e.g. ws://localhost:8001",
    ),
)
