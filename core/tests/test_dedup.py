from __future__ import annotations

import pytest
from tradeport.clients.dedup import SeenIds


def test_first_time_only_once_and_bounded() -> None:
    seen = SeenIds(capacity=3)
    assert [seen.first_time(k) for k in ("a", "b", "a", "c")] == [True, True, False, True]
    seen.first_time("d")  # evicts "b" (a was refreshed by its repeat)
    assert "b" not in seen and "a" in seen and len(seen) == 3
    assert seen.first_time("b") is True


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError, match="capacity: 0"):
        SeenIds(0)
