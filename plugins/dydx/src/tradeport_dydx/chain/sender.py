"""Signing and broadcasting with the account sequence kept right.

Long-term and conditional orders (and their cancels) are *stateful*: the chain checks the
account sequence, so they are signed and broadcast one at a time under a lock, and the local
sequence advances only when the node accepted the transaction into its mempool. Short-term
orders and cancels are replay-protected by their good-til-block instead: dYdX skips the
sequence check (and increment) for transactions made only of them, so they go out concurrently
with the current sequence.

A refusal with code 32 (``sdk`` ErrWrongSequence: another wallet user, a lost answer, a
restart) is not the order's fault: the sequence is read again from the node and the transaction
is signed and sent once more. Any other non-zero code is the chain's definitive answer:
:class:`ChainRejected` with the code, codespace and log. A transport error or timeout raises as
such: the transaction may or may not be in the mempool (the caller resolves it through the
indexer, never by assuming a rejection).
"""

from __future__ import annotations

from collections.abc import Sequence

import anyio
from tradeport.errors import RequestRejected

from tradeport_dydx.chain.keys import DydxKey
from tradeport_dydx.chain.node import AccountInfo, ChainNode, TxResponse
from tradeport_dydx.chain.tx import ChainMessage, SignedTx, build_signed_tx
from tradeport_dydx.constants import VENUE_ID

__all__ = ["ChainRejected", "TxSender", "CODE_WRONG_SEQUENCE"]

#: cosmos-sdk types/errors: ErrWrongSequence ("incorrect account sequence").
CODE_WRONG_SEQUENCE = 32


class ChainRejected(RequestRejected):
    """The chain refused a transaction (CheckTx code != 0); ``venue_code`` is
    ``codespace:code`` (``clob:10``, ``sdk:4``)."""

    def __init__(self, response: TxResponse) -> None:
        super().__init__(
            f"transaction refused: code {response.code} ({response.codespace})",
            venue=VENUE_ID,
            venue_code=f"{response.codespace}:{response.code}",
            venue_message=response.raw_log,
        )
        self.response = response


class TxSender:
    """Signs with one key for one account and broadcasts through one node."""

    def __init__(
        self,
        key: DydxKey,
        node: ChainNode,
        *,
        chain_id: str,
        memo: str = "",
        address: str | None = None,
        authenticators: Sequence[int] = (),
    ) -> None:
        self.key = key
        #: The account transactions are sent for (the key's own unless told otherwise).
        self.address = address or key.address
        #: API trading key: the authenticator ids of ``address`` the key signs through.
        self.authenticators = tuple(authenticators)
        #: What the node said of the account at the last sync.
        self.account: AccountInfo | None = None
        self.node = node
        self.chain_id = chain_id
        self.memo = memo
        self._account_number: int | None = None
        self._sequence: int | None = None
        self._lock = anyio.Lock()
        #: Sequence resyncs after a code 32 (observation for tests and logs).
        self.sequence_resyncs = 0

    @property
    def sequence(self) -> int | None:
        """The next sequence the sender will sign stateful transactions with."""
        return self._sequence

    async def sync_account(self) -> None:
        """Read the account number and sequence from the node."""
        info = await self.node.account(self.address)
        self.account = info
        self._account_number, self._sequence = info.account_number, info.sequence

    def _sign(self, messages: Sequence[ChainMessage]) -> SignedTx:
        assert self._account_number is not None and self._sequence is not None
        return build_signed_tx(
            self.key,
            messages,
            chain_id=self.chain_id,
            account_number=self._account_number,
            sequence=self._sequence,
            memo=self.memo,
            authenticators=self.authenticators,
        )

    async def send(self, messages: Sequence[ChainMessage], *, stateful: bool) -> TxResponse:
        """Sign and broadcast; returns the node's acceptance into the mempool (code 0)."""
        if stateful:
            async with self._lock:
                return await self._send(messages, stateful=True)
        return await self._send(messages, stateful=False)

    async def _send(self, messages: Sequence[ChainMessage], *, stateful: bool) -> TxResponse:
        if self._sequence is None:
            await self.sync_account()
        response = await self.node.broadcast(self._sign(messages).tx_bytes)
        if response.code == CODE_WRONG_SEQUENCE and response.codespace == "sdk":
            self.sequence_resyncs += 1
            await self.sync_account()
            response = await self.node.broadcast(self._sign(messages).tx_bytes)
        if response.code != 0:
            raise ChainRejected(response)
        if stateful:
            assert self._sequence is not None
            self._sequence += 1
        return response
