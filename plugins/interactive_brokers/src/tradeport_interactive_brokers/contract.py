"""IB's contract and contract-details records, as the TWS API lays them out.

A :class:`Contract` names a security (``conId`` once resolved, else symbol + secType +
exchange + currency and, for derivatives, expiry / strike / right / multiplier);
:class:`ContractDetails` is what ``reqContractDetails`` answers with (min tick, price magnifier,
trading hours, time zone, ...). Both are plain records: parsing lives in
:mod:`~tradeport_interactive_brokers.parse`, the mapping to the core model in
:mod:`~tradeport_interactive_brokers.symbology`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

__all__ = ["Contract", "ContractDetails", "SEC_TYPES"]

#: Security types of the TWS API.
SEC_TYPES = frozenset(
    {"STK", "OPT", "FUT", "FOP", "CASH", "CFD", "BOND", "CRYPTO", "IND", "CONTFUT", "BAG", "WAR"}
)


@attrs.frozen(kw_only=True)
class Contract:
    """A TWS ``Contract`` (fields in wire order; empty strings mean "not given")."""

    con_id: int = 0
    symbol: str = ""
    sec_type: str = ""
    last_trade_date: str = ""
    strike: Decimal | None = None
    right: str = ""
    multiplier: str = ""
    exchange: str = ""
    primary_exchange: str = ""
    currency: str = ""
    local_symbol: str = ""
    trading_class: str = ""
    include_expired: bool = False
    sec_id_type: str = ""
    sec_id: str = ""
    issuer_id: str = ""

    def fields(self) -> tuple[Any, ...]:
        """The twelve fields every request carries a contract with (conId ... tradingClass)."""
        return (
            self.con_id or 0,
            self.symbol,
            self.sec_type,
            self.last_trade_date,
            self.strike if self.strike is not None else "",
            self.right,
            self.multiplier,
            self.exchange,
            self.primary_exchange,
            self.currency,
            self.local_symbol,
            self.trading_class,
        )

    def describe(self) -> str:
        """A short human description for errors and logs."""
        parts = [self.local_symbol or self.symbol, self.sec_type, self.exchange, self.currency]
        text = " ".join(p for p in parts if p)
        return f"{text} (conId {self.con_id})" if self.con_id else text


@attrs.frozen(kw_only=True)
class ContractDetails:
    """The answer to ``reqContractDetails`` for one contract (the fields the plugin uses)."""

    contract: Contract
    market_name: str = ""
    min_tick: Decimal = Decimal("0.01")
    order_types: tuple[str, ...] = ()
    valid_exchanges: tuple[str, ...] = ()
    price_magnifier: int = 1
    under_con_id: int = 0
    long_name: str = ""
    contract_month: str = ""
    industry: str = ""
    category: str = ""
    subcategory: str = ""
    time_zone_id: str = ""
    trading_hours: str = ""
    liquid_hours: str = ""
    sec_ids: tuple[tuple[str, str], ...] = ()
    agg_group: int = 0
    under_symbol: str = ""
    under_sec_type: str = ""
    market_rule_ids: str = ""
    real_expiration_date: str = ""
    last_trade_time: str = ""
    stock_type: str = ""
    min_size: Decimal | None = None
    size_increment: Decimal | None = None
    suggested_size_increment: Decimal | None = None
    # Bonds only (BOND_CONTRACT_DATA): the CUSIP, the coupon in percent a year, the issue date
    # (``YYYYMMDD``), ratings, bond and coupon types, the call/put/convert flags, a description.
    cusip: str = ""
    coupon: Decimal | None = None
    issue_date: str = ""
    ratings: str = ""
    bond_type: str = ""
    coupon_type: str = ""
    convertible: bool = False
    callable: bool = False
    putable: bool = False
    desc_append: str = ""
    notes: str = ""
