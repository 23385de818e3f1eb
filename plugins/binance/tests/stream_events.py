"""Reading a session's events in the Binance stream tests (imported like binance_payloads)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio

#: Seconds a test waits for one expected event (generous: loaded 2-core CI machines).
DEADLINE = 10.0


async def collect_until(
    venue: Any, predicate: Callable[[Any], bool], what: str, seen: list[Any]
) -> Any:
    """Read events into ``seen`` (the match included) until one matches; fail naming ``what``
    after :data:`DEADLINE` seconds."""
    try:
        with anyio.fail_after(DEADLINE):
            while True:
                event = await venue.next_event()
                seen.append(event)
                if predicate(event):
                    return event
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None
