"""A venue-neutral simulated exchange: the engine under every mock venue.

A mock venue is a loopback server that speaks one venue's wire protocol. It keeps no trading
state of its own: it translates each request into a call on a :class:`SimulatedExchange`,
renders the result as the venue's response, and pushes the exchange's events on its user data
stream. Conformance tests drive the market and the venue through the exchange's controls.

Properties: synchronous, no I/O, exact ``Decimal`` arithmetic, deterministic (ids come from
counters and a RNG seeded with ``seed``; time comes from an injected ``clock`` or a manual clock
moved by ``advance_time``), fast (see ``bench/bench_simulated_exchange.py``).

1. Create the exchange and its instruments, balances and market::

    >>> from decimal import Decimal as D
    >>> from tradeport.model.enums import (
    ...     AggressorSide, OrderSide, OrderType, ProductType, TimeInForce)
    >>> from tradeport_conformance.simulated import (
    ...     OrderFilled, PostOnlyCross, RejectReason, SimInstrument, SimulatedExchange)
    >>> sim = SimulatedExchange(seed=7, start_time_ns=1_700_000_000_000_000_000,
    ...                         post_only_cross=PostOnlyCross.CANCEL)  # venue flavour
    >>> sim.add_instrument(SimInstrument(
    ...     symbol="BTCUSDT", product_type=ProductType.SPOT, base_asset="BTC", quote_asset="USDT",
    ...     tick_size=D("0.01"), lot_size=D("0.001"), min_notional=D("5"),
    ...     maker_fee=D("0.001"), taker_fee=D("0.001")))
    >>> _ = sim.set_balance("USDT", D("10000"))
    >>> _ = sim.set_book("BTCUSDT", bids=[(D("99.00"), D("1"))],
    ...                  asks=[(D("101.00"), D("0.5")), (D("102.00"), D("2"))])

2. Listen for events (a mock venue pushes them on its user data stream)::

    >>> pushed = []
    >>> unsubscribe = sim.subscribe(pushed.append)

3. Translate a wire request into a command; render the result or its rejection reason::

    >>> result = sim.submit("BTCUSDT", OrderSide.BUY, OrderType.LIMIT, D("0.100"),
    ...                     price=D("100.00"), client_order_id="my-1")
    >>> result.ok, result.order.status, result.order.venue_order_id != ""
    (True, <OrderStatus.ACCEPTED: 'ACCEPTED'>, True)
    >>> sim.balance("USDT").locked
    Decimal('10.00000')
    >>> bad = sim.submit("BTCUSDT", OrderSide.BUY, OrderType.LIMIT, D("0.01"), price=D("100.001"))
    >>> bad.ok, bad.reason
    (False, <RejectReason.INVALID_PRICE_INCREMENT: 'INVALID_PRICE_INCREMENT'>)

   The venue maps ``RejectReason`` to its own codes, e.g. Binance -1013 for
   INVALID_PRICE_INCREMENT, -2010 for INSUFFICIENT_BALANCE.

4. Drive the venue: fill resting orders, move prices, expire, reject::

    >>> filled = sim.fill(client_order_id="my-1", quantity=D("0.040"))
    >>> [(f.quantity, f.price, f.commission, f.commission_asset) for f in filled.fills]
    [(Decimal('0.040'), Decimal('100.00'), Decimal('0.000040'), 'BTC')]
    >>> _ = sim.trade("BTCUSDT", D("100.00"), D("1"), AggressorSide.SELLER)  # fills the rest
    >>> sim.order(client_order_id="my-1").status
    <OrderStatus.FILLED: 'FILLED'>
    >>> market = sim.submit("BTCUSDT", OrderSide.BUY, OrderType.MARKET, D("1"))
    >>> market.order.avg_px  # swept 0.5 @ 101 and 0.5 @ 102
    Decimal('101.50')
    >>> sim.reject_next(RejectReason.INSUFFICIENT_BALANCE)
    >>> sim.submit("BTCUSDT", OrderSide.BUY, OrderType.LIMIT, D("0.1"), price=D("90")).reason
    <RejectReason.INSUFFICIENT_BALANCE: 'INSUFFICIENT_BALANCE'>
    >>> gtd = sim.submit("BTCUSDT", OrderSide.SELL, OrderType.LIMIT, D("0.1"), price=D("150"),
    ...                  time_in_force=TimeInForce.GTD,
    ...                  expire_time_ns=sim.now() + 60_000_000_000)
    >>> [type(e).__name__ for e in sim.advance_time(sim.now() + 60_000_000_000)]
    ['OrderExpired', 'BalanceChanged']
    >>> sum(isinstance(e, OrderFilled) for e in pushed)
    4

5. Answer reconciliation queries: ``open_orders(symbol)``, ``order(venue_order_id=... |
   client_order_id=...)`` (recently closed included), ``fills(symbol, start_ns=, end_ns=)``,
   ``positions()``, ``balances()``, ``book(symbol, depth)``.

Derivatives (``ProductType.PERPETUAL``/``FUTURE``/``OPTION``) use positions: netting by default
(long/short/flat, average entry price, realized PnL) or hedge mode
(``position_mode=OmsType.HEDGING``, orders name their LONG/SHORT leg). Margin is simple: an
order locks ``initial_margin_rate`` (+ fee) of the value it may open, a position locks
``initial_margin_rate`` of its value at entry; unrealized PnL is reported but not credited, and
there is no liquidation, so ``free`` can go negative after large losses.

Model limits, by design: the external book is synthetic liquidity; own orders never trade with
each other; the last price moves only through ``set_last_price`` and ``trade``; quotients (average
prices, inverse-contract values and PnL) are rounded to 12 decimal places so balances stay exact
sums; TRAILING_STOP_LIMIT and AT_THE_OPEN/AT_THE_CLOSE are rejected as unsupported; order lists
(OCO/OTO) are not simulated.
"""

from __future__ import annotations

from tradeport_conformance.simulated.events import (
    AmendRejected,
    BalanceChanged,
    BookLevel,
    BookUpdated,
    CancelRejected,
    OrderAccepted,
    OrderAmended,
    OrderCanceled,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderTriggered,
    PositionChanged,
    PublicTrade,
    SimEvent,
    SimResult,
)
from tradeport_conformance.simulated.exchange import (
    BatchResult,
    BookSnapshot,
    Listener,
    OrderRef,
    SimOperation,
    SimulatedExchange,
)
from tradeport_conformance.simulated.records import (
    CancelCause,
    IdStyle,
    ImmediateTrigger,
    PostOnlyCross,
    ReduceOnlyExcess,
    RejectReason,
    SimBalance,
    SimFill,
    SimInstrument,
    SimOrder,
    SimPosition,
)

__all__ = [
    "AmendRejected",
    "BalanceChanged",
    "BatchResult",
    "BookLevel",
    "BookSnapshot",
    "BookUpdated",
    "CancelCause",
    "CancelRejected",
    "IdStyle",
    "ImmediateTrigger",
    "Listener",
    "OrderAccepted",
    "OrderAmended",
    "OrderCanceled",
    "OrderEvent",
    "OrderExpired",
    "OrderFilled",
    "OrderRef",
    "OrderRejected",
    "OrderTriggered",
    "PositionChanged",
    "PostOnlyCross",
    "PublicTrade",
    "ReduceOnlyExcess",
    "RejectReason",
    "SimBalance",
    "SimEvent",
    "SimFill",
    "SimInstrument",
    "SimOperation",
    "SimOrder",
    "SimPosition",
    "SimResult",
    "SimulatedExchange",
]
