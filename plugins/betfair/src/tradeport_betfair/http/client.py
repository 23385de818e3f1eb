"""Betfair REST: the identity endpoints (login, keepAlive, logout) and the JSON-RPC Exchange
API (Sports, Accounts, Heartbeat), on the core HttpClient.

``http_*`` methods mirror the venue's operations one to one and return the JSON-RPC ``result``
decoded with exact Decimals (JSON numbers with a fraction become ``Decimal``; ints stay ints).
Every call carries ``X-Application`` and ``X-Authentication``; a call answered with an expired
session (``INVALID_SESSION_INFORMATION``) logs in again once and is repeated.
"""

from __future__ import annotations

import itertools
import ssl
from decimal import Decimal
from typing import Any

import httpx
import msgspec
from tradeport.errors import (
    AuthenticationError,
    RateLimitError,
    RequestRejected,
    ServerError,
    VenueError,
)
from tradeport.net import HttpClient, RetryPolicy

from tradeport_betfair.config import BetfairConfig
from tradeport_betfair.constants import VENUE_ID
from tradeport_betfair.credential import BetfairSession
from tradeport_betfair.http.models import (
    AUTH_ERRORS,
    RATE_LIMIT_ERRORS,
    RETRYABLE_ERRORS,
    SESSION_ERRORS,
)
from tradeport_betfair.urls import account_url, betting_url, heartbeat_url, navigation_url

__all__ = ["BetfairHttpClient", "decode", "encode", "tls_verify", "CREDENTIALS_HINT"]

CREDENTIALS_HINT = "set api_key (app key) and username + api_secret (password), or session_token"

_decoder = msgspec.json.Decoder(float_hook=Decimal)
_encoder = msgspec.json.Encoder(decimal_format="number")


def decode(data: bytes | str) -> Any:
    """JSON with exact numbers: fractions as Decimal, integers as int."""
    return _decoder.decode(data)


def encode(payload: Any) -> bytes:
    """JSON with Decimals written as numbers (Betfair wants numbers, not strings)."""
    return _encoder.encode(payload)


def tls_verify(config: BetfairConfig) -> ssl.SSLContext | bool:
    """What httpx verifies the venue with: the system's CAs, or ``ca_file``'s."""
    if config.ca_file is None:
        return True
    return ssl.create_default_context(cafile=config.ca_file)


def _api_error(method: str, error: Any) -> VenueError:
    """The tradeport error of a JSON-RPC ``error`` member (APINGException's errorCode)."""
    data = error.get("data") if isinstance(error, dict) else None
    exception: dict[str, Any] = {}
    if isinstance(data, dict):
        name = data.get("exceptionname")
        found = data.get(name) if isinstance(name, str) else None
        exception = found if isinstance(found, dict) else {}
    code = str(
        exception.get("errorCode")
        or (error.get("message") if isinstance(error, dict) else "")
        or ""
    )
    details = str(exception.get("errorDetails") or "") or None
    kw: dict[str, Any] = {
        "venue": VENUE_ID,
        "endpoint": method,
        "venue_code": code,
        "venue_message": details,
    }
    text = f"{method} refused: {code}"
    if code in AUTH_ERRORS or code in SESSION_ERRORS:
        return AuthenticationError(text, **kw)
    if code in RATE_LIMIT_ERRORS:
        return RateLimitError(text, **kw)
    if code in RETRYABLE_ERRORS:
        return ServerError(text, **kw)
    return RequestRejected(text, **kw)


