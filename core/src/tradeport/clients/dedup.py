"""Exactly-once delivery of venue events that arrive by more than one path.

A fill can reach a client on the private stream *and* in a REST reconciliation after a
reconnect; a trade can be replayed by a venue after a resubscribe. :class:`SeenIds` remembers the
most recent ids (bounded, so memory stays flat on long runs) and answers whether an id is new.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

__all__ = ["SeenIds"]


class SeenIds:
    """A bounded set of recently seen ids, oldest forgotten first."""

    __slots__ = ("_ids", "capacity")

    def __init__(self, capacity: int = 100_000) -> None:
        if capacity < 1:
            raise ValueError(f"capacity: {capacity!r} must be at least 1")
        self.capacity = capacity
        self._ids: OrderedDict[Hashable, None] = OrderedDict()

    def first_time(self, key: Hashable) -> bool:
        """True the first time ``key`` is seen (and remember it); False for a repeat."""
        if key in self._ids:
            self._ids.move_to_end(key)
            return False
        self._ids[key] = None
        if len(self._ids) > self.capacity:
            self._ids.popitem(last=False)
        return True

    def __contains__(self, key: object) -> bool:
        return key in self._ids

    def __len__(self) -> int:
        return len(self._ids)
