"""A validator stub: the node's Cosmos REST gateway as a dYdX validator answers it.

It decodes every transaction (TxRaw protobuf), finds the signer's account, verifies the
SIGN_MODE_DIRECT signature over (body, auth info, chain id, account number), checks the
account sequence for stateful transactions (and skips it for transactions made only of
short-term orders and cancels, as dYdX does), checks short-term good-til-blocks against the
height and the ShortBlockWindow, advances the block height on a timer, and expires short-term
orders whose good-til-block has passed. Refusals carry the chain's codes and logs:

* ``sdk`` 2 (tx parse error), 4 (unauthorized: signature verification failed), 9 (unknown
  address), 32 (incorrect account sequence: ``account sequence mismatch, expected N, got M``);
* ``clob`` 10 (the next block height is greater than the GoodTilBlock), 11 (the GoodTilBlock is
  further than ShortBlockWindow blocks into the future) - v4-chain x/clob/types/errors.go.

Orders go on to the venue through two hooks the mock sets: ``on_message(type_url, message)``
runs each accepted message's CheckTx against the SimulatedExchange (a refusal it returns,
``(codespace, code, log)``, refuses the transaction and leaves the sequence), and
``on_block(height)`` runs after every committed block (expiring short-term orders there).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import anyio
import attrs
from tradeport.testing import Request, Response

from tradeport_dydx.chain.proto import (
    MSG_BATCH_CANCEL,
    MSG_CANCEL_ORDER,
    MSG_PLACE_ORDER,
    ORDER_FLAGS_SHORT_TERM,
    DecodeError,
    MsgBatchCancel,
    MsgCancelOrder,
    MsgPlaceOrder,
    Order,
)
from tradeport_dydx.chain.tx import decode_tx, tx_hash
from tradeport_dydx.constants import SHORT_TERM_BLOCK_WINDOW

__all__ = ["ValidatorStub", "ChainAccount"]


@attrs.define
class ChainAccount:
    address: str
    account_number: int
    sequence: int = 0
    #: The account's public key, known on chain once it signed a transaction.
    public_key: bytes | None = None
    #: Authenticators (x/accountplus) by id: here SignatureVerification ones, the public key
    #: of an API trading key allowed to sign for the account.
    authenticators: dict[int, bytes] = attrs.field(factory=dict)


class _Refused(Exception):
    def __init__(self, codespace: str, code: int, log: str) -> None:
        super().__init__(log)
        self.codespace, self.code, self.log = codespace, code, log


class ValidatorStub:
    """See the module docstring. ``install`` adds its routes to a MockVenue."""

    def __init__(
        self, chain_id: str, *, block_interval: float = 0.1, start_height: int = 1000
    ) -> None:
        self.chain_id = chain_id
        self.block_interval = block_interval
        self.height = start_height
        self.accounts: dict[str, ChainAccount] = {}
        #: Accepted short-term orders still live: (good_til_block, order).
        self.short_term: list[tuple[int, Order]] = []
        #: Short-term orders that reached their good-til-block unfilled.
        self.expired: list[Order] = []
        #: Every message accepted into the mempool, in order: (type_url, decoded message).
        self.accepted: list[tuple[str, Any]] = []
        #: Every refusal: (codespace, code).
        self.refusals: list[tuple[str, int]] = []
        self._venue: Any = None
        #: CheckTx of one message at the venue: None to accept, (codespace, code, log) to refuse.
        self.on_message: Callable[[str, Any], tuple[str, int, str] | None] | None = None
        #: Called with the new height after every committed block.
        self.on_block: Callable[[int], None] | None = None
        self._block: anyio.Event | None = None

    def add_account(
        self,
        address: str,
        account_number: int,
        sequence: int = 0,
        public_key: bytes | None = None,
    ) -> ChainAccount:
        account = self.accounts[address] = ChainAccount(
            address, account_number, sequence, public_key
        )
        if self._venue is not None:
            self._venue.route("GET", f"/cosmos/auth/v1beta1/accounts/{address}", self._account)
        return account

    def add_authenticator(self, address: str, public_key: bytes) -> int:
        """Register an API trading key (a SignatureVerification authenticator) on the account
        (MsgAddAuthenticator); returns its id."""
        account = self.accounts[address]
        authenticator_id = len(account.authenticators) + 1
        account.authenticators[authenticator_id] = public_key
        return authenticator_id

    def _authenticated_by(self, tx: Any, account: ChainAccount) -> _Refused | None:
        """A key that is not the account's own: the selected authenticators must let it sign
        (x/accountplus errors: 1 not found, 100 signature verification failed)."""
        if not tx.authenticators:
            # cosmos-sdk SetPubKeyDecorator (ErrInvalidPubKey): no authenticator selected.
            return _Refused(
                "sdk",
                8,
                f"pubKey does not match signer address {account.address} with signer index: 0",
            )
        for authenticator_id in tx.authenticators:
            key = account.authenticators.get(authenticator_id)
            if key is None:
                return _Refused("accountplus", 1, f"Authenticator is not found: {authenticator_id}")
            if key != tx.public_key or not tx.signature_valid(
                self.chain_id, account.account_number
            ):
                return _Refused("accountplus", 100, "Signature verification failed")
        return None

    def install(self, venue: Any) -> None:
        self._venue = venue
        venue.route("POST", "/cosmos/tx/v1beta1/txs", self._broadcast, signed=True)
        venue.route("GET", "/cosmos/base/tendermint/v1beta1/blocks/latest", self._latest)
        for address in self.accounts:
            venue.route("GET", f"/cosmos/auth/v1beta1/accounts/{address}", self._account)

    async def run_blocks(self) -> None:
        """Produce a block every ``block_interval`` seconds; expire short-term orders."""
        while True:
            await anyio.sleep(self.block_interval)
            self.advance()

    def advance(self, blocks: int = 1) -> None:
        """Commit ``blocks`` blocks now."""
        self.height += blocks
        live: list[tuple[int, Order]] = []
        for gtb, order in self.short_term:
            if gtb >= self.height:
                live.append((gtb, order))
            else:
                self.expired.append(order)
        self.short_term = live
        if self.on_block is not None:
            self.on_block(self.height)
        if self._block is not None:
            self._block.set()
            self._block = None
        if self._venue is not None:
            self._venue.server.notify()

    async def next_block(self) -> None:
        """Wait until the next block is committed."""
        if self._block is None:
            self._block = anyio.Event()
        await self._block.wait()

    # -- routes ---------------------------------------------------------------------------------

    async def _latest(self, request: Request) -> Response:
        header = {
            "height": str(self.height),
            "chain_id": self.chain_id,
            "time": "2026-12-08T00:00:00Z",
        }
        return Response.json({"block_id": {}, "block": {"header": header}})

    async def _account(self, request: Request) -> Response:
        account = self.accounts[request.path.rsplit("/", 1)[1]]
        return Response.json(
            {
                "account": {
                    "@type": "/cosmos.auth.v1beta1.BaseAccount",
                    "address": account.address,
                    "pub_key": (
                        {
                            "@type": "/cosmos.crypto.secp256k1.PubKey",
                            "key": base64.b64encode(account.public_key).decode(),
                        }
                        if account.public_key is not None
                        else None
                    ),
                    "account_number": str(account.account_number),
                    "sequence": str(account.sequence),
                }
            }
        )

    def signature_ok(self, request: Request) -> bool:
        """The verdict on a broadcast's signature (the mock records it): the signer's key is
        the messages' owner's and the signature covers this chain and account number."""
        try:
            raw = base64.b64decode(request.json()["tx_bytes"], validate=True)
            tx = decode_tx(raw)
            owners = {o for o in (self._owner(m.type_url, m.value) for m in tx.messages) if o}
        except (KeyError, ValueError, TypeError, DecodeError):
            return True  # not a signature question: CheckTx answers the parse error
        signer = next(iter(owners), tx.signer)
        account = self.accounts.get(signer)
        if account is None:
            return True  # not a signature question: CheckTx answers sdk 9 (unknown address)
        if signer != tx.signer:
            return self._authenticated_by(tx, account) is None
        return tx.signature_valid(self.chain_id, account.account_number)

    def refusal_response(self, request: Request) -> Response:
        """What the node answers a transaction whose signature the chain refuses."""
        try:
            raw = base64.b64decode(request.json()["tx_bytes"], validate=True)
            self._check_tx(raw)
        except _Refused as refusal:
            self.refusals.append((refusal.codespace, refusal.code))
            return Response.json(
                self._tx_response(tx_hash(raw), refusal.code, refusal.codespace, refusal.log)
            )
        except (KeyError, ValueError, TypeError):
            pass
        return Response.json(self._tx_response("", 4, "sdk", "signature verification failed"))

    def _owner(self, type_url: str, value: bytes) -> str | None:
        message = self._decode_message(type_url, value)
        if type_url == MSG_PLACE_ORDER:
            return str(message.order.order_id.subaccount_id.owner)
        if type_url == MSG_CANCEL_ORDER:
            return str(message.order_id.subaccount_id.owner)
        if type_url == MSG_BATCH_CANCEL:
            return str(message.subaccount_id.owner)
        return None

    async def _broadcast(self, request: Request) -> Response:
        body = request.json()
        try:
            raw = base64.b64decode(body["tx_bytes"], validate=True)
        except (KeyError, ValueError, TypeError):
            return Response.json(
                {"code": 3, "message": "invalid tx_bytes", "details": []}, status=400
            )
        code, codespace, log, txhash = self.check(raw)
        return Response.json(self._tx_response(txhash, code, codespace, log))

    def check(self, raw: bytes) -> tuple[int, str, str, str]:
        """CheckTx of TxRaw bytes, whatever transport brought them: ``(code, codespace,
        log, txhash)``; code 0 took the transaction into the mempool."""
        txhash = tx_hash(raw)
        try:
            self._check_tx(raw)
        except _Refused as refusal:
            self.refusals.append((refusal.codespace, refusal.code))
            return refusal.code, refusal.codespace, refusal.log, txhash
        finally:
            if self._venue is not None:
                self._venue.server.notify()
        return 0, "", "[]", txhash

    @staticmethod
    def _tx_response(txhash: str, code: int, codespace: str, log: str) -> dict[str, Any]:
        return {
            "tx_response": {
                "height": "0",
                "txhash": txhash,
                "codespace": codespace,
                "code": code,
                "data": "",
                "raw_log": log,
                "logs": [],
                "info": "",
                "gas_wanted": "0",
                "gas_used": "0",
                "tx": None,
                "timestamp": "",
                "events": [],
            }
        }

    # -- CheckTx --------------------------------------------------------------------------------

    def _check_tx(self, raw: bytes) -> None:
        try:
            tx = decode_tx(raw)
            messages = [
                (m.type_url, self._decode_message(m.type_url, m.value)) for m in tx.messages
            ]
        except DecodeError as exc:
            raise _Refused("sdk", 2, f"tx parse error: {exc}") from None
        owners = {self._owner(url, m) for url, m in ((x.type_url, x.value) for x in tx.messages)}
        owners.discard(None)
        signer = next(iter(owners), None) or tx.signer
        account = self.accounts.get(signer)
        if account is None:
            raise _Refused("sdk", 9, f"account {signer} not found: unknown address")
        if signer != tx.signer:
            refusal = self._authenticated_by(tx, account)
            if refusal is not None:
                raise refusal
        elif not tx.signature_valid(self.chain_id, account.account_number):
            raise _Refused(
                "sdk",
                4,
                f"signature verification failed; please verify account number ({account.account_number}), "
                f"sequence ({tx.sequence}) and chain-id ({self.chain_id}): unauthorized",
            )
        stateful = not all(self._is_short_term(url, m) for url, m in messages)
        if stateful and tx.sequence != account.sequence:
            raise _Refused(
                "sdk",
                32,
                f"account sequence mismatch, expected {account.sequence}, got {tx.sequence}: incorrect account sequence",
            )
        for url, message in messages:
            self._check_good_til_block(url, message)
        if self.on_message is not None:
            for url, message in messages:
                venue_refusal = self.on_message(url, message)
                if venue_refusal is not None:
                    raise _Refused(*venue_refusal)
        if stateful:
            account.sequence += 1
        for url, message in messages:
            self.accepted.append((url, message))
            if (
                url == MSG_PLACE_ORDER
                and message.order.order_id.order_flags == ORDER_FLAGS_SHORT_TERM
            ):
                self.short_term.append((message.order.good_til_block or 0, message.order))
        del tx

    @staticmethod
    def _decode_message(type_url: str, value: bytes) -> Any:
        if type_url == MSG_PLACE_ORDER:
            return MsgPlaceOrder.decode(value)
        if type_url == MSG_CANCEL_ORDER:
            return MsgCancelOrder.decode(value)
        if type_url == MSG_BATCH_CANCEL:
            return MsgBatchCancel.decode(value)
        raise DecodeError(f"unknown message type {type_url}")

    @staticmethod
    def _is_short_term(type_url: str, message: Any) -> bool:
        if type_url == MSG_BATCH_CANCEL:
            return True
        if type_url == MSG_PLACE_ORDER:
            return message.order.order_id.order_flags == ORDER_FLAGS_SHORT_TERM
        return message.order_id.order_flags == ORDER_FLAGS_SHORT_TERM

    def _check_good_til_block(self, type_url: str, message: Any) -> None:
        if not self._is_short_term(type_url, message):
            return
        gtb = (
            message.order.good_til_block if type_url == MSG_PLACE_ORDER else message.good_til_block
        )
        if gtb is None or gtb < self.height + 1:
            raise _Refused(
                "clob",
                10,
                f"The next block height is greater than the GoodTilBlock of the message: GoodTilBlock {gtb}, next {self.height + 1}",
            )
        if gtb > self.height + SHORT_TERM_BLOCK_WINDOW:
            raise _Refused(
                "clob",
                11,
                f"The GoodTilBlock of the message is further than ShortBlockWindow blocks into the future: {gtb} > {self.height} + {SHORT_TERM_BLOCK_WINDOW}",
            )
