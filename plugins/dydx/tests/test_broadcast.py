"""The broadcast path over real sockets: TxSender + NodeClient against the mock validator
(REST gateway), which decodes each transaction, verifies its signature and sequence and
advances the block height."""

from __future__ import annotations

import anyio
import pytest
from tradeport_dydx.chain.keys import DydxKey
from tradeport_dydx.chain.node import AccountNotFound, NodeClient
from tradeport_dydx.chain.proto import (
    ORDER_FLAGS_LONG_TERM,
    ORDER_FLAGS_SHORT_TERM,
    SIDE_BUY,
    MsgCancelOrder,
    MsgPlaceOrder,
    Order,
    OrderId,
    SubaccountId,
)
from tradeport_dydx.chain.sender import ChainRejected, TxSender
from tradeport_dydx.chain.tx import build_signed_tx
from tradeport_dydx.testing import DydxHarness
from tradeport_dydx.testing.harness import CHAIN_ID, TEST_ACCOUNT_NUMBER, TEST_PRIVATE_KEY

pytestmark = pytest.mark.anyio
KEY = DydxKey.from_hex(TEST_PRIVATE_KEY)


def _order(
    flags: int,
    client_id: int,
    *,
    gtb: int | None = None,
    gtbt: int | None = None,
    owner: str = KEY.address,
) -> MsgPlaceOrder:
    return MsgPlaceOrder(
        Order(
            OrderId(SubaccountId(owner, 0), client_id, flags, 0),
            side=SIDE_BUY,
            quantums=1_000_000,
            subticks=100_000_000,
            good_til_block=gtb,
            good_til_block_time=gtbt,
        )
    )


async def _sender(harness: DydxHarness, key: DydxKey = KEY) -> tuple[TxSender, NodeClient]:
    node = NodeClient(harness.http_url)
    return TxSender(key, node, chain_id=CHAIN_ID), node


async def test_stateful_orders_advance_the_sequence_short_term_do_not() -> None:
    async with DydxHarness() as harness:
        sender, node = await _sender(harness)
        try:
            await sender.sync_account()
            assert sender.sequence == 0
            response = await sender.send(
                [_order(ORDER_FLAGS_LONG_TERM, 1, gtbt=2_000_000_000)], stateful=True
            )
            assert response.code == 0 and len(response.txhash) == 64
            assert sender.sequence == 1 == harness.validator.accounts[KEY.address].sequence
            height = await node.latest_height()
            await sender.send([_order(ORDER_FLAGS_SHORT_TERM, 2, gtb=height + 5)], stateful=False)
            assert sender.sequence == 1 == harness.validator.accounts[KEY.address].sequence
            assert [url for url, _ in harness.validator.accepted] == [
                "/dydxprotocol.clob.MsgPlaceOrder"
            ] * 2
        finally:
            await node.aclose()


async def test_sequence_mismatch_resyncs_and_retries_without_a_rejection() -> None:
    async with DydxHarness() as harness:
        sender, node = await _sender(harness)
        try:
            await sender.sync_account()
            # Another client of the same wallet sent two transactions meanwhile.
            harness.validator.accounts[KEY.address].sequence += 2
            response = await sender.send(
                [_order(ORDER_FLAGS_LONG_TERM, 3, gtbt=2_000_000_000)], stateful=True
            )
            assert response.code == 0
            assert sender.sequence_resyncs == 1
            assert harness.validator.refusals == [("sdk", 32)]
            assert sender.sequence == 3 == harness.validator.accounts[KEY.address].sequence
        finally:
            await node.aclose()


