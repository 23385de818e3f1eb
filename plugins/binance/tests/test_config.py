"""Config, URLs per account type / US / testnet, env credentials, README capability table."""

from __future__ import annotations

from pathlib import Path

import pytest
from tradeport.config import load_config
from tradeport.errors import ConfigError
from tradeport.model.enums import OrderType, TimeInForce
from tradeport.plugins import load_plugins
from tradeport_binance.capabilities import (
    CAPABILITIES,
    COINM_CAPABILITIES,
    SPOT_CAPABILITIES,
    USDM_CAPABILITIES,
    capabilities_for,
)
from tradeport_binance.config import ENV_VARS, BinanceConfig, resolve_credentials
from tradeport_binance.enums import BinanceAccountType
from tradeport_binance.symbology import instrument_id_for, is_perpetual_id, native_symbol


@pytest.mark.parametrize(
    ("account", "us", "testnet", "http", "ws"),
    [
        ("spot", False, False, "https://api.binance.com", "wss://stream.binance.com:9443"),
        ("spot", True, False, "https://api.binance.us", "wss://stream.binance.us:9443"),
        (
            "spot",
            False,
            True,
            "https://testnet.binance.vision",
            "wss://stream.testnet.binance.vision",
        ),
        ("margin", False, False, "https://api.binance.com", "wss://stream.binance.com:9443"),
        (
            "isolated_margin",
            False,
            False,
            "https://api.binance.com",
            "wss://stream.binance.com:9443",
        ),
        ("usdm", False, False, "https://fapi.binance.com", "wss://fstream.binance.com"),
        (
            "usdt_future",
            False,
            True,
            "https://testnet.binancefuture.com",
            "wss://fstream.binancefuture.com",
        ),
        ("COIN_FUTURE", False, False, "https://dapi.binance.com", "wss://dstream.binance.com"),
        (
            "coinm",
            False,
            True,
            "https://testnet.binancefuture.com",
            "wss://dstream.binancefuture.com",
        ),
    ],
)
def test_default_urls(account: str, us: bool, testnet: bool, http: str, ws: str) -> None:
    cfg = load_config(BinanceConfig, {"account_type": account, "us": us, "testnet": testnet})
    assert (cfg.http_url, cfg.ws_url) == (http, ws)


def test_overrides_win_and_us_futures_is_refused() -> None:
    cfg = BinanceConfig(base_url_http="http://127.0.0.1:1", base_url_ws="ws://127.0.0.1:2/")
    assert (cfg.http_url, cfg.ws_url) == ("http://127.0.0.1:1", "ws://127.0.0.1:2")
    with pytest.raises(ConfigError, match="US"):
        _ = BinanceConfig(account_type=BinanceAccountType.USDT_FUTURE, us=True).http_url


def test_bad_values_name_the_field() -> None:
    with pytest.raises(ConfigError, match="recv_window_ms"):
        load_config(BinanceConfig, {"recv_window_ms": 90000})
    with pytest.raises(ConfigError, match="account_type"):
        load_config(BinanceConfig, {"account_type": "options"})


@pytest.mark.parametrize(
    ("account", "testnet", "key_var"),
    [
        (BinanceAccountType.SPOT, False, "BINANCE_API_KEY"),
        (BinanceAccountType.MARGIN, False, "BINANCE_API_KEY"),
        (BinanceAccountType.SPOT, True, "BINANCE_TESTNET_API_KEY"),
        (BinanceAccountType.USDT_FUTURE, False, "BINANCE_FUTURES_API_KEY"),
        (BinanceAccountType.COIN_FUTURE, True, "BINANCE_FUTURES_TESTNET_API_KEY"),
    ],
)
def test_env_credentials_per_account_type_and_network(
    account: BinanceAccountType, testnet: bool, key_var: str
) -> None:
    env = {
        name: f"value-of-{name}"
        for name in (
            "BINANCE_API_KEY",
            "BINANCE_API_SECRET",
            "BINANCE_TESTNET_API_KEY",
            "BINANCE_TESTNET_API_SECRET",
            "BINANCE_FUTURES_API_KEY",
            "BINANCE_FUTURES_API_SECRET",
            "BINANCE_FUTURES_TESTNET_API_KEY",
            "BINANCE_FUTURES_TESTNET_API_SECRET",
        )
    }
    key, secret = resolve_credentials(BinanceConfig(account_type=account, testnet=testnet), env)
    assert key is not None and key.reveal() == f"value-of-{key_var}"
    assert secret is not None and secret.reveal() == f"value-of-{key_var.replace('KEY', 'SECRET')}"
    assert "value-of" not in repr(key)


