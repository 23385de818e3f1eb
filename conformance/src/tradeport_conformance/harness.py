"""The VenueHarness contract: what a venue plugin hands the conformance suite.

A harness runs the plugin's *mock venue*: a real loopback server (``tradeport.testing``) speaking
the venue's real wire protocol (paths, payloads, signature checks, acks, error codes) on top of a
:class:`~tradeport_conformance.simulated.SimulatedExchange`. The suite drives the plugin's real
clients against it, uses the harness *controls* to make things happen at the venue, and reads the
harness *observations* to check what the clients did on the wire.

A plugin provides its harness through the ``tradeport_conformance_harness`` hook::

    @hookimpl
    def tradeport_conformance_harness(venue):
        if venue == "acme":
            from tradeport_acme.testing import AcmeHarness
            return AcmeHarness

Capabilities are data. What the venue can do is the plugin's declared
:class:`~tradeport.clients.Capabilities`; what the venue's *protocol* does (server pings, text
pings, stream login, book checksums...) is the harness's :class:`ProtocolFeatures`. Scenarios
that need something undeclared are skipped, and the skip names it.
"""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

import anyio
import attrs

if TYPE_CHECKING:
    from tradeport.clients.capabilities import Capabilities
    from tradeport.model.enums import (
        AggressorSide,
        BettingSide,
        OrderSide,
        ProductType,
        TimeInForce,
    )
    from tradeport.model.identifiers import InstrumentId

    from tradeport_conformance.simulated import SimulatedExchange

__all__ = [
    "ProtocolFeatures",
    "RecordedRequest",
    "ReplayTrade",
    "VenueHarness",
    "Credentials",
    "wait_until",
]

Credentials = Literal["valid", "invalid", "none", "skewed"]


