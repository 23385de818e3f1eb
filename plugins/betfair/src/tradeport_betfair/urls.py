"""Betfair endpoints: identity hosts per jurisdiction, the Exchange API, the stream socket."""

from __future__ import annotations

from typing import Final

__all__ = [
    "IDENTITY_HOSTS",
    "DEFAULT_URLS",
    "identity_url",
    "cert_identity_url",
    "betting_url",
    "account_url",
    "heartbeat_url",
    "navigation_url",
    "stream_address",
]

#: Top-level domain of the identity (login) host per jurisdiction ("Login & Session
#: Management": .com for the international exchange, .es, .it, .ro, .se, .com.au).
IDENTITY_HOSTS: Final = {
    "international": "betfair.com",
    "spain": "betfair.es",
    "italy": "betfair.it",
    "romania": "betfair.ro",
    "sweden": "betfair.se",
    "australia": "betfair.com.au",
}
API_BASE: Final = "https://api.betfair.com/exchange"
STREAM_HOST: Final = "stream-api.betfair.com"
STREAM_INTEGRATION_HOST: Final = "stream-api-integration.betfair.com"
STREAM_PORT: Final = 443

DEFAULT_URLS: Final = {
    "identity": "https://identitysso.betfair.com/api",
    "identity_cert": "https://identitysso-cert.betfair.com/api",
    "betting": f"{API_BASE}/betting/json-rpc/v1",
    "account": f"{API_BASE}/account/json-rpc/v1",
    "heartbeat": f"{API_BASE}/heartbeat/json-rpc/v1",
    "navigation": f"{API_BASE}/betting/rest/v1/en/navigation/menu.json",
    "stream": f"{STREAM_HOST}:{STREAM_PORT}",
}


def _tld(jurisdiction: str) -> str:
    try:
        return IDENTITY_HOSTS[jurisdiction]
    except KeyError:
        known = ", ".join(IDENTITY_HOSTS)
        raise ValueError(f"jurisdiction {jurisdiction!r} is not one of {known}") from None


def identity_url(jurisdiction: str, override: str | None = None) -> str:
    """The interactive identity base (``/login``, ``/keepAlive``, ``/logout`` below it)."""
    return (override or f"https://identitysso.{_tld(jurisdiction)}/api").rstrip("/")


def cert_identity_url(jurisdiction: str, override: str | None = None) -> str:
    """The non-interactive (certificate) identity base (``/certlogin`` below it)."""
    return (override or f"https://identitysso-cert.{_tld(jurisdiction)}/api").rstrip("/")


def _api(override: str | None) -> str:
    return (override or API_BASE).rstrip("/")


def betting_url(override: str | None = None) -> str:
    """The Sports API JSON-RPC endpoint."""
    return f"{_api(override)}/betting/json-rpc/v1"


def account_url(override: str | None = None) -> str:
    """The Accounts API JSON-RPC endpoint."""
    return f"{_api(override)}/account/json-rpc/v1"


def heartbeat_url(override: str | None = None) -> str:
    """The Heartbeat API (dead-man switch) JSON-RPC endpoint."""
    return f"{_api(override)}/heartbeat/json-rpc/v1"


def navigation_url(override: str | None = None) -> str:
    """The navigation menu (every event type, competition, event and market, as a tree)."""
    return f"{_api(override)}/betting/rest/v1/en/navigation/menu.json"


def stream_address(override: str | None = None, *, integration: bool = False) -> tuple[str, int]:
    """``(host, port)`` of the Exchange Stream API; ``override`` is ``host:port``."""
    if override:
        host, _, port = override.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"stream address {override!r} is not host:port")
        return host, int(port)
    return (STREAM_INTEGRATION_HOST if integration else STREAM_HOST), STREAM_PORT
