"""The FIX drop-copy session against the mock gateway over TLS on loopback: the signed Logon
is accepted (and a wrong one refused), ExecutionReports become order events and fills, and a
sequence gap is filled by a ResendRequest with no report lost or applied twice."""

from __future__ import annotations

import base64
from decimal import Decimal

import anyio
import pytest
from tradeport.clients.orders import OrderTracker
from tradeport.errors import AuthenticationError
from tradeport.model.enums import OrderSide, OrderStatus, OrderType, TimeInForce
from tradeport.model.events import OrderAccepted, OrderFilled
from tradeport.model.identifiers import ClientOrderId, InstrumentId, TradeId
from tradeport.net import FixMessage
from tradeport.secrets import Secret

from tradeport_coinbase_intx.config import CoinbaseIntxConfig
from tradeport_coinbase_intx.credential import CoinbaseIntxCredential
from tradeport_coinbase_intx.fix.messages import (
    EXEC_TYPE_TRADE,
    apply_execution_report,
    execution_report_fields,
)
from tradeport_coinbase_intx.fix.session import make_drop_copy_session
from tradeport_coinbase_intx.http.parse import ACCOUNT
from tradeport_coinbase_intx.testing.fix_venue import DropCopyGateway

pytestmark = pytest.mark.anyio

KEY = "intx-test-key"
SECRET = base64.b64encode(b"intx-test-secret-bytes").decode()
PASSPHRASE = "intx-pass"
CLIENT_ID = "5f0a1f7e-1b1b-4c1e-9a57-8d6a3c0b7a11"


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return request.param


def _report(exec_id: str, exec_type: str, status: OrderStatus, filled: str, **fill: object):
    return execution_report_fields(
        exec_id=exec_id,
        exec_type=exec_type,
        order_id="1y5pwkm4-1-0",
        client_order_id=CLIENT_ID,
        symbol="BTC-PERP",
        side=OrderSide.BUY,
        order_type=OrderType.LIMIT,
        time_in_force=TimeInForce.GTC,
        status=status,
        quantity=Decimal("0.3"),
        filled=Decimal(filled),
        price=Decimal("50000"),
        trigger_price=None,
        avg_price=Decimal("50000") if Decimal(filled) else None,
        ts_ns=1_700_000_000_000_000_000,
        **fill,  # type: ignore[arg-type]
    )


def _trade(exec_id: str, status: OrderStatus, filled: str):
    return _report(
        exec_id,
        EXEC_TYPE_TRADE,
        status,
        filled,
        last_qty=Decimal("0.1"),
        last_px=Decimal("50000"),
        commission=Decimal("0.5"),
        commission_asset="USDC",
        taker=False,
    )


def _config(gateway: DropCopyGateway) -> CoinbaseIntxConfig:
    return CoinbaseIntxConfig(
        fix_address=gateway.address,
        fix_ca=gateway.ca_pem,
        reconnect_delay_initial=0.05,
        reconnect_delay_max=0.2,
        ws_reply_timeout=5,
    )


def _credential(secret: str = SECRET) -> CoinbaseIntxCredential:
    return CoinbaseIntxCredential(Secret(KEY), Secret(secret), Secret(PASSPHRASE))


class Collector:
    def __init__(self) -> None:
        self.tracker = OrderTracker(ACCOUNT, adopt_external=True)
        self.events: list[object] = []
        self.changed = anyio.Event()

    async def handler(self, message: FixMessage) -> None:
        if message.msg_type == "8":
            self.events += apply_execution_report(self.tracker, message, None, 0)
            self.changed.set()
            self.changed = anyio.Event()

    async def wait_for(self, condition) -> None:  # type: ignore[no-untyped-def]
        with anyio.fail_after(10):
            while not condition():
                await self.changed.wait()


async def test_gap_is_filled_by_a_resend_request_nothing_lost_or_doubled() -> None:
    gateway = DropCopyGateway({KEY: (SECRET, PASSPHRASE)})
    collector = Collector()
    async with gateway:
        session, protocol = make_drop_copy_session(
            _config(gateway), _credential(), collector.handler
        )
        async with session:
            acceptor = gateway.acceptor
            await acceptor.wait_until(lambda: acceptor.logons == 1)
            await acceptor.publish("8", _report("e1", "0", OrderStatus.ACCEPTED, "0"))
            await acceptor.publish("8", _trade("e2", OrderStatus.PARTIALLY_FILLED, "0.1"))
            acceptor.skip_next()
            await acceptor.publish("8", _trade("e3", OrderStatus.PARTIALLY_FILLED, "0.2"))
            await acceptor.publish("8", _trade("e4", OrderStatus.FILLED, "0.3"))
            await collector.wait_for(
                lambda: sum(isinstance(e, OrderFilled) for e in collector.events) == 3
            )
            # The resent e2..e4 and a second copy of e2 change nothing.
            await acceptor.publish("8", _trade("e2", OrderStatus.PARTIALLY_FILLED, "0.1"))
            await acceptor.publish("8", _report("e5", "0", OrderStatus.ACCEPTED, "0"))
            await acceptor.wait_until(lambda: len(acceptor.sessions[0].sent) >= 7)
    fills = [e for e in collector.events if isinstance(e, OrderFilled)]
    assert [f.trade_id for f in fills] == [TradeId("e2"), TradeId("e3"), TradeId("e4")]
    assert [f.last_qty.as_decimal() for f in fills] == [Decimal("0.1")] * 3
    assert sum(isinstance(e, OrderAccepted) for e in collector.events) == 1
    assert acceptor.resend_requests == [(4, 0)]  # 1 Logon, 2 e1, 3 e2, 4 the skipped e3
    assert protocol.gaps == 1
    assert fills[0].client_order_id == ClientOrderId(CLIENT_ID)
    assert fills[0].instrument_id == InstrumentId.from_str("BTC-PERP.COINBASE_INTX")


async def test_wrong_secret_is_refused_and_fatal() -> None:
    gateway = DropCopyGateway({KEY: (SECRET, PASSPHRASE)})
    collector = Collector()
    wrong = base64.b64encode(b"another-secret").decode()
    async with gateway:
        session, _ = make_drop_copy_session(_config(gateway), _credential(wrong), collector.handler)
        with anyio.fail_after(10), pytest.raises(AuthenticationError):
            await _run(session)
    assert gateway.acceptor.refused_logons == ["Invalid signature"]


async def _run(session) -> None:  # type: ignore[no-untyped-def]
    async with session:
        pass


async def test_reconnect_logs_on_again_at_sequence_one() -> None:
    gateway = DropCopyGateway({KEY: (SECRET, PASSPHRASE)})
    collector = Collector()
    async with gateway:
        session, _ = make_drop_copy_session(_config(gateway), _credential(), collector.handler)
        async with session:
            acceptor = gateway.acceptor
            await acceptor.wait_until(lambda: acceptor.logons == 1)
            await gateway.server.drop_all("rst")
            await acceptor.wait_until(lambda: acceptor.logons == 2)
            await acceptor.publish("8", _report("n1", "0", OrderStatus.ACCEPTED, "0"))
            await collector.wait_for(lambda: len(collector.events) == 1)
    assert isinstance(collector.events[0], OrderAccepted)
    assert gateway.acceptor.refused_logons == []
