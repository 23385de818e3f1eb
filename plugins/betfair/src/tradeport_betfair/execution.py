"""Betfair execution client: bets over JSON-RPC (``placeOrders``, ``cancelOrders``,
``replaceOrders``, ``updateOrders``), order events from the order stream (``ocm``), and
reconciliation from ``listCurrentOrders``, ``listClearedOrders`` and ``getAccountFunds``.

* The client order id is the bet's ``customerOrderRef`` (at most 32 characters) and comes back
  on every report (``rfo`` on the stream); ``strategy_ref`` is sent as ``customerStrategyRef``.
* Fills: Betfair reports a bet's matched size cumulatively (``sizeMatched``, ``sm``). The
  :class:`~tradeport_betfair.stream.parse.OrderCache` turns each rise into one fill whose trade
  id is ``BETID-TOTAL``; the same rise seen in a placeOrders answer, on the stream and again
  in a full image after a reconnect is one fill (the tracker drops repeated trade ids).
* Voids: a rise of a bet's ``sv`` (size voided) on the stream takes back the newest published
  fills it covers with OrderFillReversed (the part of a partly voided fill that stands is
  published again as a new fill), once, however often the stream repeats the bet.
* A lapsed remainder (``sl``) is OrderStatus.LAPSED (OrderExpired); a cancelled one
  OrderCanceled.
* Outcomes follow the core's rule: an instruction report FAILURE rejects that bet with its
  error code; a transport error, a timeout or a 5xx leaves the bet in flight, resolved by a
  ``listCurrentOrders`` query by ``customerOrderRef``.
* ``modify_order`` with a price is ``replaceOrders`` (Betfair cancels the bet and places a new
  one: the new bet id is indexed), with a smaller quantity ``cancelOrders`` with a
  ``sizeReduction``; a larger quantity is refused locally (Betfair cannot add to a bet).
  :meth:`BetfairExecutionClient.update_persistence` is ``updateOrders``.
* ``dead_man_timeout``: the Heartbeat API is called every third of it, so the venue cancels
  every unmatched bet when this client goes away.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import anyio
from tradeport.clients.background import BackgroundTasks
from tradeport.clients.base import ExecutionClient, InstrumentProvider, Reconnected
from tradeport.clients.in_flight import RESOLVE_DELAYS, InFlightOrders
from tradeport.clients.orders import OrderTracker, TrackedOrder
from tradeport.errors import (
    AuthenticationError,
    MissingCredentials,
    RequestRejected,
    ValidationError,
    VenueError,
)
from tradeport.model.enums import ResolutionResult, SettlementStatus, TimeInForce
from tradeport.model.events import (
    OrderCancelRejected,
    OrderModifyRejected,
    OrderSubmitted,
)
from tradeport.model.identifiers import AccountId, ClientOrderId, InstrumentId, VenueOrderId
from tradeport.model.numbers import Money
from tradeport.model.orders import Order
from tradeport.model.reports import (
    AccountState,
    FillReport,
    OrderStatusReport,
    PositionStatusReport,
    SettlementReport,
)
from tradeport.net import StreamSession

from tradeport_betfair.config import BetfairConfig
from tradeport_betfair.constants import CAPABILITIES, VENUE_ID
from tradeport_betfair.enums import PERSISTENCE_TO_WIRE
from tradeport_betfair.http.client import CREDENTIALS_HINT, BetfairHttpClient
from tradeport_betfair.http.parse import (
    parse_account_funds,
    parse_current_order,
    parse_fill,
    parse_stream_order,
    parse_time,
)
from tradeport_betfair.http.query import check_price, iso_time, place_instruction
from tradeport_betfair.providers import http_sharing
from tradeport_betfair.stream.client import stream_session
from tradeport_betfair.stream.messages import ORDERS_TOPIC, BetfairStreamProtocol
from tradeport_betfair.stream.parse import MatchedIncrement, OrderCache, VoidedIncrement
from tradeport_betfair.symbology import parse_runner_symbol, runner_id

__all__ = ["BetfairExecutionClient", "RESOLVE_DELAYS"]

_DEFAULT_LOOKBACK_NS = 24 * 3600 * 10**9
_RESULTS = {
    "WON": ResolutionResult.WON,
    "LOST": ResolutionResult.LOST,
    "PLACE": ResolutionResult.WON,
}


def _reason(error: VenueError) -> str:
    return str(error.venue_code or error.venue_message or error)


class BetfairExecutionClient(ExecutionClient):
    """Bets and reports for one Betfair account (see the module docstring)."""

    credentials_hint = CREDENTIALS_HINT

    def __init__(
        self,
        config: BetfairConfig,
        *,
        instruments: InstrumentProvider | None = None,
        http: BetfairHttpClient | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("capabilities", CAPABILITIES)
        super().__init__(VENUE_ID, config, instruments=instruments, **kwargs)
        self._http = http
        self._owns_http = http is None
        self.account_id = AccountId(f"{VENUE_ID}-{config.username or 'session'}")
        self.tracker = OrderTracker(self.account_id)
        self._stream: StreamSession | None = None
        self._protocol: BetfairStreamProtocol | None = None
        self._tasks = BackgroundTasks(self.log, "betfair-execution")
        #: Bets whose placeOrders outcome is unknown, resolved by listCurrentOrders queries.
        self.in_flight = InFlightOrders(self, self.tracker, self._tasks, noun="bet")
        self._lock = anyio.Lock()
        #: What the order stream said of each bet, kept across connections: a void seen
        #: after a disconnect and a connect takes back exactly the fills published before.
        self.order_cache = OrderCache()
        #: Bets replaced by replaceOrders (cancelled by the venue, the order continues).
        self._replaced: set[str] = set()

    def __repr__(self) -> str:
        return f"BetfairExecutionClient(account_id={self.account_id.value!r})"

    # -- lifecycle --------------------------------------------------------------------------------

    @property
    def http(self) -> BetfairHttpClient:
        """The REST client (shared with the provider when it has the same config)."""
        if self._http is None:
            self._http, self._owns_http = http_sharing(self.instruments, self.config)
        return self._http

    def has_credentials(self) -> bool:  # type: ignore[override]
        return self.config.has_credentials

    def require_credentials(self, operation: str) -> None:
        if not self.config.has_credentials:
            raise MissingCredentials(VENUE_ID, operation, CREDENTIALS_HINT)

    @property
    def stream(self) -> StreamSession | None:
        """The order stream, if connected."""
        return self._stream

    #: authenticated also requires this stream alive (ExecutionClient.private_stream).
    private_stream = stream

    async def connect(self) -> None:
        """Log in (certificate or interactive; a refusal raises AuthenticationError and is not
        repeated), open the order stream and subscribe every bet of the account. Without
        credentials nothing is opened."""
        if self._tasks.is_open:
            return
        await self._tasks.open()
        if not self.config.has_credentials:
            return
        try:
            session = self.http.session
            await session.token()
            stream, protocol = stream_session(
                self.config,
                session,
                self._on_message,
                orders=True,
                on_reconnected=self._on_reconnected,
                order_cache=self.order_cache,
            )
            self._protocol = protocol
            await self._tasks.start_stream(stream)
            self._stream = stream
            await stream.subscribe([ORDERS_TOPIC])
        except BaseException:
            await self.disconnect()
            raise
        self.authenticated = stream.is_authenticated
        self._tasks.start_soon(session.keep_alive_loop, name="betfair keepAlive")
        if self.config.dead_man_timeout is not None:
            self._tasks.start_soon(
                self._dead_man_loop, self.config.dead_man_timeout, name="betfair heartbeat"
            )

    async def disconnect(self) -> None:
        """Close the order stream and the REST client."""
        if self._stream is not None:
            self._stream.close()
        self._stream = self._protocol = None
        self.authenticated = False
        await self._tasks.close()
        if self._http is not None and self._owns_http:
            await self._http.aclose()
            self._http = None

    async def _dead_man_loop(self, timeout: int) -> None:
        while True:
            try:
                await self.http.http_heartbeat(timeout)
            except VenueError as error:
                self.log.warning("heartbeat (dead-man switch) failed: %s", error)
            await anyio.sleep(timeout / 3)

    def _base(self, tracked: TrackedOrder) -> dict[str, Any]:
        now = time.time_ns()
        return {
            "instrument_id": tracked.instrument_id,
            "client_order_id": tracked.client_order_id,
            "venue_order_id": tracked.venue_order_id,
            "account_id": self.account_id,
            "ts_event": now,
            "ts_init": now,
        }

    # -- the order stream --------------------------------------------------------------------------

    async def _on_message(self, message: dict[str, Any]) -> None:
        if message.get("op") != "ocm" or self._protocol is None:
            return
        ts_init = time.time_ns()
        async with self._lock:
            changes = self.order_cache.apply(message)
            for market_id, key, uo, increment, voids, standing in changes:
                report = parse_stream_order(uo, market_id, key[0], key[1], self.account_id, ts_init)
                ts_event = int(uo.get("md") or 0) * 1_000_000 or ts_init
                for fill in self._bet_fills(report, voids, standing, increment, ts_event, ts_init):
                    await self.emit_all(self.tracker.on_fill_report(fill))
                if (
                    report.venue_order_id.value in self._replaced
                    and not report.order_status.is_open
                ):
                    continue  # the old bet of a replace: the order lives on as the new bet
                await self.emit_all(self.tracker.on_order_report(report))

    def _bet_fills(
        self,
        report: OrderStatusReport,
        voids: Sequence[VoidedIncrement],
        standing: MatchedIncrement | None,
        increment: MatchedIncrement | None,
        ts_event: int,
        ts_init: int,
    ) -> list[FillReport]:
        """One bet's change as fill reports: the voided increments first (REVERSED: they undo
        what was published), then the standing part of a partly voided one, then what is new."""
        currency = self.config.currency
        fills = [
            parse_fill(
                report,
                void.size,
                void.price,
                void.total,
                currency,
                ts_init,
                ts_init,
                voided=void.voided,
                settlement=SettlementStatus.REVERSED,
                settlement_detail="VOIDED: Betfair voided matched size",
            )
            for void in voids
        ]
        for step in (standing, increment):
            if step is not None:
                fills.append(
                    parse_fill(
                        report,
                        step.size,
                        step.price,
                        step.total,
                        currency,
                        ts_event,
                        ts_init,
                        voided=step.voided,
                    )
                )
        return fills

    async def _on_reconnected(self) -> None:
        # The resubscription resumed from the clk (only what was missed) or sent a full image;
        # either way the cumulative matched sizes give each missed fill exactly once.
        await self.emit(Reconnected(VENUE_ID, "orders", time.time_ns()))

    # -- commands -----------------------------------------------------------------------------------

    async def submit_order(self, order: Order) -> None:
        """One ``placeOrders`` with one instruction (see the module docstring for outcomes)."""
        await self.submit_orders([order])

    async def submit_orders(self, orders: Sequence[Order]) -> None:
        """One ``placeOrders`` per market; each instruction report decides its bet's event."""
        self.require_credentials("submit_orders")
        by_market: dict[str, list[tuple[TrackedOrder, dict[str, Any]]]] = defaultdict(list)
        for order in orders:
            await self.ensure_instrument(order.instrument_id)
            tracked = self.tracker.track(order)
            try:
                market_id, instruction = place_instruction(order)
            except ValidationError as error:
                await self.emit_all(self.tracker.rejected(order.client_order_id, str(error)))
                continue
            await self.emit(OrderSubmitted(**self._base(tracked)))
            by_market[market_id].append((tracked, instruction))
        for market_id, items in by_market.items():
            params: dict[str, Any] = {"marketId": market_id, "instructions": [i for _, i in items]}
            if self.config.strategy_ref:
                params["customerStrategyRef"] = self.config.strategy_ref
            try:
                answer = await self.http.http_place_orders(params)
            except (RequestRejected, AuthenticationError) as error:
                self.log.warning("placeOrders refused (%s); resolving by query", error)
                for tracked, _ in items:
                    await self.in_flight.resolve_refused(tracked, _reason(error))
                continue
            except VenueError as error:
                self.log.warning("placeOrders outcome unknown (%s); resolving by query", error)
                for tracked, _ in items:
                    self.in_flight.resolve_later(tracked)
                continue
            reports = answer.get("instructionReports") or [] if isinstance(answer, dict) else []
            for index, (tracked, _) in enumerate(items):
                report = reports[index] if index < len(reports) else None
                await self._on_place_report(tracked, report, answer)

    async def _on_place_report(self, tracked: TrackedOrder, report: Any, answer: Any) -> None:
        coid = tracked.client_order_id
        if not isinstance(report, dict):
            self.in_flight.resolve_later(tracked)
            return
        if report.get("status") != "SUCCESS" or not report.get("betId"):
            reason = str(report.get("errorCode") or (answer or {}).get("errorCode") or "FAILURE")
            await self.emit_all(self.tracker.rejected(coid, reason))
            return
        bet_id = str(report["betId"])
        async with self._lock:
            events = self.tracker.accepted(coid, VenueOrderId(bet_id))
            matched = Decimal(str(report.get("sizeMatched") or 0))
            if matched:
                cache = self.order_cache
                before = cache.matched.get(bet_id, (Decimal(0), Decimal(0)))[0]
                if matched > before:
                    avg = Decimal(str(report.get("averagePriceMatched") or 0))
                    cache.seed(bet_id, matched, avg)
                    now = time.time_ns()
                    row = await self.order_status_report(
                        tracked.instrument_id, venue_order_id=VenueOrderId(bet_id)
                    )
                    if row is not None:
                        fill = parse_fill(
                            row, matched - before, avg, matched, self.config.currency, now, now
                        )
                        events += self.tracker.on_fill_report(fill)
            await self.emit_all(events)

    async def _bet_id(self, tracked: TrackedOrder) -> VenueOrderId | None:
        if tracked.venue_order_id is not None:
            return tracked.venue_order_id
        report = await self.order_status_report(tracked.instrument_id, tracked.client_order_id)
        return report.venue_order_id if report is not None else None

    async def cancel_order(
        self,
        instrument_id: InstrumentId,
        client_order_id: ClientOrderId | None = None,
        venue_order_id: VenueOrderId | None = None,
    ) -> None:
        """``cancelOrders`` of the whole unmatched part; OrderCancelRejected with the venue's
        error code (``BET_TAKEN_OR_LAPSED`` ...) when it refuses."""
        self.require_credentials("cancel_order")
        tracked = self.tracker.find_or_adopt(instrument_id, client_order_id, venue_order_id)
        bet_id = venue_order_id or await self._bet_id(tracked)
        if bet_id is None:
            await self.emit(
                OrderCancelRejected(
                    **self._base(tracked), reason="BET_TAKEN_OR_LAPSED: no such bet"
                )
            )
            return
        await self._cancel(instrument_id, [(tracked, bet_id)])

    async def _cancel(
        self, instrument_id: InstrumentId, bets: Sequence[tuple[TrackedOrder, VenueOrderId]]
    ) -> None:
        market_id = parse_runner_symbol(instrument_id.symbol.value)[0]
        params = {"marketId": market_id, "instructions": [{"betId": b.value} for _, b in bets]}
        try:
            answer = await self.http.http_cancel_orders(params)
        except (RequestRejected, AuthenticationError) as error:
            for tracked, _ in bets:
                await self.emit(OrderCancelRejected(**self._base(tracked), reason=_reason(error)))
            return
        reports = answer.get("instructionReports") or [] if isinstance(answer, dict) else []
        for index, (tracked, bet_id) in enumerate(bets):
            report = reports[index] if index < len(reports) else {}
            if report.get("status") == "SUCCESS":
                await self.emit_all(self.tracker.canceled(tracked.client_order_id, bet_id))
            else:
                reason = str(report.get("errorCode") or answer.get("errorCode") or "FAILURE")
                await self.emit(OrderCancelRejected(**self._base(tracked), reason=reason))

    async def cancel_all_orders(self, instrument_id: InstrumentId) -> None:
        """Every unmatched bet on the runner, in one ``cancelOrders``."""
        self.require_credentials("cancel_all_orders")
        open_reports = await self.order_status_reports(instrument_id, open_only=True)
        bets = [
            (
                self.tracker.find_or_adopt(instrument_id, r.client_order_id, r.venue_order_id),
                r.venue_order_id,
            )
            for r in open_reports
        ]
        if bets:
            await self._cancel(instrument_id, bets)

    async def batch_cancel_orders(
        self, instrument_id: InstrumentId, client_order_ids: Sequence[ClientOrderId]
    ) -> None:
        """One ``cancelOrders`` for all of them; each instruction report decides its event."""
        self.require_credentials("batch_cancel_orders")
        bets = []
        for coid in client_order_ids:
            tracked = self.tracker.find_or_adopt(instrument_id, coid, None)
            bet_id = await self._bet_id(tracked)
            if bet_id is None:
                await self.emit(
                    OrderCancelRejected(
                        **self._base(tracked), reason="BET_TAKEN_OR_LAPSED: no such bet"
                    )
                )
            else:
                bets.append((tracked, bet_id))
        if bets:
            await self._cancel(instrument_id, bets)

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
        """A new price: ``replaceOrders`` (a new bet id); a smaller stake: ``cancelOrders`` with
        ``sizeReduction``. A larger stake or a trigger price is refused locally."""
        self.require_credentials("modify_order")
        tracked = self.tracker.find_or_adopt(instrument_id, client_order_id, venue_order_id)
        bet_id = venue_order_id or await self._bet_id(tracked)

        async def refuse(reason: str) -> None:
            await self.emit(OrderModifyRejected(**self._base(tracked), reason=reason))

        if bet_id is None:
            await refuse("BET_TAKEN_OR_LAPSED: no such bet")
            return
        if trigger_price is not None:
            await refuse("Betfair bets have no trigger price")
            return
        market_id = parse_runner_symbol(instrument_id.symbol.value)[0]
        if quantity is not None:
            known = tracked.quantity
            if known is not None and quantity.as_decimal() > known.as_decimal():
                await refuse(
                    f"Betfair cannot add to a bet (stake {known} -> {quantity}): place another"
                )
                return
            reduction = (known.as_decimal() - quantity.as_decimal()) if known is not None else None
            if reduction:
                params = {
                    "marketId": market_id,
                    "instructions": [{"betId": bet_id.value, "sizeReduction": reduction}],
                }
                if not await self._modify_call(tracked, self.http.http_cancel_orders, params):
                    return
                await self.emit_all(
                    self.tracker.modified(tracked.client_order_id, bet_id, quantity=quantity)
                )
        if price is not None:
            try:
                new_price = check_price(price.as_decimal())
            except ValidationError as error:
                await refuse(str(error))
                return
            params = {
                "marketId": market_id,
                "instructions": [{"betId": bet_id.value, "newPrice": new_price}],
            }
            # Marked before the call: the stream may report the old bet cancelled first.
            self._replaced.add(bet_id.value)
            answer = await self._modify_call(tracked, self.http.http_replace_orders, params)
            if not answer:
                self._replaced.discard(bet_id.value)
                return
            place = (answer.get("instructionReports") or [{}])[0].get(
                "placeInstructionReport"
            ) or {}
            events = self.tracker.modified(tracked.client_order_id, bet_id, price=price)
            if place.get("betId"):
                events += self.tracker.accepted(
                    tracked.client_order_id, VenueOrderId(str(place["betId"]))
                )
            await self.emit_all(events)

    async def _modify_call(
        self, tracked: TrackedOrder, call: Any, params: dict[str, Any]
    ) -> dict[str, Any] | None:
        try:
            answer = await call(params)
        except (RequestRejected, AuthenticationError) as error:
            await self.emit(OrderModifyRejected(**self._base(tracked), reason=_reason(error)))
            return None
        report = (answer.get("instructionReports") or [{}])[0] if isinstance(answer, dict) else {}
        if not isinstance(answer, dict) or answer.get("status") != "SUCCESS":
            reason = str(report.get("errorCode") or (answer or {}).get("errorCode") or "FAILURE")
            await self.emit(OrderModifyRejected(**self._base(tracked), reason=reason))
            return None
        return answer

    async def update_persistence(
        self,
        instrument_id: InstrumentId,
        client_order_id: ClientOrderId,
        time_in_force: TimeInForce,
    ) -> bool:
        """``updateOrders``: change an unmatched bet's persistence (LAPSE, PERSIST,
        AT_THE_CLOSE); True when the venue accepted it (a plugin call)."""
        self.require_credentials("update_persistence")
        tracked = self.tracker.find_or_adopt(instrument_id, client_order_id, None)
        bet_id = await self._bet_id(tracked)
        if bet_id is None or time_in_force not in PERSISTENCE_TO_WIRE:
            return False
        params = {
            "marketId": parse_runner_symbol(instrument_id.symbol.value)[0],
            "instructions": [
                {"betId": bet_id.value, "newPersistenceType": PERSISTENCE_TO_WIRE[time_in_force]}
            ],
        }
        answer = await self.http.http_update_orders(params)
        return isinstance(answer, dict) and answer.get("status") == "SUCCESS"

    # -- reconciliation -------------------------------------------------------------------------------

    async def _current_orders(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return await self._paged(self.http.http_list_current_orders, params, "currentOrders")

    async def _cleared_orders(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return await self._paged(self.http.http_list_cleared_orders, params, "clearedOrders")

    @staticmethod
    async def _paged(call: Any, params: dict[str, Any], key: str) -> list[dict[str, Any]]:
        """Every page of a list call: ``fromRecord`` moves on while ``moreAvailable``."""
        rows: list[dict[str, Any]] = []
        params = dict(params)
        while True:
            answer = await call(params)
            page = (answer or {}).get(key) or []
            rows.extend(page)
            if not (answer or {}).get("moreAvailable") or not page:
                return rows
            params["fromRecord"] = len(rows)

    async def order_status_report(
        self,
        instrument_id: InstrumentId,
        client_order_id: ClientOrderId | None = None,
        venue_order_id: VenueOrderId | None = None,
    ) -> OrderStatusReport | None:
        """One bet from ``listCurrentOrders`` (by bet id, else by customerOrderRef)."""
        self.require_credentials("order_status_report")
        if venue_order_id is not None:
            params: dict[str, Any] = {"betIds": [venue_order_id.value]}
        elif client_order_id is not None:
            params = {"customerOrderRefs": [client_order_id.value]}
        else:
            raise ValidationError("client_order_id", None, "or venue_order_id is required")
        now = time.time_ns()
        rows = [
            parse_current_order(r, self.account_id, now) for r in await self._current_orders(params)
        ]
        rows = [r for r in rows if r.instrument_id == instrument_id]
        return max(rows, key=lambda r: r.ts_last) if rows else None

    async def order_status_reports(
        self,
        instrument_id: InstrumentId | None = None,
        *,
        open_only: bool = True,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> list[OrderStatusReport]:
        """``listCurrentOrders`` (EXECUTABLE when ``open_only``), for a runner or all."""
        self.require_credentials("order_status_reports")
        params: dict[str, Any] = {"orderProjection": "EXECUTABLE" if open_only else "ALL"}
        if instrument_id is not None:
            params["marketIds"] = [parse_runner_symbol(instrument_id.symbol.value)[0]]
        now = time.time_ns()
        reports = [
            parse_current_order(r, self.account_id, now) for r in await self._current_orders(params)
        ]
        return [
            r
            for r in reports
            if (instrument_id is None or r.instrument_id == instrument_id)
            and (start_ns is None or r.ts_last >= start_ns)
            and (end_ns is None or r.ts_accepted <= end_ns)
        ]

    async def fill_reports(
        self,
        instrument_id: InstrumentId | None = None,
        *,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> list[FillReport]:
        """Matched stakes of the bets in ``listCurrentOrders`` over the lookback, named as the
        order stream names them, so a match is one fill wherever it was learned.

        Betfair keeps no per-match records, only a bet's ``sizeMatched`` and ``sizeVoided``.
        A bet this client's order stream has seen is reported as the increments it published
        (the voided ones FINAL, then REVERSED), plus one increment for what REST knows more.
        A bet it has not seen is one fill of ``sizeMatched`` at the average price, whose trade
        id counts the voided size too (``BETID-(sizeMatched + sizeVoided)``): the id a first
        look at the same bet on the stream gives it. Voids Betfair reports only in
        ``listClearedOrders`` (betStatus VOIDED, after the stream stopped carrying the bet)
        are applied first (see :meth:`reconcile_voids`)."""
        self.require_credentials("fill_reports")
        start = start_ns if start_ns is not None else time.time_ns() - _DEFAULT_LOOKBACK_NS
        await self.reconcile_voids(start_ns=start)
        params: dict[str, Any] = {"orderProjection": "ALL"}
        if instrument_id is not None:
            params["marketIds"] = [parse_runner_symbol(instrument_id.symbol.value)[0]]
        now = time.time_ns()
        out: list[FillReport] = []
        for row in await self._current_orders(params):
            report = parse_current_order(row, self.account_id, now)
            if (
                (instrument_id is not None and report.instrument_id != instrument_id)
                or report.ts_last < start
                or (end_ns is not None and report.ts_accepted > end_ns)
            ):
                continue
            voided = Decimal(str(row.get("sizeVoided") or 0))
            out.extend(self._rest_fills(report, voided, now))
        return out

    def _rest_fills(self, report: OrderStatusReport, voided: Decimal, now: int) -> list[FillReport]:
        """One listCurrentOrders bet as fill reports (see :meth:`fill_reports`)."""
        currency = self.config.currency
        bet_id = report.venue_order_id.value
        matched = report.filled_qty.as_decimal()
        average = report.avg_px or Decimal(0)
        if not self.order_cache.knows(bet_id):
            if not matched or not average:
                return []
            total = matched + voided
            return [parse_fill(report, matched, average, total, currency, report.ts_last, now)]
        standing, voids = self.order_cache.fills_of(bet_id)
        fills = [
            parse_fill(report, v.size, v.price, v.total, currency, now, now, voided=v.voided)
            for v in voids
        ]
        fills += self._bet_fills(report, voids, None, None, now, now)
        fills += [
            parse_fill(report, size, price, total, currency, report.ts_last, now, voided=tag)
            for total, size, price, tag in standing
        ]
        known, known_avg = self.order_cache.matched.get(bet_id, (Decimal(0), Decimal(0)))
        if matched > known and average:
            added = matched - known
            price = (average * matched - known_avg * known) / added
            ever = matched + max(voided, self.order_cache.voided.get(bet_id, Decimal(0)))
            fills.append(parse_fill(report, added, price, ever, currency, report.ts_last, now))
        return fills

    async def reconcile_voids(self, *, start_ns: int | None = None) -> list[FillReport]:
        """Voids Betfair reports in ``listClearedOrders`` (betStatus VOIDED, groupBy BET: a
        row's ``sizeSettled`` is the bet's matched size "settled as voided") that the order
        stream did not: each takes back the newest fills of the bet it covers
        (OrderFillReversed, and the standing part of a partly voided fill as a new fill),
        exactly as a rise of the stream's ``sv``, once. Returns the fill reports it applied
        (a plugin call; :meth:`fill_reports` calls it first)."""
        self.require_credentials("reconcile_voids")
        start = start_ns if start_ns is not None else time.time_ns() - _DEFAULT_LOOKBACK_NS
        params = {
            "betStatus": "VOIDED",
            "settledDateRange": {"from": iso_time(start)},
            "groupBy": "BET",
        }
        voided: dict[str, tuple[dict[str, Any], Decimal]] = {}
        for row in await self._cleared_orders(params):
            if not row.get("betId"):
                continue
            bet_id = str(row["betId"])
            _, total = voided.get(bet_id, (row, Decimal(0)))
            voided[bet_id] = (row, total + Decimal(str(row.get("sizeSettled") or 0)))
        applied: list[FillReport] = []
        async with self._lock:
            for bet_id, (row, total) in voided.items():
                cache = self.order_cache
                if not cache.knows(bet_id) or total <= cache.voided.get(bet_id, Decimal(0)):
                    continue  # never published here, or already taken back
                market_id = str(row["marketId"])
                key = (int(row["selectionId"]), Decimal(str(row.get("handicap") or 0)))
                voids, standing = cache.void_to(market_id, key, bet_id, total)
                uo = dict(cache.orders.get(bet_id) or {})
                uo.update(id=bet_id, sv=total, side=uo.get("side") or row["side"][0])
                uo["sm"] = cache.matched.get(bet_id, (Decimal(0), Decimal(0)))[0]
                now = time.time_ns()
                report = parse_stream_order(uo, market_id, key[0], key[1], self.account_id, now)
                fills = self._bet_fills(report, voids, standing, None, now, now)
                for fill in fills:
                    await self.emit_all(self.tracker.on_fill_report(fill))
                applied.extend(fills)
        return applied

    async def settlement_reports(
        self, lookback_ns: int = _DEFAULT_LOOKBACK_NS
    ) -> list[SettlementReport]:
        """Settled bets from ``listClearedOrders`` over the lookback: betStatus SETTLED with
        the result and the profit per bet, and betStatus VOIDED (matched size Betfair voided)
        as result VOID with no profit, so a partly voided bet has one report per part (a
        plugin call)."""
        self.require_credentials("settlement_reports")
        now = time.time_ns()
        out = []
        for status in ("SETTLED", "VOIDED"):
            params = {
                "betStatus": status,
                "settledDateRange": {"from": iso_time(now - lookback_ns)},
                "groupBy": "BET",
            }
            for row in await self._cleared_orders(params):
                result = (
                    _RESULTS.get(str(row.get("betOutcome")), ResolutionResult.VOID)
                    if status == "SETTLED"
                    else ResolutionResult.VOID
                )
                profit = Decimal(str(row.get("profit") or 0)) if status == "SETTLED" else 0
                out.append(
                    SettlementReport(
                        account_id=self.account_id,
                        instrument_id=runner_id(
                            str(row["marketId"]),
                            row["selectionId"],
                            Decimal(str(row.get("handicap") or 0)),
                        ),
                        result=result,
                        pnl=Money(Decimal(profit), self.config.currency),
                        commission=Money(
                            Decimal(str(row.get("commission") or 0)), self.config.currency
                        ),
                        order_ids=(VenueOrderId(str(row["betId"])),) if row.get("betId") else (),
                        ts_event=parse_time(row.get("settledDate")) or now,
                        ts_init=now,
                    )
                )
        return out

    async def lapsed_and_cancelled(
        self, lookback_ns: int = _DEFAULT_LOOKBACK_NS
    ) -> list[dict[str, Any]]:
        """``listClearedOrders`` rows of bets that lapsed or were cancelled (a plugin call)."""
        self.require_credentials("lapsed_and_cancelled")
        rows: list[dict[str, Any]] = []
        for status in ("LAPSED", "CANCELLED"):
            rows.extend(await self._cleared_orders({"betStatus": status}))
        return rows

    async def position_status_reports(
        self, instrument_id: InstrumentId | None = None
    ) -> list[PositionStatusReport]:
        """Betfair has no positions: exposure is in :meth:`account_state`."""
        return []

    async def account_state(self) -> AccountState:
        """``getAccountFunds``: available to bet (free) and the exposure (locked); per market
        the worst-case loss of the matched bets from ``listMarketProfitAndLoss`` (the markets
        where ``listCurrentOrders`` has matched bets), the rest of the exposure as market
        ``"*"`` (see :func:`~tradeport_betfair.http.parse.parse_account_funds`)."""
        self.require_credentials("account_state")
        record = await self.http.http_get_account_funds()
        rows = await self._current_orders({"orderProjection": "ALL"})
        markets = sorted(
            {str(r["marketId"]) for r in rows if Decimal(str(r.get("sizeMatched") or 0)) > 0}
        )
        pnl = await self.http.http_list_market_profit_and_loss(markets) if markets else []
        return parse_account_funds(
            record or {}, self.account_id, self.config.currency, time.time_ns(), pnl or []
        )

    async def request_market_prices(self, instrument_id: InstrumentId) -> Any:
        """``listMarketBook`` best offers of the runner's market (a plugin call)."""
        market_id = parse_runner_symbol(instrument_id.symbol.value)[0]
        return await self.http.http_list_market_book([market_id], {"priceData": ["EX_BEST_OFFERS"]})
