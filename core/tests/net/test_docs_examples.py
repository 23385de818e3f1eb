"""The complete programs in docs/network.md run as written (so the page cannot drift)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[3] / "docs" / "network.md"


def runnable_examples() -> list[str]:
    """Python blocks of the page that are whole programs (they end by calling anyio.run)."""
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
    return [block for block in blocks if "anyio.run(main" in block]


#: One runnable example per framing of the stream session (plus the HTTP and WebSocket ones).
FRAMING_EXAMPLES = (
    "framing=NEWLINE",
    "framing=CRLF",
    "LengthPrefixedFraming(",
    "FixFraming(",
    "DecoderFraming(",
)


def test_the_page_has_examples() -> None:
    examples = runnable_examples()
    assert len(examples) == 8
    for marker in FRAMING_EXAMPLES:
        assert any(marker in example and "StreamSession(" in example for example in examples), (
            marker
        )


@pytest.mark.parametrize("index", range(8))
def test_example_runs(index: int) -> None:
    source = runnable_examples()[index]
    exec(compile(source, f"{DOC}:example{index}", "exec"), {"__name__": "__doc_example__"})


def test_routed_frame_example_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
    (source,) = [block for block in blocks if "route_by=" in block]
    exec(compile(source, f"{DOC}:route_by", "exec"), {"__name__": "__doc_example__"})
