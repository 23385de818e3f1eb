"""The stream caches: Betfair change messages (``mcm``, ``ocm``) applied to local state.

Pure logic, no I/O. Betfair has no sequence numbers or checksums: continuity is ``clk``.

Market stream (:class:`MarketCache`):

* ``ct: SUB_IMAGE`` replaces the whole cache (it can also arrive mid-subscription, when the
  venue decides to resend everything); ``img: true`` on one market replaces that market;
  anything else (no ``ct``, or ``RESUB_DELTA`` after a resume) patches: a ``[price, size]`` with
  size 0 removes the level, ``batb``/``batl`` are ``[level, price, size]`` by level;
* a message split with ``segmentType`` ``SEG_START`` .. ``SEG`` .. ``SEG_END`` is held until
  its last segment and applied as one;
* ``initialClk`` and ``clk`` are kept (the latest of each): a resubscription that sends them
  gets only what was missed (``RESUB_DELTA``) instead of a new image;
* ``status: 503`` says the venue's data is stale (:attr:`MarketCache.stale`) until a message
  without it.

Order stream (:class:`OrderCache`): ``sm`` (size matched) of each bet is cumulative; the cache
turns it into increments, so every matched unit is reported once however often the venue
repeats the bet (full images after a reconnect included). ``sv`` (size voided) is cumulative
too: a rise voids that much matched size (``sm`` falls by it), which the cache turns into the
published increments it takes back, newest first (:class:`VoidedIncrement`), once. A trade id
total counts voided size too (``sm + sv``, "ever matched"), so a step reached again after a void
is a new fill, never the voided one.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import attrs

__all__ = [
    "RunnerBook",
    "MarketState",
    "MarketUpdate",
    "MarketCache",
    "OrderCache",
    "MatchedIncrement",
    "VoidedIncrement",
    "runner_key",
]

ZERO = Decimal(0)

RunnerKey = tuple[int, Decimal]


def runner_key(change: dict[str, Any]) -> RunnerKey:
    """``(selectionId, handicap)`` of a runner change (``hc`` is absent when 0)."""
    return int(change["id"]), Decimal(str(change.get("hc") or 0))


def _apply_ladder(ladder: dict[Decimal, Decimal], rows: Iterable[list[Any]]) -> set[Decimal]:
    changed: set[Decimal] = set()
    for row in rows:
        price, size = Decimal(str(row[0])), Decimal(str(row[1]))
        changed.add(price)
        if size == 0:
            ladder.pop(price, None)
        else:
            ladder[price] = size
    return changed


def _apply_levels(levels: dict[int, tuple[Decimal, Decimal]], rows: Iterable[list[Any]]) -> None:
    for row in rows:
        level, price, size = int(row[0]), Decimal(str(row[1])), Decimal(str(row[2]))
        if size == 0:
            levels.pop(level, None)
        else:
            levels[level] = (price, size)


@attrs.define
class RunnerBook:
    """One runner's prices: available to back (``atb``, the bids) and to lay (``atl``, the
    asks) by price, best offers by level, traded volume by price, last traded price."""

    atb: dict[Decimal, Decimal] = attrs.field(factory=dict)
    atl: dict[Decimal, Decimal] = attrs.field(factory=dict)
    batb: dict[int, tuple[Decimal, Decimal]] = attrs.field(factory=dict)
    batl: dict[int, tuple[Decimal, Decimal]] = attrs.field(factory=dict)
    trd: dict[Decimal, Decimal] = attrs.field(factory=dict)
    ltp: Decimal | None = None
    tv: Decimal | None = None
    spn: Decimal | None = None
    spf: Decimal | None = None

    def best_back(self) -> tuple[Decimal, Decimal] | None:
        """The best (highest) price available to back, with its size."""
        if self.batb:
            return self.batb[min(self.batb)]
        return max(self.atb.items()) if self.atb else None

    def best_lay(self) -> tuple[Decimal, Decimal] | None:
        """The best (lowest) price available to lay, with its size."""
        if self.batl:
            return self.batl[min(self.batl)]
        return min(self.atl.items()) if self.atl else None

    def bids(self) -> list[tuple[Decimal, Decimal]]:
        """The back side as book bids, best first."""
        return sorted(self.atb.items(), reverse=True)

    def asks(self) -> list[tuple[Decimal, Decimal]]:
        """The lay side as book asks, best first."""
        return sorted(self.atl.items())


@attrs.frozen
class RunnerUpdate:
    """What one runner change did: the ladder prices it touched, the traded prices that grew
    (with the volume added), and whether it replaced the runner (an image)."""

    key: RunnerKey
    image: bool
    bid_prices: frozenset[Decimal]
    ask_prices: frozenset[Decimal]
    best_offers: bool
    traded: tuple[tuple[Decimal, Decimal, Decimal], ...]  # (price, added volume, new total)
    ltp: bool


@attrs.frozen
class MarketUpdate:
    """One market's part of a change message, applied."""

    market_id: str
    image: bool
    definition: dict[str, Any] | None
    runners: tuple[RunnerUpdate, ...]
    publish_ms: int


