"""Capabilities are data: conservative defaults, conversion from plain values, stable output."""

from __future__ import annotations

from tradeport.clients.capabilities import Capabilities, DataType
from tradeport.model.enums import OrderType, PegPriceType, ProductType, TimeInForce


def test_defaults_claim_nothing() -> None:
    caps = Capabilities()
    assert not caps.execution and not caps.products and not caps.data
    assert not any([caps.modify_order, caps.batch_cancel, caps.cancel_all, caps.order_lists,
                    caps.post_only, caps.reduce_only, caps.positions, caps.private_streams])


def test_order_matrix_and_lookups() -> None:
    caps = Capabilities(
        products=["SPOT", ProductType.PERPETUAL],
        data=["QUOTES"],
        orders={OrderType.LIMIT: ["GTC", "IOC"], "MARKET": ["IOC"]},
    )
    assert caps.supports_order(OrderType.LIMIT, TimeInForce.IOC)
    assert not caps.supports_order(OrderType.MARKET, TimeInForce.GTC)
    assert caps.time_in_force_for(OrderType.LIMIT) == {TimeInForce.GTC, TimeInForce.IOC}
    assert caps.supports_data(DataType.QUOTES) and not caps.supports_data(DataType.BARS)
    d = caps.to_dict()
    assert d["orders"] == {"MARKET": ["IOC"], "LIMIT": ["GTC", "IOC"]}
    assert d["products"] == ["PERPETUAL", "SPOT"]
    table = caps.markdown_table()
    assert "| order LIMIT | GTC, IOC |" in table and "| modify_order | no |" in table


def test_unknown_values_are_refused() -> None:
    import pytest

    with pytest.raises(ValueError, match="'WARP'"):
        Capabilities(data=["WARP"])


def test_pegged_orders_declare_their_references() -> None:
    import pytest

    caps = Capabilities(
        orders={OrderType.LIMIT: ["GTC"], OrderType.PEGGED: ["GTC", "IOC"]},
        peg_price_types=["PRIMARY", PegPriceType.MARKET],
    )
    assert caps.supports_order(OrderType.PEGGED, TimeInForce.IOC)
    assert caps.supports_peg(PegPriceType.PRIMARY) and not caps.supports_peg(PegPriceType.MID)
    assert caps.to_dict()["peg_price_types"] == ["MARKET", "PRIMARY"]
    table = caps.markdown_table()
    assert "| order PEGGED | GTC, IOC |" in table
    assert "| peg_price_types | MARKET, PRIMARY |" in table
    # A venue without pegged orders gets no peg row at all.
    plain = Capabilities(orders={OrderType.LIMIT: ["GTC"]})
    assert plain.to_dict()["peg_price_types"] == []
    assert "peg_price_types" not in plain.markdown_table()
    with pytest.raises(ValueError, match="peg_price_types must name"):
        Capabilities(orders={OrderType.PEGGED: ["GTC"]})
    with pytest.raises(ValueError, match="without PEGGED"):
        Capabilities(orders={OrderType.LIMIT: ["GTC"]}, peg_price_types=["MID"])
    with pytest.raises(ValueError, match="'NEAR'"):
        Capabilities(orders={OrderType.PEGGED: ["GTC"]}, peg_price_types=["NEAR"])
