"""Collected by ``pytest --venue NAME --pyargs tradeport_conformance.suite``."""

from tradeport_conformance.suite import *  # noqa: F403
