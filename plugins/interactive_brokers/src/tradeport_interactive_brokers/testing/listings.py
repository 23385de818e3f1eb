"""The mock gateway's default contracts: one per family the plugin declares, plus a share
listed on two exchanges (an ambiguous symbol).

Contract fields follow the TWS API documentation's contract examples (AAPL on SMART with
primary exchange NASDAQ, conId 265598; EUR.USD on IDEALPRO, conId 12087792; ES futures on CME
with multiplier 50; AAPL options with multiplier 100; an index on CBOE). Trading hours use the
documented ``YYYYMMDD:HHMM-YYYYMMDD:HHMM;...`` form with the contract's time zone.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from tradeport.model.enums import ProductType
from tradeport_conformance.simulated import SimulatedExchange
from tradeport_conformance.simulated.records import SimInstrument

from tradeport_interactive_brokers.contract import Contract
from tradeport_interactive_brokers.testing.mock_gateway import Listing, listing_for

__all__ = [
    "default_listings",
    "AAPL",
    "ES",
    "AAPL_CALL",
    "ES_CALL",
    "EURUSD",
    "SAP_IBIS",
    "SAP_NYSE",
    "SPX",
    "IBUS30",
    "BTCUSD",
    "US_TREASURY",
]

_HOURS: Final = "20261208:0930-20261208:1600;20261209:0930-20261209:1600;20261212:CLOSED"

AAPL: Final = Contract(
    con_id=265598,
    symbol="AAPL",
    sec_type="STK",
    exchange="SMART",
    primary_exchange="NASDAQ",
    currency="USD",
    local_symbol="AAPL",
    trading_class="NMS",
)
ES: Final = Contract(
    con_id=495512563,
    symbol="ES",
    sec_type="FUT",
    last_trade_date="20261218",
    multiplier="50",
    exchange="CME",
    currency="USD",
    local_symbol="ESZ6",
    trading_class="ES",
)
AAPL_CALL: Final = Contract(
    con_id=712345678,
    symbol="AAPL",
    sec_type="OPT",
    last_trade_date="20261218",
    strike=Decimal("200"),
    right="C",
    multiplier="100",
    exchange="SMART",
    currency="USD",
    local_symbol="AAPL  261218C00200000",
    trading_class="AAPL",
)
EURUSD: Final = Contract(
    con_id=12087792,
    symbol="EUR",
    sec_type="CASH",
    exchange="IDEALPRO",
    currency="USD",
    local_symbol="EUR.USD",
    trading_class="EUR.USD",
)
SAP_IBIS: Final = Contract(
    con_id=14204,
    symbol="SAP",
    sec_type="STK",
    exchange="SMART",
    primary_exchange="IBIS",
    currency="EUR",
    local_symbol="SAP",
    trading_class="XETRA",
)
SAP_NYSE: Final = Contract(
    con_id=8916,
    symbol="SAP",
    sec_type="STK",
    exchange="SMART",
    primary_exchange="NYSE",
    currency="USD",
    local_symbol="SAP",
    trading_class="SAP",
)
SPX: Final = Contract(
    con_id=416904,
    symbol="SPX",
    sec_type="IND",
    exchange="CBOE",
    currency="USD",
    local_symbol="SPX",
)


IBUS30: Final = Contract(
    con_id=183541556,
    symbol="IBUS30",
    sec_type="CFD",
    exchange="SMART",
    currency="USD",
    local_symbol="IBUS30",
    trading_class="IBUS30",
)
ES_CALL: Final = Contract(
    con_id=687283115,
    symbol="ES",
    sec_type="FOP",
    last_trade_date="20261218",
    strike=Decimal("5000"),
    right="C",
    multiplier="50",
    exchange="CME",
    currency="USD",
    local_symbol="ES DEC26 5000 C",
    trading_class="ES",
)
BTCUSD: Final = Contract(
    con_id=479624278,
    symbol="BTC",
    sec_type="CRYPTO",
    exchange="PAXOS",
    currency="USD",
    local_symbol="BTC.USD",
    trading_class="BTC",
)
#: A US Treasury note by the CUSIP IB's "Basic Contracts" page looks bonds up with
#: (912828C57, SMART, USD); coupon, dates and ratings are illustrative values.
US_TREASURY: Final = Contract(
    con_id=147554578,
    symbol="912828C57",
    sec_type="BOND",
    last_trade_date="20210331",
    exchange="SMART",
    currency="USD",
    trading_class="UST",
    sec_id_type="ISIN",
    sec_id="US912828C574",
)


def _sim(
    symbol: str, product: ProductType, base: str, quote: str, tick: str, lot: str, **kw: object
) -> SimInstrument:
    return SimInstrument(
        symbol=symbol,
        product_type=product,
        base_asset=base,
        quote_asset=quote,
        tick_size=Decimal(tick),
        lot_size=Decimal(lot),
        **kw,  # type: ignore[arg-type]
    )


def default_listings(exchange: SimulatedExchange) -> list[Listing]:
    """Seed ``exchange`` with the default instruments; returns their listings."""
    us_equity = {
        "time_zone_id": "US/Eastern",
        "trading_hours": _HOURS,
        "liquid_hours": _HOURS,
        "order_types": ("LMT", "MKT", "STP", "STP LMT", "MIT", "LIT", "TRAIL", "MOC", "LOC"),
        "valid_exchanges": ("SMART", "NASDAQ", "ARCA", "BATS", "ISLAND"),
    }
    specs = [
        (
            _sim(
                "AAPL",
                ProductType.EQUITY,
                "AAPL",
                "USD",
                "0.01",
                "1",
                taker_fee=Decimal("0.0005"),
                maker_fee=Decimal("0.0002"),
                fee_in_quote=True,  # IB charges commissions in the account currency
            ),
            AAPL,
            {
                **us_equity,
                "long_name": "APPLE INC",
                "sec_ids": (("ISIN", "US0378331005"),),
                "stock_type": "COMMON",
            },
        ),
        (
            _sim("ESZ6", ProductType.FUTURE, "ES", "USD", "0.25", "1", multiplier=Decimal(50)),
            ES,
            {
                "time_zone_id": "US/Central",
                "trading_hours": "20261207:1700-20261208:1600",
                "liquid_hours": "20261208:0830-20261208:1600",
                "long_name": "E-mini S&P 500",
                "contract_month": "202612",
                "under_symbol": "ES",
                "under_sec_type": "IND",
                "real_expiration_date": "20261218",
                "last_trade_time": "08:30",
                "order_types": ("LMT", "MKT", "STP", "STP LMT"),
                "valid_exchanges": ("CME", "QBALGO"),
            },
        ),
        (
            _sim(
                "AAPL  261218C00200000",
                ProductType.OPTION,
                "AAPL",
                "USD",
                "0.01",
                "1",
                multiplier=Decimal(100),
            ),
            AAPL_CALL,
            {
                **us_equity,
                "under_con_id": 265598,
                "under_symbol": "AAPL",
                "under_sec_type": "STK",
                "real_expiration_date": "20261218",
                "last_trade_time": "16:00",
                "valid_exchanges": ("SMART", "CBOE", "AMEX"),
            },
        ),
        (
            _sim(
                "EUR.USD",
                ProductType.FX,
                "EUR",
                "USD",
                "0.00005",
                "1",
                taker_fee=Decimal("0.00002"),
                fee_in_quote=True,
            ),
            EURUSD,
            {
                "time_zone_id": "US/Eastern",
                "trading_hours": "20261207:1715-20261208:1700",
                "long_name": "European Monetary Union Euro",
                "valid_exchanges": ("IDEALPRO",),
                "order_types": ("LMT", "MKT", "STP"),
            },
        ),
    ]
    listings = []
    for sim, contract, details in specs:
        exchange.add_instrument(sim)
        listing = listing_for(sim, contract, price_magnifier=1, **details)  # type: ignore[arg-type]
        listings.append(listing)
    from tradeport_interactive_brokers.contract import ContractDetails

    for contract in (SAP_IBIS, SAP_NYSE):
        listings.append(
            Listing(
                ContractDetails(
                    contract=contract,
                    min_tick=Decimal("0.01"),
                    size_increment=Decimal(1),
                    min_size=Decimal(1),
                    long_name="SAP SE",
                    time_zone_id="MET" if contract is SAP_IBIS else "US/Eastern",
                    valid_exchanges=("SMART", contract.primary_exchange),
                ),
                None,
            )
        )
    more = [
        (
            _sim("SPX", ProductType.INDEX, "SPX", "USD", "0.01", "1"),
            SPX,
            {
                "long_name": "S&P 500 Stock Index",
                "time_zone_id": "US/Central",
                "valid_exchanges": ("CBOE",),
            },
        ),
        (
            _sim("IBUS30", ProductType.CFD, "IBUS30", "USD", "1", "1", fee_in_quote=True),
            IBUS30,
            {
                "long_name": "US 30 CFD",
                "under_symbol": "DJI",
                "under_sec_type": "IND",
                "time_zone_id": "US/Eastern",
                "valid_exchanges": ("SMART",),
            },
        ),
        (
            _sim(
                "ES DEC26 5000 C",
                ProductType.FUTURE_OPTION,
                "ES",
                "USD",
                "0.05",
                "1",
                multiplier=Decimal(50),
            ),
            ES_CALL,
            {
                "long_name": "E-mini S&P 500 option",
                "under_con_id": ES.con_id,
                "under_symbol": "ES",
                "under_sec_type": "FUT",
                "real_expiration_date": "20261218",
                "last_trade_time": "15:00",
                "time_zone_id": "US/Central",
                "valid_exchanges": ("CME",),
            },
        ),
        (
            _sim("BTC.USD", ProductType.SPOT, "BTC", "USD", "0.25", "0.0001", fee_in_quote=True),
            BTCUSD,
            {"long_name": "Bitcoin", "time_zone_id": "US/Central", "valid_exchanges": ("PAXOS",)},
        ),
    ]
    more.append(
        (
            _sim(
                "912828C57",
                ProductType.BOND,
                "912828C57",
                "USD",
                "0.0001",
                "1000",
                min_qty=Decimal(1000),
                fee_in_quote=True,
            ),
            US_TREASURY,
            {
                "long_name": "United States Treasury",
                "market_name": "UST",
                "valid_exchanges": ("SMART",),
                "order_types": ("LMT", "MKT"),
                "sec_ids": (("ISIN", "US912828C574"),),
                "cusip": "912828C57",
                "coupon": Decimal("2.25"),
                "issue_date": "20140331",
                "ratings": "AAA",
                "bond_type": "GOVT",
                "coupon_type": "FIXED",
                "desc_append": "T 2 1/4 03/31/21",
            },
        )
    )
    for sim, contract, details in more:
        exchange.add_instrument(sim)
        listings.append(listing_for(sim, contract, **details))  # type: ignore[arg-type]
    return listings
