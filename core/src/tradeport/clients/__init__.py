"""Client base classes and declared capabilities."""

from tradeport.clients.base import (
    DataClient,
    EventSink,
    ExecutionClient,
    InstrumentProvider,
    OrderChange,
    Reconnected,
    VenueClient,
)
from tradeport.clients.capabilities import Capabilities, DataType, HistoryType, order_matrix
from tradeport.clients.resolution import InstrumentQuery
from tradeport.errors import UnsupportedOperation

__all__ = [
    "Capabilities",
    "DataClient",
    "DataType",
    "EventSink",
    "ExecutionClient",
    "HistoryType",
    "InstrumentProvider",
    "InstrumentQuery",
    "OrderChange",
    "Reconnected",
    "UnsupportedOperation",
    "VenueClient",
    "order_matrix",
]
