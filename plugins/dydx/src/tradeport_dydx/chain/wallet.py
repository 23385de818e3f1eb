"""The wallet a config names, and good-til-blocks from the node's height."""

from __future__ import annotations

from tradeport.errors import MissingCredentials, ValidationError

from tradeport_dydx.chain.keys import DydxKey
from tradeport_dydx.chain.node import ChainNode
from tradeport_dydx.chain.proto import SubaccountId
from tradeport_dydx.config import DydxConfig
from tradeport_dydx.constants import SHORT_TERM_BLOCK_WINDOW, VENUE_ID

__all__ = ["key_of", "subaccount_of", "short_term_good_til_block"]


def key_of(config: DydxConfig) -> DydxKey:
    """The signing key of ``config``: its ``mnemonic`` or its ``private_key`` (not both)."""
    if config.mnemonic is not None and config.private_key is not None:
        raise ValidationError(
            "dydx.mnemonic", "<redacted>", "and private_key are both set: give one"
        )
    if config.mnemonic is not None:
        return DydxKey.from_mnemonic(config.mnemonic.reveal())
    if config.private_key is not None:
        return DydxKey.from_hex(config.private_key.reveal())
    raise MissingCredentials(VENUE_ID, "signing a transaction", "set mnemonic or private_key")


def subaccount_of(config: DydxConfig, key: DydxKey) -> SubaccountId:
    """The subaccount orders are placed for (of ``config.address``, else the key's own)."""
    return SubaccountId(config.address or key.address, config.subaccount_number)


async def short_term_good_til_block(node: ChainNode, blocks: int = SHORT_TERM_BLOCK_WINDOW) -> int:
    """A short-term order's good-til-block ``blocks`` after the node's current height (at most
    the ShortBlockWindow; at least the next block)."""
    if not 1 <= blocks <= SHORT_TERM_BLOCK_WINDOW:
        raise ValidationError(
            "blocks", blocks, f"must be 1..{SHORT_TERM_BLOCK_WINDOW} (ShortBlockWindow)"
        )
    return await node.latest_height() + blocks
