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
from tradeport.errors import UnsupportedOperation

__all__ = [
    "Capabilities",
    "DataClient",
    "DataType",
    "EventSink",
    "ExecutionClient",
    "HistoryType",
    "InstrumentProvider",
    "OrderChange",
    "Reconnected",
    "UnsupportedOperation",
    "VenueClient",
    "order_matrix",
]
