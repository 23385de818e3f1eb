"""Registration, config (env vars, environments, URL overrides), the README table, and a
fresh install of only tradeport + tradeport-hyperliquid."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tradeport.config import config_to_dict, load_config
from tradeport.errors import ConfigError
from tradeport.plugins import load_plugins
from tradeport_hyperliquid.config import ENV_VARS, HyperliquidConfig
from tradeport_hyperliquid.constants import CAPABILITIES, exchange_weight, info_weight
from tradeport_hyperliquid.urls import http_base_url, ws_url

PLUGIN = Path(__file__).resolve().parents[1]
REPO = PLUGIN.parents[1]
KEY = "0x" + "12" * 32


def test_entry_point_registers_hyperliquid() -> None:
    spec = load_plugins({}).venue("hyperliquid")
    assert spec.venue_id == "HYPERLIQUID"
    assert spec.capabilities == CAPABILITIES
    assert spec.config_type is HyperliquidConfig
    assert {e.name for e in spec.env_vars} >= {
        "HYPERLIQUID_PRIVATE_KEY",
        "HYPERLIQUID_ACCOUNT_ADDRESS",
        "HYPERLIQUID_VAULT_ADDRESS",
    }


def test_config_from_env_keeps_the_key_secret() -> None:
    master = "0x" + "ab" * 20
    config = load_config(
        HyperliquidConfig,
        {"testnet": True},
        env_vars=ENV_VARS,
        environ={"HYPERLIQUID_PRIVATE_KEY": KEY, "HYPERLIQUID_ACCOUNT_ADDRESS": master},
    )
    assert config.has_credentials and config.account_address == master and config.testnet
    assert KEY[2:] not in repr(config) and KEY[2:] not in str(config_to_dict(config))
    with pytest.raises(ConfigError, match="account_address"):
        HyperliquidConfig(account_address="0x1234")
    with pytest.raises(ConfigError, match="market_slippage"):
        HyperliquidConfig(market_slippage="1.5")
    # The post channel is the default order path (the faster one in the benchmark).
    assert HyperliquidConfig().order_transport == "ws"
    with pytest.raises(ConfigError, match="order_transport"):
        HyperliquidConfig(order_transport="fix")


def test_urls_per_environment_and_overrides() -> None:
    assert http_base_url() == "https://api.hyperliquid.xyz"
    assert http_base_url(testnet=True) == "https://api.hyperliquid-testnet.xyz"
    assert http_base_url(override="http://127.0.0.1:9/") == "http://127.0.0.1:9"
    assert ws_url() == "wss://api.hyperliquid.xyz/ws"
    assert ws_url(testnet=True) == "wss://api.hyperliquid-testnet.xyz/ws"
    assert ws_url(override="ws://127.0.0.1:9") == "ws://127.0.0.1:9/ws"


def test_request_weights_are_the_documented_ones() -> None:
    assert info_weight("l2Book") == info_weight("orderStatus") == 2
    assert info_weight("userRole") == 60 and info_weight("meta") == 20
    assert exchange_weight(1) == 1 and exchange_weight(40) == 2 and exchange_weight(79) == 2


def test_readme_capability_table_is_the_generated_one() -> None:
    readme = (PLUGIN / "README.md").read_text(encoding="utf-8")
    match = re.search(
        r"<!-- capability-table[^>]*-->\n(.*?)\n<!-- end capability-table -->", readme, re.S
    )
    assert match is not None
    assert match.group(1) == CAPABILITIES.markdown_table()


@pytest.mark.slow
def test_only_tradeport_and_the_plugin_installed_gives_a_working_info(tmp_path: Path) -> None:
    """A fresh venv with the core and this plugin only: ``tradeport info hyperliquid`` works."""
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("needs uv to create a throwaway venv quickly (pip install uv)")
    venv = tmp_path / "venv"
    subprocess.run(
        [uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True, timeout=120
    )
    py = venv / "bin" / "python"
    subprocess.run(
        [uv, "pip", "install", "-q", "--python", str(py), str(REPO / "core"), str(PLUGIN)],
        check=True,
        timeout=600,
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [str(py), "-m", "tradeport", "info", "hyperliquid", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert "HYPERLIQUID" in json.dumps(info) and "api.hyperliquid.xyz" in result.stdout
    listing = subprocess.run(
        [str(py), "-m", "tradeport", "plugins", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    rows = json.loads(listing.stdout)
    assert [(r["name"], r["status"]) for r in rows] == [("hyperliquid", "ok")]
