"""Keys, addresses, protobuf messages and signed transactions against the official SDK's
vectors (github.com/dydxprotocol/v4-clients, v4-client-py-v2/tests/conftest.py,
test_crypto.py, test_v4_proto.py)."""

from __future__ import annotations

import pytest
from tradeport.errors import ValidationError
from tradeport_dydx.chain.keys import (
    DydxKey,
    address_of_public_key,
    check_subaccount_number,
    verify_signature,
)
from tradeport_dydx.chain.proto import (
    CONDITION_STOP_LOSS,
    ORDER_FLAGS_LONG_TERM,
    ORDER_FLAGS_SHORT_TERM,
    SIDE_BUY,
    SIDE_SELL,
    TIF_IOC,
    DecodeError,
    MsgBatchCancel,
    MsgCancelOrder,
    MsgPlaceOrder,
    Order,
    OrderBatch,
    OrderId,
    SubaccountId,
)
from tradeport_dydx.chain.tx import TX_EXTENSION, build_signed_tx, decode_tx, tx_extension_bytes

# conftest.py: account 1 (mnemonic, key, public key, address).
MNEMONIC_1 = (
    "mirror actor skill push coach wait confirm orchard lunch mobile athlete gossip awake "
    "miracle matter bus reopen team ladder lazy list timber render wait"
)
KEY_1 = "e92a6595c934c991d3b3e987ea9b3125bf61a076deab3a9cb519787b7b3e8d77"
PUBKEY_1 = "03f0be763f781b5b59ebc37d721beda913148a539425baa720b97d4820f652ed75"
ADDRESS_1 = "dydx14zzueazeh0hj67cghhf9jypslcf9sh2n5k6art"
# account 2 (the JS client's mnemonic).
MNEMONIC_2 = (
    "movie yard still copper exile wear brisk chest ride dizzy novel future menu finish "
    "radar lunar claim hub middle force turtle mouse frequent embark"
)
ADDRESS_2 = "dydx18sukah44zfkjndlhcdmhkjnarl2sevhwf894vh"
# account 3: the pair test_crypto.py asserts.
MNEMONIC_3 = (
    "mandate glove carry despair area gloom sting round toddler deal face vague receive "
    "shallow confirm south green cup rain drill monkey method tongue fence"
)
KEY_3 = "0a7ff605269ed00853a425beda719da038a11792f6dddf31c087b2988b4dc8fe"
PUBKEY_3 = "0291d1d9fd23334f3d53c3a5b50b56317d8964692320d73d22d7a0b115d5eb574f"
ADDRESS_3 = "dydx1wldnytkerzs39rs28djn0p9vvqer2x2k5x8hjy"

# test_v4_proto.py
SERIALIZED_PLACE_ORDER = (
    b"\nH\n1\n-\n+dydx14zzueazeh0hj67cghhf9jypslcf9sh2n5k6art\x18@\x10\x01\x18\x80\xad\xe2\x04"
    b" \x80\xa0\xbe\x81\x95\x015\t\x9cYfH\x02"
)
SERIALIZED_CANCEL_ORDER = b"\n1\n-\n+dydx14zzueazeh0hj67cghhf9jypslcf9sh2n5k6art\x18@\x1d\t\x9cYf"
GOOD_TIL_BLOCK_TIME = 1717148681
#: The Python client stamps client_metadata = 2 (PY_V2_CLIENT_ID) on every order.
SDK_CLIENT_METADATA = 2


def _order_id(
    owner: str = ADDRESS_1, flags: int = ORDER_FLAGS_LONG_TERM, client_id: int = 0
) -> OrderId:
    return OrderId(SubaccountId(owner, 0), client_id, flags, 0)


@pytest.mark.parametrize(
    ("mnemonic", "address"),
    [(MNEMONIC_1, ADDRESS_1), (MNEMONIC_2, ADDRESS_2), (MNEMONIC_3, ADDRESS_3)],
)
def test_mnemonic_to_address(mnemonic: str, address: str) -> None:
    assert DydxKey.from_mnemonic(mnemonic).address == address


