"""Databento endpoints: the historical HTTP API and the live gateway of each dataset.

Live gateway: the dataset id lower-cased with ``.`` -> ``-`` plus ``.lsg.databento.com``, port
13000 (docs: API reference - Live, Raw API; the official clients' ``determine_gateway``).
"""

from __future__ import annotations

from typing import Final

from tradeport.errors import ConfigError

__all__ = ["HISTORICAL_URL", "LIVE_PORT", "gateway_host", "gateway_address", "DEFAULT_URLS"]

#: RPC-style methods at ``https://hist.databento.com/v0/METHOD_FAMILY.METHOD``.
HISTORICAL_URL: Final = "https://hist.databento.com"
API_VERSION: Final = "v0"
LIVE_PORT: Final = 13000


def gateway_host(dataset: str) -> str:
    """``GLBX.MDP3`` -> ``glbx-mdp3.lsg.databento.com``."""
    return f"{dataset.replace('.', '-').lower()}.lsg.databento.com"


def gateway_address(dataset: str, override: str | None = None) -> tuple[str, int]:
    """(host, port) of the live gateway; ``override`` is ``host:port`` or ``tcp://host:port``."""
    if not override:
        return gateway_host(dataset), LIVE_PORT
    value = override.removeprefix("tcp://").rstrip("/")
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ConfigError(
            f"DatabentoConfig.gateway: {override!r} is not host:port", field="gateway"
        )
    return host, int(port)


def historical_url(override: str | None = None) -> str:
    """The historical API base URL (no version suffix)."""
    return (override or HISTORICAL_URL).rstrip("/")


#: What ``tradeport info databento`` shows.
DEFAULT_URLS: Final = {
    "http": HISTORICAL_URL + "/" + API_VERSION,
    "live": f"tcp://{{dataset}}.lsg.databento.com:{LIVE_PORT} (e.g. glbx-mdp3.lsg.databento.com)",
}
