"""The TWS API wire format against the documented examples (tests/test_data/SOURCES.md)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tradeport.errors import MessageTooLarge
from tradeport_interactive_brokers.contract import Contract
from tradeport_interactive_brokers.messages import (
    OrderFields,
    cancel_order,
    place_order,
    req_contract_details,
    req_mkt_data,
    start_api,
)
from tradeport_interactive_brokers.parse import parse_error
from tradeport_interactive_brokers.testing import render
from tradeport_interactive_brokers.wire import (
    FRAMING,
    ProtocolError,
    as_decimal,
    decode_fields,
    encode_fields,
    field_text,
    handshake,
    parse_server_hello,
)

AAPL = Contract(
    symbol="AAPL", sec_type="STK", exchange="SMART", primary_exchange="NASDAQ", currency="USD"
)


def test_handshake_is_api_prefix_then_framed_version_range() -> None:
    assert handshake(176, 178) == b"API\x00" + (9).to_bytes(4, "big") + b"v176..178"
    assert (
        handshake(176, 178, "+PACEAPI")
        == b"API\x00" + (18).to_bytes(4, "big") + b"v176..178 +PACEAPI"
    )


def test_server_hello_version_and_time() -> None:
    frame = FRAMING.encode(b"176\x0020260101 12:00:00 UTC\x00")
    (payload,) = FRAMING.decoder().feed(frame)
    assert parse_server_hello(decode_fields(payload)) == (176, "20260101 12:00:00 UTC")
    with pytest.raises(ProtocolError):
        parse_server_hello(["hello"])


def test_start_api_next_valid_id_managed_accounts() -> None:
    assert start_api(7) == b"71\x002\x007\x00\x00"
    assert decode_fields(render.next_valid_id(1)) == ["9", "1", "1"]
    assert decode_fields(render.managed_accounts(["DU123", "DU456"])) == ["15", "1", "DU123,DU456"]


def test_fields_encoding() -> None:
    assert field_text(None) == "" and field_text(True) == "1" and field_text(False) == "0"
    assert field_text(Decimal("1E+2")) == "100" and field_text(Decimal("0.0500")) == "0.05"
    assert field_text(Decimal("0.00005")) == "0.00005"  # never an exponent
    with pytest.raises(ValueError, match="NUL"):
        encode_fields("a\x00b")
    with pytest.raises(ProtocolError, match="NUL"):
        decode_fields(b"9\x001")
    assert as_decimal("1.7976931348623157E308") is None and as_decimal("") is None
    assert as_decimal("2147483647") is None and as_decimal("0.25") == Decimal("0.25")


def test_frames_split_across_reads_and_size_cap() -> None:
    frames = FRAMING.encode(b"4\x002\x00-1\x002104\x00ok\x00\x00") + FRAMING.encode(
        b"49\x001\x00123\x00"
    )
    decoder = FRAMING.decoder()
    out = []
    for byte in frames:
        out += decoder.feed(bytes([byte]))
    assert [decode_fields(m)[0] for m in out] == ["4", "49"]
    assert parse_error(decode_fields(out[0])).code == 2104
    with pytest.raises(MessageTooLarge):
        FRAMING.decoder(max_message_size=100).feed((10_000).to_bytes(4, "big"))


def test_request_layouts() -> None:
    """reqMktData v11 and reqContractDetails v8: the contract's twelve fields in order."""
    assert decode_fields(req_mkt_data(5, AAPL)) == [
        "1",
        "11",
        "5",
        "0",
        "AAPL",
        "STK",
        "",
        "",
        "",
        "",
        "SMART",
        "NASDAQ",
        "USD",
        "",
        "",
        "0",
        "",
        "0",
        "0",
        "",
    ]
    fields = decode_fields(req_contract_details(9, AAPL, 178))
    assert fields[:3] == ["9", "8", "9"] and fields[4:6] == ["AAPL", "STK"]
    assert len(fields) == 3 + 12 + 4  # includeExpired, secIdType, secId, issuerId (176+)


def test_place_order_layout_by_server_version() -> None:
    """placeOrder drops faProfile from server version 177: one field fewer."""
    order = OrderFields(
        action="BUY",
        total_quantity=Decimal(100),
        order_type="LMT",
        lmt_price=Decimal("150.25"),
        tif="GTC",
        order_ref="c-1",
    )
    at_178 = decode_fields(place_order(12, Contract(con_id=265598, exchange="SMART"), order, 178))
    at_176 = decode_fields(place_order(12, Contract(con_id=265598, exchange="SMART"), order, 176))
    assert len(at_176) == len(at_178) + 1
    assert at_178[:2] == ["3", "12"] and at_178[2] == "265598"
    assert at_178[16:22] == ["BUY", "100", "LMT", "150.25", "", "GTC"]
    assert at_178[26] == "c-1"  # orderRef
    assert decode_fields(cancel_order(12, 178)) == ["4", "1", "12", ""]
