"""The node's gRPC services: the optional broadcast transport (``pip install
"tradeport-dydx[grpc]"``, ``node_transport = "grpc"``, ``node_grpc_url``).

The same three calls as :class:`~tradeport_dydx.chain.node.NodeClient`, behind the same
interface (:class:`~tradeport_dydx.chain.node.ChainNode`), on the Cosmos SDK services every
dYdX validator serves (field numbers from the Cosmos SDK protos):

* ``/cosmos.tx.v1beta1.Service/BroadcastTx``: ``BroadcastTxRequest{tx_bytes = 1, mode = 2}``
  (``BROADCAST_MODE_SYNC`` = 2) -> ``BroadcastTxResponse{tx_response = 1}``, ``TxResponse{height
  = 1, txhash = 2, codespace = 3, code = 4, data = 5, raw_log = 6, ...}``;
* ``/cosmos.auth.v1beta1.Query/Account``: ``QueryAccountRequest{address = 1}`` ->
  ``QueryAccountResponse{account = 1 (Any BaseAccount{address = 1, pub_key = 2 (Any PubKey),
  account_number = 3, sequence = 4})}``; gRPC NOT_FOUND before the first deposit;
* ``/cosmos.base.tendermint.v1beta1.Service/GetLatestBlock`` -> ``GetLatestBlockResponse{
  block_id = 1, block = 2, sdk_block = 3}``, the height in ``block.header.height`` (field 3).

The messages are encoded by hand (``chain/proto.py``), as the transactions are: no generated
code. ``grpcio`` is called in worker threads (``anyio.to_thread``), so the transport runs on
asyncio and trio alike. Like the REST gateway, a broadcast is never retried by the transport.
"""

from __future__ import annotations

import functools
from typing import Any, Final

import anyio
from tradeport.errors import RequestRejected, RequestTimeout, TransportError

from tradeport_dydx.chain.node import AccountInfo, AccountNotFound, TxResponse
from tradeport_dydx.chain.proto import Any as ProtoAny
from tradeport_dydx.chain.proto import decode_fields, field_bytes, field_varint
from tradeport_dydx.constants import VENUE_ID

__all__ = [
    "GrpcNodeClient",
    "BROADCAST_TX",
    "QUERY_ACCOUNT",
    "GET_LATEST_BLOCK",
    "BROADCAST_MODE_SYNC",
    "encode_tx_response",
    "encode_account",
    "encode_latest_block",
]

BROADCAST_TX: Final = "/cosmos.tx.v1beta1.Service/BroadcastTx"
QUERY_ACCOUNT: Final = "/cosmos.auth.v1beta1.Query/Account"
GET_LATEST_BLOCK: Final = "/cosmos.base.tendermint.v1beta1.Service/GetLatestBlock"
BROADCAST_MODE_SYNC: Final = 2
BASE_ACCOUNT: Final = "/cosmos.auth.v1beta1.BaseAccount"
_PUBKEY: Final = "/cosmos.crypto.secp256k1.PubKey"


def _one(fields: dict[int, list[int | bytes]], number: int, default: Any) -> Any:
    values = fields.get(number)
    return values[-1] if values else default


def _text(fields: dict[int, list[int | bytes]], number: int) -> str:
    value = _one(fields, number, b"")
    return value.decode() if isinstance(value, bytes) else ""


def decode_tx_response(data: bytes) -> TxResponse:
    """A ``BroadcastTxResponse`` -> TxResponse."""
    inner = _one(decode_fields(data), 1, b"")
    r = decode_fields(inner if isinstance(inner, bytes) else b"")
    return TxResponse(
        code=int(_one(r, 4, 0)),
        codespace=_text(r, 3),
        raw_log=_text(r, 6),
        txhash=_text(r, 2),
        height=int(_one(r, 1, 0)),
    )


def encode_tx_response(response: TxResponse) -> bytes:
    """``BroadcastTxResponse`` bytes (the mock node's answer)."""
    inner = (
        field_varint(1, response.height)
        + field_bytes(2, response.txhash)
        + field_bytes(3, response.codespace)
        + field_varint(4, response.code)
        + field_bytes(6, response.raw_log)
    )
    return field_bytes(1, inner, always=True)


def decode_account(data: bytes) -> AccountInfo:
    """A ``QueryAccountResponse`` holding a BaseAccount -> AccountInfo."""
    wrapped = _one(decode_fields(data), 1, b"")
    account = ProtoAny.decode(wrapped if isinstance(wrapped, bytes) else b"")
    if account.type_url != BASE_ACCOUNT:
        raise RequestRejected(
            f"account type {account.type_url} is not a BaseAccount", venue=VENUE_ID
        )
    f = decode_fields(account.value)
    pub = _one(f, 2, b"")
    key = None
    if isinstance(pub, bytes) and pub:
        key_value = _one(decode_fields(ProtoAny.decode(pub).value), 1, b"")
        key = key_value if isinstance(key_value, bytes) else None
    return AccountInfo(_text(f, 1), int(_one(f, 3, 0)), int(_one(f, 4, 0)), key)


