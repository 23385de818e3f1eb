"""The wallet from a config, and good-til-blocks from the node's height."""

from __future__ import annotations

import pytest
from tradeport.errors import MissingCredentials, ValidationError
from tradeport_dydx.chain.node import NodeClient
from tradeport_dydx.chain.wallet import key_of, short_term_good_til_block, subaccount_of
from tradeport_dydx.config import DydxConfig
from tradeport_dydx.testing import DydxHarness
from tradeport_dydx.testing.harness import TEST_MNEMONIC, TEST_PRIVATE_KEY

ADDRESS = "dydx1wldnytkerzs39rs28djn0p9vvqer2x2k5x8hjy"


def test_mnemonic_or_key_from_the_config() -> None:
    assert key_of(DydxConfig(mnemonic=TEST_MNEMONIC)).address == ADDRESS
    key = key_of(DydxConfig(private_key=TEST_PRIVATE_KEY, subaccount_number=3))
    assert key.address == ADDRESS
    assert subaccount_of(DydxConfig(subaccount_number=3), key).number == 3
    config = DydxConfig(mnemonic=TEST_MNEMONIC)
    assert TEST_MNEMONIC not in repr(config) and TEST_MNEMONIC not in str(config)


def test_wallet_errors_name_the_field() -> None:
    with pytest.raises(MissingCredentials, match="mnemonic or private_key"):
        key_of(DydxConfig())
    with pytest.raises(ValidationError, match="both"):
        key_of(DydxConfig(mnemonic=TEST_MNEMONIC, private_key=TEST_PRIVATE_KEY))
    with pytest.raises(ValidationError, match="subaccount_number"):
        DydxConfig(subaccount_number=-1)
    with pytest.raises(ValidationError, match="network"):
        DydxConfig(network="devnet")


@pytest.mark.anyio
async def test_short_term_good_til_block_follows_the_height() -> None:
    async with DydxHarness() as harness:
        node = NodeClient(harness.http_url)
        try:
            height = harness.validator.height
            gtb = await short_term_good_til_block(node, 10)
            assert height + 10 <= gtb <= harness.validator.height + 10
            with pytest.raises(ValidationError, match="blocks"):
                await short_term_good_til_block(node, 41)
        finally:
            await node.aclose()
