"""Registration, config and the README table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tradeport.config import config_to_dict, load_config
from tradeport.errors import ConfigError
from tradeport.plugins import load_plugins
from tradeport_databento.config import ENV_VARS, DatabentoConfig
from tradeport_databento.constants import CAPABILITIES
from tradeport_databento.symbology import stype_of
from tradeport_databento.urls import gateway_address, gateway_host


def test_entry_point_registers_a_data_only_venue() -> None:
    spec = load_plugins({}).venue("databento")
    assert (spec.venue_id, spec.kind.value) == ("DATABENTO", "DATA_PROVIDER")
    assert spec.capabilities == CAPABILITIES and spec.data_only
    assert {"XCME", "XNAS", "OPRA"} <= set(spec.instrument_venues)
    assert {e.name for e in spec.env_vars} >= {"DATABENTO_API_KEY"}


def test_config_from_env_never_shows_the_key() -> None:
    config = load_config(
        DatabentoConfig, {}, env_vars=ENV_VARS, environ={"DATABENTO_API_KEY": "db-s3cr3tKEY"}
    )
    assert config.api_key is not None and config.api_key.reveal() == "db-s3cr3tKEY"
    assert "s3cr3t" not in repr(config) and "s3cr3t" not in str(config_to_dict(config))
    assert config.dead_after_s() == 40.0  # the gateway's 30 s default + the 10 s margin


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("heartbeat_interval_s", 4),
        ("heartbeat_interval_s", 1801),
        ("book_schema", "mbp-5"),
        ("slow_reader_behavior", "drop"),
        ("dataset", "GLBX"),
    ],
)
def test_config_refuses_bad_values_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(ConfigError, match=field):
        DatabentoConfig(**{field: value})


def test_gateway_hosts() -> None:
    assert gateway_host("GLBX.MDP3") == "glbx-mdp3.lsg.databento.com"
    assert gateway_address("XNAS.ITCH") == ("xnas-itch.lsg.databento.com", 13000)
    assert gateway_address("GLBX.MDP3", "tcp://127.0.0.1:9") == ("127.0.0.1", 9)
    with pytest.raises(ConfigError, match="gateway"):
        gateway_address("GLBX.MDP3", "nohost")


def test_stype_from_the_symbol_shape() -> None:
    assert [stype_of(s) for s in ("ES.FUT", "ES.c.0", "CL.v.1", "42", "ESZ6", "BRK.B")] == [
        "parent",
        "continuous",
        "continuous",
        "instrument_id",
        "raw_symbol",
        "raw_symbol",
    ]


def test_readme_capability_table_is_the_generated_one() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    match = re.search(
        r"<!-- capability-table[^>]*-->\n(.*?)\n<!-- end capability-table -->", readme, re.S
    )
    assert match is not None
    assert match.group(1) == CAPABILITIES.markdown_table()