@pytest.mark.parametrize(
    ("key", "pubkey", "address"), [(KEY_1, PUBKEY_1, ADDRESS_1), (KEY_3, PUBKEY_3, ADDRESS_3)]
)
def test_raw_key_to_public_key_and_address(key: str, pubkey: str, address: str) -> None:
    wallet = DydxKey.from_hex(key)
    assert wallet.public_key.hex() == pubkey
    assert wallet.address == address
    assert address_of_public_key(bytes.fromhex(pubkey)) == address
    assert DydxKey.from_hex("0x" + key).address == address


def test_mnemonic_gives_the_sdk_private_key() -> None:
    # conftest pairs mnemonic 3 with key 3: the BIP-44 path m/44'/118'/0'/0/0.
    assert DydxKey.from_mnemonic(MNEMONIC_3).public_key.hex() == PUBKEY_3
    assert DydxKey.from_mnemonic(MNEMONIC_3, index=1).address != ADDRESS_3


def test_key_never_prints() -> None:
    wallet = DydxKey.from_hex(KEY_3)
    assert KEY_3 not in repr(wallet) and ADDRESS_3 in repr(wallet)


def test_bad_keys_name_the_field() -> None:
    with pytest.raises(ValidationError, match="mnemonic"):
        DydxKey.from_mnemonic("not a mnemonic at all")
    with pytest.raises(ValidationError, match="private_key"):
        DydxKey.from_hex("zz")
    with pytest.raises(ValidationError, match="private_key"):
        DydxKey(b"\x00" * 32)
    with pytest.raises(ValidationError, match="subaccount_number"):
        check_subaccount_number(-1)
    assert check_subaccount_number(127) == 127


def test_signature_is_64_bytes_low_s_and_verifies() -> None:
    wallet = DydxKey.from_hex(KEY_3)
    signature = wallet.sign(b"hello, world!")  # test_crypto.py's message
    assert len(signature) == 64
    assert verify_signature(wallet.public_key, b"hello, world!", signature)
    assert not verify_signature(wallet.public_key, b"hello, world?", signature)
    assert not verify_signature(DydxKey.from_hex(KEY_1).public_key, b"hello, world!", signature)
    order = int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16)
    high_s = signature[:32] + (order - int.from_bytes(signature[32:], "big")).to_bytes(32, "big")
    assert not verify_signature(wallet.public_key, b"hello, world!", high_s)  # malleable


def test_place_order_serialization_matches_the_sdk() -> None:
    order = Order(
        _order_id(),
        side=SIDE_BUY,
        quantums=10_000_000,
        subticks=40_000_000_000,
        good_til_block_time=GOOD_TIL_BLOCK_TIME,
        client_metadata=SDK_CLIENT_METADATA,
    )
    assert MsgPlaceOrder(order).encode() == SERIALIZED_PLACE_ORDER
    assert MsgPlaceOrder.decode(SERIALIZED_PLACE_ORDER) == MsgPlaceOrder(order)


def test_cancel_order_serialization_matches_the_sdk() -> None:
    cancel = MsgCancelOrder(_order_id(), good_til_block_time=GOOD_TIL_BLOCK_TIME)
    assert cancel.encode() == SERIALIZED_CANCEL_ORDER
    assert MsgCancelOrder.decode(SERIALIZED_CANCEL_ORDER) == cancel


