"""One test per hook (tests/test_hooks_meta.py checks the names), through the real loading path,
plus the session API that wires the hooks together."""

from __future__ import annotations

import logging
import types
from typing import Any

import anyio
import attrs
import pytest
from tradeport import hookimpl, open_venue
from tradeport.clients import Capabilities, DataClient, ExecutionClient, InstrumentProvider
from tradeport.config import VenueConfig
from tradeport.errors import ConfigError, UnsupportedOperation
from tradeport.plugins import load_plugins
from tradeport.venue import EnvVar, VenueSpec


@attrs.frozen(kw_only=True)
class PaperConfig(VenueConfig):
    ticks: int = 3


class PaperData(DataClient):
    """Publishes ``config.ticks`` numbered ticks for a subscribed id (enough to test plumbing)."""

    async def subscribe_quotes(self, instrument_id: Any) -> None:
        for n in range(self.config.ticks):
            await self.emit(("quote", instrument_id, n))


class PaperExecution(ExecutionClient):
    connected = False

    async def connect(self) -> None:
        self.connected = True

    async def disconnect(self) -> None:
        self.connected = False


def make_plugin(name: str = "paper") -> types.SimpleNamespace:
    caps = Capabilities(products=["SPOT"], data=["QUOTES"])

    @hookimpl
    def tradeport_register_venues(register):
        register(
            VenueSpec(
                name=name,
                venue_id=name.upper(),
                kind="EXCHANGE",
                capabilities=caps,
                config_type=PaperConfig,
                env_vars=[EnvVar(name="PAPER_TICKS", field="ticks")],
            )
        )

    @hookimpl
    def tradeport_create_instrument_provider(venue, config, events):
        return InstrumentProvider(name.upper(), config, events=events) if venue == name else None

    @hookimpl
    def tradeport_create_data_client(venue, config, instruments, events):
        if venue != name:
            return None
        return PaperData(
            name.upper(), config, instruments=instruments, events=events, capabilities=caps
        )

    @hookimpl
    def tradeport_create_execution_client(venue, config, instruments, events):
        if venue != name:
            return None
        return PaperExecution(name.upper(), config, instruments=instruments, events=events)

    @hookimpl
    def tradeport_conformance_harness(venue):
        return (lambda: f"harness for {venue}") if venue == name else None

    return types.SimpleNamespace(
        **{k: v for k, v in locals().items() if k.startswith("tradeport_")}
    )


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setenv("TRADEPORT_PLUGINS", "")  # no installed plugins, only ours
    return load_plugins(extra=[("paper", make_plugin("paper")), ("other", make_plugin("other"))])


def test_hook_register_venues(registry) -> None:
    assert sorted(registry.venues) == ["other", "paper"]
    spec = registry.venue("paper")
    assert spec.venue_id == "PAPER" and spec.capabilities.products == {"SPOT"}
    assert {p.name: p.venues for p in registry.plugins} == {"paper": ["paper"], "other": ["other"]}


def test_register_venues_rejects_duplicates_and_wrong_types(monkeypatch) -> None:
    monkeypatch.setenv("TRADEPORT_PLUGINS", "")

    @hookimpl
    def tradeport_register_venues(register):
        register("not a spec")

    bad = types.SimpleNamespace(tradeport_register_venues=tradeport_register_venues)
    reg = load_plugins(
        extra=[("paper", make_plugin()), ("zdup", make_plugin("paper")), ("bad", bad)]
    )
    status = {p.name: p for p in reg.plugins}
    assert status["paper"].status == "ok"
    assert "already registered" in status["zdup"].error
    assert "expected VenueSpec" in status["bad"].error
    assert list(reg.venues) == ["paper"]


def test_hook_create_instrument_provider(registry) -> None:
    provider = registry.hook.tradeport_create_instrument_provider(
        venue="other", config=None, events=None
    )
    assert isinstance(provider, InstrumentProvider) and provider.venue == "OTHER"
    assert (
        registry.hook.tradeport_create_instrument_provider(venue="nobody", config=None, events=None)
        is None
    )


def test_hook_create_data_client(registry) -> None:
    client = registry.hook.tradeport_create_data_client(
        venue="paper", config=None, instruments=None, events=None
    )
    assert isinstance(client, PaperData) and client.venue == "PAPER"


def test_hook_create_execution_client(registry) -> None:
    client = registry.hook.tradeport_create_execution_client(
        venue="other", config=None, instruments=None, events=None
    )
    assert isinstance(client, PaperExecution) and client.venue == "OTHER"