def test_config_credentials_win_over_env() -> None:
    from tradeport.secrets import Secret

    key, _ = resolve_credentials(BinanceConfig(api_key=Secret("mine")), {"BINANCE_API_KEY": "env"})
    assert key is not None and key.reveal() == "mine"


def test_env_vars_are_declared_for_tradeport_info() -> None:
    names = {v.name for v in ENV_VARS}
    assert {"BINANCE_API_KEY", "BINANCE_FUTURES_TESTNET_API_SECRET"} <= names
    assert all(v.secret for v in ENV_VARS)


def test_perp_symbology_both_ways() -> None:
    perp = instrument_id_for("BTCUSDT", perpetual=True)
    assert str(perp) == "BTCUSDT-PERP.BINANCE" and is_perpetual_id(perp)
    assert native_symbol(perp) == "BTCUSDT"
    spot = instrument_id_for("BTCUSDT", perpetual=False)
    assert (
        str(spot) == "BTCUSDT.BINANCE"
        and native_symbol(spot) == "BTCUSDT"
        and not is_perpetual_id(spot)
    )


def test_plugin_registers_binance_with_its_capabilities() -> None:
    registry = load_plugins({"TRADEPORT_PLUGINS": "binance"})
    spec = registry.venue("binance")
    assert spec.venue_id == "BINANCE" and spec.capabilities == CAPABILITIES
    assert spec.config_type is BinanceConfig


def _readme_tables() -> dict[str, str]:
    """Each capability table of the README, by its ``<!-- capabilities: name -->`` marker."""
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    tables = {}
    for chunk in readme.split("<!-- capabilities: ")[1:]:
        name, _, rest = chunk.partition(" -->\n")
        lines = []
        for line in rest.splitlines():
            if not line.startswith("|"):
                break
            lines.append(line)
        tables[name] = "\n".join(lines)
    return tables


def test_readme_capability_tables_are_the_generated_ones() -> None:
    tables = _readme_tables()
    expected = {
        "venue": CAPABILITIES,
        "spot": SPOT_CAPABILITIES,
        "usdm": USDM_CAPABILITIES,
        "coinm": COINM_CAPABILITIES,
    }
    assert set(tables) == set(expected)
    for name, capabilities in expected.items():
        assert tables[name] == capabilities.markdown_table().strip(), name


def test_account_types_narrow_the_venue() -> None:
    for narrow in (SPOT_CAPABILITIES, USDM_CAPABILITIES, COINM_CAPABILITIES):
        assert narrow.products <= CAPABILITIES.products
        assert set(narrow.orders) <= set(CAPABILITIES.orders)
        assert narrow.data <= CAPABILITIES.data
    assert not SPOT_CAPABILITIES.modify_order and not USDM_CAPABILITIES.order_lists
    # COIN-M: no GTD (its timeInForce enum is GTC, IOC, FOK, GTX); USD-M has it.
    assert TimeInForce.GTD in USDM_CAPABILITIES.time_in_force_for(OrderType.LIMIT)
    assert TimeInForce.GTD not in COINM_CAPABILITIES.time_in_force_for(OrderType.LIMIT)
    assert COINM_CAPABILITIES.time_in_force_for(OrderType.TRAILING_STOP_MARKET)
    by_type = {t: capabilities_for(t) for t in BinanceAccountType}
    assert by_type == {
        BinanceAccountType.SPOT: SPOT_CAPABILITIES,
        BinanceAccountType.MARGIN: SPOT_CAPABILITIES,
        BinanceAccountType.ISOLATED_MARGIN: SPOT_CAPABILITIES,
        BinanceAccountType.USDT_FUTURE: USDM_CAPABILITIES,
        BinanceAccountType.COIN_FUTURE: COINM_CAPABILITIES,
    }
