"""Parsers from Polymarket payloads (REST and stream share the shapes) to the domain model:
pure functions named for what they make.

Prices and sizes are decimal strings on the wire (market metadata has JSON numbers: read
through ``str`` so no binary float reaches a Decimal). Timestamps are UNIX seconds or
milliseconds as strings or numbers, depending on the endpoint; each parser says which.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from tradeport.errors import ValidationError
from tradeport.model.data import OrderBookDeltas, TradeTick
from tradeport.model.decoding import decoder_for
from tradeport.model.enums import (
    AccountType,
    AggressorSide,
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    ResolutionResult,
    SettlementStatus,
    TimeInForce,
)
from tradeport.model.identifiers import AccountId, InstrumentId, Symbol, TradeId, VenueOrderId
from tradeport.model.instruments import BinaryOutcome, Instrument
from tradeport.model.numbers import Money, Price, Quantity
from tradeport.model.reports import (
    AccountBalance,
    AccountState,
    FillReport,
    OrderStatusReport,
    PositionStatusReport,
)

from tradeport_polymarket.constants import ACCOUNT_ID, COLLATERAL, TOKEN_DECIMALS
from tradeport_polymarket.enums import ORDER_SIDE, ORDER_STATUS, SETTLEMENT, TIME_IN_FORCE
from tradeport_polymarket.symbology import instrument_id_of

__all__ = [
    "ACCOUNT",
    "NS_PER_MS",
    "NS_PER_S",
    "book_hash",
    "book_levels",
    "opt",
    "parse_account_state",
    "parse_book_snapshot",
    "parse_fill_reports",
    "parse_instruments",
    "parse_order_status_report",
    "parse_position_status_report",
    "parse_public_trade",
    "parse_time",
]

NS_PER_MS: Final = 1_000_000
NS_PER_S: Final = 1_000_000_000
ACCOUNT: Final = AccountId(ACCOUNT_ID)
_UNITS: Final = Decimal(10) ** TOKEN_DECIMALS
#: The venue expires a GTD order this long before its ``expiration`` (a security threshold).
GTD_THRESHOLD_S: Final = 60
#: The signed order's protocol key on an instrument (see credential.ExchangeProtocol).
EXCHANGE_V2: Final = "ctf-exchange-v2"


def opt(value: Any) -> Any:
    """``None`` for a missing value (``None`` or ``""``), else the value."""
    return None if value is None or value == "" else value


def _decimal(value: Any) -> Decimal:
    """A Decimal from a decimal string or a JSON number (through its text)."""
    return Decimal(str(value))


def parse_time(value: Any) -> int:
    """UNIX nanoseconds from the venue's timestamps: seconds or milliseconds (as int or
    string; more than 11 digits is milliseconds) or an ISO 8601 date."""
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit()):
        number = int(value)
        return number * NS_PER_MS if number >= 10**11 else number * NS_PER_S
    if isinstance(value, str) and value:
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()) * NS_PER_S
    raise ValidationError("timestamp", value, "is not UNIX seconds, milliseconds or ISO 8601")


# -- instruments ------------------------------------------------------------------------------


def parse_instruments(record: Mapping[str, Any], ts_init: int) -> list[BinaryOutcome]:
    """One BinaryOutcome per outcome token of a CLOB market (``GET /markets`` entry).

    Raises (KeyError, ValueError, ValidationError) on a record it cannot trust; the provider
    skips such records with a warning.
    """
    condition_id = str(record["condition_id"])
    tokens = record["tokens"]
    if len(tokens) < 2:
        raise ValidationError("tokens", tokens, "a market has two outcome tokens")
    tick = Price.from_str(format(_decimal(record["minimum_tick_size"]).normalize(), "f"))
    if not 0 < tick.as_decimal() < 1:
        raise ValidationError("minimum_tick_size", str(tick), "must lie between 0 and 1")
    one = Decimal(1)
    size_increment = Quantity.from_str("0.01")  # sizes have two decimals (the SDK rounds so)
    min_size = _decimal(record.get("minimum_order_size") or "0")
    end = opt(record.get("end_date_iso"))
    closed = bool(record.get("closed"))
    question = str(record.get("question") or "")
    out = []
    for index, token in enumerate(tokens):
        token_id = str(token["token_id"])
        other = tokens[1 - index]["token_id"] if len(tokens) == 2 else None
        resolution = None
        resolution_ns = None
        if closed and any(t.get("winner") for t in tokens):
            resolution = ResolutionResult.WON if token.get("winner") else ResolutionResult.LOST
            resolution_ns = parse_time(end) if end else ts_init
        info = dict(record)
        info["exchange_protocol"] = EXCHANGE_V2
        out.append(
            BinaryOutcome(
                id=instrument_id_of(token_id),
                raw_symbol=Symbol(token_id),
                quote_currency=COLLATERAL,
                price_precision=tick.precision,
                size_precision=2,
                price_increment=tick,
                size_increment=size_increment,
                min_quantity=Quantity(min_size, 2) if min_size else None,
                min_price=tick,
                max_price=Price(one - tick.as_decimal(), tick.precision),
                maker_fee=_decimal(record.get("maker_base_fee") or 0) / 10_000,
                taker_fee=_decimal(record.get("taker_base_fee") or 0) / 10_000,
                ts_event=ts_init,
                ts_init=ts_init,
                info=info,
                condition_id=condition_id,
                token_id=token_id,
                outcome=str(token["outcome"]),
                question=question,
                market_slug=opt(record.get("market_slug")),
                complement_token_id=str(other) if other is not None else None,
                expiry_ns=parse_time(end) if end else None,
                resolution=resolution,
                resolution_ns=resolution_ns,
            )
        )
    return out


def is_tradable(record: Mapping[str, Any]) -> bool:
    """Whether a market takes orders now (active, not closed, accepting orders)."""
    return (
        bool(record.get("active"))
        and not record.get("closed")
        and bool(record.get("accepting_orders", True))
    )


# -- market data ------------------------------------------------------------------------------


def number_text(text: str) -> str:
    """A decimal string as the model reads it: the venue also prints ``.48`` for ``0.48``."""
    return "0" + text if text.startswith(".") else text


def book_levels(levels: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """``[{"price", "size"}, ...]`` as the decoder's ``[(price, size), ...]`` levels."""
    return [(number_text(level["price"]), number_text(level["size"])) for level in levels]


