"""Instrument ids for IB contracts, both ways, and contract details -> core instruments.

Two schemes (``InteractiveBrokersConfig.symbology``):

* **simplified** (default), after the scheme of the seed guide (NautilusTrader's
  ``IB_SIMPLIFIED``): the id's venue is the listing exchange, the symbol what a trader writes:

  ============  ==========================  ==========================================
  secType       id                          contract asked for
  ============  ==========================  ==========================================
  STK           ``AAPL.NASDAQ``             symbol AAPL, SMART routed, primary NASDAQ
  FUT           ``ESZ6.CME``                localSymbol ESZ6 on CME
  CONTFUT       ``ES=CONT.CME``             continuous future ES on CME (data only)
  OPT / FOP     ``AAPL261218C00200000.SMART``  localSymbol (OCC, spaces removed)
  CASH          ``EUR.USD.IDEALPRO``        symbol EUR, currency USD on IDEALPRO
  CRYPTO        ``BTC/USD.PAXOS``           symbol BTC, currency USD on PAXOS
  IND           ``^SPX.CBOE``               index SPX on CBOE
  CFD           ``IBUS30=CFD.SMART``        CFD IBUS30 (``=CFD`` tells it from the share)
  BOND          ``US912810TM09=BOND.SMART`` the bond's ISIN
  ============  ==========================  ==========================================

* **raw**: ``<localSymbol>=<secType>.<exchange>`` for every type (``AAPL=STK.NASDAQ``), which
  never guesses the type.

:func:`contract_for` turns an id (or a bare symbol) back into the contract to look up;
:func:`instrument_from_details` turns an answer into the core model (min tick, price magnifier,
multiplier, trading hours and time zone kept in ``info``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final
from zoneinfo import ZoneInfo

from tradeport.errors import ValidationError
from tradeport.model.enums import OptionKind
from tradeport.model.identifiers import InstrumentId, Symbol
from tradeport.model.instruments import (
    Bond,
    Cfd,
    DatedFuture,
    Equity,
    FutureOption,
    FxPair,
    IndexInstrument,
    Instrument,
    OptionContract,
    SpotPair,
)
from tradeport.model.numbers import Money, Price, Quantity

from tradeport_interactive_brokers.contract import Contract, ContractDetails

__all__ = [
    "SCHEMES",
    "FUTURE_EXCHANGES",
    "FX_EXCHANGES",
    "CRYPTO_EXCHANGES",
    "instrument_id_for",
    "contract_for",
    "instrument_from_details",
    "UnmappableContract",
]

SCHEMES: Final = ("simplified", "raw")
#: Exchanges where a ``<root><month><year>`` symbol means a futures local symbol.
FUTURE_EXCHANGES: Final = frozenset(
    {
        "CME",
        "CBOT",
        "NYMEX",
        "COMEX",
        "GLOBEX",
        "ECBOT",
        "EUREX",
        "ICEEU",
        "ICEUS",
        "CFE",
        "SGX",
        "OSE.JPN",
        "HKFE",
        "MEFFRV",
        "IDEM",
        "MONEP",
        "LMEOTC",
    }
)
FX_EXCHANGES: Final = frozenset({"IDEALPRO", "IDEAL"})
CRYPTO_EXCHANGES: Final = frozenset({"PAXOS", "ZEROHASH"})

_FUTURE_LOCAL = re.compile(r"^[A-Z0-9]{1,5}[FGHJKMNQUVXZ]\d{1,2}$")
_OCC = re.compile(r"^([A-Z0-9.]{1,6})(\d{6})([CP])(\d{8})$")
_NS = 1_000_000_000


class UnmappableContract(ValueError):
    """A contract the core model has no family for (or that lacks what its family needs)."""


# -- ids from contracts ---------------------------------------------------------------------------


def _listing(contract: Contract) -> str:
    """The exchange part of the id: the primary exchange for SMART-routed shares."""
    if contract.exchange in ("SMART", "") and contract.primary_exchange:
        return contract.primary_exchange
    return contract.exchange or contract.primary_exchange


def instrument_id_for(contract: Contract, scheme: str = "simplified") -> InstrumentId:
    """The id of a resolved contract in ``scheme``."""
    venue = _listing(contract).replace(".", "_")
    local = contract.local_symbol.replace(" ", "") or contract.symbol
    sec = contract.sec_type
    if scheme == "raw":
        return InstrumentId.from_str(f"{local}={sec}.{venue}")
    if scheme != "simplified":
        raise ValidationError("symbology", scheme, f"must be one of {', '.join(SCHEMES)}")
    if sec == "STK":
        symbol = contract.symbol
    elif sec == "CASH":
        symbol = f"{contract.symbol}.{contract.currency}"
    elif sec == "CRYPTO":
        symbol = f"{contract.symbol}/{contract.currency}"
    elif sec == "IND":
        symbol = f"^{contract.symbol}"
    elif sec == "CONTFUT":
        symbol = f"{contract.symbol}=CONT"
    elif sec in ("FUT", "OPT", "FOP"):
        symbol = local
    else:
        symbol = f"{contract.sec_id or local}={sec}"
    return InstrumentId.from_str(f"{symbol}.{venue}")


# -- contracts from ids ---------------------------------------------------------------------------


def contract_for(query: InstrumentId | str, scheme: str = "simplified") -> Contract:
    """The contract to look up for an id (``AAPL.NASDAQ``) or a bare symbol (``AAPL``, taken
    as a SMART-routed share unless it reads as a future or an option)."""
    if isinstance(query, InstrumentId):
        symbol, venue = query.symbol.value, query.venue.value.replace("_", ".")
    else:
        symbol, venue = query, ""
    if "=" in symbol:
        local, _, sec = symbol.rpartition("=")
        if sec == "CONT":
            return Contract(symbol=local, sec_type="CONTFUT", exchange=venue)
        if sec == "BOND":
            return Contract(sec_type="BOND", sec_id_type="ISIN", sec_id=local, exchange=venue)
        if scheme == "raw" or sec in ("STK", "CFD", "OPT", "FOP", "FUT", "CASH", "IND", "CRYPTO"):
            if sec == "STK":
                return Contract(
                    symbol=local, sec_type="STK", exchange="SMART", primary_exchange=venue
                )
            return Contract(local_symbol=local, sec_type=sec, exchange=venue)
    if symbol.startswith("^"):
        return Contract(symbol=symbol[1:], sec_type="IND", exchange=venue)
    if venue in FX_EXCHANGES or (not venue and re.fullmatch(r"[A-Z]{3}\.[A-Z]{3}", symbol)):
        base, _, quote = symbol.partition(".")
        return Contract(symbol=base, currency=quote, sec_type="CASH", exchange=venue or "IDEALPRO")
    if "/" in symbol:
        base, _, quote = symbol.partition("/")
        return Contract(symbol=base, currency=quote, sec_type="CRYPTO", exchange=venue or "PAXOS")
    if _OCC.match(symbol):
        return Contract(local_symbol=_occ_local(symbol), sec_type="OPT", exchange=venue or "SMART")
    if _FUTURE_LOCAL.match(symbol) and (venue in FUTURE_EXCHANGES or not venue):
        return Contract(local_symbol=symbol, sec_type="FUT", exchange=venue)
    if venue in FUTURE_EXCHANGES:
        # An option on a future (FOP local symbols are free-form, e.g. "ESZ6 P5000").
        return Contract(local_symbol=symbol, sec_type="FOP", exchange=venue)
    return Contract(symbol=symbol, sec_type="STK", exchange="SMART", primary_exchange=venue)


def _occ_local(compact: str) -> str:
    """``AAPL261218C00200000`` -> ``AAPL  261218C00200000`` (OCC pads the root to 6)."""
    match = _OCC.match(compact)
    assert match is not None
    root, rest = match.group(1), compact[len(match.group(1)) :]
    return f"{root:<6}{rest}"


# -- instruments from details ---------------------------------------------------------------------


def _precision(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _price(value: Decimal) -> Price:
    return Price(value, _precision(value))


def _qty(value: Decimal) -> Quantity:
    return Quantity(value, _precision(value))


def _expiry_ns(details: ContractDetails) -> int:
    """The last trade date (``YYYYMMDD``, a month ``YYYYMM`` is its first day) at the last
    trade time in the contract's time zone, as UNIX ns (UTC midnight without them)."""
    contract = details.contract
    text = details.real_expiration_date or contract.last_trade_date
    if len(text) == 6:
        text += "01"
    if len(text) != 8 or not text.isdigit():
        raise UnmappableContract(f"{contract.describe()}: no expiry date ({text!r})")
    day = datetime.strptime(text, "%Y%m%d")
    clock = details.last_trade_time.replace(":", "")
    if len(clock) >= 4 and clock[:4].isdigit():
        day = day.replace(hour=int(clock[:2]), minute=int(clock[2:4]))
    zone = _zone(details.time_zone_id)
    return int(day.replace(tzinfo=zone).timestamp()) * _NS