@attrs.frozen(kw_only=True)
class ProtocolFeatures:
    """Facts about the venue's wire protocol, declared by the harness. Conservative defaults."""

    #: The server sends WebSocket control-frame pings (HB1).
    server_control_ping: bool = False
    #: The protocol has a text/JSON ping-pong (sent by the client or the server) (HB2).
    text_ping: bool = False
    #: Private streams need a login message that the venue acknowledges (LG1, RC1).
    stream_login: bool = False
    #: Private streams are opened with a REST-issued token instead (Binance listenKey).
    stream_token: bool = False
    #: The venue checks request timestamps against a receive window (LG5).
    timestamp_window: bool = False
    #: Book messages carry sequence numbers that reveal gaps (RC4).
    book_sequence: bool = False
    #: Book messages carry a checksum of the book (OKX CRC32).
    book_checksum: bool = False
    #: The venue serves its clock and the plugin measures it when ``VenueConfig.time_sync``
    #: is on, signing with the venue's time (LG7: a skewed local clock is then accepted).
    server_time: bool = False
    #: The venue refuses subscriptions to unknown topics with an error message (SB8).
    subscription_refusal: bool = True
    #: The server may close with a close code (maintenance, 24 h limit) (RC8).
    close_codes: bool = True
    #: The venue has its own rate-limit error code besides HTTP 429 (ER1).
    venue_rate_limit_code: bool = False
    #: Private queries are signed requests (LG4 then probes with a query). False for venues
    #: that sign only commands (Hyperliquid: reads are unsigned ``/info`` requests): LG4 then
    #: probes with an order, which the venue must accept when signed right and refuse with a
    #: definitive rejection when signed by an unknown key.
    signed_reads: bool = True
    #: The venue keeps the client's order id: rows carry it and orders can be queried by it
    #: (OF1, OF12, RE1, RE4). Polymarket has none: an order is named by its signed hash.
    client_order_ids: bool = True
    #: One venue subscription per instrument carries every data type (Polymarket's market
    #: channel): unsubscribing quotes leaves the topic while trades still want it (SB7).
    instrument_topics: bool = False
    #: The venue's market data and instrument lists need an account login (Betfair: every
    #: call and the stream carry a session token). Scenarios that read public data with
    #: ``open_session("none")`` then get valid credentials; tests marked
    #: ``without_credentials`` (LG3: nothing leaves without credentials) keep none.
    public_data_login: bool = False
    #: The mock lists instruments from the SimulatedExchange with any increment, as decimal
    #: text: the value scenarios then re-list the instrument with a 1e-12 price increment and
    #: trade at 18-significant-digit prices, so a ``float`` on the client's path fails (JSON
    #: numbers too, when the client decodes them exactly, like BitMEX's). Off for venues that
    #: derive increments or allow only a few (Hyperliquid, Polymarket, dYdX).
    exact_relisting: bool = False
    #: Order status answers carry the average fill price (checked against the venue's). False
    #: for venues whose open-order listing has none (Hyperliquid): then an average the client
    #: does report must still be the venue's.
    order_avg_px: bool = True
    #: The mock streams every book update through ``MockVenue.send_book_update`` and honours
    #: ``hold_book_snapshots``, so the suite can lose, delay, duplicate and replay book
    #: messages (RC4 under adversity).
    book_faults: bool = False
    #: Private stream logins carry a timestamp or expiry the harness reports in
    #: ``VenueHarness.login_stamps`` (LG1: every login, reconnects included, freshly stamped).
    login_stamps: bool = False
    #: The mock checks login stamps (or the credentials a login presents, like a listenKey)
    #: against its own login clock, which ``VenueHarness.expire_logins_through`` can advance
    #: past a login's validity window (RC9: a reconnect after the window has passed is
    #: freshly stamped and accepted; with ``login_stamps`` it must carry a later stamp).
    login_clock: bool = False
    #: Public trades carry the aggressor side (SB2 compares it). False for venues whose prints
    #: say nothing of it (IB's tick-by-tick AllLast): their TradeTicks carry NO_AGGRESSOR.
    trade_aggressor: bool = True
    #: The venue has an HTTP API whose failures the mock injects (ER1, ER2:
    #: ``fail_next_requests``). False for a venue reached only over a socket (IB's TWS API).
    http_api: bool = True
    #: The venue's API takes credentials the client signs or presents (LG3, LG4). False where
    #: a local application holds the login and the API socket has none (IB's TWS / Gateway).
    api_credentials: bool = True
    #: ``VenueHarness.hold_private_events`` withholds private stream messages until released
    #: (RC5: a fill learned by REST first and delivered by the stream after is reported once).
    private_hold: bool = False
    #: The provider replays up to the present moment: ``open_replay`` without an ``end`` ends
    #: at the moment it opened (Databento's intraday replay; DP2's second case).
    intraday_replay: bool = False


@attrs.frozen
class ReplayTrade:
    """One trade a harness recorded in the provider's history (``seed_replay_trades``): what
    a replay must yield for it. ``ts_init`` is the timestamp a replay orders by (the
    provider's arrival / receive time)."""

    trade_id: str
    price: Decimal
    size: Decimal
    ts_init: int