def book_hash(summary: Mapping[str, Any]) -> str:
    """The venue's book ``hash``: SHA-1 hex of the compact JSON of the summary in the venue's
    key order, with ``hash`` empty (py-clob-client-v2 ``generate_orderbook_summary_hash``)."""
    payload = {
        "market": summary["market"],
        "asset_id": summary["asset_id"],
        "timestamp": summary["timestamp"],
        "hash": "",
        "bids": [{"price": o["price"], "size": o["size"]} for o in summary.get("bids") or []],
        "asks": [{"price": o["price"], "size": o["size"]} for o in summary.get("asks") or []],
        "min_order_size": summary["min_order_size"],
        "tick_size": summary["tick_size"],
        "neg_risk": summary["neg_risk"],
        "last_trade_price": summary["last_trade_price"],
    }
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def parse_book_snapshot(
    record: Mapping[str, Any], instrument: Instrument, ts_init: int, sequence: int
) -> OrderBookDeltas:
    """A ``book`` (REST ``GET /book`` or the stream's ``book`` event) as snapshot deltas."""
    deltas = decoder_for(instrument).l2_deltas(
        book_levels(record.get("bids") or []),
        book_levels(record.get("asks") or []),
        sequence,
        parse_time(record["timestamp"]),
        ts_init,
        snapshot=True,
    )
    assert deltas is not None  # a snapshot always holds its CLEAR
    return deltas


def parse_public_trade(
    record: Mapping[str, Any], instrument: Instrument, ts_init: int
) -> TradeTick:
    """A TradeTick from a Data API trade (``side`` is the taker's; ``timestamp`` seconds)."""
    decoder = decoder_for(instrument)
    side = AggressorSide.BUYER if record["side"] == "BUY" else AggressorSide.SELLER
    trade_id = record.get("transactionHash") or f"{record['asset']}-{record['timestamp']}"
    return decoder.trade_tick(
        str(record["price"]),
        str(record["size"]),
        side,
        str(trade_id),
        parse_time(record["timestamp"]),
        ts_init,
    )


# -- execution --------------------------------------------------------------------------------


def _status(value: str) -> OrderStatus:
    return ORDER_STATUS[value.upper()]


