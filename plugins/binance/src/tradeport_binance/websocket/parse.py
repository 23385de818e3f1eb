"""Pure, fast parsers from Binance stream payloads to tradeport objects.

Market data parsers are methods of :class:`StreamParser`, which caches per native symbol what
every message needs (the InstrumentId and the instrument's precisions), so the hot path is a
dict lookup plus the number parsing. User data parsers are module functions.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypedDict

from tradeport.book import DeltaBatch
from tradeport.errors import UnknownInstrument
from tradeport.model.data import (
    BarType,
    FundingRateUpdate,
    IndexPriceUpdate,
    MarkPriceUpdate,
    QuoteTick,
    TradeTick,
)
from tradeport.model.decoding import InstrumentDecoder
from tradeport.model.enums import (
    AccountType,
    AggressorSide,
    LiquiditySide,
    PositionSide,
)
from tradeport.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderTriggered,
    OrderUpdated,
)
from tradeport.model.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    PositionId,
    TradeId,
    VenueOrderId,
)
from tradeport.model.instruments import Instrument
from tradeport.model.numbers import Money, Price, Quantity
from tradeport.model.reports import AccountBalance, AccountState, PositionStatusReport

from tradeport_binance.constants import VENUE_ID
from tradeport_binance.datatypes import BinanceBar, BinanceFuturesMarkPriceUpdate, BinanceTicker
from tradeport_binance.enums import (
    FUTURES_ORDER_TYPE_FROM_BINANCE,
    SIDE_FROM_BINANCE,
    SPOT_ORDER_TYPE_FROM_BINANCE,
)
from tradeport_binance.websocket.payloads import (
    AggTradePayload,
    BookTickerPayload,
    DepthUpdatePayload,
    TradePayload,
)

__all__ = [
    "OrderEventFields",
    "StreamParser",
    "parse_execution_report",
    "parse_order_trade_update",
    "parse_account_update",
    "parse_outbound_account_position",
]

_SELLER = AggressorSide.SELLER
_BUYER = AggressorSide.BUYER
_MS = 1_000_000
_time_ns = time.time_ns
_price = Price.from_str
_qty = Quantity.from_str
_delta_batch = DeltaBatch.trusted


def _is_zero(qty: str) -> bool:
    # "0.00000000" and "0": every character a zero or the dot.
    return not qty.strip("0.")


class StreamParser:
    """Market data parsers with a per-symbol cache.

    :param lookup: returns the instrument for a native symbol (e.g. ``BTCUSDT`` on a futures
        account resolves to ``BTCUSDT-PERP.BINANCE``), or None when unknown.
    :param clock: ``ts_init`` source in UNIX ns.
    :param cache_size: price/size strings memoized per symbol (0 disables the memo; None, the
        default, lets the bound follow the number of instruments: see
        :class:`~tradeport.model.decoding.InstrumentDecoder`).
    """

    def __init__(
        self,
        lookup: Callable[[str], Instrument | None],
        clock: Callable[[], int] = _time_ns,
        *,
        cache_size: int | None = None,
    ) -> None:
        self._lookup = lookup
        self._clock = clock
        self._cache_size = cache_size
        self._cache: dict[str, InstrumentDecoder] = {}

    def info(self, native: str) -> InstrumentDecoder:
        """The cached decoder of a native symbol; UnknownInstrument naming it when unknown."""
        info = self._cache.get(native)
        if info is None:
            instrument = self._lookup(native)
            if instrument is None:
                raise UnknownInstrument(VENUE_ID, native, "Binance symbol not loaded")
            info = self._cache[native] = InstrumentDecoder(instrument, self._cache_size)
        return info

    def forget(self) -> None:
        """Drop the cache (after instruments were reloaded)."""
        self._cache.clear()

    # -- hot path -------------------------------------------------------------------------------
    # Payloads arrive typed (websocket/payloads.py); ``self._cache.get(s) or self.info(s)``:
    # the hit costs a dict lookup instead of a call. The decoder's builders memoize prices and
    # sizes and construct without re-checking what is typed already.

    def parse_trade_tick(self, msg: TradePayload) -> TradeTick:
        """``<symbol>@trade``: one trade; ``m`` (buyer is maker) means the seller aggressed."""
        native = msg.symbol
        info = self._cache.get(native) or self.info(native)
        return info.trade_tick(
            msg.price,
            msg.quantity,
            _SELLER if msg.buyer_is_maker else _BUYER,
            str(msg.trade_id),
            msg.trade_time * _MS,
            self._clock(),
        )

    def parse_agg_trade_tick(self, msg: AggTradePayload) -> TradeTick:
        """``<symbol>@aggTrade``: trades of one taker order at one price (id ``a``)."""
        native = msg.symbol
        info = self._cache.get(native) or self.info(native)
        return info.trade_tick(
            msg.price,
            msg.quantity,
            _SELLER if msg.buyer_is_maker else _BUYER,
            str(msg.agg_trade_id),
            msg.trade_time * _MS,
            self._clock(),
        )

    def parse_quote_tick(self, msg: BookTickerPayload) -> QuoteTick:
        """``<symbol>@bookTicker``. Spot sends no event time, so ts_event is ts_init there;
        futures send ``T`` (transaction time)."""
        native = msg.symbol
        info = self._cache.get(native) or self.info(native)
        ts_init = self._clock()
        event = msg.transaction_time or msg.event_time
        return info.quote_tick(
            msg.bid_price,
            msg.ask_price,
            msg.bid_qty,
            msg.ask_qty,
            event * _MS if event else ts_init,
            ts_init,
        )

    def parse_depth_batch(self, msg: DepthUpdatePayload) -> DeltaBatch:
        """``<symbol>@depth@100ms`` (``depthUpdate``) as a DeltaBatch: first ``U``, last ``u``
        and, on futures, previous ``pu``. Sizes are absolute; zero removes the level."""
        native = msg.symbol
        info = self._cache.get(native) or self.info(native)
        last_id = msg.final_update_id
        deltas = info.l2_deltas(msg.bids, msg.asks, last_id, msg.event_time * _MS, self._clock())
        return _delta_batch(deltas, msg.first_update_id, last_id, msg.previous_final_update_id)

    # -- lower volume ---------------------------------------------------------------------------

    def parse_bar(self, msg: Mapping[str, Any], bar_type: BarType) -> BinanceBar:
        """``<symbol>@kline_<interval>`` (callers usually keep only closed ones, ``k.x``)."""
        k = msg["k"]
        info = self.info(msg["s"])
        pp, sp = info.price_precision, info.size_precision
        return BinanceBar(  # type: ignore[call-arg]  # inherited fields: see datatypes.py
            bar_type=bar_type,
            open=_price(k["o"], pp),
            high=_price(k["h"], pp),
            low=_price(k["l"], pp),
            close=_price(k["c"], pp),
            volume=_qty(k["v"], sp),
            ts_event=(k["T"] + 1) * _MS,
            ts_init=self._clock(),
            quote_volume=Decimal(k["q"]),
            count=int(k["n"]),
            taker_buy_base_volume=Decimal(k["V"]),
            taker_buy_quote_volume=Decimal(k["Q"]),
        )

    def parse_mark_price(self, msg: Mapping[str, Any]) -> BinanceFuturesMarkPriceUpdate:
        """Futures ``markPriceUpdate``. ``r`` is ``""`` and ``T`` 0 for delivery contracts."""
        info = self.info(msg["s"])
        pp = info.price_precision
        rate = msg.get("r")
        next_ms = msg.get("T") or 0
        return BinanceFuturesMarkPriceUpdate(  # type: ignore[call-arg]  # inherited fields: see datatypes.py
            instrument_id=info.instrument_id,
            mark=_exact_price(msg["p"], pp),
            index=_exact_price(msg["i"], pp),
            estimated_settle=_exact_price(msg["P"], pp),
            funding_rate=Decimal(rate) if rate not in (None, "") else None,
            next_funding_ns=next_ms * _MS if next_ms > 0 else None,
            ts_event=msg["E"] * _MS,
            ts_init=self._clock(),
        )

    @staticmethod
    def split_mark_price(
        update: BinanceFuturesMarkPriceUpdate,
    ) -> tuple[MarkPriceUpdate, IndexPriceUpdate, FundingRateUpdate | None]:
        """The generic mark, index and funding updates inside a Binance mark price update."""
        iid, ts_event, ts_init = update.instrument_id, update.ts_event, update.ts_init
        funding = None
        if update.funding_rate is not None:
            funding = FundingRateUpdate(
                iid, update.funding_rate, ts_event, ts_init, next_funding_ns=update.next_funding_ns
            )
        return (
            MarkPriceUpdate(iid, update.mark, ts_event, ts_init),
            IndexPriceUpdate(iid, update.index, ts_event, ts_init),
            funding,
        )

    def parse_ticker(self, msg: Mapping[str, Any]) -> BinanceTicker:
        """``<symbol>@ticker`` (``24hrTicker``) with its one-letter field names."""
        info = self.info(msg["s"])

        def dec(name: str) -> Decimal | None:
            value = msg.get(name)
            return Decimal(value) if value not in (None, "") else None

        return BinanceTicker(  # type: ignore[call-arg]  # inherited fields: see datatypes.py
            instrument_id=info.instrument_id,
            price_change=Decimal(msg["p"]),
            price_change_percent=Decimal(msg["P"]),
            weighted_avg_price=Decimal(msg["w"]),
            last_price=Decimal(msg["c"]),
            last_qty=Decimal(msg["Q"]),
            open_price=Decimal(msg["o"]),
            high_price=Decimal(msg["h"]),
            low_price=Decimal(msg["l"]),
            volume=Decimal(msg["v"]),
            quote_volume=Decimal(msg["q"]),
            open_time_ms=int(msg["O"]),
            close_time_ms=int(msg["C"]),
            first_trade_id=int(msg["F"]),
            last_trade_id=int(msg["L"]),
            count=int(msg["n"]),
            bid_price=dec("b"),
            bid_qty=dec("B"),
            ask_price=dec("a"),
            ask_qty=dec("A"),
            ts_event=msg["E"] * _MS,
            ts_init=self._clock(),
        )


def _exact_price(value: str, precision: int) -> Price:
    """A price at ``precision`` when that loses nothing, else at the venue's own precision
    (mark and index prices carry more decimals than the tick size)."""
    price = Price.from_str(value)
    try:
        return price.rescale(precision)
    except ValueError:
        return price


# -- user data ----------------------------------------------------------------------------------


class OrderEventFields(TypedDict):
    """The fields every order event shares, gathered once per update and spread (``**``) into
    whichever event the update turns out to be; typed so each spread is checked."""

    instrument_id: InstrumentId
    client_order_id: ClientOrderId
    venue_order_id: VenueOrderId | None
    account_id: AccountId | None
    ts_event: int
    ts_init: int


def _client_id(value: Any) -> ClientOrderId | None:
    return ClientOrderId(value) if isinstance(value, str) and value else None


def parse_execution_report(
    msg: Mapping[str, Any],
    instrument: Instrument,
    ts_init: int,
    *,
    account_id: AccountId | None = None,
) -> OrderEvent | None:
    """Spot/margin ``executionReport`` as the order event it reports (None for execution types
    that change nothing for the order, e.g. ``PENDING_NEW`` of an order list)."""
    execution = msg["x"]
    # On a cancel, "c" is the cancel request's id and "C" the order's own.
    client = (
        _client_id(msg.get("C"))
        if execution == "CANCELED" and msg.get("C")
        else _client_id(msg.get("c"))
    )
    if client is None:
        return None
    # "T" (transaction time) is -1 on some execution types: fall back to the event time.
    transaction_ms = int(msg.get("T") or -1)
    base: OrderEventFields = {
        "instrument_id": instrument.id,
        "client_order_id": client,
        "venue_order_id": VenueOrderId(str(msg["i"])),
        "account_id": account_id,
        "ts_event": (transaction_ms if transaction_ms > 0 else int(msg["E"])) * _MS,
        "ts_init": ts_init,
    }
    pp, sp = instrument.price_precision, instrument.size_precision
    if execution == "NEW":
        return OrderAccepted(**base)
    if execution == "CANCELED":
        return OrderCanceled(**base)
    if execution == "REJECTED":
        return OrderRejected(reason=str(msg.get("r") or "REJECTED"), **base)
    if execution in ("EXPIRED", "TRADE_PREVENTION"):
        return OrderExpired(**base) if msg.get("f") == "GTD" else OrderCanceled(**base)
    if execution in ("REPLACED", "AMENDMENT"):
        price = Price.from_str(msg["p"], pp) if msg.get("p") and not _is_zero(msg["p"]) else None
        return OrderUpdated(quantity=Quantity.from_str(msg["q"], sp), price=price, **base)
    if execution == "TRADE":
        commission_asset = msg.get("N") or instrument.quote_currency
        return OrderFilled(
            trade_id=TradeId(str(msg["t"])),
            order_side=SIDE_FROM_BINANCE[msg["S"]],
            order_type=SPOT_ORDER_TYPE_FROM_BINANCE[msg["o"]],
            last_qty=Quantity.from_str(msg["l"], sp),
            last_px=Price.from_str(msg["L"], pp),
            commission=Money(msg.get("n") or "0", commission_asset),
            liquidity_side=LiquiditySide.MAKER if msg.get("m") else LiquiditySide.TAKER,
            **base,
        )
    return None


def parse_order_trade_update(
    msg: Mapping[str, Any],
    instrument: Instrument,
    ts_init: int,
    *,
    account_id: AccountId | None = None,
) -> OrderEvent | None:
    """Futures ``ORDER_TRADE_UPDATE`` as the order event it reports."""
    o = msg["o"]
    client = _client_id(o.get("c"))
    if client is None:
        return None
    execution = o["x"]
    ps = o.get("ps")
    base: OrderEventFields = {
        "instrument_id": instrument.id,
        "client_order_id": client,
        "venue_order_id": VenueOrderId(str(o["i"])),
        "account_id": account_id,
        "ts_event": (o.get("T") or msg["E"]) * _MS,
        "ts_init": ts_init,
    }
    pp, sp = instrument.price_precision, instrument.size_precision
    if execution == "NEW":
        if o.get("X") == "NEW" and o.get("ot") != o.get("o") and o.get("ot"):
            # A conditional order whose type changed (STOP_MARKET -> MARKET) has triggered.
            return OrderTriggered(**base)
        return OrderAccepted(**base)
    if execution == "CANCELED":
        return OrderCanceled(**base)
    if execution == "EXPIRED":
        return OrderExpired(**base) if o.get("f") == "GTD" else OrderCanceled(**base)
    if execution == "AMENDMENT":
        price = Price.from_str(o["p"], pp) if o.get("p") and not _is_zero(o["p"]) else None
        return OrderUpdated(quantity=Quantity.from_str(o["q"], sp), price=price, **base)
    if execution in ("TRADE", "CALCULATED"):
        # "N" is not pushed while the commission is zero: fees are in the margin asset.
        commission_asset = o.get("N") or instrument.settlement_currency
        return OrderFilled(
            trade_id=TradeId(str(o["t"])),
            order_side=SIDE_FROM_BINANCE[o["S"]],
            order_type=FUTURES_ORDER_TYPE_FROM_BINANCE[o.get("ot") or o["o"]],
            last_qty=Quantity.from_str(o["l"], sp),
            last_px=Price.from_str(o["L"], pp),
            commission=Money(o.get("n") or "0", commission_asset),
            liquidity_side=LiquiditySide.MAKER if o.get("m") else LiquiditySide.TAKER,
            position_id=PositionId(ps) if ps in ("LONG", "SHORT") else None,
            **base,
        )
    return None


def parse_account_update(
    msg: Mapping[str, Any],
    account_id: AccountId,
    ts_init: int,
    instrument_for: Callable[[str], Instrument | None],
) -> tuple[AccountState, list[PositionStatusReport]]:
    """Futures ``ACCOUNT_UPDATE``: wallet balances (``wb``; ``cw`` is the cross wallet) and the
    positions that changed (``pa`` signed amount, ``ep`` entry price, ``ps`` hedge side, ``up``
    unrealized PnL in the margin asset: the base coin on COIN-M)."""
    a = msg["a"]
    ts_event = (msg.get("T") or msg["E"]) * _MS
    balances = []
    for b in a.get("B", ()):
        wallet = Decimal(b["wb"])
        balances.append(
            AccountBalance(Money(wallet, b["a"]), Money(0, b["a"]), Money(wallet, b["a"]))
        )
    positions: list[PositionStatusReport] = []
    for p in a.get("P", ()):
        instrument = instrument_for(p["s"])
        if instrument is None:
            continue
        amount = Decimal(p["pa"])
        side = (
            PositionSide.FLAT
            if amount == 0
            else PositionSide.LONG
            if amount > 0
            else PositionSide.SHORT
        )
        sp = instrument.size_precision
        hedge = p.get("ps")
        entry = Decimal(p["ep"])
        positions.append(
            PositionStatusReport(
                account_id=account_id,
                instrument_id=instrument.id,
                venue_position_id=PositionId(hedge) if hedge in ("LONG", "SHORT") else None,
                position_side=side,
                quantity=Quantity.from_decimal(abs(amount), sp)
                if amount
                else Quantity.from_raw(0, sp),
                avg_px_open=entry if entry else None,
                unrealized_pnl=Money(p["up"], instrument.settlement_currency)
                if p.get("up") not in (None, "")
                else None,
                ts_last=ts_event,
                ts_init=ts_init,
            )
        )
    state = AccountState(
        account_id=account_id,
        account_type=AccountType.MARGIN,
        balances=tuple(balances),
        ts_event=ts_event,
        ts_init=ts_init,
    )
    return state, positions


def parse_outbound_account_position(
    msg: Mapping[str, Any], account_id: AccountId, ts_init: int, *, margin: bool = False
) -> AccountState:
    """Spot ``outboundAccountPosition``: free and locked of the assets that changed."""
    balances = []
    for b in msg.get("B", ()):
        free, locked = Decimal(b["f"]), Decimal(b["l"])
        balances.append(
            AccountBalance(Money(free + locked, b["a"]), Money(locked, b["a"]), Money(free, b["a"]))
        )
    return AccountState(
        account_id=account_id,
        account_type=AccountType.MARGIN if margin else AccountType.CASH,
        balances=tuple(balances),
        ts_event=(msg.get("u") or msg["E"]) * _MS,
        ts_init=ts_init,
    )


_ = (InstrumentId, Sequence)
