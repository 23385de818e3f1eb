"""Tardis constants (docs.tardis.dev: HTTP API reference, tardis-machine)."""

from __future__ import annotations

from typing import Final

VENUE_NAME: Final = "tardis"
VENUE_ID: Final = "TARDIS"

#: One data-feed slice is one minute of recorded messages (HTTP API, ``/data-feeds``).
NS_PER_MINUTE: Final = 60_000_000_000
#: Slices fetched at once by default; the docs: "more than ~60 parallel requests doesn't bring
#: speed benefits". Each slice in flight is one minute held in memory, so keep it modest.
DEFAULT_MAX_PARALLEL: Final = 8
