"""Registration, config, the HTTP API metadata endpoints, instrument records, README table."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from tradeport.config import config_to_dict, load_config
from tradeport.errors import ConfigError, MissingCredentials
from tradeport.model.enums import ProductType
from tradeport.plugins import load_plugins
from tradeport_tardis.capabilities import CAPABILITIES
from tradeport_tardis.config import ENV_VARS, TardisConfig
from tradeport_tardis.http.client import TardisHttpClient, data_feed_params
from tradeport_tardis.parse import decimal_of, parse_instrument
from tradeport_tardis.testing import API_KEY, TardisHarness

pytestmark = pytest.mark.anyio


def test_entry_point_registers_a_data_only_replay_provider() -> None:
    spec = load_plugins({}).venue("tardis")
    assert (spec.venue_id, spec.kind.value) == ("TARDIS", "DATA_PROVIDER")
    assert spec.data_only and spec.capabilities.replay
    assert set(spec.instrument_venues) == {"BINANCE", "OKX", "BYBIT", "BITMEX"}
    assert {e.name for e in spec.env_vars} == {
        "TARDIS_API_KEY", "TARDIS_BASE_URL", "TARDIS_MACHINE_WS_URL",
    }  # fmt: skip


def test_config_from_env_never_shows_the_key() -> None:
    config = load_config(TardisConfig, {}, env_vars=ENV_VARS,
                         environ={"TARDIS_API_KEY": "TD.s3cr3t"})  # fmt: skip
    assert config.api_key is not None and config.api_key.reveal() == "TD.s3cr3t"
    assert "s3cr3t" not in repr(config) and "s3cr3t" not in str(config_to_dict(config))
    assert "s3cr3t" not in repr(TardisHttpClient(config))


@pytest.mark.parametrize(("field", "value"), [("max_parallel", 0), ("max_parallel", 61),
                                              ("slice_attempts", 0)])  # fmt: skip
def test_config_refuses_bad_values_naming_the_field(field: str, value: int) -> None:
    with pytest.raises(ConfigError, match=field):
        TardisConfig(**{field: value})


def test_data_feed_query() -> None:
    # HTTP API reference: from, offset, filters (URL-encoded JSON [{channel, symbols}]).
    assert data_feed_params("2019-07-01T00:00:00.000Z", 3, [{"channel": "trade",
                                                              "symbols": ["XBTUSD"]}]) == [
        ("from", "2019-07-01T00:00:00.000Z"), ("offset", "3"),
        ("filters", '[{"channel":"trade","symbols":["XBTUSD"]}]'),
    ]  # fmt: skip
    assert data_feed_params("2019-07-01", 0, []) == [("from", "2019-07-01"), ("offset", "0")]


def test_floats_become_the_decimals_they_were_written_as() -> None:
    assert decimal_of(0.1, "x") == Decimal("0.1") and decimal_of(1e-05, "x") == Decimal("0.00001")
    assert decimal_of(7996, "price") == Decimal(7996)
    with pytest.raises(ConfigError, match="price"):
        decimal_of(float("nan"), "price")


def test_an_instruments_metadata_record() -> None:
    # The documented response format of /v1/instruments/:exchange/:symbol_id (the fields we
    # read), numbers as JSON floats.
    record = {
        "id": "BTCUSDT", "datasetId": "BTCUSDT", "exchange": "binance-futures",
        "baseCurrency": "BTC", "quoteCurrency": "USDT", "type": "perpetual", "active": True,
        "availableSince": "2019-11-17T00:00:00.000Z", "priceIncrement": 0.1,
        "amountIncrement": 0.001, "minTradeAmount": 0.001, "makerFee": 0.0002,
        "takerFee": 0.0004, "inverse": False, "contractType": "linear_perpetual",
        "contractMultiplier": 1,
    }  # fmt: skip
    inst = parse_instrument(record, 0)
    assert inst is not None and str(inst.id) == "BTCUSDT-PERP.BINANCE"
    assert inst.product_type is ProductType.PERPETUAL and str(inst.raw_symbol) == "BTCUSDT"
    assert (str(inst.price_increment), str(inst.size_increment)) == ("0.1", "0.001")
    assert inst.ts_event == 1573948800_000_000_000
    assert parse_instrument({**record, "type": "option"}, 0) is None


async def test_exchanges_metadata_over_the_api() -> None:
    async with TardisHarness() as harness:
        client = TardisHttpClient(load_config(TardisConfig, harness.client_config(), environ={}))
        try:
            exchanges = await client.http_get_exchanges()
            assert {e["id"] for e in exchanges} == {
                "binance", "binance-futures", "bybit", "okex", "bitmex",
            }  # fmt: skip
            details = await client.http_get_exchange("binance-futures")
            assert "markPrice" in details["availableChannels"]
            assert details["availableSymbols"][0]["id"] == "ethusdt"
            assert details["datasets"]["exportedUntil"]
            request = harness.requests[-1]
            assert request.headers["authorization"] == f"Bearer {API_KEY}"
            assert "gzip" in request.headers["accept-encoding"]
        finally:
            await client.aclose()
        keyless = TardisHttpClient(TardisConfig(base_url_http=harness.http_url + "/v1"))
        sent = len(harness.requests)
        with pytest.raises(MissingCredentials, match="instruments metadata"):
            await keyless.http_get_instruments("binance")
        assert len(harness.requests) == sent  # refused before any request left
        await keyless.aclose()


def test_readme_capability_table_is_the_generated_one() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    match = re.search(
        r"<!-- capability-table[^>]*-->\n(.*?)\n<!-- end capability-table -->", readme, re.S
    )
    assert match is not None
    assert match.group(1) == CAPABILITIES.markdown_table()