def test_hook_conformance_harness(registry) -> None:
    factory = registry.hook.tradeport_conformance_harness(venue="paper")
    assert factory() == "harness for paper"
    assert registry.hook.tradeport_conformance_harness(venue="nobody") is None


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
@pytest.mark.anyio
async def test_open_venue_wires_clients_and_streams_events(registry, anyio_backend) -> None:
    async with open_venue("paper", {"ticks": 4}, registry=registry, event_buffer=2) as venue:
        assert venue.execution.connected
        # The buffer holds 2 events: the producer must wait for the consumer (backpressure)
        # rather than drop or grow without bound.
        async with anyio.create_task_group() as tg:
            tg.start_soon(venue.data.subscribe_quotes, "X.PAPER")
            got = [await venue.next_event(timeout=5) for _ in range(4)]
        assert got == [("quote", "X.PAPER", n) for n in range(4)]
    assert not venue.execution.connected


@pytest.mark.anyio
async def test_open_venue_config_from_env_and_errors(registry) -> None:
    async with open_venue("paper", None, registry=registry, environ={"PAPER_TICKS": "7"}) as venue:
        assert venue.config.ticks == 7
    with pytest.raises(ConfigError, match=r"PaperConfig.ticks: 'many' is invalid"):
        async with open_venue("paper", {"ticks": "many"}, registry=registry):
            pass
    with pytest.raises(LookupError, match="installed venues: other, paper"):
        async with open_venue("nope", registry=registry):
            pass


@pytest.mark.anyio
async def test_unsupported_operation_names_venue_and_operation(registry, caplog) -> None:
    async with open_venue("paper", registry=registry) as venue:
        with caplog.at_level(logging.WARNING), pytest.raises(UnsupportedOperation) as err:
            await venue.data.subscribe_trades("X.PAPER")
    assert err.value.venue == "PAPER" and err.value.operation == "subscribe_trades"
    assert "PAPER does not support subscribe_trades" in caplog.text


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_batch_defaults_go_one_by_one(registry) -> None:
    """Venues without batch endpoints still accept submit_orders / modify_orders (in order)."""
    from tradeport.clients import OrderChange

    calls: list[tuple] = []

    class Recording(PaperExecution):
        async def submit_order(self, order):
            calls.append(("submit", order))

        async def modify_order(self, instrument_id, client_order_id=None, venue_order_id=None, *,
                               quantity=None, price=None, trigger_price=None):
            calls.append(("modify", client_order_id, price))

    client = Recording("PAPER", None)
    await client.submit_orders(["o1", "o2"])
    await client.modify_orders([OrderChange(instrument_id="X.PAPER", client_order_id="c1", price="1.5"),
                                OrderChange(instrument_id="X.PAPER", client_order_id="c2", price="2.5")])
    assert calls == [("submit", "o1"), ("submit", "o2"), ("modify", "c1", "1.5"), ("modify", "c2", "2.5")]


@pytest.mark.anyio
async def test_shared_filters_apply_to_load_all_and_load_ids() -> None:
    """products / symbols are applied once, in the core; the venue sees only its own keys."""
    from tradeport.model import InstrumentId
    from tradeport.model.identifiers import Symbol
    from tradeport.model.instruments import SpotPair
    from tradeport.model.numbers import Price, Quantity

    seen_filters: list = []

    def spot(symbol: str) -> SpotPair:
        return SpotPair(id=InstrumentId.from_str(f"{symbol}.PAPER"), raw_symbol=Symbol(symbol),
                        base_currency=symbol[:3], quote_currency=symbol[3:], price_precision=2,
                        size_precision=0, price_increment=Price.from_str("0.01"),
                        size_increment=Quantity.from_str("1"),
                        ts_event=0, ts_init=0)

    class Provider(InstrumentProvider):
        async def fetch_all(self, filters=None):
            seen_filters.append(filters)
            return [spot("BTCUSD"), spot("ETHUSD")]

    provider = Provider("PAPER", None)
    got = await provider.load_all({"symbols": ["ETHUSD"], "quote": "USD"})
    assert [str(i.raw_symbol) for i in got] == ["ETHUSD"]
    assert seen_filters[-1] == {"quote": "USD"}
    assert await provider.load_all({"products": ["PERPETUAL"]}) == []
    assert seen_filters[-1] is None
    with pytest.raises(KeyError, match=r"BTCUSD\.PAPER"):  # UnknownInstrument is a KeyError
        await provider.load_ids([InstrumentId.from_str("BTCUSD.PAPER")], {"symbols": ["ETHUSD"]})


def test_require_credentials_raises_before_anything_leaves() -> None:
    from tradeport.errors import MissingCredentials

    class Exec(ExecutionClient):
        credentials_hint = "set PAPER_API_KEY"

    with pytest.raises(MissingCredentials, match=r"PAPER: cancel_order needs API credentials \(set PAPER_API_KEY\)"):
        Exec("PAPER", PaperConfig()).require_credentials("cancel_order")
    Exec("PAPER", PaperConfig(api_key="k", api_secret="s")).require_credentials("cancel_order")
