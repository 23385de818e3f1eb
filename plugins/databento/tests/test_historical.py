"""The historical API against the mock venue's HTTP server: definitions, streamed ranges (zstd
and plain), partial symbol resolution, cost confirmation, symbology.resolve, errors."""

from __future__ import annotations

import json
import urllib.parse
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tradeport.config import load_config
from tradeport.errors import AuthenticationError, RateLimitError, RequestRejected
from tradeport.model.enums import ProductType
from tradeport.model.identifiers import InstrumentId
from tradeport_databento.config import DatabentoConfig
from tradeport_databento.http.client import (
    CostConfirmationRequired,
    DatabentoHttpClient,
    PartialResolutionWarning,
)
from tradeport_databento.providers import DatabentoInstrumentProvider
from tradeport_databento.testing import DatabentoHarness

pytestmark = pytest.mark.anyio

DATA = Path(__file__).parent / "test_data"


def _config(harness: DatabentoHarness, credentials: Any = "valid", **kw: Any) -> DatabentoConfig:
    return load_config(DatabentoConfig, harness.client_config(credentials, **kw))


async def test_definitions_load_every_family_with_exchange_venues() -> None:
    async with DatabentoHarness() as harness:
        provider = DatabentoInstrumentProvider(_config(harness))
        try:
            loaded = await provider.load_all()
        finally:
            await provider.disconnect()
        ids = sorted(str(i.id) for i in loaded)
        assert ids == [
            "AAPL  261218C00200000.OPRA",
            "AAPL.XNAS",
            "ESH7.XCME",
            "ESZ6 C6000.XCME",
            "ESZ6.XCME",
        ]
        es = provider.get(InstrumentId.from_str("ESZ6.XCME"))
        assert es.product_type is ProductType.FUTURE and str(es.price_increment) == "0.25"
        assert str(es.multiplier) == "50" and es.info["instrument_id"] == 42
        option = provider.get(InstrumentId.from_str("ESZ6 C6000.XCME"))
        assert option.product_type is ProductType.FUTURE_OPTION
        assert str(option.strike_price) == "6000.00" and option.underlying_id == es.id
        equity_option = provider.get(InstrumentId.from_str("AAPL  261218C00200000.OPRA"))
        assert equity_option.product_type is ProductType.OPTION
        assert (str(equity_option.strike_price), str(equity_option.multiplier)) == ("200.00", "100")
        (request,) = harness.requests
        form = dict(urllib.parse.parse_qsl(request.body.decode()))
        assert request.path == "/v0/timeseries.get_range" and request.signature_ok
        assert form["schema"] == "definition" and form["symbols"] == "ALL_SYMBOLS"
        assert form["encoding"] == "dbn" and form["compression"] == "zstd"
        assert form["start"].isdigit() and int(form["start"]) % 86_400_000_000_000 == 0


async def test_parent_symbols_and_the_symbol_map() -> None:
    async with DatabentoHarness() as harness:
        provider = DatabentoInstrumentProvider(_config(harness, compression="none"))
        try:
            futures = await provider.load_all(
                {"databento_symbols": ["ES.FUT"], "stype_in": "parent"}
            )
        finally:
            await provider.disconnect()
        assert sorted(str(i.id) for i in futures) == ["ESH7.XCME", "ESZ6.XCME"]
        assert provider.symbol_map.raw_by_id[42] == "ESZ6"
        assert str(provider.symbol_map.instrument_id(43)) == "ESH7.XCME"


async def _batch_sizes(http: DatabentoHttpClient, schema: str, symbols: list[str]) -> list[int]:
    return [len(batch) async for batch in http.stream_range(schema, symbols, 0)]


async def test_range_streams_records_in_bounded_batches_and_warns_on_partial() -> None:
    async with DatabentoHarness() as harness:
        iid = InstrumentId.from_str("ESZ6.XCME")
        harness.seed_history(iid, trades=3000)
        http = DatabentoHttpClient(_config(harness))
        try:
            with pytest.warns(PartialResolutionWarning, match="NOPE"):
                batches = await _batch_sizes(http, "trades", ["ESZ6", "NOPE"])
        finally:
            await http.aclose()
        assert sum(batches) == 3000
        assert harness.requests[-1].headers.get("authorization", "").startswith("Basic ")