def parse_order_status_report(
    record: Mapping[str, Any], instrument: Instrument | None, ts_init: int
) -> OrderStatusReport:
    """The venue's view of one order (``GET /data/order``, ``/data/orders``, user ``order``
    events). Polymarket has no client order ids: the venue id is the order hash, which the
    execution client maps to its client order id."""
    size_dp = instrument.size_precision if instrument is not None else None
    quantity = _decimal(record["original_size"])
    filled = _decimal(record.get("size_matched") or 0)
    status = _status(str(record["status"]))
    if status is OrderStatus.ACCEPTED and filled:
        status = OrderStatus.PARTIALLY_FILLED
    price = (
        Price(_decimal(record["price"]), instrument.price_precision)
        if instrument
        else Price.from_str(str(record["price"]))
    )
    expiration = int(opt(record.get("expiration")) or 0)
    order_type = str(record.get("order_type") or "GTC").upper()
    tif = TIME_IN_FORCE.get(order_type, TimeInForce.GTC)
    created = (
        parse_time(record.get("created_at") or 0) if opt(record.get("created_at")) else ts_init
    )
    last = parse_time(record["timestamp"]) if opt(record.get("timestamp")) else created
    if (
        status is OrderStatus.CANCELED
        and tif is TimeInForce.GTD
        and expiration
        and last >= (expiration - GTD_THRESHOLD_S) * NS_PER_S
    ):
        # The venue closes an expired GTD order like a canceled one; its clock says which.
        status = OrderStatus.EXPIRED
    return OrderStatusReport(
        account_id=ACCOUNT,
        instrument_id=instrument_id_of(record["asset_id"]),
        client_order_id=None,
        venue_order_id=VenueOrderId(str(record["id"])),
        order_side=ORDER_SIDE[str(record["side"]).upper()],
        order_type=OrderType.LIMIT,
        time_in_force=tif,
        order_status=status,
        quantity=Quantity(quantity, size_dp) if size_dp is not None else Quantity(quantity),
        filled_qty=Quantity(filled, size_dp) if size_dp is not None else Quantity(filled),
        price=price,
        expire_time_ns=expiration * NS_PER_S if expiration else None,
        ts_accepted=created,
        ts_last=last,
        ts_init=ts_init,
    )


def _fill(
    *,
    trade: Mapping[str, Any],
    trade_id: str,
    order_id: str,
    asset_id: str,
    side: str,
    size: Any,
    price: Any,
    liquidity: LiquiditySide,
    instrument: Instrument | None,
    ts_init: int,
) -> FillReport:
    status = str(trade["status"]).upper()
    qty = _decimal(size)
    px = _decimal(price)
    bps = _decimal(trade.get("fee_rate_bps") or 0)
    # The operator charges fees at match time in collateral (V2); rebates are not reported.
    commission = Money(qty * px * bps / 10_000, COLLATERAL)
    when = trade.get("match_time") or trade.get("matchtime") or trade.get("timestamp")
    return FillReport(
        account_id=ACCOUNT,
        instrument_id=instrument_id_of(asset_id),
        venue_order_id=VenueOrderId(order_id),
        client_order_id=None,
        trade_id=TradeId(trade_id),
        order_side=ORDER_SIDE[side.upper()],
        last_qty=Quantity(qty, instrument.size_precision) if instrument else Quantity(qty),
        last_px=Price(px, instrument.price_precision) if instrument else Price(px),
        commission=commission,
        liquidity_side=liquidity,
        ts_event=parse_time(when),
        ts_init=ts_init,
        settlement=SETTLEMENT[status],
        settlement_detail=status,
    )


