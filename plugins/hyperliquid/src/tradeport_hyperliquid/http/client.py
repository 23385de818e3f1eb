"""Hyperliquid REST client: ``POST /info`` reads and signed ``POST /exchange`` actions.

``http_*`` methods mirror the venue's request types one to one (``http_meta`` is
``{"type": "meta"}``, ``http_order`` posts an ``order`` action...). Every request carries its
documented rate-limit weight into the core RateLimiter (1200 per minute per IP; ``/exchange``
``1 + floor(batch / 40)``). ``/exchange`` is never retried (a timeout or 5xx leaves the outcome
unknown; the execution client resolves it by ``orderStatus``), and each action is signed once
with a fresh nonce from the signer's :class:`~tradeport_hyperliquid.credential.NonceSource`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tradeport.errors import MissingCredentials
from tradeport.net.backoff import RetryPolicy
from tradeport.net.http import HttpClient
from tradeport.net.nonce import NonceSource
from tradeport.net.ratelimit import Quota, RateLimiter

from tradeport_hyperliquid.config import HyperliquidConfig
from tradeport_hyperliquid.constants import (
    REST_WEIGHT_PER_MINUTE,
    VENUE_ID,
    exchange_weight,
    info_weight,
)
from tradeport_hyperliquid.credential import Wallet, nonce_source_for
from tradeport_hyperliquid.http.errors import parse_error_response
from tradeport_hyperliquid.http.query import (
    batch_modify_action,
    cancel_action,
    cancel_by_cloid_action,
    order_action,
    schedule_cancel_action,
)
from tradeport_hyperliquid.urls import http_base_url

__all__ = ["HyperliquidHttpClient", "default_rate_limiter", "CREDENTIALS_HINT"]

Json = Any
CREDENTIALS_HINT = "set HYPERLIQUID_PRIVATE_KEY (and HYPERLIQUID_ACCOUNT_ADDRESS for an agent key)"


def default_rate_limiter() -> RateLimiter:
    """The venue's IP budget: 1200 weight per minute, shared by ``/info`` and ``/exchange``."""
    return RateLimiter({"global": Quota.per_minute(REST_WEIGHT_PER_MINUTE)})


