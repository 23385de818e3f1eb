"""Registration, declared capabilities, config and the generated README table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tradeport.config import config_to_dict, load_config
from tradeport.errors import ConfigError
from tradeport.plugins import load_plugins
from tradeport.secrets import Secret
from tradeport_okx.config import ENV_VARS, OkxConfig
from tradeport_okx.spec import CAPABILITIES, venue_spec
from tradeport_okx.urls import ws_url

README = Path(__file__).parent.parent / "README.md"


def test_plugin_is_discovered_and_registers_okx() -> None:
    registry = load_plugins()
    assert "okx" in registry.venues
    spec = registry.venues["okx"]
    assert spec.venue_id == "OKX"
    assert spec.capabilities == CAPABILITIES
    assert spec.config_type is OkxConfig


def test_readme_capability_table_is_the_generated_one() -> None:
    text = README.read_text(encoding="utf-8")
    match = re.search(
        r"<!-- capability-table[^>]*-->\n(.*?)\n<!-- /capability-table -->", text, re.S
    )
    assert match is not None
    assert match.group(1) == CAPABILITIES.markdown_table()


def test_config_from_env_and_secrets_never_printed() -> None:
    environ = {
        "OKX_API_KEY": "the-key",
        "OKX_API_SECRET": "the-secret",
        "OKX_API_PASSPHRASE": "the-passphrase",
        "OKX_DEMO": "true",
    }
    config = load_config(OkxConfig, {}, env_vars=ENV_VARS, environ=environ)
    assert config.is_demo
    assert config.has_credentials
    assert isinstance(config.api_passphrase, Secret)
    assert config.api_passphrase.reveal() == "the-passphrase"
    shown = repr(config) + str(config_to_dict(config))
    for secret in environ.values():
        if secret != "true":
            assert secret not in shown


def test_config_refuses_unknown_fields() -> None:
    with pytest.raises(ConfigError, match="unknown field"):
        load_config(OkxConfig, {"pasphrase": "x"})


def test_urls_live_demo_and_override() -> None:
    assert ws_url("public") == "wss://ws.okx.com:8443/ws/v5/public"
    assert ws_url("private", demo=True) == "wss://wspap.okx.com:8443/ws/v5/private"
    assert ws_url("business", override="ws://127.0.0.1:9/ws/v5/") == (
        "ws://127.0.0.1:9/ws/v5/business"
    )
    assert venue_spec().urls["http"] == "https://www.okx.com"
