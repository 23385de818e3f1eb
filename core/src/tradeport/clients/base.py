"""Client base classes every venue plugin subclasses.

- :class:`InstrumentProvider` loads and caches the venue's instruments.
- :class:`DataClient` streams market data and answers historical requests.
- :class:`ExecutionClient` sends order commands and produces reconciliation reports.

Every public operation has a default implementation that raises
:class:`~tradeport.errors.UnsupportedOperation` (naming venue and operation) and logs a warning,
so a plugin overrides exactly what its venue supports and declares the same in its
:class:`~tradeport.clients.capabilities.Capabilities`.

Clients publish what they produce (market data, order events, reconnect signals) through an
:class:`EventSink`, normally the bounded stream behind ``venue.events()``: ``await sink.send(x)``
waits when the consumer lags, which is the backpressure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, Protocol

import attrs

from tradeport.clients.capabilities import Capabilities
from tradeport.errors import (
    AmbiguousInstrument,
    MissingCredentials,
    UnknownInstrument,
    UnsupportedOperation,
)

if TYPE_CHECKING:
    from tradeport.book import OrderBook
    from tradeport.clients.resolution import InstrumentQuery
    from tradeport.model.data import BarType, OrderBookDeltas, QuoteTick, TradeTick
    from tradeport.model.identifiers import ClientOrderId, InstrumentId, VenueOrderId
    from tradeport.model.instruments import Instrument
    from tradeport.model.orders import Order, OrderList
    from tradeport.model.reports import (
        AccountState,
        ExecutionMassStatus,
        FillReport,
        OrderStatusReport,
        PositionStatusReport,
    )

__all__ = [
    "EventSink",
    "VenueClient",
    "InstrumentProvider",
    "DataClient",
    "ExecutionClient",
    "Reconnected",
    "OrderChange",
]

log = logging.getLogger("tradeport.clients")


class EventSink(Protocol):
    """Where clients publish events. ``send`` waits while the consumer is behind."""

    async def send(self, item: Any, /) -> None: ...


class _DiscardSink:
    async def send(self, item: Any, /) -> None:
        return None


@attrs.frozen
class Reconnected:
    """Published after a stream reconnected, re-authenticated and restored its subscriptions.

    Consumers that keep state derived from the stream (order books, open orders) resync on it.
    """

    venue: str
    stream: str
    ts_event: int


@attrs.frozen(kw_only=True)
class OrderChange:
    """One modification in a batch (:meth:`ExecutionClient.modify_orders`): the order, by client
    or venue id, and the new quantity / price / trigger price (None keeps the current one)."""

    instrument_id: InstrumentId
    client_order_id: ClientOrderId | None = None
    venue_order_id: VenueOrderId | None = None
    quantity: Any = None
    price: Any = None
    trigger_price: Any = None


class VenueClient:
    """What every client has: a venue name, its config, capabilities and an event sink."""

    def __init__(
        self,
        venue: str,
        config: Any,
        *,
        capabilities: Capabilities | None = None,
        events: EventSink | None = None,
    ) -> None:
        self.venue = venue
        self.config = config
        self.capabilities = capabilities if capabilities is not None else Capabilities()
        self.events: EventSink = events if events is not None else _DiscardSink()
        self.log = logging.getLogger(f"tradeport.{venue.lower()}.{type(self).__name__}")

    def _unsupported(self, operation: str, detail: str = "") -> NoReturn:
        """Log a warning and raise UnsupportedOperation naming venue and operation."""
        err = UnsupportedOperation(self.venue, operation, detail)
        self.log.warning("%s", err)
        raise err

    async def emit(self, event: Any) -> None:
        """Publish an event to the session (waits if the consumer is behind)."""
        await self.events.send(event)

    async def emit_all(self, events: Iterable[Any]) -> None:
        """Publish events in order (the OrderTracker's answers, oldest first)."""
        for event in events:
            await self.events.send(event)

    async def connect(self) -> None:
        """Open connections. Default: nothing to open."""

    async def disconnect(self) -> None:
        """Close connections and pools. Must be safe to call when never connected, and twice.
        Default: nothing to close."""

    async def __aenter__(self) -> VenueClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.disconnect()


def _split_filters(
    filters: Mapping[str, Any] | None,
) -> tuple[Mapping[str, Any] | None, Callable[[Instrument], bool]]:
    """Separate the filters every venue shares (``products``, ``symbols``: applied here, once)
    from the venue's own (passed on to ``fetch_*``)."""
    rest = dict(filters or {})
    products = {str(p).upper() for p in rest.pop("products", ()) or ()}
    symbols = {str(s) for s in rest.pop("symbols", ()) or ()}

    def keep(instrument: Instrument) -> bool:
        return (not products or instrument.product_type.value in products) and (
            not symbols or str(instrument.raw_symbol) in symbols
        )

    return rest or None, keep


class InstrumentProvider(VenueClient):
    """Loads the venue's instruments and keeps them by id.

    Subclasses implement :meth:`fetch_all` (and :meth:`fetch_ids` where the venue can load a
    subset); loading, filtering and lookups are shared here.
    """

    def __init__(self, venue: str, config: Any, **kwargs: Any) -> None:
        super().__init__(venue, config, **kwargs)
        self._instruments: dict[InstrumentId, Instrument] = {}

    # -- what subclasses implement --------------------------------------------------------
    async def fetch_all(self, filters: Mapping[str, Any] | None = None) -> list[Instrument]:
        """Fetch every instrument the venue lists (after applying venue-side ``filters``)."""
        self._unsupported("load_all")

    async def fetch_ids(
        self, ids: Sequence[InstrumentId], filters: Mapping[str, Any] | None = None
    ) -> list[Instrument]:
        """Fetch the given instruments. Default: fetch all and keep the requested ones."""
        wanted = set(ids)
        return [i for i in await self.fetch_all(filters) if i.id in wanted]

    # -- shared behaviour -----------------------------------------------------------------
    async def load_all(self, filters: Mapping[str, Any] | None = None) -> list[Instrument]:
        """Load every instrument; returns them and keeps them for :meth:`find`.

        Filters every venue understands are applied here: ``products`` (product type names,
        e.g. ``["SPOT"]``) and ``symbols`` (native symbols). Other keys go to :meth:`fetch_all`.
        """
        venue_filters, keep = _split_filters(filters)
        instruments = [i for i in await self.fetch_all(venue_filters) if keep(i)]
        for instrument in instruments:
            self.add(instrument)
        return instruments

    async def load_ids(
        self, ids: Iterable[InstrumentId], filters: Mapping[str, Any] | None = None
    ) -> list[Instrument]:
        """Load the given instruments (same filters as :meth:`load_all`); an id the venue does
        not list raises :class:`UnknownInstrument`."""
        wanted = list(ids)
        venue_filters, keep = _split_filters(filters)
        instruments = [i for i in await self.fetch_ids(wanted, venue_filters) if keep(i)]
        for instrument in instruments:
            self.add(instrument)
        missing = [str(i) for i in wanted if i not in self._instruments]
        if missing:
            raise UnknownInstrument(self.venue, ", ".join(missing), "the venue does not list it")
        return instruments

    async def load(self, instrument_id: InstrumentId) -> Instrument:
        """Load one instrument."""
        (instrument,) = await self.load_ids([instrument_id])
        return instrument

    # -- resolution (brokers, symbology services) ------------------------------------------

    async def fetch_candidates(self, query: InstrumentQuery) -> list[Instrument]:
        """The instruments that match ``query``, asking the venue where it must be asked.

        Default: the loaded instruments that :func:`~tradeport.clients.resolution.matches`
        the query, loading every instrument first when none is loaded and the venue lists
        them. Venues with a lookup (IB ``reqContractDetails``, Databento symbology) override
        this and declare ``Capabilities.resolve_instruments``.
        """
        from tradeport.clients.resolution import matches

        if not self._instruments:
            try:
                await self.load_all()
            except UnsupportedOperation:
                pass
        return [i for i in self._instruments.values() if matches(query, i)]

    async def resolve(self, query: InstrumentQuery | InstrumentId | str) -> Instrument:
        """The one instrument ``query`` names, kept for :meth:`find` from then on.

        ``query`` is an :class:`~tradeport.clients.resolution.InstrumentQuery`, an
        InstrumentId, or a string (``"SYMBOL.VENUE"``, else a symbol). An id already loaded
        is answered without asking the venue.

        :raises AmbiguousInstrument: several match; ``candidates`` holds them all.
        :raises UnknownInstrument: none matches.
        """
        from tradeport.clients.resolution import InstrumentQuery

        known = (
            self._instruments.get(query) if not isinstance(query, (str, InstrumentQuery)) else None
        )
        if known is not None:
            return known
        resolved = InstrumentQuery.of(query)
        found = sorted(await self.fetch_candidates(resolved), key=lambda i: str(i.id))
        unique = list({i.id: i for i in found}.values())
        if not unique:
            raise UnknownInstrument(self.venue, resolved, "nothing matches")
        if len(unique) > 1:
            raise AmbiguousInstrument(self.venue, resolved, tuple(unique))
        self.add(unique[0])
        return unique[0]

    async def ensure(self, instrument_id: InstrumentId) -> Instrument:
        """The instrument with this id: loaded already, else resolved through the venue
        (what clients await before a subscription or an order on an id they have not seen)."""
        found = self._instruments.get(instrument_id)
        return found if found is not None else await self.resolve(instrument_id)

    def add(self, instrument: Instrument) -> None:
        self._instruments[instrument.id] = instrument

    def find(self, instrument_id: InstrumentId) -> Instrument | None:
        """The loaded instrument with this id, or None."""
        return self._instruments.get(instrument_id)

    def get(self, instrument_id: InstrumentId) -> Instrument:
        """The loaded instrument with this id; :class:`UnknownInstrument` when not loaded."""
        try:
            return self._instruments[instrument_id]
        except KeyError:
            raise UnknownInstrument(self.venue, instrument_id, "not loaded") from None

    def list_all(self) -> list[Instrument]:
        """Every loaded instrument, ordered by id."""
        return sorted(self._instruments.values(), key=lambda i: str(i.id))

    def __len__(self) -> int:
        return len(self._instruments)


async def _ensure_instrument(client: Any, instrument_id: InstrumentId) -> Instrument:
    provider = client.instruments
    if provider is None:
        raise UnknownInstrument(
            client.venue, instrument_id, "the client has no instrument provider"
        )
    instrument: Instrument = await provider.ensure(instrument_id)
    return instrument


class DataClient(VenueClient):
    """Streams market data and answers historical requests for one venue."""

    def __init__(
        self,
        venue: str,
        config: Any,
        *,
        instruments: InstrumentProvider | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(venue, config, **kwargs)
        self.instruments = instruments
        #: Local order books this client maintains (subscribe_book_deltas), by instrument id.
        self.books: dict[InstrumentId, OrderBook] = {}

    async def ensure_instrument(self, instrument_id: InstrumentId) -> Instrument:
        """The instrument of a subscription: loaded already, else resolved through the
        provider (``InstrumentProvider.ensure``): await it before subscribing on a venue where
        instruments must be looked up first."""
        return await _ensure_instrument(self, instrument_id)

    def book(self, instrument_id: InstrumentId) -> OrderBook:
        """The local book for an instrument subscribed with :meth:`subscribe_book_deltas`."""
        try:
            return self.books[instrument_id]
        except KeyError:
            raise KeyError(f"{self.venue}: no local book for {instrument_id}") from None

    # -- subscriptions ----------------------------------------------------------------------
    async def subscribe_instruments(self) -> None:
        self._unsupported("subscribe_instruments")

    async def subscribe_quotes(self, instrument_id: InstrumentId) -> None:
        self._unsupported("subscribe_quotes")

    async def unsubscribe_quotes(self, instrument_id: InstrumentId) -> None:
        self._unsupported("unsubscribe_quotes")

    async def subscribe_trades(self, instrument_id: InstrumentId) -> None:
        self._unsupported("subscribe_trades")

    async def unsubscribe_trades(self, instrument_id: InstrumentId) -> None:
        self._unsupported("unsubscribe_trades")

    async def subscribe_book_deltas(
        self, instrument_id: InstrumentId, depth: int | None = None
    ) -> None:
        self._unsupported("subscribe_book_deltas")

    async def unsubscribe_book_deltas(self, instrument_id: InstrumentId) -> None:
        self._unsupported("unsubscribe_book_deltas")

    async def subscribe_book_snapshots(self, instrument_id: InstrumentId, depth: int = 10) -> None:
        self._unsupported("subscribe_book_snapshots")

    async def unsubscribe_book_snapshots(self, instrument_id: InstrumentId) -> None:
        self._unsupported("unsubscribe_book_snapshots")

    async def subscribe_bars(self, bar_type: BarType) -> None:
        self._unsupported("subscribe_bars")

    async def unsubscribe_bars(self, bar_type: BarType) -> None:
        self._unsupported("unsubscribe_bars")

    async def subscribe_mark_prices(self, instrument_id: InstrumentId) -> None:
        self._unsupported("subscribe_mark_prices")

    async def unsubscribe_mark_prices(self, instrument_id: InstrumentId) -> None:
        self._unsupported("unsubscribe_mark_prices")

    async def subscribe_index_prices(self, instrument_id: InstrumentId) -> None:
        self._unsupported("subscribe_index_prices")

    async def unsubscribe_index_prices(self, instrument_id: InstrumentId) -> None:
        self._unsupported("unsubscribe_index_prices")

    async def subscribe_funding_rates(self, instrument_id: InstrumentId) -> None:
        self._unsupported("subscribe_funding_rates")

    async def unsubscribe_funding_rates(self, instrument_id: InstrumentId) -> None:
        self._unsupported("unsubscribe_funding_rates")

    async def subscribe_instrument_status(self, instrument_id: InstrumentId) -> None:
        self._unsupported("subscribe_instrument_status")

    async def subscribe_instrument_close(self, instrument_id: InstrumentId) -> None:
        self._unsupported("subscribe_instrument_close")

    async def subscribe_custom(
        self, data_type: str, params: Mapping[str, Any] | None = None
    ) -> None:
        self._unsupported("subscribe_custom", data_type)

    async def unsubscribe_custom(
        self, data_type: str, params: Mapping[str, Any] | None = None
    ) -> None:
        self._unsupported("unsubscribe_custom", data_type)

    # -- requests (history) -------------------------------------------------------------------
    async def request_instruments(self) -> list[Instrument]:
        self._unsupported("request_instruments")

    async def request_quotes(
        self,
        instrument_id: InstrumentId,
        start_ns: int | None = None,
        end_ns: int | None = None,
        limit: int | None = None,
    ) -> list[QuoteTick]:
        self._unsupported("request_quotes")

    async def request_trades(
        self,
        instrument_id: InstrumentId,
        start_ns: int | None = None,
        end_ns: int | None = None,
        limit: int | None = None,
    ) -> list[TradeTick]:
        self._unsupported("request_trades")

    async def request_bars(
        self,
        bar_type: BarType,
        start_ns: int | None = None,
        end_ns: int | None = None,
        limit: int | None = None,
    ) -> list[Any]:
        self._unsupported("request_bars")

    async def request_book_snapshot(
        self, instrument_id: InstrumentId, depth: int | None = None
    ) -> OrderBookDeltas:
        self._unsupported("request_book_snapshot")


class ExecutionClient(VenueClient):
    """Sends order commands for one venue account and reports execution state.

    Order command outcomes: publish a rejection event only on definitive evidence from the venue.
    A timeout, transport error, 5xx or rate limit leaves the order in flight; it is resolved by
    querying (:meth:`order_status_report` with the client order id).
    """

    def __init__(
        self,
        venue: str,
        config: Any,
        *,
        instruments: InstrumentProvider | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(venue, config, **kwargs)
        self.instruments = instruments
        self.authenticated = False

    @property
    def authenticated(self) -> bool:
        """True only once the venue acknowledged the login of the private stream (or issued the
        stream token); False before, after a refusal, without credentials, and once the
        :attr:`private_stream` (where the client names one) has failed for good. A reconnect in
        progress keeps it: the session stays logged in."""
        if not self._authenticated:
            return False
        stream = self.private_stream
        return stream is None or stream.error is None

    @authenticated.setter
    def authenticated(self, value: bool) -> None:
        self._authenticated = value

    @property
    def private_stream(self) -> Any | None:
        """The private stream whose fatal error (``.error``) ends :attr:`authenticated`, for a
        client that names one (``private_stream = stream`` in the class body); None here."""
        return None

    async def ensure_instrument(self, instrument_id: InstrumentId) -> Instrument:
        """The instrument of an order: loaded already, else resolved through the provider
        (``InstrumentProvider.ensure``): await it before submitting on a venue where
        instruments must be looked up first (a broker's contract id)."""
        return await _ensure_instrument(self, instrument_id)

    @property
    def has_credentials(self) -> bool:
        """Whether private calls can be signed. Default: the config's api key and secret;
        plugins that resolve credentials elsewhere (per account type, from env) override it."""
        return bool(getattr(self.config, "has_credentials", False))

    #: Told to the user when credentials are missing (e.g. which env vars to set).
    credentials_hint: str = ""

    def require_credentials(self, operation: str) -> None:
        """Raise :class:`MissingCredentials` (before any request leaves) unless credentials
        are available for ``operation``."""
        if not self.has_credentials:
            raise MissingCredentials(self.venue, operation, self.credentials_hint)

    # -- commands -----------------------------------------------------------------------------
    async def submit_order(self, order: Order) -> None:
        self._unsupported("submit_order")

    async def submit_order_list(self, order_list: OrderList) -> None:
        self._unsupported("submit_order_list")

    async def submit_orders(self, orders: Sequence[Order]) -> None:
        """Submit several independent orders. Venues with a batch endpoint override this
        (``Capabilities.batch_submit``); the default submits them one by one, in order."""
        for order in orders:
            await self.submit_order(order)

    async def modify_orders(self, changes: Sequence[OrderChange]) -> None:
        """Modify several orders. Venues with a batch endpoint override this
        (``Capabilities.batch_modify``); the default modifies them one by one, in order."""
        for change in changes:
            await self.modify_order(
                change.instrument_id,
                change.client_order_id,
                change.venue_order_id,
                quantity=change.quantity,
                price=change.price,
                trigger_price=change.trigger_price,
            )

    async def modify_order(
        self,
        instrument_id: InstrumentId,
        client_order_id: ClientOrderId | None = None,
        venue_order_id: VenueOrderId | None = None,
        *,
        quantity: Any = None,
        price: Any = None,
        trigger_price: Any = None,
    ) -> None:
        self._unsupported("modify_order")

    async def cancel_order(
        self,
        instrument_id: InstrumentId,
        client_order_id: ClientOrderId | None = None,
        venue_order_id: VenueOrderId | None = None,
    ) -> None:
        self._unsupported("cancel_order")

    async def cancel_all_orders(self, instrument_id: InstrumentId) -> None:
        self._unsupported("cancel_all_orders")

    async def batch_cancel_orders(
        self, instrument_id: InstrumentId, client_order_ids: Sequence[ClientOrderId]
    ) -> None:
        self._unsupported("batch_cancel_orders")

    # -- reports --------------------------------------------------------------------------------
    async def order_status_report(
        self,
        instrument_id: InstrumentId,
        client_order_id: ClientOrderId | None = None,
        venue_order_id: VenueOrderId | None = None,
    ) -> OrderStatusReport | None:
        self._unsupported("order_status_report")

    async def order_status_reports(
        self,
        instrument_id: InstrumentId | None = None,
        *,
        open_only: bool = True,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> list[OrderStatusReport]:
        self._unsupported("order_status_reports")

    async def fill_reports(
        self,
        instrument_id: InstrumentId | None = None,
        *,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> list[FillReport]:
        self._unsupported("fill_reports")

    async def position_status_reports(
        self, instrument_id: InstrumentId | None = None
    ) -> list[PositionStatusReport]:
        self._unsupported("position_status_reports")

    async def account_state(self) -> AccountState:
        self._unsupported("account_state")

    async def mass_status(self, lookback_ns: int | None = None) -> ExecutionMassStatus:
        """Open orders, fills over ``lookback_ns`` and positions, in one report.

        Built from :meth:`order_status_reports`, :meth:`fill_reports` and (when the venue has
        positions) :meth:`position_status_reports`; fills are de-duplicated by trade id, a
        settled report of a trade winning over its provisional one.
        """
        import time

        from tradeport.model.reports import ExecutionMassStatus

        now = time.time_ns()
        orders = await self.order_status_reports(open_only=True)
        start = now - lookback_ns if lookback_ns is not None else None
        fills = await self.fill_reports(start_ns=start)
        unique: dict[tuple[str, str], FillReport] = {}
        for fill in fills:
            key = (str(fill.venue_order_id), str(fill.trade_id))
            known = unique.get(key)
            # A trade reported in several settlement stages counts once, in its latest
            # (settled) state: FINAL or REVERSED supersedes PROVISIONAL.
            if known is None or known.is_provisional:
                unique[key] = fill
        unique_fills = list(unique.values())
        positions = await self.position_status_reports() if self.capabilities.positions else []
        from tradeport.model.identifiers import Venue

        return ExecutionMassStatus(
            venue=Venue(self.venue),
            account_id=getattr(self, "account_id", None),
            order_reports=tuple(orders),
            fill_reports=tuple(unique_fills),
            position_reports=tuple(positions),
            ts_init=now,
        )
