"""Signing reproduces the official Python SDK's test vectors exactly.

Vectors: hyperliquid-dex/hyperliquid-python-sdk ``tests/signing_test.py`` (commit 7ee976d; see
test_data/SOURCES.md). The order actions are built with the plugin's own wire builders, so a
vector also proves the wire format (key order, float_to_wire strings) the venue hashes.
"""

from __future__ import annotations

from decimal import Decimal

import anyio
import anyio.lowlevel
import pytest
from tradeport.net.nonce import NonceSource
from tradeport.secrets import Secret
from tradeport_hyperliquid.credential import (
    Wallet,
    action_hash,
    nonce_source_for,
    phantom_agent,
    recover_l1_signer,
    recover_user_signed_signer,
    sign_l1_action,
    sign_user_signed_action,
)
from tradeport_hyperliquid.http.query import (
    float_to_int_for_hashing,
    float_to_wire,
    limit_order_type,
    order_action,
    order_wire,
    trigger_order_type,
)
from tradeport_hyperliquid.symbology import client_order_id_of

KEY = "0x0123456789012345678901234567890123456789012345678901234567890123"
VAULT = "0x1719884eb866cb12b2287399b15f7db5e7d775ea"


def _sig(r: str, s: str, v: int) -> dict:
    return {"r": r, "s": s, "v": v}


def _order_100_at_100(order_type: dict, cloid: str | None = None) -> dict:
    wire = order_wire(1, True, Decimal(100), Decimal(100), False, order_type, cloid)
    return order_action([wire])


def test_phantom_agent_hash_matches_production() -> None:
    wire = order_wire(4, True, Decimal("1670.1"), Decimal("0.0147"), False, limit_order_type("Ioc"))
    connection_id = action_hash(order_action([wire]), None, 1677777606040)
    assert phantom_agent(connection_id, True)["connectionId"].hex() == (
        "0fcbeda5ae3c4950a548021552a4fea2226858c4453571bf3f24ba017eac2908"
    )


def test_l1_action_mainnet_and_testnet() -> None:
    action = {"type": "dummy", "num": float_to_int_for_hashing(Decimal(1000))}
    assert sign_l1_action(KEY, action, None, 0, True) == _sig(
        "0x53749d5b30552aeb2fca34b530185976545bb22d0b3ce6f62e31be961a59298",
        "0x755c40ba9bf05223521753995abb2f73ab3229be8ec921f350cb447e384d8ed8",
        27,
    )
    assert sign_l1_action(KEY, action, None, 0, False) == _sig(
        "0x542af61ef1f429707e3c76c5293c80d01f74ef853e34b76efffcb57e574f9510",
        "0x17b8b32f086e8cdede991f1e2c529f5dd5297cbe8128500e00cbaf766204a613",
        28,
    )


def test_l1_action_with_vault() -> None:
    action = {"type": "dummy", "num": float_to_int_for_hashing(Decimal(1000))}
    assert sign_l1_action(KEY, action, VAULT, 0, True) == _sig(
        "0x3c548db75e479f8012acf3000ca3a6b05606bc2ec0c29c50c515066a326239",
        "0x4d402be7396ce74fbba3795769cda45aec00dc3125a984f2a9f23177b190da2c",
        28,
    )
    assert sign_l1_action(KEY, action, VAULT, 0, False) == _sig(
        "0xe281d2fb5c6e25ca01601f878e4d69c965bb598b88fac58e475dd1f5e56c362b",
        "0x7ddad27e9a238d045c035bc606349d075d5c5cd00a6cd1da23ab5c39d4ef0f60",
        27,
    )
    # The Wallet signs for its vault the same way.
    wallet = Wallet(Secret(KEY), vault_address=VAULT)
    assert wallet.sign_l1(action, 0, True)["r"].startswith("0x3c548db7")


def test_order_gtc() -> None:
    action = _order_100_at_100(limit_order_type("Gtc"))
    assert sign_l1_action(KEY, action, None, 0, True) == _sig(
        "0xd65369825a9df5d80099e513cce430311d7d26ddf477f5b3a33d2806b100d78e",
        "0x2b54116ff64054968aa237c20ca9ff68000f977c93289157748a3162b6ea940e",
        28,
    )
    assert sign_l1_action(KEY, action, None, 0, False) == _sig(
        "0x82b2ba28e76b3d761093aaded1b1cdad4960b3af30212b343fb2e6cdfa4e3d54",
        "0x6b53878fc99d26047f4d7e8c90eb98955a109f44209163f52d8dc4278cbbd9f5",
        27,
    )


def test_order_with_cloid() -> None:
    action = _order_100_at_100(limit_order_type("Gtc"), "0x00000000000000000000000000000001")
    assert sign_l1_action(KEY, action, None, 0, True) == _sig(
        "0x41ae18e8239a56cacbc5dad94d45d0b747e5da11ad564077fcac71277a946e3",
        "0x3c61f667e747404fe7eea8f90ab0e76cc12ce60270438b2058324681a00116da",
        27,
    )
    assert sign_l1_action(KEY, action, None, 0, False) == _sig(
        "0xeba0664bed2676fc4e5a743bf89e5c7501aa6d870bdb9446e122c9466c5cd16d",
        "0x7f3e74825c9114bc59086f1eebea2928c190fdfbfde144827cb02b85bbe90988",
        28,
    )
    # The cloid maps back to the tradeport id it stands for.
    assert str(client_order_id_of("0x00000000000000000000000000000001")) == (
        "00000000000000000000000000000001"
    )