@attrs.frozen
class RecordedRequest:
    """One HTTP request as the mock venue received it."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: Mapping[str, str]
    body: bytes
    #: True/False when the endpoint is signed and the signature was checked; None otherwise.
    signature_ok: bool | None = None


async def wait_until(
    predicate: Callable[[], bool | Awaitable[bool]],
    *,
    timeout: float = 10.0,
    what: str = "condition",
) -> None:
    """Poll ``predicate`` (cheaply, yielding to the event loop) until true; fail after ``timeout``.

    For observations that have no event of their own. Raises ``TimeoutError`` naming ``what``.
    """
    with anyio.move_on_after(timeout) as scope:
        while True:
            result = predicate()
            if not isinstance(result, bool):
                result = await result  # type: ignore[misc]
            if result:
                return
            await anyio.sleep(0.01)
    if scope.cancelled_caught:
        raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


class VenueHarness(abc.ABC):
    """A plugin's mock venue plus the controls and observations the suite uses.

    Lifecycle: the suite creates the harness (zero-argument constructor or factory), then
    ``async with harness:`` starts the mock venue on loopback inside the current task group, and
    leaves it stopped. One harness serves one test; it must be cheap to start.
    """

    #: Registered venue name (``VenueSpec.name``).
    venue: str
    #: What the venue's protocol does (see :class:`ProtocolFeatures`).
    features: ProtocolFeatures = ProtocolFeatures()
    #: The capabilities of the account type this harness runs, when narrower than the venue's
    #: declaration (one plugin serving spot and futures ships one harness per account type).
    #: Must be a subset of the VenueSpec's capabilities (the suite checks); None: the venue's.
    capabilities: Capabilities | None = None
    #: The simulated exchange the mock venue runs on. Tests seed and drive it directly.
    exchange: SimulatedExchange
    #: Venue error codes that mean "outcome unknown" (busy, system error, timeout) when they
    #: come inside an otherwise normal answer (HTTP 200). OF14 answers a submit with each (via
    #: ``fail_next_requests(1, 200, venue_code=code)``): none may produce a rejection.
    unknown_outcome_codes: Sequence[str | int] = ()
    #: Why the venue lacks a requirement the suite names (``"order:LIMIT/GTC"`` -> "Betfair
    #: has no GTC: ..."): a scenario skipped for it says so after the requirement.
    unsupported_reasons: Mapping[str, str] = {}

    #: Why a protocol feature is off, by :class:`ProtocolFeatures` field name, where the
    #: *venue* has no such thing (``{"login_clock": "the user stream has no login"}``): the
    #: scenarios that need the feature skip with this reason instead of naming a missing hook.
    absent_features: Mapping[str, str] = {}
    #: Provider-specific ``open_replay`` params the data-provider scenarios (DP2) also replay
    #: with, besides the default ``{}`` (Tardis: ``{"normalized": True}``, its tardis-machine).
    replay_variants: Sequence[Mapping[str, Any]] = ({},)
    #: Symbols the provider resolves, as ``(kind, symbol, instrument ids)``: kind ``native``
    #: (the provider's own symbol), ``parent`` (a product's every instrument: ``ES.FUT``) or
    #: ``continuous`` (a rolling front month: ``ES.c.0``), and the ids the symbol names (DP3).
    symbol_resolutions: Sequence[tuple[str, str, Sequence[str]]] = ()

    # -- lifecycle ----------------------------------------------------------------------------
    @abc.abstractmethod
    async def __aenter__(self) -> VenueHarness:
        """Start the mock venue on 127.0.0.1 (port 0) and seed the default instruments."""

    @abc.abstractmethod
    async def __aexit__(self, *exc: object) -> None:
        """Stop the mock venue, closing every connection."""

    # -- what the clients are given -----------------------------------------------------------
    @abc.abstractmethod
    def client_config(self, credentials: Credentials = "valid", **overrides: Any) -> dict[str, Any]:
        """A config dict for the plugin's clients pointing at this mock venue.

        ``valid`` credentials the mock accepts, ``invalid`` ones it refuses (wrong secret),
        ``none`` no credentials at all, ``skewed`` valid credentials with the client clock off
        by more than the venue's receive window (only when ``features.timestamp_window``).
        ``overrides`` set other config fields (small heartbeat/idle intervals for tests).
        """

    @abc.abstractmethod
    def instrument_id(self, product: ProductType) -> InstrumentId | None:
        """The id of a seeded instrument of this product family, or None if not offered."""

    @property
    def secrets(self) -> Sequence[str]:
        """Every credential value the harness hands out (the suite checks none of them leaks)."""
        return ()

    # -- venue ids -----------------------------------------------------------------------------
    def venue_order_id(self, sim_venue_order_id: str) -> str:
        """The venue order id the mock puts on the wire for the SimulatedExchange's order id.

        The default is the identity. A mock that speaks the venue's own id format (a UUID, a
        prefixed number...) maps the exchange's ids here, and the suite compares the client's
        ids with the mapped ones.
        """
        return sim_venue_order_id

    def venue_amount(self, asset: str, amount: Decimal) -> Decimal:
        """An amount of ``asset`` (a commission, a balance) as the venue reports it: exact by
        default; a venue that reports whole minor units (BitMEX satoshis) rounds it here."""
        return amount

    def venue_trade_id(self, sim_trade_id: str) -> str:
        """The trade id the mock puts on the wire for the SimulatedExchange's trade id
        (identity by default; see :meth:`venue_order_id`)."""
        return sim_trade_id

    # -- controls: market data ------------------------------------------------------------------
    @abc.abstractmethod
    async def publish_quote(
        self,
        instrument_id: InstrumentId,
        bid: Decimal,
        ask: Decimal,
        bid_size: Decimal,
        ask_size: Decimal,
    ) -> None:
        """Send a top-of-book update to subscribers of the instrument's quote stream."""

    @abc.abstractmethod
    async def publish_trade(
        self,
        instrument_id: InstrumentId,
        price: Decimal,
        size: Decimal,
        aggressor: AggressorSide,
    ) -> str:
        """Send a public trade to subscribers; returns the venue trade id used."""

    async def set_book(
        self,
        instrument_id: InstrumentId,
        bids: Sequence[tuple[Decimal, Decimal]],
        asks: Sequence[tuple[Decimal, Decimal]],
    ) -> None:
        """Replace the venue's book (what a snapshot request returns from now on)."""
        raise NotImplementedError("set_book")

    async def publish_book_update(
        self,
        instrument_id: InstrumentId,
        side: OrderSide,
        price: Decimal,
        size: Decimal,
    ) -> None:
        """Change one level of the venue's book (size 0 removes it) and stream the delta."""
        raise NotImplementedError("publish_book_update")

    async def publish_book_gap(self, instrument_id: InstrumentId) -> None:
        """Stream a book update whose sequence skips ahead (a lost message)."""
        raise NotImplementedError("publish_book_gap")

    async def publish_book_bad_checksum(self, instrument_id: InstrumentId) -> None:
        """Stream a book update that continues the sequence but carries a wrong checksum
        (a corrupted message; only for ``features.book_checksum``)."""
        raise NotImplementedError("publish_book_bad_checksum")

    async def withhold_book_updates(self, instrument_id: InstrumentId, count: int = 1) -> None:
        """Do not send the next ``count`` book updates of the instrument (the venue's book
        still changes): lost messages, or late ones if resent later (``features.book_faults``)."""
        raise NotImplementedError("withhold_book_updates")

    async def resend_book_update(self, instrument_id: InstrumentId, back: int = 1) -> None:
        """Send again (or, if withheld, for the first time) the book update recorded ``back``
        updates ago, exactly as it was: a duplicated, older or late message."""
        raise NotImplementedError("resend_book_update")

    async def hold_book_snapshots(self, instrument_id: InstrumentId, hold: bool = True) -> None:
        """Hold (or release) the instrument's book snapshots: a snapshot the client asks for
        now (REST request or stream subscription) is answered at the release, with the book
        as it is then; deltas keep streaming meanwhile."""
        raise NotImplementedError("hold_book_snapshots")

    def snapshot_waiting(self, instrument_id: InstrumentId) -> bool:
        """Whether a held snapshot request of the instrument is waiting for the release."""
        raise NotImplementedError("snapshot_waiting")

    async def publish_bar(
        self,
        instrument_id: InstrumentId,
        open: Decimal,
        high: Decimal,
        low: Decimal,
        close: Decimal,
        volume: Decimal,
        ts_ms: int,
        *,
        closed: bool = True,
    ) -> None:
        """Send the 1-minute candle that opened at ``ts_ms``: closed (final) by default, or
        with ``closed=False`` as the venue sends a candle that is still forming (which is not a
        bar yet; SB4 checks the client does not emit it)."""
        raise NotImplementedError("publish_bar")

    async def publish_mark_price(
        self,
        instrument_id: InstrumentId,
        mark: Decimal,
        index: Decimal,
        funding_rate: Decimal,
        next_funding_ms: int,
    ) -> None:
        """Send mark price, index price and funding rate (derivatives)."""
        raise NotImplementedError("publish_mark_price")

    # -- controls: faults ------------------------------------------------------------------------
    @abc.abstractmethod
    async def drop_connections(self, mode: Literal["fin", "rst"]) -> None:
        """Drop every stream connection: orderly close (FIN) or reset (RST)."""

    @abc.abstractmethod
    async def go_silent(self, silent: bool = True) -> None:
        """Stop (or resume) sending anything, pongs included, keeping connections open."""

    async def close_with_code(self, code: int, reason: str = "") -> None:
        """Close every stream connection with a close frame carrying ``code``."""
        raise NotImplementedError("close_with_code")

    @abc.abstractmethod
    async def send_malformed(self) -> None:
        """Send a message that is not valid for the protocol (bad JSON) on every stream."""

    @abc.abstractmethod
    async def send_oversized(self, size: int) -> int:
        """Start sending a ``size``-byte message on every stream; returns the payload bytes that
        were actually written before the client went away (less than ``size`` when the client
        refused the frame without reading it all)."""

    async def refuse_connections(self, refuse: bool = True) -> None:
        """Refuse (or accept again) new TCP connections, as a venue that is down does."""
        raise NotImplementedError("refuse_connections")

    async def publish_instrument_status(self, instrument_id: InstrumentId, status: str) -> None:
        """Send an instrument status change (e.g. "HALTED", "OPEN") where the venue has one."""
        raise NotImplementedError("publish_instrument_status")

    async def fail_next_with_rate_limit_code(self, count: int) -> None:
        """Answer the next ``count`` requests with the venue's own rate-limit error code."""
        raise NotImplementedError("fail_next_with_rate_limit_code")

    def add_malformed_instrument(self) -> None:
        """Make the instrument listing include one record the plugin cannot parse (IN5)."""
        raise NotImplementedError("add_malformed_instrument")

    def seed_history(self, instrument_id: InstrumentId, *, bars: int = 0, trades: int = 0) -> None:
        """Seed ``bars`` one-minute bars and ``trades`` trades ending now (HI1, HI2)."""
        raise NotImplementedError("seed_history")

    def history_page_size(self) -> int | None:
        """Most records one history request returns (so the suite can force pagination), or
        None when the venue streams any range in one response (no pages exist)."""
        raise NotImplementedError("history_page_size")

    def check_history_request(self, request: RecordedRequest) -> list[str]:
        """Problems with a history request's parameters (names, units, limits); [] when exact (HI5)."""
        raise NotImplementedError("check_history_request")

    # -- controls: data providers (DP1-DP4; only for a venue that declares replay) -------------
    def replay_start_ns(self) -> int:
        """A time from which the provider's history can be seeded with
        :meth:`seed_replay_trades` (a day the mock serves with the harness's key)."""
        raise NotImplementedError("replay_start_ns")

    def seed_replay_trades(
        self, instrument_id: InstrumentId, start_ns: int, end_ns: int, count: int
    ) -> list[ReplayTrade]:
        """Record ``count`` trades of the instrument spread over ``[start_ns, end_ns)`` in the
        provider's history (in the venue's real recorded format, and in every form the
        ``replay_variants`` read); returns them in replay order (the truth)."""
        raise NotImplementedError("seed_replay_trades")

    def replay_page_ns(self, params: Mapping[str, Any]) -> int | None:
        """The span of history one provider request covers (Tardis: a minute slice), or None
        when one streamed response serves any range (Databento's ``timeseries.get_range``)."""
        raise NotImplementedError("replay_page_ns")

    def is_replay_request(self, request: RecordedRequest) -> bool:
        """Whether ``request`` fetched replayed history (a page, a streamed range), as opposed
        to metadata or instruments."""
        raise NotImplementedError("is_replay_request")

    def hold_replay(self, instrument_id: InstrumentId, from_ns: int) -> anyio.Event:
        """Answer the instrument's history from ``from_ns`` on only once the returned event
        is set (what comes before it is served at once): DP1 checks the first events reach
        the consumer while the rest of the range is still at the venue (streamed, in bounded
        memory, not loaded whole)."""
        raise NotImplementedError("hold_replay")

    @abc.abstractmethod
    def fail_next_requests(
        self,
        count: int,
        status: int,
        *,
        retry_after: float | None = None,
        venue_code: str | int | None = None,
        path: str | None = None,
    ) -> None:
        """Answer the next ``count`` HTTP requests (to ``path``, or any) with ``status``.

        With ``venue_code`` the body carries the venue's own error envelope and code (a venue
        rate-limit code when status is 200 and the venue signals limits in the body).
        """

    async def push_account_events(self) -> None:  # noqa: B027 - an optional hook, not abstract
        """Deliver queued exchange events (fills, cancels) on private streams now.

        The default does nothing: harnesses that push events as the exchange emits them need
        nothing here.
        """

    # -- controls and observations: betting exchanges (BE1-BE5, product BETTING) ---------------
    # ``venue_order_id`` is the bet's id on the wire (what the client's OrderAccepted carries).
    # The defaults cannot and say so: a betting venue whose harness lacks one skips the
    # scenario that needs it with that reason.

    # -- controls: brokers (BR1-BR3) --------------------------------------------------------------
    # The defaults cannot and say so: a broker whose harness lacks one skips the scenario
    # that needs it with that reason.

    #: A symbol the venue lists on several exchanges, so that looking it up by symbol alone
    #: is ambiguous (BR1). None: the harness seeds none.
    ambiguous_symbol: str | None = None
    #: Ids of one symbol listed on two (or more) exchanges, each a distinct instrument (BR3).
    same_symbol_listings: Sequence[InstrumentId] = ()

    async def set_trading_session(self, instrument_id: InstrumentId, open: bool) -> None:
        """Open or close the instrument's trading session now (BR2). Closing ends the
        session as the venue does at its close (resting DAY orders expire); while closed,
        orders are refused or held as the venue does; opening works the held ones."""
        raise NotImplementedError(f"{type(self).__name__} cannot open or close a session")

    async def lapse(self, venue_order_id: str) -> None:
        """The unmatched part of the bet lapses at the venue, as a LAPSE bet's does at the
        in-play turn, and the venue reports it (BE4)."""
        raise NotImplementedError(f"{type(self).__name__} cannot lapse a bet")

    async def void_matched(self, venue_order_id: str, size: Decimal) -> None:
        """The venue voids ``size`` of the bet's matched stake (a match after a goal, say) and
        reports it: the bet's matched size falls by ``size`` (BE4)."""
        raise NotImplementedError(f"{type(self).__name__} cannot void matched size")

    async def turn_in_play(self, instrument_id: InstrumentId) -> None:
        """The instrument's market turns in play and the venue applies each unmatched bet's
        persistence: LAPSE lapses, PERSIST keeps working, and the starting-price bets
        (AT_THE_CLOSE) are reconciled at the starting price, at or within their limit (BE3)."""
        raise NotImplementedError(f"{type(self).__name__} cannot turn a market in play")

    def bet_side(self, venue_order_id: str) -> BettingSide:
        """The betting side (BACK or LAY) the bet carried on the wire (BE2)."""
        raise NotImplementedError(f"{type(self).__name__} does not record bet sides")

    def bet_persistence(self, venue_order_id: str) -> TimeInForce:
        """The persistence the venue holds for the bet, as a TimeInForce (BE3)."""
        raise NotImplementedError(f"{type(self).__name__} does not record bet persistence")

    def venue_exposure(self) -> Decimal:
        """What the venue holds back from the account's balance for its bets (open and
        matched) in the account currency, as the venue reports it (BE2)."""
        raise NotImplementedError(f"{type(self).__name__} does not report betting exposure")

    # -- observations ----------------------------------------------------------------------------
    @property
    @abc.abstractmethod
    def connection_count(self) -> int:
        """Stream connections currently open."""

    @property
    @abc.abstractmethod
    def total_connections(self) -> int:
        """Stream connections accepted since start."""

    @property
    @abc.abstractmethod
    def logins(self) -> int:
        """Successful stream logins (or stream-token creations) since start."""

    @property
    @abc.abstractmethod
    def login_failures(self) -> int:
        """Refused logins (bad credentials) since start."""

    @abc.abstractmethod
    def active_subscriptions(self) -> list[set[str]]:
        """Per open connection, the venue topics it is subscribed to."""

    @property
    def login_stamps(self) -> Sequence[int]:
        """The time stamp (UNIX ms: a timestamp, or an expiry) each successful stream login
        carried, in order (only for ``features.login_stamps``)."""
        return ()

    async def hold_private_events(self, hold: bool = True) -> None:
        """Withhold private stream messages (order updates, fills) from now on; with
        ``hold=False`` send the withheld ones, in order, to the logged-in connections that
        want them then (only for ``features.private_hold``; the default cannot and says so)."""
        raise NotImplementedError(f"{type(self).__name__} cannot withhold private messages")

    def expire_logins_through(self, stamp_ms: int) -> None:
        """Advance the venue's login clock so that a login carrying ``stamp_ms`` (or an
        earlier stamp) is refused as expired, while a later stamp is still accepted; without
        ``features.login_stamps``, ``stamp_ms`` is a UNIX ms time and every login credential
        issued (or renewed) until then expires (only for ``features.login_clock``; the
        default cannot and says so)."""
        raise NotImplementedError(f"{type(self).__name__} has no login clock to advance")

    # -- controls: on-chain venues (CH2-CH4; the defaults cannot and say so) ------------------
    async def hold_inclusion(self, hold: bool = True) -> None:
        """Keep commands the venue received from being included (in a block) and reported,
        from now on; ``hold=False`` includes them and reports what happened, in order (CH2:
        a command the node took into its mempool is not an acceptance)."""
        raise NotImplementedError(f"{type(self).__name__} has no inclusion stage to hold")

    async def wait_blocks(self, count: int = 1) -> None:
        """Return once the venue's chain has committed ``count`` more blocks (the venue's
        clock for CH2 and CH4)."""
        raise NotImplementedError(f"{type(self).__name__} has no block clock")

    def expiring_order(self, order: Any) -> Any:
        """``order`` made one the venue expires by its own clock (a block height or a time)
        within a few seconds, without the client asking (CH4): e.g. a short-term order's
        good-til-block. The default cannot and says so."""
        raise NotImplementedError(f"{type(self).__name__} cannot make an order expire by itself")

    async def hold_settlement(self, hold: bool = True) -> None:
        """Keep fills from now on unsettled (matched, not yet final on chain) until
        :meth:`confirm_fill` or :meth:`revert_fill`; ``hold=False`` settles new fills as the
        venue does by itself (CH3, for ``Capabilities.provisional_fills``)."""
        raise NotImplementedError(f"{type(self).__name__} settles no fills later")

    async def confirm_fill(self, trade_id: str) -> None:
        """Settle a held fill (venue trade id): final on chain (CH3)."""
        raise NotImplementedError(f"{type(self).__name__} settles no fills later")

    async def revert_fill(self, trade_id: str) -> None:
        """Fail a held fill (venue trade id): the chain reverts it and gives back exactly what
        it moved (CH3)."""
        raise NotImplementedError(f"{type(self).__name__} settles no fills later")

    @property
    def pings_sent(self) -> int:
        """Control-frame pings the server sent."""
        return 0

    @property
    def pongs_received(self) -> int:
        """Control-frame pongs the server received."""
        return 0

    @property
    def text_pings(self) -> int:
        """Text/JSON pings exchanged (received from clients or answered by them)."""
        return 0

    @property
    def tcp_connections(self) -> int:
        """TCP connections accepted since start, including ones that never got to talk
        (refused upgrades, black-holed attempts)."""
        return self.total_connections

    @property
    def connection_attempt_times(self) -> Sequence[float]:
        """``anyio.current_time()`` of every accepted TCP connection, in order (RC7)."""
        return ()

    @property
    @abc.abstractmethod
    def requests(self) -> Sequence[RecordedRequest]:
        """Every HTTP request received, in order."""

    def subscription_messages(self) -> int:
        """Subscribe requests received on streams (to check idempotence)."""
        return 0