async def test_cost_is_checked_before_a_costly_request() -> None:
    async with DatabentoHarness() as harness:
        http = DatabentoHttpClient(_config(harness, max_cost_usd=0.5))
        try:
            with pytest.raises(CostConfirmationRequired, match=r"\$1\.00"):
                async for _ in http.stream_range("trades", ["ESZ6"], 0, 3_600_000_000_000):
                    pass
            assert [r.path for r in harness.requests] == ["/v0/metadata.get_cost"]
            async for _ in http.stream_range(
                "trades", ["ESZ6"], 0, 3_600_000_000_000, confirm=True
            ):
                pass
        finally:
            await http.aclose()
        assert harness.requests[-1].path == "/v0/timeseries.get_range"


async def test_symbology_resolve_answers_in_the_documented_shape() -> None:
    documented = json.loads((DATA / "symbology_resolve.json").read_text())
    async with DatabentoHarness() as harness:
        provider = DatabentoInstrumentProvider(_config(harness))
        try:
            answer = await provider.resolve_symbology(["ESZ6"], "raw_symbol", "instrument_id")
            assert set(answer) == set(documented)
            assert answer["result"]["ESZ6"][0]["s"] == "42" and answer["status"] == 0
            with pytest.warns(PartialResolutionWarning, match="not found: NOPE"):
                partial = await provider.resolve_symbology(["ESZ6", "NOPE"])
            assert partial["not_found"] == ["NOPE"]
        finally:
            await provider.disconnect()


async def test_documented_errors() -> None:
    async with DatabentoHarness() as harness:
        bad = DatabentoHttpClient(_config(harness, "invalid"))
        good = DatabentoHttpClient(_config(harness, http_retry_delay=0.01))
        try:
            with pytest.raises(AuthenticationError) as auth:
                await bad.http_metadata_list_datasets()
            assert auth.value.http_status == 401 and auth.value.venue_message == "Not authenticated"
            harness.fail_next_requests(3, 429, retry_after=0.05)
            with pytest.raises(RateLimitError) as limited:
                await good.http_metadata_list_datasets()
            assert limited.value.retry_after == pytest.approx(0.05)
            with pytest.raises(RequestRejected) as rejected:
                async for _ in good.stream_range("trades", ["NOPE"], 0):
                    pass
            assert rejected.value.http_status == 422 and "NOPE" in rejected.value.venue_message
            assert await good.http_metadata_list_datasets() == ["GLBX.MDP3"]
        finally:
            await bad.aclose()
            await good.aclose()


async def test_prices_of_history_are_exact() -> None:
    async with DatabentoHarness() as harness:
        iid = InstrumentId.from_str("ESZ6.XCME")
        harness.seed_history(iid, trades=5)
        http = DatabentoHttpClient(_config(harness))
        try:
            prices = [
                record.price
                async for batch in http.stream_range("trades", ["ESZ6"], 0)
                for record in batch
            ]
        finally:
            await http.aclose()
        assert [Decimal(p) / 10**9 for p in prices][:3] == [
            Decimal("5000"),
            Decimal("5000.25"),
            Decimal("5000.5"),
        ]


async def test_resolve_asks_databento_for_definitions() -> None:
    from tradeport.clients.resolution import InstrumentQuery
    from tradeport.errors import AmbiguousInstrument, UnknownInstrument
    from tradeport_databento.testing.harness import _DEC_2026

    async with DatabentoHarness() as harness:
        provider = DatabentoInstrumentProvider(_config(harness))
        try:
            es = await provider.resolve("ESZ6.XCME")
            assert str(es.id) == "ESZ6.XCME"
            front = await provider.resolve(InstrumentQuery(symbol="ES.c.0"))
            assert front.id == es.id  # the continuous symbol names today's front month
            dated = await provider.resolve(
                InstrumentQuery(symbol="ES", product_type="FUTURE", expiry_ns=_DEC_2026)
            )
            assert dated.id == es.id
            with pytest.raises(AmbiguousInstrument) as many:
                await provider.resolve(InstrumentQuery(symbol="ES", product_type="FUTURE"))
            assert sorted(str(i.id) for i in many.value.candidates) == ["ESH7.XCME", "ESZ6.XCME"]
            with pytest.raises(UnknownInstrument):
                await provider.resolve("NOPE.XCME")
            with pytest.raises(UnknownInstrument):
                await provider.resolve("NO-SUCH-SYMBOL-XYZ")
            with pytest.raises(AmbiguousInstrument):
                await provider.resolve(harness.ambiguous_symbol)
        finally:
            await provider.disconnect()