async def test_old_sequence_and_wrong_key_are_refused_by_the_validator() -> None:
    async with DydxHarness() as harness:
        node = NodeClient(harness.http_url)
        try:
            place = _order(ORDER_FLAGS_LONG_TERM, 4, gtbt=2_000_000_000)
            good = build_signed_tx(
                KEY, [place], chain_id=CHAIN_ID, account_number=TEST_ACCOUNT_NUMBER, sequence=0
            )
            assert (await node.broadcast(good.tx_bytes)).code == 0
            # Replaying it (an old sequence) is refused with code 32.
            replay = await node.broadcast(good.tx_bytes)
            assert (replay.codespace, replay.code) == ("sdk", 32)
            assert "expected 1, got 0" in replay.raw_log
            # Signed for the wrong account number or chain: signature verification fails.
            wrong = build_signed_tx(
                KEY,
                [place],
                chain_id="dydx-mainnet-1",
                account_number=TEST_ACCOUNT_NUMBER,
                sequence=1,
            )
            refused = await node.broadcast(wrong.tx_bytes)
            assert (refused.codespace, refused.code) == ("sdk", 4)
            # A tampered signature (the right signer's public key, another key's signature).
            other = DydxKey.from_hex("11" * 32)
            forged_sig = build_signed_tx(
                other, [place], chain_id=CHAIN_ID, account_number=TEST_ACCOUNT_NUMBER, sequence=1
            )
            real = build_signed_tx(
                KEY, [place], chain_id=CHAIN_ID, account_number=TEST_ACCOUNT_NUMBER, sequence=1
            )
            forged = real.tx_bytes[:-64] + forged_sig.tx_bytes[-64:]
            assert (await node.broadcast(forged)).code == 4
            # Another key signing for the wallet's subaccount (no API trading key selected):
            # the public key is not the signer's (cosmos-sdk ErrInvalidPubKey).
            impostor = build_signed_tx(
                other, [place], chain_id=CHAIN_ID, account_number=TEST_ACCOUNT_NUMBER, sequence=1
            )
            refused = await node.broadcast(impostor.tx_bytes)
            assert (refused.codespace, refused.code) == ("sdk", 8)
            # A key the chain does not know, for its own subaccount.
            own = _order(ORDER_FLAGS_LONG_TERM, 5, gtbt=2_000_000_000, owner=other.address)
            unknown = build_signed_tx(other, [own], chain_id=CHAIN_ID, account_number=0, sequence=0)
            assert (await node.broadcast(unknown.tx_bytes)).code == 9
            assert harness.validator.accounts[KEY.address].sequence == 1
            with pytest.raises(AccountNotFound):
                await node.account(other.address)
        finally:
            await node.aclose()


async def test_a_definitive_chain_error_is_a_rejection_with_its_code() -> None:
    async with DydxHarness() as harness:
        sender, node = await _sender(harness)
        try:
            height = await node.latest_height()
            with pytest.raises(ChainRejected) as err:
                await sender.send(
                    [_order(ORDER_FLAGS_SHORT_TERM, 5, gtb=height - 1)], stateful=False
                )
            assert err.value.venue_code == "clob:10" and not err.value.retryable
            with pytest.raises(ChainRejected) as err:
                await sender.send(
                    [_order(ORDER_FLAGS_SHORT_TERM, 6, gtb=height + 1000)], stateful=False
                )
            assert err.value.venue_code == "clob:11"
            assert sender.sequence_resyncs == 0
        finally:
            await node.aclose()


async def test_short_term_orders_expire_by_height() -> None:
    async with DydxHarness() as harness:
        sender, node = await _sender(harness)
        try:
            height = await node.latest_height()
            await sender.send([_order(ORDER_FLAGS_SHORT_TERM, 7, gtb=height + 3)], stateful=False)
            await sender.send(
                [
                    MsgCancelOrder(
                        _order(ORDER_FLAGS_SHORT_TERM, 8).order.order_id, good_til_block=height + 3
                    )
                ],
                stateful=False,
            )
            assert [o.order_id.client_id for _, o in harness.validator.short_term] == [7]
            with anyio.fail_after(10):
                await harness.wait_until(
                    lambda: bool(harness.validator.expired), what="the order expired"
                )
            assert harness.validator.expired[0].order_id.client_id == 7
            assert harness.validator.height > height + 3
            assert await node.latest_height() >= harness.validator.height - 1
        finally:
            await node.aclose()
