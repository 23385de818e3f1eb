"""Packaging: entry point, registration, config from env, URLs, README capability table."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import pytest
from tradeport.config import load_config
from tradeport.errors import ConfigError
from tradeport_bitmex import plugin
from tradeport_bitmex.capabilities import CAPABILITIES
from tradeport_bitmex.config import ENV_VARS, BitmexConfig
from tradeport_bitmex.urls import (
    HTTP_LIVE,
    HTTP_TESTNET,
    WS_LIVE,
    WS_TESTNET,
    http_base_url,
    ws_url,
)

README = Path(__file__).parents[1] / "README.md"


def test_entry_point_is_registered() -> None:
    points = importlib.metadata.entry_points(group="tradeport.venues")
    assert any(p.name == "bitmex" and p.value == "tradeport_bitmex.plugin" for p in points)


def test_register_venue() -> None:
    specs = []
    plugin.tradeport_register_venues(specs.append)
    (spec,) = specs
    assert (spec.name, spec.venue_id, spec.kind.value) == ("bitmex", "BITMEX", "EXCHANGE")
    assert spec.capabilities is CAPABILITIES
    assert spec.config_type is BitmexConfig
    assert spec.urls["http"] == "https://www.bitmex.com/api/v1"
    assert spec.describe()["capabilities"]["cancel_all"] is True


def test_hooks_answer_only_for_bitmex() -> None:
    assert plugin.tradeport_create_instrument_provider("binance", None, None) is None
    assert plugin.tradeport_create_data_client("binance", None, None, None) is None
    assert plugin.tradeport_create_execution_client("binance", None, None, None) is None
    assert plugin.tradeport_conformance_harness("binance") is None


def test_config_from_env_and_secrets_hidden() -> None:
    config = load_config(
        BitmexConfig,
        env_vars=ENV_VARS,
        environ={
            "BITMEX_TESTNET_API_KEY": "k",
            "BITMEX_TESTNET_API_SECRET": "s3cr3t-value",
            "BITMEX_TESTNET": "true",
        },
    )
    assert config.testnet is True
    assert config.api_secret is not None and config.api_secret.reveal() == "s3cr3t-value"
    assert "s3cr3t-value" not in repr(config)
    with pytest.raises(ConfigError, match="unknown field"):
        load_config(BitmexConfig, {"tesnet": True})


def test_urls_live_testnet_and_overrides() -> None:
    assert (http_base_url(BitmexConfig()), ws_url(BitmexConfig())) == (HTTP_LIVE, WS_LIVE)
    testnet = BitmexConfig(testnet=True)
    assert (http_base_url(testnet), ws_url(testnet)) == (HTTP_TESTNET, WS_TESTNET)
    assert HTTP_TESTNET == "https://testnet.bitmex.com/api/v1"
    # As BitMEX/api-connectors official-ws/nodejs/index.js (b702671) declares it; see README.
    assert WS_TESTNET == "wss://ws.testnet.bitmex.com/realtime"
    local = BitmexConfig(base_url_http="http://127.0.0.1:9/", base_url_ws="ws://127.0.0.1:9")
    assert http_base_url(local) == "http://127.0.0.1:9/api/v1"
    assert ws_url(local) == "ws://127.0.0.1:9/realtime"


def test_readme_capability_table_is_generated() -> None:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- capabilities:start -->\n(.*?)\n<!-- capabilities:end -->", text, re.S)
    assert match is not None
    assert match.group(1) == CAPABILITIES.markdown_table()
