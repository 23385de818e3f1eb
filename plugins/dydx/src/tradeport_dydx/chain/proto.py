"""The few protobuf messages the plugin sends, encoded and decoded by hand.

The official generated package (``v4-proto``) is AGPL, so the plugin does not use it. Field
numbers and types are those of the public schemas: ``dydxprotocol/clob/order.proto`` and
``tx.proto`` (Order, OrderId, MsgPlaceOrder, MsgCancelOrder, MsgBatchCancel),
``dydxprotocol/subaccounts/subaccount.proto`` (SubaccountId) and the Cosmos SDK's
``cosmos/tx/v1beta1/tx.proto`` (TxBody, AuthInfo, SignerInfo, ModeInfo, Fee, SignDoc, TxRaw).
Encoding follows proto3: scalar fields equal to their default are omitted, except members of a
``oneof`` (good_til_block / good_til_block_time), which are written when set. The output is
byte-identical to the official SDK's (tests/test_chain.py checks its serialization vectors).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from typing import Final

import attrs

__all__ = [
    "ORDER_FLAGS_SHORT_TERM",
    "ORDER_FLAGS_CONDITIONAL",
    "ORDER_FLAGS_LONG_TERM",
    "SIDE_BUY",
    "SIDE_SELL",
    "TIF_UNSPECIFIED",
    "TIF_IOC",
    "TIF_POST_ONLY",
    "CONDITION_UNSPECIFIED",
    "CONDITION_STOP_LOSS",
    "CONDITION_TAKE_PROFIT",
    "SIGN_MODE_DIRECT",
    "MSG_PLACE_ORDER",
    "MSG_CANCEL_ORDER",
    "MSG_BATCH_CANCEL",
    "PUBKEY_SECP256K1",
    "SubaccountId",
    "OrderId",
    "Order",
    "MsgPlaceOrder",
    "MsgCancelOrder",
    "OrderBatch",
    "MsgBatchCancel",
    "Any",
    "encode_pubkey",
    "decode_fields",
    "DecodeError",
]

ORDER_FLAGS_SHORT_TERM: Final = 0
ORDER_FLAGS_CONDITIONAL: Final = 32
ORDER_FLAGS_LONG_TERM: Final = 64
SIDE_BUY: Final = 1
SIDE_SELL: Final = 2
#: Order.TimeInForce: UNSPECIFIED is a resting (GTC-like) order until its good-til.
TIF_UNSPECIFIED: Final = 0
TIF_IOC: Final = 1
TIF_POST_ONLY: Final = 2
CONDITION_UNSPECIFIED: Final = 0
CONDITION_STOP_LOSS: Final = 1
CONDITION_TAKE_PROFIT: Final = 2
#: cosmos.tx.signing.v1beta1.SignMode
SIGN_MODE_DIRECT: Final = 1

MSG_PLACE_ORDER: Final = "/dydxprotocol.clob.MsgPlaceOrder"
MSG_CANCEL_ORDER: Final = "/dydxprotocol.clob.MsgCancelOrder"
MSG_BATCH_CANCEL: Final = "/dydxprotocol.clob.MsgBatchCancel"
PUBKEY_SECP256K1: Final = "/cosmos.crypto.secp256k1.PubKey"

_VARINT, _FIXED64, _LEN, _FIXED32 = 0, 1, 2, 5


class DecodeError(ValueError):
    """Bytes that are not the protobuf message expected."""


# -- encoding ----------------------------------------------------------------------------------


def varint(value: int) -> bytes:
    if value < 0:
        value += 1 << 64  # proto int64 negatives are ten-byte varints
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(field: int, wire: int) -> bytes:
    return varint(field << 3 | wire)


def field_varint(field: int, value: int, *, always: bool = False) -> bytes:
    if not value and not always:
        return b""
    return _key(field, _VARINT) + varint(int(value))


def field_fixed32(field: int, value: int, *, always: bool = False) -> bytes:
    if not value and not always:
        return b""
    return _key(field, _FIXED32) + struct.pack("<I", value)


def field_bytes(field: int, value: bytes | str, *, always: bool = False) -> bytes:
    raw = value.encode() if isinstance(value, str) else value
    if not raw and not always:
        return b""
    return _key(field, _LEN) + varint(len(raw)) + raw


# -- decoding (the mock validator reads what the client sends) --------------------------------


def decode_fields(data: bytes) -> dict[int, list[int | bytes]]:
    """Field number -> values in order (varints and fixed as ints, length-delimited as bytes)."""
    fields: dict[int, list[int | bytes]] = {}
    pos, end = 0, len(data)

    def read_varint() -> int:
        nonlocal pos
        shift = result = 0
        while True:
            if pos >= end or shift > 63:
                raise DecodeError("truncated varint")
            byte = data[pos]
            pos += 1
            result |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return result
            shift += 7

    while pos < end:
        key = read_varint()
        field, wire = key >> 3, key & 7
        value: int | bytes
        if wire == _VARINT:
            value = read_varint()
        elif wire == _FIXED32:
            if pos + 4 > end:
                raise DecodeError("truncated fixed32")
            value = struct.unpack_from("<I", data, pos)[0]
            pos += 4
        elif wire == _FIXED64:
            if pos + 8 > end:
                raise DecodeError("truncated fixed64")
            value = struct.unpack_from("<Q", data, pos)[0]
            pos += 8
        elif wire == _LEN:
            length = read_varint()
            if pos + length > end:
                raise DecodeError("truncated length-delimited field")
            value = data[pos : pos + length]
            pos += length
        else:
            raise DecodeError(f"unsupported wire type {wire}")
        if field == 0:
            raise DecodeError("field number 0")
        fields.setdefault(field, []).append(value)
    return fields


def _one(fields: dict[int, list[int | bytes]], field: int, default: int | bytes) -> int | bytes:
    values = fields.get(field)
    return values[-1] if values else default


def _int(fields: dict[int, list[int | bytes]], field: int) -> int:
    value = _one(fields, field, 0)
    if not isinstance(value, int):
        raise DecodeError(f"field {field} is not a number")
    return value


def _opt_int(fields: dict[int, list[int | bytes]], field: int) -> int | None:
    return _int(fields, field) if field in fields else None


def _bytes(fields: dict[int, list[int | bytes]], field: int) -> bytes:
    value = _one(fields, field, b"")
    if not isinstance(value, bytes):
        raise DecodeError(f"field {field} is not length-delimited")
    return value


# -- messages ----------------------------------------------------------------------------------


@attrs.frozen
class SubaccountId:
    """dydxprotocol.subaccounts.SubaccountId{owner = 1, number = 2}."""

    owner: str
    number: int = 0

    def encode(self) -> bytes:
        return field_bytes(1, self.owner) + field_varint(2, self.number)

    @classmethod
    def decode(cls, data: bytes) -> SubaccountId:
        f = decode_fields(data)
        return cls(_bytes(f, 1).decode(), _int(f, 2))


@attrs.frozen
class OrderId:
    """OrderId{subaccount_id = 1, client_id = 2 (fixed32), order_flags = 3, clob_pair_id = 4}."""

    subaccount_id: SubaccountId
    client_id: int
    order_flags: int
    clob_pair_id: int

    def encode(self) -> bytes:
        return (
            field_bytes(1, self.subaccount_id.encode(), always=True)
            + field_fixed32(2, self.client_id)
            + field_varint(3, self.order_flags)
            + field_varint(4, self.clob_pair_id)
        )

    @classmethod
    def decode(cls, data: bytes) -> OrderId:
        f = decode_fields(data)
        return cls(SubaccountId.decode(_bytes(f, 1)), _int(f, 2), _int(f, 3), _int(f, 4))


@attrs.frozen
class Order:
    """dydxprotocol.clob.Order (fields 1-11; builder codes, TWAP and router are not sent)."""

    order_id: OrderId
    side: int
    quantums: int
    subticks: int
    good_til_block: int | None = None
    good_til_block_time: int | None = None
    time_in_force: int = TIF_UNSPECIFIED
    reduce_only: bool = False
    client_metadata: int = 0
    condition_type: int = CONDITION_UNSPECIFIED
    conditional_order_trigger_subticks: int = 0

    def encode(self) -> bytes:
        out = (
            field_bytes(1, self.order_id.encode(), always=True)
            + field_varint(2, self.side)
            + field_varint(3, self.quantums)
            + field_varint(4, self.subticks)
        )
        if self.good_til_block is not None:  # oneof good_til_oneof
            out += field_varint(5, self.good_til_block, always=True)
        if self.good_til_block_time is not None:
            out += field_fixed32(6, self.good_til_block_time, always=True)
        return (
            out
            + field_varint(7, self.time_in_force)
            + field_varint(8, int(self.reduce_only))
            + field_varint(9, self.client_metadata)
            + field_varint(10, self.condition_type)
            + field_varint(11, self.conditional_order_trigger_subticks)
        )

    @classmethod
    def decode(cls, data: bytes) -> Order:
        f = decode_fields(data)
        return cls(
            order_id=OrderId.decode(_bytes(f, 1)),
            side=_int(f, 2),
            quantums=_int(f, 3),
            subticks=_int(f, 4),
            good_til_block=_opt_int(f, 5),
            good_til_block_time=_opt_int(f, 6),
            time_in_force=_int(f, 7),
            reduce_only=bool(_int(f, 8)),
            client_metadata=_int(f, 9),
            condition_type=_int(f, 10),
            conditional_order_trigger_subticks=_int(f, 11),
        )


@attrs.frozen
class MsgPlaceOrder:
    """MsgPlaceOrder{order = 1}."""

    order: Order
    type_url = MSG_PLACE_ORDER

    def encode(self) -> bytes:
        return field_bytes(1, self.order.encode(), always=True)

    @classmethod
    def decode(cls, data: bytes) -> MsgPlaceOrder:
        return cls(Order.decode(_bytes(decode_fields(data), 1)))


@attrs.frozen
class MsgCancelOrder:
    """MsgCancelOrder{order_id = 1, oneof {good_til_block = 2, good_til_block_time = 3 (fixed32)}}."""

    order_id: OrderId
    good_til_block: int | None = None
    good_til_block_time: int | None = None
    type_url = MSG_CANCEL_ORDER

    def encode(self) -> bytes:
        out = field_bytes(1, self.order_id.encode(), always=True)
        if self.good_til_block is not None:
            out += field_varint(2, self.good_til_block, always=True)
        if self.good_til_block_time is not None:
            out += field_fixed32(3, self.good_til_block_time, always=True)
        return out

    @classmethod
    def decode(cls, data: bytes) -> MsgCancelOrder:
        f = decode_fields(data)
        return cls(OrderId.decode(_bytes(f, 1)), _opt_int(f, 2), _opt_int(f, 3))


@attrs.frozen
class OrderBatch:
    """OrderBatch{clob_pair_id = 1, client_ids = 2 (repeated fixed32, packed)}."""

    clob_pair_id: int
    client_ids: tuple[int, ...]

    def encode(self) -> bytes:
        packed = b"".join(struct.pack("<I", c) for c in self.client_ids)
        return field_varint(1, self.clob_pair_id) + field_bytes(2, packed)

    @classmethod
    def decode(cls, data: bytes) -> OrderBatch:
        f = decode_fields(data)
        ids: list[int] = []
        for value in f.get(2, []):
            if isinstance(value, bytes):  # packed
                ids.extend(struct.unpack(f"<{len(value) // 4}I", value))
            else:
                ids.append(value)
        return cls(_int(f, 1), tuple(ids))


@attrs.frozen
class MsgBatchCancel:
    """MsgBatchCancel{subaccount_id = 1, short_term_cancels = 2, good_til_block = 3}."""

    subaccount_id: SubaccountId
    short_term_cancels: tuple[OrderBatch, ...]
    good_til_block: int
    type_url = MSG_BATCH_CANCEL

    def encode(self) -> bytes:
        return (
            field_bytes(1, self.subaccount_id.encode(), always=True)
            + b"".join(field_bytes(2, b.encode(), always=True) for b in self.short_term_cancels)
            + field_varint(3, self.good_til_block)
        )

    @classmethod
    def decode(cls, data: bytes) -> MsgBatchCancel:
        f = decode_fields(data)
        batches = tuple(OrderBatch.decode(v) for v in f.get(2, []) if isinstance(v, bytes))
        return cls(SubaccountId.decode(_bytes(f, 1)), batches, _int(f, 3))


@attrs.frozen
class Any:
    """google.protobuf.Any{type_url = 1, value = 2}."""

    type_url: str
    value: bytes

    def encode(self) -> bytes:
        return field_bytes(1, self.type_url) + field_bytes(2, self.value)

    @classmethod
    def decode(cls, data: bytes) -> Any:
        f = decode_fields(data)
        return cls(_bytes(f, 1).decode(), _bytes(f, 2))


def encode_pubkey(public_key: bytes) -> bytes:
    """cosmos.crypto.secp256k1.PubKey{key = 1} packed in an Any."""
    return Any(PUBKEY_SECP256K1, field_bytes(1, public_key)).encode()


def repeated(field: int, items: Iterable[bytes]) -> bytes:
    """A repeated message field."""
    return b"".join(field_bytes(field, item, always=True) for item in items)
