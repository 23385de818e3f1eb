"""The validator stub's gRPC services on loopback (the ``grpc`` transport's mock node).

``grpcio`` serves the three Cosmos SDK methods the plugin calls (``BroadcastTx``,
``auth.Query/Account``, ``GetLatestBlock``) from its own threads; every call is handed to
the event loop through an anyio blocking portal, so the validator stub's state (and the
exchange behind it) changes on the loop thread only, on asyncio and trio alike. An unknown
account is gRPC NOT_FOUND, as on a node.
"""

from __future__ import annotations

from concurrent import futures
from typing import Any

import anyio
from anyio.abc import TaskStatus
from anyio.from_thread import BlockingPortal

from tradeport_dydx.chain.grpc_node import (
    encode_account,
    encode_latest_block,
    encode_tx_response,
)
from tradeport_dydx.chain.node import AccountInfo, TxResponse
from tradeport_dydx.chain.proto import decode_fields
from tradeport_dydx.testing.validator import ValidatorStub

__all__ = ["GrpcValidator"]


class GrpcValidator:
    """Serves ``validator`` over gRPC on 127.0.0.1 (see the module docstring)."""

    def __init__(self, validator: ValidatorStub) -> None:
        self.validator = validator
        #: gRPC calls served, by method name (observation for tests).
        self.calls: dict[str, int] = {}

    async def serve(self, *, task_status: TaskStatus[str] = anyio.TASK_STATUS_IGNORED) -> None:
        """Run until cancelled; reports ``grpc://127.0.0.1:port`` once listening."""
        import grpc

        async with BlockingPortal() as portal:
            server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))

            def unary(method: str, handle: Any) -> Any:
                def call(request: bytes, context: Any) -> bytes:
                    self.calls[method] = self.calls.get(method, 0) + 1
                    answer = portal.call(handle, request)
                    if answer is None:
                        context.abort(grpc.StatusCode.NOT_FOUND, "account not found")
                    return answer  # type: ignore[no-any-return]

                return grpc.unary_unary_rpc_method_handler(call)

            server.add_generic_rpc_handlers(
                (
                    grpc.method_handlers_generic_handler(
                        "cosmos.tx.v1beta1.Service",
                        {"BroadcastTx": unary("BroadcastTx", self._broadcast)},
                    ),
                    grpc.method_handlers_generic_handler(
                        "cosmos.auth.v1beta1.Query", {"Account": unary("Account", self._account)}
                    ),
                    grpc.method_handlers_generic_handler(
                        "cosmos.base.tendermint.v1beta1.Service",
                        {"GetLatestBlock": unary("GetLatestBlock", self._latest)},
                    ),
                )
            )
            port = server.add_insecure_port("127.0.0.1:0")
            server.start()
            try:
                task_status.started(f"grpc://127.0.0.1:{port}")
                await anyio.sleep_forever()
            finally:
                server.stop(None)

    def _broadcast(self, request: bytes) -> bytes:
        raw = decode_fields(request).get(1, [b""])[-1]
        code, codespace, log, txhash = self.validator.check(raw if isinstance(raw, bytes) else b"")
        return encode_tx_response(TxResponse(code, codespace, log, txhash))

    def _account(self, request: bytes) -> bytes | None:
        address = decode_fields(request).get(1, [b""])[-1]
        account = self.validator.accounts.get(
            address.decode() if isinstance(address, bytes) else ""
        )
        if account is None:
            return None
        return encode_account(
            AccountInfo(
                account.address, account.account_number, account.sequence, account.public_key
            )
        )

    def _latest(self, request: bytes) -> bytes:
        return encode_latest_block(self.validator.height, self.validator.chain_id)
