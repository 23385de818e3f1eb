"""Registration, config (env vars, validation), and the README's generated capability table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tradeport.config import config_to_dict, load_config
from tradeport.errors import ConfigError
from tradeport.plugins import load_plugins
from tradeport_betfair.config import ENV_VARS, BetfairConfig
from tradeport_betfair.constants import CAPABILITIES
from tradeport_betfair.urls import stream_address

PLUGIN = Path(__file__).resolve().parents[1]


def test_entry_point_registers_betfair() -> None:
    spec = load_plugins({}).venue("betfair")
    assert spec.venue_id == "BETFAIR" and spec.kind.value == "BETTING_EXCHANGE"
    assert spec.capabilities == CAPABILITIES and spec.config_type is BetfairConfig
    assert {e.name for e in spec.env_vars} >= {
        "BETFAIR_APP_KEY",
        "BETFAIR_USERNAME",
        "BETFAIR_PASSWORD",
        "BETFAIR_CERT_FILE",
    }


def test_config_from_env_keeps_secrets_secret() -> None:
    config = load_config(
        BetfairConfig,
        {},
        env_vars=ENV_VARS,
        environ={
            "BETFAIR_APP_KEY": "app-key-123",
            "BETFAIR_USERNAME": "me",
            "BETFAIR_PASSWORD": "pw-secret-9",
        },
    )
    assert config.has_credentials and not config.certificate_login
    for secret in ("app-key-123", "pw-secret-9"):
        assert secret not in repr(config) and secret not in str(config_to_dict(config))
    with pytest.raises(ConfigError, match="cert_file"):
        BetfairConfig(cert_file="client.crt")
    with pytest.raises(ConfigError, match="heartbeat_ms"):
        BetfairConfig(heartbeat_ms=100)
    with pytest.raises(ConfigError, match="jurisdiction"):
        BetfairConfig(jurisdiction="mars")


def test_stream_addresses() -> None:
    assert stream_address() == ("stream-api.betfair.com", 443)
    assert stream_address(integration=True) == ("stream-api-integration.betfair.com", 443)
    assert stream_address("127.0.0.1:9443") == ("127.0.0.1", 9443)
    with pytest.raises(ValueError, match="host:port"):
        stream_address("nowhere")


def test_readme_capability_table_is_the_generated_one() -> None:
    readme = (PLUGIN / "README.md").read_text(encoding="utf-8")
    match = re.search(
        r"<!-- capability-table[^>]*-->\n(.*?)\n<!-- end capability-table -->", readme, re.S
    )
    assert match is not None
    assert match.group(1) == CAPABILITIES.markdown_table()