@attrs.define
class MarketState:
    """A market in the cache: its last definition and its runners' books."""

    market_id: str
    definition: dict[str, Any] | None = None
    runners: dict[RunnerKey, RunnerBook] = attrs.field(factory=dict)

    def runner(self, key: RunnerKey) -> RunnerBook:
        book = self.runners.get(key)
        if book is None:
            book = self.runners[key] = RunnerBook()
        return book


class MarketCache:
    """The local copy of subscribed markets (see the module docstring)."""

    def __init__(self) -> None:
        self.markets: dict[str, MarketState] = {}
        self.initial_clk: str | None = None
        self.clk: str | None = None
        self.stale = False
        self.conflated = False
        self.images = 0
        self._segments: list[dict[str, Any]] | None = None

    def resume_tokens(self) -> dict[str, str]:
        """``initialClk`` and ``clk`` for a resubscription (empty before the first image)."""
        if self.initial_clk is None or self.clk is None:
            return {}
        return {"initialClk": self.initial_clk, "clk": self.clk}

    def forget(self) -> None:
        """Drop everything (a new subscription that cannot be resumed)."""
        self.markets.clear()
        self.initial_clk = self.clk = None
        self._segments = None

    def apply(self, message: dict[str, Any]) -> list[MarketUpdate]:
        """Apply one ``mcm``; the market updates it made (none while segments are pending)."""
        segment = message.get("segmentType")
        if segment == "SEG_START":
            self._segments = [message]
            return []
        if segment == "SEG":
            if self._segments is not None:
                self._segments.append(message)
            return []
        if segment == "SEG_END":
            parts = [*(self._segments or []), message]
            self._segments = None
            joined = dict(parts[0])
            joined["mc"] = [mc for part in parts for mc in part.get("mc") or ()]
            for key in ("clk", "initialClk", "status", "pt"):
                for part in parts:
                    if part.get(key) is not None:
                        joined[key] = part[key]
            message = joined
        self.stale = message.get("status") == 503
        # con (conflated) is set on a market change; some captures carry it on the message.
        self.conflated = bool(message.get("con")) or any(
            mc.get("con") for mc in message.get("mc") or ()
        )
        if message.get("initialClk") is not None:
            self.initial_clk = str(message["initialClk"])
        if message.get("clk") is not None:
            self.clk = str(message["clk"])
        ct = message.get("ct")
        if ct == "HEARTBEAT":
            return []
        if ct == "SUB_IMAGE":
            self.markets.clear()
            self.images += 1
        publish_ms = int(message.get("pt") or 0)
        return [
            self._apply_market(mc, ct == "SUB_IMAGE", publish_ms) for mc in message.get("mc") or ()
        ]

    def _apply_market(self, mc: dict[str, Any], whole: bool, publish_ms: int) -> MarketUpdate:
        market_id = str(mc["id"])
        image = whole or bool(mc.get("img"))
        state = self.markets.get(market_id)
        if state is None or image:
            state = self.markets[market_id] = MarketState(
                market_id, state.definition if state and not image else None
            )
        definition = mc.get("marketDefinition")
        if definition is not None:
            state.definition = definition
        runners = tuple(self._apply_runner(state, rc, image) for rc in mc.get("rc") or ())
        return MarketUpdate(market_id, image, definition, runners, publish_ms)

    @staticmethod
    def _apply_runner(state: MarketState, rc: dict[str, Any], image: bool) -> RunnerUpdate:
        key = runner_key(rc)
        book = state.runner(key)
        bids = _apply_ladder(book.atb, rc.get("atb") or ())
        asks = _apply_ladder(book.atl, rc.get("atl") or ())
        best = "batb" in rc or "batl" in rc
        _apply_levels(book.batb, rc.get("batb") or ())
        _apply_levels(book.batl, rc.get("batl") or ())
        traded: list[tuple[Decimal, Decimal, Decimal]] = []
        for row in rc.get("trd") or ():
            price, volume = Decimal(str(row[0])), Decimal(str(row[1]))
            before = book.trd.get(price, ZERO)
            if volume == 0:
                book.trd.pop(price, None)
            else:
                book.trd[price] = volume
            if volume > before and not image:
                traded.append((price, volume - before, volume))
        for name in ("ltp", "tv", "spn", "spf"):
            if rc.get(name) is not None:
                setattr(book, name, Decimal(str(rc[name])))
        return RunnerUpdate(
            key,
            image,
            frozenset(bids),
            frozenset(asks),
            best,
            tuple(traded),
            rc.get("ltp") is not None,
        )


