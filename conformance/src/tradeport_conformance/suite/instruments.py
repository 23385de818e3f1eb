"""INSTRUMENTS (IN1-IN6)."""

from __future__ import annotations

import logging

import pytest
from tradeport.model.enums import ProductType
from tradeport.model.identifiers import InstrumentId

from tradeport_conformance.markers import scenario
from tradeport_conformance.suite.helpers import pick_instrument

pytestmark = pytest.mark.anyio

__all__ = ["TestInstruments"]


@pytest.mark.anyio
class TestInstruments:
    @scenario("IN1")
    async def test_load_all(self, harness, open_session, venue_spec, venue_capabilities) -> None:
        async with open_session("none", connect=False) as venue:
            loaded = await venue.instruments.load_all()
        assert loaded, "no instruments loaded"
        # A data provider's ids name the listing exchanges it declares (VenueSpec.instrument_venues).
        venues = set(venue_spec.instrument_venues) or {venue_spec.venue_id}
        assert {i.id.venue.value for i in loaded} <= venues
        assert len({i.id for i in loaded}) == len(loaded), "two instruments share an id"

    @scenario("IN2")
    async def test_load_by_ids(self, harness, open_session, venue_spec, venue_capabilities) -> None:
        iid = pick_instrument(harness, venue_capabilities)
        async with open_session("none", connect=False) as venue:
            loaded = await venue.instruments.load_ids([iid])
            assert [i.id for i in loaded] == [iid]
            assert venue.instruments.find(iid) is not None

    @scenario("IN3")
    async def test_filters(self, harness, open_session, venue_spec, venue_capabilities) -> None:
        products = sorted(venue_capabilities.products)
        async with open_session("none", connect=False) as venue:
            everything = await venue.instruments.load_all()
            for product in products:
                some = await venue.instruments.load_all({"products": [product.value]})
                assert some and {i.product_type for i in some} == {product}
                assert len(some) == sum(i.product_type == product for i in everything)

    @scenario("IN4")
    async def test_declared_families_parse_with_precision(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        async with open_session("none", connect=False) as venue:
            await venue.instruments.load_all()
            for product in venue_capabilities.products:
                iid = harness.instrument_id(product)
                assert iid is not None, f"the harness seeds no {product.value} instrument"
                inst = venue.instruments.get(iid)
                sim = harness.exchange.instrument(str(inst.raw_symbol))
                assert inst.product_type == product
                assert inst.price_increment.as_decimal() == sim.tick_size
                assert inst.size_increment.as_decimal() == sim.lot_size
                assert inst.price_increment.precision == inst.price_precision
                assert inst.size_increment.precision == inst.size_precision
                if inst.min_quantity is not None and sim.min_qty is not None:
                    assert inst.min_quantity.as_decimal() == sim.min_qty

    @scenario("IN5")
    async def test_unparseable_record_skipped_with_warning(
        self, harness, open_session, caplog
    ) -> None:
        try:
            harness.add_malformed_instrument()
        except NotImplementedError:
            pytest.fail(
                "the harness cannot seed a malformed instrument record (add_malformed_instrument)",
                pytrace=False,
            )
        async with open_session("none", connect=False) as venue:
            with caplog.at_level(logging.WARNING):
                loaded = await venue.instruments.load_all()
        assert loaded, "one bad record stopped the whole load"
        assert any(r.levelno >= logging.WARNING for r in caplog.records), "the skip was not logged"

    @scenario("IN6")
    async def test_symbology_round_trips(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        async with open_session("none", connect=False) as venue:
            loaded = await venue.instruments.load_all()
        for inst in loaded:
            assert InstrumentId.from_str(str(inst.id)) == inst.id
            venues = set(venue_spec.instrument_venues) or {venue_spec.venue_id}
            assert inst.id.venue.value in venues, f"{inst.id}: venue not declared"
        natives = [str(i.raw_symbol) for i in loaded]
        perps = [i for i in loaded if i.product_type == ProductType.PERPETUAL]
        # A native symbol shared by two products must map to two distinct ids.
        for inst in perps:
            if natives.count(str(inst.raw_symbol)) > 1:
                assert str(inst.id.symbol) != str(inst.raw_symbol)