class HyperliquidHttpClient:
    """The REST requests the plugin uses.

    :param config: the venue config (base URL, key, account and vault addresses).
    :param retry: retry policy for reads (tests shorten it).
    :param nonces: the nonce source (default: the signer's process-wide one, see
        :func:`~tradeport_hyperliquid.credential.nonce_source_for`).
    """

    def __init__(
        self,
        config: HyperliquidConfig,
        *,
        retry: RetryPolicy | None = None,
        rate_limiter: RateLimiter | None = None,
        nonces: NonceSource | None = None,
        clock_ns: Callable[[], int] | None = None,
    ) -> None:
        self.config = config
        self.mainnet = not config.testnet
        self.wallet: Wallet | None = (
            Wallet(config.api_secret, config.account_address, config.vault_address)
            if config.api_secret
            else None
        )
        self.nonces = nonces or (
            nonce_source_for(self.wallet.signer, clock_ns) if self.wallet else NonceSource("ms")
        )
        self.rate_limiter = rate_limiter or default_rate_limiter()
        #: Sends a signed ``/exchange`` body another way (the execution client's WebSocket
        #: ``post`` channel when ``order_transport`` is ``ws``); None: REST.
        self.action_sender: Callable[[dict[str, Any]], Awaitable[Any]] | None = None
        self.http = HttpClient(
            http_base_url(config.testnet, config.base_url_http),
            venue=VENUE_ID,
            headers={"Content-Type": "application/json"},
            timeout=config.http_timeout,
            rate_limiter=self.rate_limiter,
            retry=retry
            or RetryPolicy(initial=config.http_retry_delay, max_attempts=config.http_max_attempts),
            error_parser=parse_error_response,
            secrets=(config.api_secret,),
        )

    def __repr__(self) -> str:
        return f"HyperliquidHttpClient(mainnet={self.mainnet}, wallet={self.wallet!r})"

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.http.aclose()

    @property
    def user(self) -> str | None:
        """The address queries are about: the vault, else the account, else None."""
        if self.wallet is not None:
            return self.wallet.user
        return (self.config.vault_address or self.config.account_address or "").lower() or None

    def require_user(self, operation: str) -> str:
        """The query address, or MissingCredentials before anything is sent."""
        user = self.user
        if user is None:
            raise MissingCredentials(VENUE_ID, operation, CREDENTIALS_HINT)
        return user

    # -- /info ----------------------------------------------------------------------------------

    async def info(self, body: dict[str, Any]) -> Json:
        """One ``/info`` request (idempotent: retried on 5xx / network errors / 429)."""
        return await self.http.post_json(
            "/info", json=body, weight=info_weight(str(body.get("type", "")))
        )

    async def http_meta(self, dex: str = "") -> Json:
        """``{"type": "meta"[, "dex"]}``: a perp dex's universe (index = asset number)."""
        body: dict[str, Any] = {"type": "meta"}
        if dex:
            body["dex"] = dex
        return await self.info(body)

    async def http_perp_dexs(self) -> Json:
        """``{"type": "perpDexs"}``: the perp dexes in index order (``null`` first: the main
        dex), each ``{"name", "fullName", "deployer", ...}``."""
        return await self.info({"type": "perpDexs"})

    async def http_spot_meta(self) -> Json:
        """``{"type": "spotMeta"}``: tokens and spot pairs (asset = 10000 + index)."""
        return await self.info({"type": "spotMeta"})

    async def http_all_mids(self) -> Json:
        """``{"type": "allMids"}``: mid price of every coin."""
        return await self.info({"type": "allMids"})

    async def http_l2_book(self, coin: str, n_sig_figs: int | None = None) -> Json:
        """``{"type": "l2Book", "coin": ...}``: up to 20 levels per side."""
        body: dict[str, Any] = {"type": "l2Book", "coin": coin}
        if n_sig_figs is not None:
            body["nSigFigs"] = n_sig_figs
        return await self.info(body)

    async def http_candle_snapshot(
        self, coin: str, interval: str, start_ms: int, end_ms: int
    ) -> Json:
        """``{"type": "candleSnapshot", "req": {...}}``: at most 5000 candles per answer."""
        return await self.info(
            {
                "type": "candleSnapshot",
                "req": {
                    "coin": coin,
                    "interval": interval,
                    "startTime": start_ms,
                    "endTime": end_ms,
                },
            }
        )

    async def http_funding_history(
        self, coin: str, start_ms: int, end_ms: int | None = None
    ) -> Json:
        """``{"type": "fundingHistory", "coin", "startTime"[, "endTime"]}``."""
        body: dict[str, Any] = {"type": "fundingHistory", "coin": coin, "startTime": start_ms}
        if end_ms is not None:
            body["endTime"] = end_ms
        return await self.info(body)

    async def http_user_role(self, user: str) -> Json:
        """``{"type": "userRole", "user"}``: ``user``, ``agent`` (with its master), ``vault``,
        ``subAccount`` or ``missing``."""
        return await self.info({"type": "userRole", "user": user})

    async def http_frontend_open_orders(self, user: str, dex: str = "") -> Json:
        """``{"type": "frontendOpenOrders", "user"[, "dex"]}``: open orders of one perp dex
        (and spot), with type, tif, trigger."""
        body: dict[str, Any] = {"type": "frontendOpenOrders", "user": user}
        if dex:
            body["dex"] = dex
        return await self.info(body)

    async def http_order_status(self, user: str, oid: int | str) -> Json:
        """``{"type": "orderStatus", "user", "oid": oid | cloid}``."""
        return await self.info({"type": "orderStatus", "user": user, "oid": oid})

    async def http_user_fills_by_time(
        self, user: str, start_ms: int, end_ms: int | None = None
    ) -> Json:
        """``{"type": "userFillsByTime", ...}``: at most 2000 fills per answer, newest 10000."""
        body: dict[str, Any] = {"type": "userFillsByTime", "user": user, "startTime": start_ms}
        if end_ms is not None:
            body["endTime"] = end_ms
        return await self.info(body)

    async def http_clearinghouse_state(self, user: str, dex: str = "") -> Json:
        """``{"type": "clearinghouseState", "user"[, "dex"]}``: one perp dex's positions and
        margin."""
        body: dict[str, Any] = {"type": "clearinghouseState", "user": user}
        if dex:
            body["dex"] = dex
        return await self.info(body)

    async def http_spot_clearinghouse_state(self, user: str) -> Json:
        """``{"type": "spotClearinghouseState", "user"}``: spot balances."""
        return await self.info({"type": "spotClearinghouseState", "user": user})

    # -- /exchange --------------------------------------------------------------------------------

    def _wallet(self, operation: str) -> Wallet:
        if self.wallet is None:
            raise MissingCredentials(VENUE_ID, operation, CREDENTIALS_HINT)
        return self.wallet

    def signed_action(self, action: dict[str, Any]) -> dict[str, Any]:
        """The ``/exchange`` body of ``action``: a fresh nonce and the wallet's signature."""
        wallet = self._wallet(str(action.get("type")))
        nonce = self.nonces.next()
        return {
            "action": action,
            "nonce": nonce,
            "signature": wallet.sign_l1(action, nonce, self.mainnet),
            "vaultAddress": wallet.vault_address,
            "expiresAfter": None,
        }

    async def exchange(self, action: dict[str, Any], *, batch_length: int = 1) -> Json:
        """Sign ``action`` with a fresh nonce and send it (never retried once it may have
        arrived): over REST, or through :attr:`action_sender` (the WebSocket ``post`` channel)
        when one is set. Returns the whole answer: per-order statuses are in ``response.data``."""
        body = self.signed_action(action)
        weight = exchange_weight(batch_length)
        if self.action_sender is not None:
            await self.rate_limiter.acquire(("global",), weight)
            return await self.action_sender(body)
        return await self.http.post_json("/exchange", json=body, retry=False, weight=weight)

    async def http_order(self, orders: list[dict[str, Any]], grouping: str = "na") -> Json:
        """An ``order`` action (one or more orders)."""
        return await self.exchange(order_action(orders, grouping), batch_length=len(orders))

    async def http_cancel(self, cancels: list[tuple[int, int]]) -> Json:
        """A ``cancel`` action by (asset, oid)."""
        return await self.exchange(cancel_action(cancels), batch_length=len(cancels))

    async def http_cancel_by_cloid(self, cancels: list[tuple[int, str]]) -> Json:
        """A ``cancelByCloid`` action by (asset, cloid)."""
        return await self.exchange(cancel_by_cloid_action(cancels), batch_length=len(cancels))

    async def http_batch_modify(self, modifies: list[tuple[int | str, dict[str, Any]]]) -> Json:
        """A ``batchModify`` action of (oid or cloid, new order wire)."""
        return await self.exchange(batch_modify_action(modifies), batch_length=len(modifies))

    async def http_schedule_cancel(self, time_ms: int | None) -> Json:
        """A ``scheduleCancel`` action (the dead-man switch; None unsets it)."""
        return await self.exchange(schedule_cancel_action(time_ms))
