"""Tardis endpoints: the HTTP API and a (self-hosted) tardis-machine."""

from __future__ import annotations

from typing import Final

#: Base API endpoint (HTTP API reference).
HTTP_API_URL: Final = "https://api.tardis.dev/v1"
#: Downloadable CSV datasets (docs: "Downloadable CSV files", API reference).
DATASETS_URL: Final = "https://datasets.tardis.dev/v1"
#: tardis-machine serves HTTP on its port and WebSocket on port + 1 (default 8000 / 8001).
MACHINE_WS_URL: Final = "ws://localhost:8001"

DEFAULT_URLS: Final = {
    "http": HTTP_API_URL,
    "datasets": DATASETS_URL,
    "machine_ws": MACHINE_WS_URL + " (self-hosted tardis-machine)",
}
