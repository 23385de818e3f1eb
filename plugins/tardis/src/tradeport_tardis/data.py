"""The Tardis data client: a session's ``venue.data`` for a provider of the past.

Tardis serves history (``open_replay``); it has no live feed of its own to subscribe to here
(the venues' own plugins stream live data). So every live operation raises
``UnsupportedOperation`` naming the venue and the operation, and says where to go instead, as
``Capabilities.data`` (empty) declares.
"""

from __future__ import annotations

from typing import Any, NoReturn

from tradeport.clients.base import DataClient

from tradeport_tardis.capabilities import CAPABILITIES
from tradeport_tardis.constants import VENUE_ID

__all__ = ["TardisDataClient"]


class TardisDataClient(DataClient):
    """Declares no live data (see the module docstring)."""

    def __init__(self, config: Any, **kwargs: Any) -> None:
        super().__init__(VENUE_ID, config, capabilities=CAPABILITIES, **kwargs)

    def _unsupported(self, operation: str, detail: str = "") -> NoReturn:
        super()._unsupported(
            operation,
            detail
            or "Tardis replays the past: use tradeport.open_replay('tardis', ...), or "
            "the venue's own plugin for live data",
        )