def _date_ns(yyyymmdd: str) -> int:
    """A ``YYYYMMDD`` date at UTC midnight, as UNIX ns."""
    return int(datetime.strptime(yyyymmdd, "%Y%m%d").replace(tzinfo=UTC).timestamp()) * _NS


def _zone(name: str) -> Any:
    try:
        return ZoneInfo(name) if name else UTC
    except (KeyError, ValueError):
        return UTC


def _info(details: ContractDetails) -> dict[str, Any]:
    contract = details.contract
    return {
        "con_id": contract.con_id,
        "sec_type": contract.sec_type,
        "exchange": contract.exchange,
        "primary_exchange": contract.primary_exchange,
        "local_symbol": contract.local_symbol,
        "trading_class": contract.trading_class,
        "min_tick": str(details.min_tick),
        "price_magnifier": details.price_magnifier,
        "multiplier": contract.multiplier,
        "trading_hours": details.trading_hours,
        "liquid_hours": details.liquid_hours,
        "time_zone_id": details.time_zone_id,
        "order_types": list(details.order_types),
        "valid_exchanges": list(details.valid_exchanges),
        "long_name": details.long_name,
        "under_con_id": details.under_con_id,
        "market_rule_ids": details.market_rule_ids,
    }


def instrument_from_details(
    details: ContractDetails, *, scheme: str = "simplified", ts_init: int
) -> Instrument:
    """The core instrument for one contract's details.

    Raises :class:`UnmappableContract` for a security type the model has no family for
    (BAG, WAR) or a record without what its family needs.
    """
    contract = details.contract
    sec = contract.sec_type
    if not contract.con_id:
        raise UnmappableContract(f"{contract.describe()}: no conId")
    increment = _price(details.min_tick)
    size_step = details.size_increment or Decimal(1)
    size = _qty(size_step)
    multiplier = _qty(Decimal(contract.multiplier)) if contract.multiplier else Quantity(1, 0)
    common: dict[str, Any] = {
        "id": instrument_id_for(contract, scheme),
        "raw_symbol": Symbol(contract.local_symbol or contract.symbol),
        "quote_currency": contract.currency,
        "price_precision": increment.precision,
        "size_precision": size.precision,
        "price_increment": increment,
        "size_increment": size,
        "min_quantity": _qty(details.min_size) if details.min_size else None,
        "ts_event": ts_init,
        "ts_init": ts_init,
        "info": _info(details),
    }
    try:
        if sec == "STK":
            isin = dict(details.sec_ids).get("ISIN")
            return Equity(**common, isin=isin, primary_exchange=contract.primary_exchange or None)
        if sec in ("FUT", "CONTFUT"):
            expiry = _expiry_ns(details)
            return DatedFuture(
                **common,
                multiplier=multiplier,
                underlying=details.under_symbol or contract.symbol,
                settle_currency=contract.currency,
                activation_ns=0,
                expiry_ns=expiry,
            )
        if sec in ("OPT", "FOP"):
            if contract.strike is None or contract.right not in ("C", "P", "CALL", "PUT"):
                raise UnmappableContract(f"{contract.describe()}: option without strike/right")
            kind = OptionKind.CALL if contract.right.startswith("C") else OptionKind.PUT
            option: dict[str, Any] = {
                **common,
                "multiplier": multiplier,
                "underlying": details.under_symbol or contract.symbol,
                "option_kind": kind,
                "strike_price": _price(contract.strike),
                "activation_ns": 0,
                "expiry_ns": _expiry_ns(details),
                "settle_currency": contract.currency,
            }
            if sec == "FOP":
                under = InstrumentId.from_str(f"{contract.symbol}.{_listing(contract)}")
                return FutureOption(**option, underlying_id=under)
            return OptionContract(**option)
        if sec == "CASH":
            return FxPair(**common, base_currency=contract.symbol)
        if sec == "CRYPTO":
            return SpotPair(**common, base_currency=contract.symbol)
        if sec == "IND":
            return IndexInstrument(**common)
        if sec == "CFD":
            return Cfd(**common, underlying=details.under_symbol or contract.symbol)
        if sec == "BOND":
            # IB quotes bonds in percent of par: prices are per 100 of face value.
            isin = dict(details.sec_ids).get("ISIN")
            issue = details.issue_date
            return Bond(
                **common,
                maturity_ns=_expiry_ns(details),
                face_value=Money(Decimal(100), contract.currency),
                issuer=details.long_name or None,
                isin=isin,
                cusip=details.cusip or None,
                coupon_rate=details.coupon / 100 if details.coupon is not None else None,
                issue_ns=_date_ns(issue) if len(issue) == 8 and issue.isdigit() else None,
            )
    except ValidationError as exc:
        raise UnmappableContract(f"{contract.describe()}: {exc}") from exc
    raise UnmappableContract(f"{contract.describe()}: security type {sec!r} has no family")
