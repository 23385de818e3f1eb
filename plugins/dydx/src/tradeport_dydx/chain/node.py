"""The node's Cosmos REST gateway (grpc-gateway) over httpx: the broadcast transport.

* ``POST /cosmos/tx/v1beta1/txs`` ``{"tx_bytes": base64, "mode": "BROADCAST_MODE_SYNC"}`` ->
  ``{"tx_response": {"height", "txhash", "codespace", "code", "raw_log", ...}}``: code 0 means
  the transaction passed CheckTx and entered the mempool, nothing more;
* ``GET /cosmos/auth/v1beta1/accounts/{address}`` -> ``{"account": {"@type", "address",
  "pub_key", "account_number", "sequence"}}`` (numbers as strings; HTTP 404 before the first
  deposit);
* ``GET /cosmos/base/tendermint/v1beta1/blocks/latest`` -> ``{"block": {"header": {"height",
  "time", "chain_id"}}}``.

The REST gateway needs no extra dependency; gRPC is the option
(:class:`~tradeport_dydx.chain.grpc_node.GrpcNodeClient`, the ``grpc`` extra). Both are a
:class:`ChainNode`.
"""

from __future__ import annotations

import base64
from typing import Any, Protocol

import attrs
from tradeport.errors import AuthenticationError
from tradeport.net import HttpClient, RetryPolicy

from tradeport_dydx.constants import VENUE_ID

__all__ = ["TxResponse", "AccountInfo", "NodeClient", "AccountNotFound", "ChainNode"]


@attrs.frozen
class TxResponse:
    """A broadcast's answer (``code`` 0: in the mempool; otherwise refused, definitively)."""

    code: int
    codespace: str
    raw_log: str
    txhash: str
    height: int = 0

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> TxResponse:
        r = body.get("tx_response") or {}
        return cls(
            code=int(r.get("code") or 0),
            codespace=str(r.get("codespace") or ""),
            raw_log=str(r.get("raw_log") or ""),
            txhash=str(r.get("txhash") or ""),
            height=int(r.get("height") or 0),
        )


@attrs.frozen
class AccountInfo:
    """What signing needs from the chain."""

    address: str
    account_number: int
    sequence: int
    #: The account's compressed public key once known on chain (None before its first tx).
    public_key: bytes | None = None


class AccountNotFound(AuthenticationError):
    """The chain does not know the address yet (it has never received funds)."""


class ChainNode(Protocol):
    """What the sender and the execution client need of a node, over any transport."""

    async def account(self, address: str) -> AccountInfo: ...

    async def latest_height(self) -> int: ...

    async def broadcast(self, tx_bytes: bytes) -> TxResponse: ...

    async def aclose(self) -> None: ...


class NodeClient:
    """Reads account state and block height from a node and broadcasts transactions."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 10.0,
        max_attempts: int = 3,
        retry_delay: float = 0.2,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout = timeout
        # Broadcasts are never retried by the transport: a lost answer may hide an accepted
        # transaction (the sender resolves it through the sequence and the indexer).
        self._read_retry = RetryPolicy(initial=retry_delay, max_attempts=max_attempts)
        self._http: HttpClient | None = None
        self._broadcast_http: HttpClient | None = None

    def _client(self, retry: RetryPolicy) -> HttpClient:
        return HttpClient(
            self.base_url,
            venue=VENUE_ID,
            headers={"Accept": "application/json"},
            timeout=self._timeout,
            retry=retry,
        )

    @property
    def http(self) -> HttpClient:
        if self._http is None:
            self._http = self._client(self._read_retry)
        return self._http

    @property
    def broadcast_http(self) -> HttpClient:
        if self._broadcast_http is None:
            self._broadcast_http = self._client(RetryPolicy(initial=0.1, max_attempts=1))
        return self._broadcast_http

    async def aclose(self) -> None:
        """Close the connection pools."""
        for http in (self._http, self._broadcast_http):
            if http is not None:
                await http.aclose()
        self._http = self._broadcast_http = None

    async def account(self, address: str) -> AccountInfo:
        """``account_number`` and the next ``sequence`` of ``address``."""
        from tradeport.errors import RequestRejected

        try:
            body = await self.http.get_json(f"/cosmos/auth/v1beta1/accounts/{address}")
        except RequestRejected as exc:
            if exc.http_status == 404:
                raise AccountNotFound(
                    f"account {address} is not on chain (deposit first)",
                    venue=VENUE_ID,
                    http_status=404,
                ) from None
            raise
        account = body["account"]
        # Vesting or module accounts nest the base account; dYdX wallets are BaseAccounts.
        base = account.get("base_account", account)
        pub = base.get("pub_key") or {}
        key = pub.get("key") if isinstance(pub, dict) else None
        return AccountInfo(
            str(base["address"]),
            int(base["account_number"]),
            int(base.get("sequence") or 0),
            base64.b64decode(key) if key else None,
        )

    async def latest_height(self) -> int:
        """The height of the latest committed block."""
        body = await self.http.get_json("/cosmos/base/tendermint/v1beta1/blocks/latest")
        return int(body["block"]["header"]["height"])

    async def broadcast(self, tx_bytes: bytes) -> TxResponse:
        """``BROADCAST_MODE_SYNC``: returns after CheckTx."""
        body = await self.broadcast_http.post_json(
            "/cosmos/tx/v1beta1/txs",
            json={"tx_bytes": base64.b64encode(tx_bytes).decode(), "mode": "BROADCAST_MODE_SYNC"},
        )
        return TxResponse.from_json(body)