def parse_fill_reports(
    record: Mapping[str, Any],
    owns: Any,
    instruments: Mapping[str, Instrument | None],
    ts_init: int,
) -> list[FillReport]:
    """Our fills in one trade (``GET /data/trades`` rows and user ``trade`` events).

    A trade has one taker order and the maker orders it matched. ``owns(order_id, owner)``
    says which are ours: the taker side gives one fill (the trade's size and price), each of
    our maker orders one fill (its ``matched_amount`` at its price). Every fill keeps the
    venue's trade id (a trade matching two of our orders gives two fills with one trade id,
    told apart by their order ids). ``settlement`` follows the trade ``status``.
    """
    fills: list[FillReport] = []
    trade_id = str(record["id"])
    taker_id = str(record.get("taker_order_id") or "")
    if taker_id and owns(taker_id, record.get("owner")):
        asset = str(record["asset_id"])
        fills.append(
            _fill(
                trade=record,
                trade_id=trade_id,
                order_id=taker_id,
                asset_id=asset,
                side=str(record["side"]),
                size=record["size"],
                price=record["price"],
                liquidity=LiquiditySide.TAKER,
                instrument=instruments.get(asset),
                ts_init=ts_init,
            )
        )
    taker_side = str(record.get("side") or "BUY").upper()
    for maker in record.get("maker_orders") or []:
        order_id = str(maker["order_id"])
        if not owns(order_id, maker.get("owner")):
            continue
        asset = str(maker.get("asset_id") or record["asset_id"])
        # A maker order missing its side is on the other side of the taker (same token).
        side = str(maker.get("side") or ("SELL" if taker_side == "BUY" else "BUY"))
        fills.append(
            _fill(
                trade=record,
                trade_id=trade_id,
                order_id=order_id,
                asset_id=asset,
                side=side,
                size=maker["matched_amount"],
                price=maker["price"],
                liquidity=LiquiditySide.MAKER,
                instrument=instruments.get(asset),
                ts_init=ts_init,
            )
        )
    return fills


def parse_position_status_report(
    record: Mapping[str, Any], instrument: Instrument | None, ts_init: int
) -> PositionStatusReport:
    """A Data API position (``asset``, ``size`` in shares, ``avgPrice``): outcome tokens are
    held, never short, so a position is LONG or FLAT."""
    size = _decimal(record["size"])
    side = PositionSide.LONG if size > 0 else PositionSide.FLAT
    avg = opt(record.get("avgPrice"))
    pnl = opt(record.get("cashPnl"))
    return PositionStatusReport(
        account_id=ACCOUNT,
        instrument_id=instrument_id_of(str(record["asset"])),
        position_side=side,
        quantity=Quantity(size if size > 0 else Decimal(0), 2),
        avg_px_open=_decimal(avg) if avg is not None and side is PositionSide.LONG else None,
        unrealized_pnl=Money(_decimal(pnl), COLLATERAL) if pnl is not None else None,
        ts_last=ts_init,
        ts_init=ts_init,
    )


def collateral_balance(record: Mapping[str, Any]) -> Decimal:
    """The collateral of ``GET /balance-allowance`` in pUSD (the venue answers base units)."""
    return _decimal(record["balance"]) / _UNITS


def parse_account_state(
    collateral: Decimal, locked: Decimal, tokens: Sequence[tuple[str, Decimal]], ts_init: int
) -> AccountState:
    """The account: pUSD (``locked`` by open BUY orders) and every outcome token held.

    The venue reports the collateral balance; what open orders hold back is computed from
    them (the venue does not report it), so the free amount is never negative.
    """
    locked = min(max(locked, Decimal(0)), collateral)
    balances = [
        AccountBalance(
            total=Money(collateral, COLLATERAL),
            locked=Money(locked, COLLATERAL),
            free=Money(collateral - locked, COLLATERAL),
        )
    ]
    for token, amount in tokens:
        balances.append(
            AccountBalance(
                total=Money(amount, token), locked=Money(0, token), free=Money(amount, token)
            )
        )
    return AccountState(
        account_id=ACCOUNT,
        account_type=AccountType.CASH,
        balances=tuple(balances),
        reported=True,
        ts_event=ts_init,
        ts_init=ts_init,
    )


def settlement_of(status: str) -> SettlementStatus:
    """The settlement state of a trade ``status``."""
    return SETTLEMENT[status.upper()]


def side_of(value: str) -> OrderSide:
    """An order side from the venue's ``BUY``/``SELL``."""
    return ORDER_SIDE[value.upper()]


def token_units(amount: Decimal) -> int:
    """An amount in the venue's integer base units (6 decimals)."""
    return int(amount * _UNITS)


def instrument_lookup(instruments: Iterable[Instrument]) -> dict[str, Instrument]:
    """Instruments by token id."""
    return {i.id.symbol.value: i for i in instruments}


def id_of(token_id: str) -> InstrumentId:
    """The instrument id of a token id."""
    return instrument_id_of(token_id)
