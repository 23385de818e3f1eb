"""The shared tradeport conformance suite against the BitMEX mock venue."""

import pytest
from tradeport_conformance.suite import *  # noqa: F403

CONFORMANCE_VENUE = "bitmex"
# star-imported classes (CORE-CANDIDATE: mark the suite's classes themselves).
