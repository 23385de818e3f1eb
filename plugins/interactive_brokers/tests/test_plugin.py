"""Registration, config and the README (capability table, runnable example)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import pytest
from tradeport.errors import ConfigError
from tradeport.plugins import load_plugins
from tradeport_conformance.harness import wait_until
from tradeport_interactive_brokers.config import InteractiveBrokersConfig
from tradeport_interactive_brokers.constants import CAPABILITIES
from tradeport_interactive_brokers.testing import InteractiveBrokersHarness

README = Path(__file__).resolve().parents[1] / "README.md"


def test_entry_point_registers_a_broker() -> None:
    spec = load_plugins({}).venue("interactive_brokers")
    assert (spec.venue_id, spec.kind.value) == ("INTERACTIVE_BROKERS", "BROKER")
    assert spec.capabilities == CAPABILITIES and spec.capabilities.resolve_instruments
    assert {"NASDAQ", "CME", "IDEALPRO", "SMART"} <= set(spec.instrument_venues)
    assert spec.urls["gateway_paper"].endswith(":4002")


def test_default_ports() -> None:
    assert InteractiveBrokersConfig().api_port == 4002
    assert InteractiveBrokersConfig(trading_mode="live").api_port == 4001
    assert InteractiveBrokersConfig(application="tws").api_port == 7497
    assert InteractiveBrokersConfig(application="tws", trading_mode="live").api_port == 7496
    assert InteractiveBrokersConfig(port=4100).api_port == 4100


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("application", "ibkr"),
        ("trading_mode", "demo"),
        ("market_data_type", 5),
        ("symbology", "nautilus"),
        ("client_id", -1),
        ("port", 70000),
        ("max_messages_per_second", 51),
    ],
)
def test_config_refuses_bad_values_naming_the_field(field: str, value: Any) -> None:
    with pytest.raises(ConfigError, match=field) as err:
        InteractiveBrokersConfig(**{field: value})
    assert repr(value) in str(err.value)


def test_readme_capability_table_is_the_generated_one() -> None:
    text = README.read_text(encoding="utf-8")
    match = re.search(
        r"<!-- capability-table[^>]*-->\n(.*?)\n<!-- end capability-table -->", text, re.S
    )
    assert match is not None
    assert match.group(1) == CAPABILITIES.markdown_table()


@pytest.mark.anyio
async def test_readme_example_runs_against_the_mock_gateway() -> None:
    """The README's example, with its config pointed at the mock gateway: it resolves AAPL,
    gets a quote and has its order accepted."""
    text = README.read_text(encoding="utf-8")
    source = re.search(r"```python\n(.*?)```", text, re.S).group(1)  # type: ignore[union-attr]
    assert 'config = {"application": "gateway", "trading_mode": "paper", "client_id": 7}' in source
    source = source.replace("anyio.run(main)\n", "")
    async with InteractiveBrokersHarness() as harness:
        config = harness.client_config()
        source = source.replace(
            'config = {"application": "gateway", "trading_mode": "paper", "client_id": 7}',
            f"config = {config!r}",
        )
        printed: list[Any] = []
        namespace: dict[str, Any] = {"print": printed.append}
        exec(compile(source, str(README), "exec"), namespace)
        with anyio.fail_after(15):
            async with anyio.create_task_group() as group:
                group.start_soon(namespace["main"])
                con_id = 265598
                await harness.gateway.wait_for_subscriber("quotes", con_id)
                await harness.gateway.publish_quote(
                    con_id, Decimal("99.5"), Decimal("99.6"), Decimal(100), Decimal(200)
                )
                await wait_until(
                    lambda: {"QuoteTick", "OrderAccepted"} <= {type(e).__name__ for e in printed},
                    what="the example's quote and order acceptance",
                )
                group.cancel_scope.cancel()
    assert harness.exchange.open_orders("AAPL")[0].price == 100
