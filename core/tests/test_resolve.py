"""InstrumentProvider.resolve: one instrument, every candidate when ambiguous, a clear error when
nothing matches; a broker-style provider that must ask the venue; clients awaiting it."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from tradeport.clients import DataClient, InstrumentProvider, InstrumentQuery
from tradeport.errors import AmbiguousInstrument, UnknownInstrument, ValidationError
from tradeport.model import (
    DatedFuture,
    Equity,
    InstrumentId,
    OptionKind,
    Price,
    ProductType,
    Quantity,
    Symbol,
)

pytestmark = pytest.mark.anyio

DAY = 86_400 * 10**9
T0 = 1_780_000_000 * 10**9
COMMON: dict[str, Any] = {
    "quote_currency": "USD",
    "price_precision": 2,
    "size_precision": 0,
    "price_increment": Price.from_str("0.25"),
    "size_increment": Quantity.from_str("1"),
    "ts_event": T0,
    "ts_init": T0,
}


def future(symbol: str, expiry_ns: int) -> DatedFuture:
    return DatedFuture(
        id=InstrumentId.of(symbol, "XCME"),
        raw_symbol=Symbol(symbol),
        underlying="ES",
        settle_currency="USD",
        activation_ns=T0,
        expiry_ns=expiry_ns,
        multiplier=Quantity.from_str("50"),
        **COMMON,
    )


ESZ6 = future("ESZ6", T0 + 30 * DAY)
ESH7 = future("ESH7", T0 + 120 * DAY)
AAPL = Equity(id=InstrumentId.from_str("AAPL.NASDAQ"), raw_symbol=Symbol("AAPL"), **COMMON)


class ContractLookup(InstrumentProvider):
    """Like IB's reqContractDetails: nothing listed up front, each query asked of the venue."""

    def __init__(self) -> None:
        super().__init__("BROKER", None)
        self.asked: list[InstrumentQuery] = []

    async def fetch_candidates(self, query: InstrumentQuery) -> list[Any]:
        from tradeport.clients.resolution import matches

        self.asked.append(query)
        return [i for i in (ESZ6, ESH7, AAPL) if matches(query, i)]


async def test_unique_match_is_kept_for_find() -> None:
    provider = ContractLookup()
    assert await provider.resolve("AAPL") is AAPL
    assert provider.find(AAPL.id) is AAPL
    # An id already known is answered without asking again.
    assert await provider.resolve(AAPL.id) is AAPL
    assert len(provider.asked) == 1


async def test_ambiguous_query_returns_every_candidate() -> None:
    provider = ContractLookup()
    with pytest.raises(AmbiguousInstrument) as err:
        await provider.resolve(InstrumentQuery(symbol="ES", product_type="FUTURE"))
    assert err.value.candidates == (ESH7, ESZ6)  # sorted by id
    assert "ESH7.XCME, ESZ6.XCME" in str(err.value)
    # Narrowed by expiry (any time on the expiry's day): one left.
    narrowed = InstrumentQuery(symbol="ES", expiry_ns=ESZ6.expiry_ns - 3600 * 10**9)
    assert await provider.resolve(narrowed) is ESZ6


async def test_nothing_matches_is_an_unknown_instrument() -> None:
    provider = ContractLookup()
    with pytest.raises(UnknownInstrument, match="query\\(symbol=ES, option_kind=PUT\\)"):
        await provider.resolve(InstrumentQuery(symbol="ES", option_kind=OptionKind.PUT))
    with pytest.raises(UnknownInstrument):
        await provider.resolve("NQZ6.XCME")


def test_query_forms() -> None:
    assert InstrumentQuery.of("ESZ6.XCME") == InstrumentQuery(symbol="ESZ6", venue="XCME")
    assert InstrumentQuery.of("AAPL") == InstrumentQuery(symbol="AAPL")
    assert InstrumentQuery(product_type="FUTURE").product_type is ProductType.FUTURE
    with pytest.raises(ValidationError, match="names nothing"):
        InstrumentQuery()
    with pytest.raises(ValidationError, match="query"):
        InstrumentQuery.of(42)  # type: ignore[arg-type]


async def test_default_provider_matches_what_it_lists() -> None:
    class Listing(InstrumentProvider):
        async def fetch_all(self, filters: Any = None) -> list[Any]:
            return [ESZ6, ESH7]

    provider = Listing("XCME", None)
    assert await provider.resolve("ESH7") is ESH7  # loaded on first use, then matched
    with pytest.raises(AmbiguousInstrument):
        await provider.resolve(InstrumentQuery(symbol="ES"))


async def test_a_subscription_awaits_resolution() -> None:
    class BrokerData(DataClient):
        subscribed: ClassVar[list[Any]] = []

        async def subscribe_quotes(self, instrument_id: InstrumentId) -> None:
            instrument = await self.ensure_instrument(instrument_id)
            self.subscribed.append(instrument)

    provider = ContractLookup()
    data = BrokerData("BROKER", None, instruments=provider)
    await data.subscribe_quotes(ESZ6.id)
    assert data.subscribed == [ESZ6] and provider.find(ESZ6.id) is ESZ6


async def test_an_order_awaits_resolution() -> None:
    from tradeport.clients import ExecutionClient
    from tradeport.model import Order, OrderSide

    class BrokerExecution(ExecutionClient):
        async def submit_order(self, order: Order) -> None:
            self.submitted = (await self.ensure_instrument(order.instrument_id), order)

    provider = ContractLookup()
    execution = BrokerExecution("BROKER", None, instruments=provider)
    order = Order.limit(AAPL.id, OrderSide.BUY, Quantity.from_str("1"), Price.from_str("190.25"))
    await execution.submit_order(order)
    assert execution.submitted == (AAPL, order)
    with pytest.raises(UnknownInstrument, match="no instrument provider"):
        await BrokerExecution("BROKER", None).ensure_instrument(AAPL.id)