@attrs.frozen
class MatchedIncrement:
    """Newly matched size of one bet: ``size`` more at ``price`` (the increment's average
    price, from the change of ``avp``), bringing the total to ``total``."""

    bet_id: str
    market_id: str
    key: RunnerKey
    size: Decimal
    price: Decimal
    total: Decimal
    order: dict[str, Any]
    #: Set on the part of a partly voided increment that stands, published again as a new
    #: fill: the bet's cumulative ``sv`` then (it makes the trade id distinct).
    voided: Decimal | None = None


@attrs.frozen
class VoidedIncrement:
    """A published increment of a bet that Betfair voided: ``size`` at ``price``, the one
    whose trade id total was ``total``."""

    bet_id: str
    total: Decimal
    size: Decimal
    price: Decimal
    voided: Decimal | None = None


class OrderCache:
    """Bets seen on the order stream, and their matched sizes (see the module docstring)."""

    def __init__(self) -> None:
        self.orders: dict[str, dict[str, Any]] = {}
        self.matched: dict[str, tuple[Decimal, Decimal]] = {}  # bet id -> (size, avg price)
        #: Bet id -> cumulative size voided (``sv``) seen so far.
        self.voided: dict[str, Decimal] = {}
        #: Bet id -> its published increments not voided, oldest first: (total, size, price, voided tag).
        self._increments: dict[str, list[tuple[Decimal, Decimal, Decimal, Decimal | None]]] = {}
        #: Bet id -> the published increments voided since, oldest void first.
        self._voided_increments: dict[str, list[VoidedIncrement]] = {}
        self.initial_clk: str | None = None
        self.clk: str | None = None
        self._segments: list[dict[str, Any]] | None = None

    def resume_tokens(self) -> dict[str, str]:
        if self.initial_clk is None or self.clk is None:
            return {}
        return {"initialClk": self.initial_clk, "clk": self.clk}

    def seed(self, bet_id: str, matched: Decimal, avg_price: Decimal | None) -> None:
        """Record matched size already reported elsewhere (a placeOrders answer, a query), so
        the stream's cumulative ``sm`` adds only what is new."""
        size, before_avg = self.matched.get(bet_id, (ZERO, ZERO))
        if matched > size:
            self.matched[bet_id] = (matched, avg_price or ZERO)
            added = matched - size
            price = (
                ((avg_price or ZERO) * matched - before_avg * size) / added if avg_price else ZERO
            )
            total = matched + self.voided.get(bet_id, ZERO)
            self._increments.setdefault(bet_id, []).append((total, added, price, None))

    def knows(self, bet_id: str) -> bool:
        """Whether matched or voided size of the bet was seen (on the stream or seeded)."""
        return bet_id in self.matched or bet_id in self.voided

    def fills_of(
        self, bet_id: str
    ) -> tuple[list[tuple[Decimal, Decimal, Decimal, Decimal | None]], list[VoidedIncrement]]:
        """The bet's increments as published: ``(total, size, price, voided tag)`` of those
        that stand, and the voided ones."""
        return list(self._increments.get(bet_id, ())), list(self._voided_increments.get(bet_id, ()))

    def void_to(
        self, market_id: str, key: RunnerKey, bet_id: str, voided_total: Decimal
    ) -> tuple[list[VoidedIncrement], MatchedIncrement | None]:
        """Apply a void learned elsewhere (listClearedOrders betStatus VOIDED: the bet's
        voided matched size in all): as a rise of the stream's ``sv`` to ``voided_total``."""
        uo = dict(self.orders.get(bet_id) or {"id": bet_id})
        uo.pop("avp", None)  # the remaining average is unknown here: keep the cache's
        uo["sv"] = voided_total
        return self._void(market_id, key, uo)

    def apply(
        self, message: dict[str, Any]
    ) -> list[
        tuple[
            str,
            RunnerKey,
            dict[str, Any],
            MatchedIncrement | None,
            list[VoidedIncrement],
            MatchedIncrement | None,
        ]
    ]:
        """Apply one ``ocm``: per bet changed ``(market_id, runner, bet, increment or None,
        the increments voided, the standing part of a partly voided increment or None)``."""
        segment = message.get("segmentType")
        if segment == "SEG_START":
            self._segments = [message]
            return []
        if segment == "SEG":
            self._segments = [*(self._segments or []), message]
            return []
        if segment == "SEG_END":
            parts = [*(self._segments or []), message]
            self._segments = None
            message = dict(message)
            message["oc"] = [oc for part in parts for oc in part.get("oc") or ()]
        if message.get("initialClk") is not None:
            self.initial_clk = str(message["initialClk"])
        if message.get("clk") is not None:
            self.clk = str(message["clk"])
        out: list[Any] = []
        for oc in message.get("oc") or ():
            market_id = str(oc["id"])
            for orc in oc.get("orc") or ():
                key = runner_key(orc)
                for uo in orc.get("uo") or ():
                    bet_id = str(uo["id"])
                    self.orders[bet_id] = uo
                    voids, standing = self._void(market_id, key, uo)
                    increment = self._increment(market_id, key, uo)
                    out.append((market_id, key, uo, increment, voids, standing))
        return out

    def _increment(
        self, market_id: str, key: RunnerKey, uo: dict[str, Any]
    ) -> MatchedIncrement | None:
        bet_id = str(uo["id"])
        total = Decimal(str(uo.get("sm") or 0))
        average = Decimal(str(uo.get("avp") or 0))
        before, before_avg = self.matched.get(bet_id, (ZERO, ZERO))
        if total <= before:
            return None
        added = total - before
        # The increment's own price: what the new average implies for the added size.
        price = (
            (average * total - before_avg * before) / added
            if average
            else Decimal(str(uo.get("p") or 0))
        )
        self.matched[bet_id] = (total, average)
        ever = total + self.voided.get(bet_id, ZERO)
        self._increments.setdefault(bet_id, []).append((ever, added, price, None))
        return MatchedIncrement(bet_id, market_id, key, added, price, ever, uo)

    def _void(
        self, market_id: str, key: RunnerKey, uo: dict[str, Any]
    ) -> tuple[list[VoidedIncrement], MatchedIncrement | None]:
        """A rise of ``sv``: the newest published increments it covers, each voided whole; the
        part of the last one that stands comes back as a new increment."""
        bet_id = str(uo["id"])
        voided = Decimal(str(uo.get("sv") or 0))
        before_voided = self.voided.get(bet_id, ZERO)
        if voided <= before_voided:
            return [], None
        self.voided[bet_id] = voided
        amount = voided - before_voided
        before, before_avg = self.matched.get(bet_id, (ZERO, ZERO))
        remaining = max(before - amount, ZERO)
        average = Decimal(str(uo.get("avp") or 0)) if remaining else ZERO
        self.matched[bet_id] = (remaining, average or before_avg if remaining else ZERO)
        increments = self._increments.get(bet_id, [])
        out = []
        left = amount
        while left > 0 and increments:
            total, size, price, tag = increments.pop()
            out.append(VoidedIncrement(bet_id, total, size, price, tag))
            left -= size
        self._voided_increments.setdefault(bet_id, []).extend(out)
        standing = None
        if left < 0:  # the oldest voided increment was only partly voided: the rest stands
            last = out[-1]
            total = remaining + voided
            increments.append((total, -left, last.price, voided))
            standing = MatchedIncrement(
                bet_id, market_id, key, -left, last.price, total, uo, voided=voided
            )
        return out, standing
