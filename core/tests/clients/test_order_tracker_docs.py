"""The "Order events exactly once" program of docs/plugin-guide.md runs as written."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[3] / "docs" / "plugin-guide.md"


def test_the_order_tracker_example_runs() -> None:
    section = DOC.read_text().split("### Order events exactly once", 1)[1]
    (source,) = re.findall(r"```python\n(.*?)```", section.split("\n## ", 1)[0], re.DOTALL)
    assert "OrderTracker" in source
    namespace: dict[str, object] = {"__name__": "__doc_example__"}
    exec(compile(source, f"{DOC}:order-tracker", "exec"), namespace)
    assert namespace["names"] == ["OrderAccepted", "OrderFilled", "OrderCanceled"]