def test_other_fields_round_trip() -> None:
    # Short-term IOC reduce-only sell with a good-til-block of 0 (a oneof member is written
    # even when 0), a conditional stop with trigger subticks, a batch cancel.
    short = Order(
        _order_id(flags=ORDER_FLAGS_SHORT_TERM, client_id=0xFFFFFFFF),
        side=SIDE_SELL,
        quantums=1,
        subticks=2,
        good_til_block=0,
        time_in_force=TIF_IOC,
        reduce_only=True,
    )
    raw = MsgPlaceOrder(short).encode()
    assert b"\x28\x00" in raw  # field 5 (good_til_block) = 0 is present
    assert MsgPlaceOrder.decode(raw).order == short
    stop = Order(
        _order_id(flags=32),
        side=SIDE_SELL,
        quantums=10,
        subticks=20,
        good_til_block_time=1,
        condition_type=CONDITION_STOP_LOSS,
        conditional_order_trigger_subticks=30,
    )
    assert MsgPlaceOrder.decode(MsgPlaceOrder(stop).encode()).order == stop
    batch = MsgBatchCancel(
        SubaccountId(ADDRESS_1, 3), (OrderBatch(0, (1, 2, 3)), OrderBatch(1, (7,))), 100
    )
    assert MsgBatchCancel.decode(batch.encode()) == batch
    with pytest.raises(DecodeError):
        MsgPlaceOrder.decode(b"\x0a\x05ab")


def test_signed_transaction_decodes_and_verifies() -> None:
    wallet = DydxKey.from_hex(KEY_1)
    place = MsgPlaceOrder(
        Order(
            _order_id(),
            side=SIDE_BUY,
            quantums=10_000_000,
            subticks=40_000_000_000,
            good_til_block_time=GOOD_TIL_BLOCK_TIME,
        )
    )
    tx = build_signed_tx(
        wallet, [place], chain_id="dydx-testnet-4", account_number=7, sequence=3, memo="m"
    )
    decoded = decode_tx(tx.tx_bytes)
    assert decoded.signer == ADDRESS_1
    assert (decoded.sequence, decoded.memo, decoded.gas_limit) == (3, "m", 1_000_000)
    assert decoded.messages[0].type_url == "/dydxprotocol.clob.MsgPlaceOrder"
    assert MsgPlaceOrder.decode(decoded.messages[0].value) == place
    assert decoded.signature_valid("dydx-testnet-4", 7)
    # The signature covers the chain, the account number and the sequence.
    assert not decoded.signature_valid("dydx-mainnet-1", 7)
    assert not decoded.signature_valid("dydx-testnet-4", 8)
    # RFC 6979: the same transaction signs to the same bytes.
    again = build_signed_tx(
        wallet, [place], chain_id="dydx-testnet-4", account_number=7, sequence=3, memo="m"
    )
    assert again.tx_bytes == tx.tx_bytes
    assert len(tx.hash) == 64


def test_an_api_trading_key_selects_its_authenticators() -> None:
    """TxBody field 2047 (non-critical extension options) holds one Any of
    /dydxprotocol.accountplus.TxExtension whose selected_authenticators (field 1, repeated
    uint64) proto3 packs."""
    assert tx_extension_bytes([1]) == bytes([0x0A, 0x01, 0x01])
    assert tx_extension_bytes([3, 300]) == bytes([0x0A, 0x03, 0x03, 0xAC, 0x02])
    trader = DydxKey.from_hex(KEY_1)
    place = MsgPlaceOrder(
        Order(_order_id(), side=SIDE_BUY, quantums=10_000_000, subticks=40_000_000_000)
    )
    plain = build_signed_tx(trader, [place], chain_id="c", account_number=7, sequence=3)
    keyed = build_signed_tx(
        trader, [place], chain_id="c", account_number=7, sequence=3, authenticators=[3, 300]
    )
    decoded = decode_tx(keyed.tx_bytes)
    assert decoded.authenticators == (3, 300)
    assert decode_tx(plain.tx_bytes).authenticators == ()
    # The extension follows the memo in the body: key 2047 << 3 | 2 is the varint FA 7F.
    extension = bytes([0xFA, 0x7F]) + bytes([len(b := _any_extension([3, 300]))]) + b
    assert decoded.body_bytes.endswith(extension)
    assert decoded.signature_valid("c", 7)


def _any_extension(ids: list[int]) -> bytes:
    url = TX_EXTENSION.encode()
    value = tx_extension_bytes(ids)
    return bytes([0x0A, len(url)]) + url + bytes([0x12, len(value)]) + value
