"""The conformance suite: every scenario of the catalogue as pytest tests.

Run it against an installed plugin with ``tradeport conformance VENUE`` or
``pytest --venue VENUE --pyargs tradeport_conformance.suite``; or from a plugin's own tests in
one line::

    from tradeport_conformance.suite import *  # noqa: F403
    CONFORMANCE_VENUE = "acme"

Each test carries its scenario id (``@scenario("SB1")``) and the capabilities it needs
(``@requires("data:QUOTES")``); undeclared capabilities skip with the capability named.
"""

from tradeport_conformance.suite.betting import TestBetting
from tradeport_conformance.suite.brokers import TestBrokers
from tradeport_conformance.suite.chain import TestOnChain
from tradeport_conformance.suite.data_providers import TestDataProviders
from tradeport_conformance.suite.errors import TestErrors
from tradeport_conformance.suite.fixtures import (
    anyio_backend,
    conformance_registry,
    conformance_requirements,
    harness,
    harness_factory,
    open_session,
    venue_capabilities,
    venue_name,
    venue_spec,
)
from tradeport_conformance.suite.heartbeat import TestHeartbeat
from tradeport_conformance.suite.history import TestHistory
from tradeport_conformance.suite.instruments import TestInstruments
from tradeport_conformance.suite.login import TestLogin
from tradeport_conformance.suite.orders import TestOrderFlow
from tradeport_conformance.suite.reconciliation import TestReconciliation
from tradeport_conformance.suite.reconnect import TestReconnect
from tradeport_conformance.suite.subscriptions import TestSubscriptions
from tradeport_conformance.suite.venue_kinds import TestBatchOrders

__all__ = [
    "TestBatchOrders",
    "TestBetting",
    "TestBrokers",
    "TestDataProviders",
    "TestErrors",
    "TestHeartbeat",
    "TestHistory",
    "TestInstruments",
    "TestLogin",
    "TestOnChain",
    "TestOrderFlow",
    "TestReconciliation",
    "TestReconnect",
    "TestSubscriptions",
    "anyio_backend",
    "conformance_registry",
    "conformance_requirements",
    "harness",
    "harness_factory",
    "open_session",
    "venue_capabilities",
    "venue_name",
    "venue_spec",
]
