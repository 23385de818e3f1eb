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


def test_bounded_history_depth_is_declared_per_kind() -> None:
    import pytest
    from tradeport.clients.capabilities import HistoryType

    caps = Capabilities(history=["BARS", "TRADES"], history_depth={"BARS": 720})
    assert caps.history_limit(HistoryType.BARS) == 720 and caps.history_limit("BARS") == 720
    assert caps.history_limit("TRADES") is None  # not named: unbounded
    assert caps.to_dict()["history_depth"] == {"BARS": 720}
    assert "| history_depth (latest records) | BARS 720 |" in caps.markdown_table()
    with pytest.raises(TypeError):
        caps.history_depth[HistoryType.TRADES] = 5  # type: ignore[index]
    hash(caps)  # still usable as a key, like every other declaration
    # Unbounded venues keep their tables as they were.
    assert "history_depth" not in Capabilities(history=["BARS"]).markdown_table()
    with pytest.raises(ValueError, match="TRADES, which history does not declare"):
        Capabilities(history=["BARS"], history_depth={"TRADES": 100})
    with pytest.raises(ValueError, match=r"history_depth\[BARS\]: 0 is not a positive"):
        Capabilities(history=["BARS"], history_depth={"BARS": 0})
    with pytest.raises(ValueError, match="unknown history kind 'CANDLES'"):
        Capabilities(history=["BARS"], history_depth={"CANDLES": 5})


def test_the_plugin_guide_history_depth_example_runs() -> None:
    import re
    from pathlib import Path

    doc = Path(__file__).resolve().parents[2] / "docs" / "plugin-guide.md"
    section = doc.read_text().split("## 9. Capabilities", 1)[1].split("\n## ", 1)[0]
    (source,) = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    assert "history_depth" in source
    exec(compile(source, f"{doc}:capabilities", "exec"), {"__name__": "__doc_example__"})