class BetfairHttpClient:
    """Identity and JSON-RPC calls for one Betfair account (see the module docstring)."""

    def __init__(self, config: BetfairConfig, *, session: BetfairSession | None = None) -> None:
        self.config = config
        retry = RetryPolicy(max_attempts=config.http_max_attempts, initial=config.http_retry_delay)
        client = httpx.AsyncClient(verify=tls_verify(config), timeout=config.http_timeout)
        secrets = [config.api_key, config.api_secret, config.session_token]
        self._api = HttpClient("", venue=VENUE_ID, retry=retry, secrets=secrets, client=client)
        self.session = session or BetfairSession(config)
        self._ids = itertools.count(1)
        self._urls = {
            "SportsAPING": betting_url(config.base_url_http),
            "AccountAPING": account_url(config.base_url_http),
            "HeartbeatAPING": heartbeat_url(config.base_url_http),
        }

    async def aclose(self) -> None:
        """Log out a session this client logged in (a given ``session_token`` is left alone),
        then close the connection pools."""
        if self.session.logged_in and self.config.session_token is None:
            await self.session.logout()
        await self._api.aclose()
        await self.session.aclose()

    # -- JSON-RPC --------------------------------------------------------------------------------

    async def rpc(self, method: str, params: dict[str, Any], *, write: bool = False) -> Any:
        """``method`` (``SportsAPING/v1.0/listMarketCatalogue``) with ``params``; the result.

        ``write`` calls (placeOrders, cancelOrders ...) are retried only when they provably
        never reached the venue."""
        for attempt in (1, 2):
            token = await self.session.token()
            body = encode(
                {"jsonrpc": "2.0", "method": method, "params": params, "id": next(self._ids)}
            )
            response = await self._api.request(
                "POST",
                self._urls[method.partition("/")[0]],
                content=body,
                headers={
                    "X-Application": self.session.app_key(),
                    "X-Authentication": token,
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                },
                retry=not write,
            )
            answer = decode(response.content)
            error = answer.get("error") if isinstance(answer, dict) else None
            if error is None:
                return answer.get("result") if isinstance(answer, dict) else None
            failure = _api_error(method, error)
            if failure.venue_code in SESSION_ERRORS and attempt == 1 and self.session.can_login:
                self.session.expire(token)  # the token died early: one new login, one repeat
                continue
            raise failure
        raise AssertionError("unreachable")  # pragma: no cover

    async def sports(self, operation: str, params: dict[str, Any], *, write: bool = False) -> Any:
        return await self.rpc(f"SportsAPING/v1.0/{operation}", params, write=write)

    async def account(self, operation: str, params: dict[str, Any] | None = None) -> Any:
        return await self.rpc(f"AccountAPING/v1.0/{operation}", params or {})

    # -- Sports API -------------------------------------------------------------------------------

    async def http_list_event_types(self, market_filter: dict[str, Any]) -> Any:
        return await self.sports("listEventTypes", {"filter": market_filter})

    async def http_list_market_catalogue(
        self, market_filter: dict[str, Any], *, max_results: int, projection: list[str]
    ) -> Any:
        return await self.sports(
            "listMarketCatalogue",
            {"filter": market_filter, "maxResults": max_results, "marketProjection": projection},
        )

    async def http_list_market_book(
        self, market_ids: list[str], price_projection: dict[str, Any]
    ) -> Any:
        return await self.sports(
            "listMarketBook", {"marketIds": market_ids, "priceProjection": price_projection}
        )

    async def http_place_orders(self, params: dict[str, Any]) -> Any:
        return await self.sports("placeOrders", params, write=True)

    async def http_cancel_orders(self, params: dict[str, Any]) -> Any:
        return await self.sports("cancelOrders", params, write=True)

    async def http_replace_orders(self, params: dict[str, Any]) -> Any:
        return await self.sports("replaceOrders", params, write=True)

    async def http_update_orders(self, params: dict[str, Any]) -> Any:
        return await self.sports("updateOrders", params, write=True)

    async def http_list_current_orders(self, params: dict[str, Any]) -> Any:
        return await self.sports("listCurrentOrders", params)

    async def http_list_cleared_orders(self, params: dict[str, Any]) -> Any:
        return await self.sports("listClearedOrders", params)

    # -- Accounts and Heartbeat API ---------------------------------------------------------------

    async def http_list_market_profit_and_loss(self, market_ids: list[str]) -> Any:
        """Per runner, what the account's matched bets win or lose if it wins (``ifWin``)."""
        return await self.sports("listMarketProfitAndLoss", {"marketIds": market_ids})

    async def http_get_account_funds(self) -> Any:
        return await self.account("getAccountFunds", {"wallet": "UK"})

    async def http_get_account_details(self) -> Any:
        return await self.account("getAccountDetails")

    async def http_heartbeat(self, preferred_timeout_seconds: int) -> Any:
        """The dead-man switch: unmatched bets are cancelled when no heartbeat comes in time."""
        return await self.rpc(
            "HeartbeatAPING/v1.0/heartbeat",
            {"preferredTimeoutSeconds": preferred_timeout_seconds},
            write=True,
        )

    # -- navigation -------------------------------------------------------------------------------

    async def http_navigation_menu(self) -> Any:
        """The navigation tree (event types > groups/competitions > events > markets)."""
        token = await self.session.token()
        response = await self._api.request(
            "GET",
            navigation_url(self.config.base_url_http),
            headers={"X-Application": self.session.app_key(), "X-Authentication": token},
        )
        return decode(response.content)
