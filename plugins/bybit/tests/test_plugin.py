"""Registration, config (env vars, environments, URL overrides) and the README table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tradeport.config import config_to_dict, load_config
from tradeport.errors import ConfigError
from tradeport.plugins import load_plugins
from tradeport_bybit.config import ENV_VARS, BybitConfig
from tradeport_bybit.constants import CAPABILITIES
from tradeport_bybit.enums import BybitCategory
from tradeport_bybit.urls import http_base_url, ws_private_url, ws_public_url, ws_trade_url


def test_entry_point_registers_bybit() -> None:
    registry = load_plugins({})
    spec = registry.venue("bybit")
    assert spec.venue_id == "BYBIT"
    assert spec.capabilities == CAPABILITIES
    assert spec.config_type is BybitConfig
    assert {e.name for e in spec.env_vars} >= {"BYBIT_API_KEY", "BYBIT_API_SECRET"}


def test_config_from_env_and_dict() -> None:
    config = load_config(
        BybitConfig,
        {"categories": ["linear", "option"], "testnet": True},
        env_vars=ENV_VARS,
        environ={"BYBIT_API_KEY": "k", "BYBIT_API_SECRET": "s3cr3t"},
    )
    assert config.categories == (BybitCategory.LINEAR, BybitCategory.OPTION)
    assert config.has_credentials
    assert "s3cr3t" not in repr(config) and "s3cr3t" not in str(config_to_dict(config))
    with pytest.raises(ConfigError, match="exclusive"):
        BybitConfig(testnet=True, demo=True)
    with pytest.raises(ConfigError, match="categories"):
        BybitConfig(categories=["futures"])


def test_urls_per_environment_and_overrides() -> None:
    assert http_base_url() == "https://api.bybit.com"
    assert http_base_url(testnet=True) == "https://api-testnet.bybit.com"
    assert http_base_url(demo=True) == "https://api-demo.bybit.com"
    assert http_base_url(override="http://127.0.0.1:9/") == "http://127.0.0.1:9"
    assert ws_public_url(BybitCategory.LINEAR) == "wss://stream.bybit.com/v5/public/linear"
    assert (
        ws_public_url(BybitCategory.SPOT, testnet=True)
        == "wss://stream-testnet.bybit.com/v5/public/spot"
    )
    # Demo: private streams on stream-demo, public data from the live feed, no WS trade.
    assert ws_private_url(demo=True) == "wss://stream-demo.bybit.com/v5/private"
    assert ws_public_url(BybitCategory.SPOT, demo=True).startswith("wss://stream.bybit.com")
    assert ws_trade_url() == "wss://stream.bybit.com/v5/trade"
    with pytest.raises(ConfigError, match="demo"):
        ws_trade_url(demo=True)
    assert ws_private_url(override="ws://127.0.0.1:1") == "ws://127.0.0.1:1/v5/private"


def test_readme_capability_table_is_the_generated_one() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    match = re.search(
        r"<!-- capability-table[^>]*-->\n(.*?)\n<!-- end capability-table -->", readme, re.S
    )
    assert match is not None
    assert match.group(1) == CAPABILITIES.markdown_table()
