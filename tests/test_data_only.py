"""A data-only venue (Databento, Tardis) is a declared fact: the session creates no execution
client and says why, ``tradeport info`` and the capability table show it, and declaring orders
on a data-only venue (or orders without an execution client) is refused."""

from __future__ import annotations

import json
import types

import pytest
from tradeport import hookimpl, open_venue
from tradeport.cli import main as cli_main
from tradeport.clients import Capabilities, DataClient, InstrumentProvider
from tradeport.errors import PluginError, UnsupportedOperation, ValidationError
from tradeport.model.enums import OrderType, TimeInForce
from tradeport.plugins import load_plugins
from tradeport.venue import VenueSpec

pytestmark = pytest.mark.anyio

DATA_ONLY = Capabilities(
    products=["FUTURE", "EQUITY"], data=["TRADES", "QUOTES"], replay=["TRADES"], data_only=True
)


def make_plugin(
    name: str, caps: Capabilities, *, execution_hook: bool = True
) -> types.SimpleNamespace:
    calls: list[str] = []

    @hookimpl
    def tradeport_register_venues(register):
        register(
            VenueSpec(
                name=name,
                venue_id=name.upper(),
                kind="DATA_PROVIDER",
                capabilities=caps,
                instrument_venues=("XCME", "XNAS"),
            )
        )

    @hookimpl
    def tradeport_create_instrument_provider(venue, config, events):
        return InstrumentProvider(name.upper(), config, events=events) if venue == name else None

    @hookimpl
    def tradeport_create_data_client(venue, config, instruments, events):
        if venue != name:
            return None
        return DataClient(name.upper(), config, instruments=instruments, events=events)

    hooks = {
        "tradeport_register_venues": tradeport_register_venues,
        "tradeport_create_instrument_provider": tradeport_create_instrument_provider,
        "tradeport_create_data_client": tradeport_create_data_client,
    }
    if execution_hook:

        @hookimpl
        def tradeport_create_execution_client(venue, config, instruments, events):
            calls.append(venue)  # a data-only venue must never be asked
            return None

        hooks["tradeport_create_execution_client"] = tradeport_create_execution_client
    return types.SimpleNamespace(calls=calls, **hooks)


@pytest.fixture
def plugin(monkeypatch):
    monkeypatch.setenv("TRADEPORT_PLUGINS", "")
    return make_plugin("ticks", DATA_ONLY)


async def test_session_of_a_data_only_venue(plugin) -> None:
    registry = load_plugins(extra=[("ticks", plugin)])
    async with open_venue("ticks", registry=registry) as venue:
        assert venue.data is not None and not venue.has_execution
        with pytest.raises(UnsupportedOperation, match="data-only venue") as err:
            _ = venue.execution
        assert (err.value.venue, err.value.operation) == ("ticks", "execution")
    assert plugin.calls == [], "the execution hook was called for a data-only venue"


async def test_declared_orders_without_an_execution_client_are_refused(monkeypatch) -> None:
    monkeypatch.setenv("TRADEPORT_PLUGINS", "")
    caps = Capabilities(data=["TRADES"], orders={OrderType.LIMIT: [TimeInForce.GTC]})
    registry = load_plugins(extra=[("liar", make_plugin("liar", caps))])
    with pytest.raises(PluginError, match="declares order capabilities but created no execution"):
        async with open_venue("liar", registry=registry):
            pass


def test_data_only_refuses_execution_capabilities() -> None:
    with pytest.raises(ValueError, match="data_only venue declares execution capabilities: orders"):
        Capabilities(data_only=True, orders={OrderType.MARKET: [TimeInForce.IOC]})
    with pytest.raises(ValueError, match="private_streams, provisional_fills"):
        Capabilities(data_only=True, private_streams=True, provisional_fills=True)
    assert not DATA_ONLY.execution


def test_capability_table_and_dict_state_it() -> None:
    table = DATA_ONLY.markdown_table()
    assert table.splitlines()[2] == "| execution | none: data-only venue (declared) |"
    assert "| replay | TRADES |" in table
    described = DATA_ONLY.to_dict()
    assert described["data_only"] is True and described["orders"] == {}
    assert described["replay"] == ["TRADES"]
    # A venue with execution keeps its table as before: no execution or replay rows.
    plain = Capabilities(orders={OrderType.LIMIT: [TimeInForce.GTC]}).markdown_table()
    assert "| execution |" not in plain and "| replay |" not in plain


def test_instrument_venues_are_checked() -> None:
    with pytest.raises(ValidationError, match="instrument_venues"):
        VenueSpec(name="x", venue_id="X", kind="DATA_PROVIDER", instrument_venues=("x.y",))


def test_cli_info_shows_the_declared_fact(plugin, monkeypatch, capsys) -> None:
    import tradeport.plugins as plugins_module

    registry = load_plugins(extra=[("ticks", plugin)])
    monkeypatch.setattr(plugins_module, "load_plugins", lambda *a, **k: registry)
    assert cli_main(["info", "ticks"]) == 0
    out = capsys.readouterr().out
    assert "execution: none (a data-only venue, by declaration" in out
    assert "replay: TRADES" in out and "instrument ids: SYMBOL.{XCME, XNAS}" in out
    assert "| execution | none: data-only venue (declared) |" in out
    assert cli_main(["info", "ticks", "--json"]) == 0
    described = json.loads(capsys.readouterr().out)
    assert described["data_only"] is True and described["kind"] == "DATA_PROVIDER"
    assert described["instrument_venues"] == ["XCME", "XNAS"]


def test_cli_info_names_the_raw_frame_parser(capsys) -> None:
    pytest.importorskip("tradeport_binance")
    assert cli_main(["info", "binance"]) == 0
    out = capsys.readouterr().out
    assert "raw-frame parser (for replay providers): trade, aggTrade, bookTicker" in out
    assert cli_main(["info", "binance", "--json"]) == 0
    described = json.loads(capsys.readouterr().out)
    assert "depth" in described["frame_parser"]["channels"] and described["data_only"] is False