def encode_account(info: AccountInfo) -> bytes:
    """``QueryAccountResponse`` bytes (the mock node's answer)."""
    pub = (
        field_bytes(2, ProtoAny(_PUBKEY, field_bytes(1, info.public_key)).encode())
        if info.public_key
        else b""
    )
    base = (
        field_bytes(1, info.address)
        + pub
        + field_varint(3, info.account_number)
        + field_varint(4, info.sequence)
    )
    return field_bytes(1, ProtoAny(BASE_ACCOUNT, base).encode(), always=True)


def decode_latest_height(data: bytes) -> int:
    """``GetLatestBlockResponse`` -> ``block.header.height`` (``sdk_block`` when set)."""
    fields = decode_fields(data)
    block = _one(fields, 3, None) or _one(fields, 2, b"")
    header = _one(decode_fields(block if isinstance(block, bytes) else b""), 1, b"")
    return int(_one(decode_fields(header if isinstance(header, bytes) else b""), 3, 0))


def encode_latest_block(height: int, chain_id: str) -> bytes:
    """``GetLatestBlockResponse`` bytes with ``block`` and ``sdk_block`` (the mock's answer)."""
    header = field_bytes(2, chain_id) + field_varint(3, height)
    block = field_bytes(1, header, always=True)
    return field_bytes(2, block, always=True) + field_bytes(3, block, always=True)


class GrpcNodeClient:
    """Reads account state and block height and broadcasts transactions over gRPC."""

    def __init__(self, target: str, *, timeout: float = 10.0) -> None:
        """``target``: ``grpc://host:port`` (plaintext, e.g. a local node) or
        ``grpcs://host:port`` / ``host:port`` (TLS)."""
        try:
            import grpc
        except ImportError:
            raise ImportError(
                'node_transport "grpc" needs grpcio: pip install "tradeport-dydx[grpc]"'
            ) from None
        self._grpc = grpc
        self.target = target
        self._timeout = timeout
        address = target.split("://", 1)[-1]
        plain = target.startswith("grpc://")
        self._channel = (
            grpc.insecure_channel(address)
            if plain
            else grpc.secure_channel(address, grpc.ssl_channel_credentials())
        )

    def __repr__(self) -> str:
        return f"GrpcNodeClient({self.target!r})"

    async def aclose(self) -> None:
        """Close the channel."""
        self._channel.close()

    async def _call(self, method: str, request: bytes, what: str) -> bytes:
        stub = self._channel.unary_unary(
            method, request_serializer=None, response_deserializer=None
        )
        call = functools.partial(stub, request, timeout=self._timeout)
        try:
            result: bytes = await anyio.to_thread.run_sync(call)
        except self._grpc.RpcError as error:
            raise self._error(error, what) from None
        return result

    def _error(self, error: Any, what: str) -> Exception:
        code = error.code()
        status = self._grpc.StatusCode
        detail = f"{what}: gRPC {code.name} {error.details()}"
        if code is status.DEADLINE_EXCEEDED:
            return RequestTimeout(detail, venue=VENUE_ID)
        if code in (status.UNAVAILABLE, status.CANCELLED, status.UNKNOWN, status.INTERNAL):
            return TransportError(detail, venue=VENUE_ID)
        return RequestRejected(detail, venue=VENUE_ID, venue_code=code.name)

    async def account(self, address: str) -> AccountInfo:
        """``account_number`` and the next ``sequence`` of ``address``."""
        try:
            data = await self._call(QUERY_ACCOUNT, field_bytes(1, address), "account")
        except RequestRejected as error:
            if error.venue_code == "NOT_FOUND":
                raise AccountNotFound(
                    f"account {address} is not on chain (deposit first)", venue=VENUE_ID
                ) from None
            raise
        return decode_account(data)

    async def latest_height(self) -> int:
        """The height of the latest committed block."""
        return decode_latest_height(await self._call(GET_LATEST_BLOCK, b"", "latest block"))

    async def broadcast(self, tx_bytes: bytes) -> TxResponse:
        """``BROADCAST_MODE_SYNC``: returns after CheckTx."""
        request = field_bytes(1, tx_bytes) + field_varint(2, BROADCAST_MODE_SYNC)
        return decode_tx_response(await self._call(BROADCAST_TX, request, "broadcast"))
