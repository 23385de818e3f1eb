"""Configs from dicts, TOML and env; errors that name field and value; secrets that never print."""

from __future__ import annotations

import json
import logging
import pickle
from pathlib import Path

import attrs
import pytest
from tradeport.config import VenueConfig, config_to_dict, describe_config_fields, load_config
from tradeport.errors import ConfigError
from tradeport.secrets import REDACTED, Secret, redact
from tradeport.venue import EnvVar

SECRET = "s3cr3t-value-xyz"


@attrs.frozen(kw_only=True)
class DemoConfig(VenueConfig):
    account_type: str = "spot"
    depth: int = 10
    passphrase: Secret | None = None


ENV = [EnvVar(name="DEMO_API_KEY", field="api_key", secret=True),
       EnvVar(name="DEMO_API_SECRET", field="api_secret", secret=True),
       EnvVar(name="DEMO_TESTNET", field="testnet")]


def test_precedence_defaults_toml_env_dict(tmp_path: Path) -> None:
    toml = tmp_path / "venues.toml"
    toml.write_text('[demo]\ndepth = 20\naccount_type = "futures"\ntestnet = false\n')
    cfg = load_config(DemoConfig, {"depth": 5}, toml_path=toml, toml_table="demo", env_vars=ENV,
                      environ={"DEMO_TESTNET": "true", "DEMO_API_KEY": "k", "DEMO_API_SECRET": SECRET})
    assert (cfg.depth, cfg.account_type, cfg.testnet) == (5, "futures", True)
    assert cfg.api_secret.reveal() == SECRET and cfg.has_credentials


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"depth": "ten"}, "DemoConfig.depth: 'ten' is invalid"),
        ({"dpeth": 1}, "DemoConfig.dpeth: unknown field"),
        ({"testnet": "maybe"}, "DemoConfig.testnet: 'maybe' is not a boolean"),
    ],
)
def test_bad_input_names_field_and_value(data, message) -> None:
    with pytest.raises(ConfigError, match=message.replace(".", r"\.").replace("(", r"\(")):
        load_config(DemoConfig, data)


def test_secret_value_never_in_errors() -> None:
    with pytest.raises(ConfigError) as err:
        load_config(DemoConfig, {"api_secret": 12345678, "depth": "x"})
    assert "12345678" not in str(err.value)
    assert "DemoConfig.api_secret: <secret>" in str(err.value)


def test_toml_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(DemoConfig, toml_path=tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("depth = = 3")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(DemoConfig, toml_path=bad)
    bad.write_text("[other]\n")
    with pytest.raises(ConfigError, match=r"has no \[demo\] table"):
        load_config(DemoConfig, toml_path=bad, toml_table="demo")


def test_secret_never_prints(caplog) -> None:
    cfg = load_config(DemoConfig, {"api_key": "key-1234", "api_secret": SECRET, "passphrase": SECRET})
    texts = [repr(cfg), str(cfg), f"{cfg.api_secret}", f"{cfg.api_secret!r}", f"{cfg.api_secret}",
             json.dumps(config_to_dict(cfg))]
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("test").info("config %s secret %s", cfg, cfg.api_secret)
    texts.append(caplog.text)
    for text in texts:
        assert SECRET not in text
        assert REDACTED in text
    with pytest.raises(TypeError):
        pickle.dumps(cfg.api_secret)
    assert cfg.api_secret.reveal() == SECRET


def test_redact_replaces_every_secret() -> None:
    line = f"GET /x?signature={SECRET}&key=abcd1234 apiKey=abcd1234"
    assert redact(line, [Secret(SECRET), "abcd1234", None]) == (
        f"GET /x?signature={REDACTED}&key={REDACTED} apiKey={REDACTED}"
    )


def test_describe_fields_marks_secrets() -> None:
    fields = {f["name"]: f for f in describe_config_fields(DemoConfig)}
    assert fields["api_secret"]["secret"] and fields["passphrase"]["secret"]
    assert not fields["depth"]["secret"] and fields["depth"]["default"] == 10


def test_stream_options_carry_the_shared_fields_and_overrides_win() -> None:
    from tradeport.net.backoff import ReconnectPolicy

    config = VenueConfig(
        ws_connect_timeout=3.0,
        ws_idle_timeout=None,
        ws_max_message_size=1024,
        reconnect_delay_initial=0.1,
        reconnect_delay_max=2.0,
        reconnect_max_attempts=4,
    )
    options = config.stream_options()
    assert options["connect_timeout"] == 3.0
    assert options["idle_timeout"] is None
    assert options["max_message_size"] == 1024
    assert options["reconnect"] == ReconnectPolicy(initial=0.1, max=2.0, max_attempts=4)
    assert config.stream_options(idle_timeout=90.0, login_timeout=5.0)["idle_timeout"] == 90.0
    assert config.reconnect_policy() == ReconnectPolicy(initial=0.1, max=2.0, max_attempts=4)