def test_trigger_order_sl() -> None:
    action = _order_100_at_100(trigger_order_type(Decimal(103), True, "sl"))
    assert sign_l1_action(KEY, action, None, 0, True) == _sig(
        "0x98343f2b5ae8e26bb2587daad3863bc70d8792b09af1841b6fdd530a2065a3f9",
        "0x6b5bb6bb0633b710aa22b721dd9dee6d083646a5f8e581a20b545be6c1feb405",
        27,
    )
    assert sign_l1_action(KEY, action, None, 0, False) == _sig(
        "0x971c554d917c44e0e1b6cc45d8f9404f32172a9d3b3566262347d0302896a2e4",
        "0x206257b104788f80450f8e786c329daa589aa0b32ba96948201ae556d5637eac",
        28,
    )


def test_schedule_cancel() -> None:
    assert sign_l1_action(KEY, {"type": "scheduleCancel"}, None, 0, True) == _sig(
        "0x6cdfb286702f5917e76cd9b3b8bf678fcc49aec194c02a73e6d4f16891195df9",
        "0x6557ac307fa05d25b8d61f21fb8a938e703b3d9bf575f6717ba21ec61261b2a0",
        27,
    )
    timed = {"type": "scheduleCancel", "time": 123456789}
    assert sign_l1_action(KEY, timed, None, 0, False) == _sig(
        "0x4e4f2dbd4107c69783e251b7e1057d9f2b9d11cee213441ccfa2be63516dc5bc",
        "0x706c656b23428c8ba356d68db207e11139ede1670481a9e01ae2dfcdb0e1a678",
        27,
    )


def test_user_signed_usd_send_and_withdraw() -> None:
    message = {
        "destination": "0x5e9ee1089755c3435139848e47e6635505d5a13a",
        "amount": "1",
        "time": 1687816341423,
    }
    usd_send = dict(message, type="usdSend")
    assert sign_user_signed_action(KEY, "UsdSend", usd_send, False) == _sig(
        "0x637b37dd731507cdd24f46532ca8ba6eec616952c56218baeff04144e4a77073",
        "0x11a6a24900e6e314136d2592e2f8d502cd89b7c15b198e1bee043c9589f9fad7",
        27,
    )
    assert usd_send["hyperliquidChain"] == "Testnet" and usd_send["signatureChainId"] == "0x66eee"
    withdraw = dict(message, type="withdraw3")
    signature = sign_user_signed_action(KEY, "Withdraw", withdraw, False)
    assert signature == _sig(
        "0x8363524c799e90ce9bc41022f7c39b4e9bdba786e5f9c72b20e43e1462c37cf9",
        "0x58b1411a775938b83e29182e8ef74975f9054c8e97ebf5ec2dc8d51bfc893881",
        28,
    )
    wallet = Wallet(Secret(KEY))
    assert recover_user_signed_signer("Withdraw", withdraw, signature) == wallet.signer


def test_recovery_finds_the_signer_and_a_changed_byte_does_not() -> None:
    wallet = Wallet(Secret(KEY))
    action = _order_100_at_100(limit_order_type("Gtc"))
    signature = sign_l1_action(KEY, action, None, 7, True)
    assert recover_l1_signer(action, signature, None, 7, True) == wallet.signer
    # "100" vs "100.0" on the wire: another hash, another (random) signer.
    action["orders"][0]["p"] = "100.0"
    assert recover_l1_signer(action, signature, None, 7, True) != wallet.signer
    assert recover_l1_signer(action, signature, None, 7, False) != wallet.signer


@pytest.mark.parametrize(
    ("value", "wire"),
    [
        ("100", "100"),
        ("1670.1", "1670.1"),
        ("0.0147", "0.0147"),
        ("0.10000000", "0.1"),
        ("-0", "0"),
        ("123.456789", "123.456789"),
        ("0.00000001", "0.00000001"),
    ],
)
def test_float_to_wire_as_the_sdk(value: str, wire: str) -> None:
    assert float_to_wire(Decimal(value)) == wire


def test_float_to_wire_refuses_rounding() -> None:
    with pytest.raises(ValueError, match="rounding"):
        float_to_wire(Decimal("0.000000001"))
    assert float_to_int_for_hashing(Decimal("0.00001231")) == 1231
    with pytest.raises(ValueError):
        float_to_int_for_hashing(Decimal("0.000012312312"))


def test_nonce_source_strictly_increasing_in_one_millisecond() -> None:
    source = nonce_source_for("0x" + "77" * 20, clock_ns=lambda: 1_700_000_000_000_000_000)
    nonces = [source.next() for _ in range(5)]
    assert nonces == [1_700_000_000_000 + i for i in range(5)]
    # One source per signer, shared by every client in the process.
    assert nonce_source_for("0x" + "77" * 20) is source
    assert nonce_source_for("0x" + "78" * 20) is not source


@pytest.mark.anyio
async def test_nonce_source_concurrent_tasks_get_distinct_nonces() -> None:
    source = NonceSource("ms")
    got: list[int] = []

    async def take() -> None:
        await anyio.lowlevel.checkpoint()
        got.append(source.next())

    async with anyio.create_task_group() as group:
        for _ in range(50):
            group.start_soon(take)
    assert len(set(got)) == 50 and sorted(got) == got


def test_wallet_agent_and_repr_never_show_the_key() -> None:
    master = "0x" + "ab" * 20
    wallet = Wallet(Secret(KEY), account_address=master)
    assert wallet.is_agent and wallet.user == master
    assert KEY[2:] not in repr(wallet)
    with pytest.raises(Exception, match="private key") as err:
        Wallet(Secret("0x1234"))
    assert "1234" not in str(err.value)
