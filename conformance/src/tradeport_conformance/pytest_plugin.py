"""The pytest plugin (``pytest11`` entry point). Inert until ``--venue NAME`` is given.

    pytest --venue binance --pyargs tradeport_conformance.suite

``--scenarios LG1,RC`` runs only the named scenarios (ids and group prefixes); the others are
deselected.

With ``--venue``, the name is checked against the installed plugins (an unknown name is a usage
error listing what is installed) and the suite's fixtures use that venue. A plugin's own test
module can instead name its venue and pull in the whole suite in one line::

    from tradeport_conformance.suite import *  # noqa: F403
    CONFORMANCE_VENUE = "acme"
"""

from __future__ import annotations

from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tradeport-conformance")
    group.addoption(
        "--venue",
        action="store",
        default=None,
        metavar="NAME",
        help="run the tradeport conformance suite against the installed venue plugin NAME",
    )
    group.addoption(
        "--harness",
        action="store",
        default=None,
        metavar="NAME",
        help="which of the plugin's named harnesses to use (default: the first)",
    )
    group.addoption(
        "--scenarios",
        action="store",
        default=None,
        metavar="IDS",
        help="run only these catalogue scenarios: comma-separated ids and group prefixes "
        "(e.g. LG1,RC); the rest are deselected",
    )
    group.addoption(
        "--conformance-backend",
        action="store",
        default="asyncio",
        choices=("asyncio", "trio"),
        help="async backend for the conformance suite (default: asyncio)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "scenario(id): the catalogue scenario a test checks")
    config.addinivalue_line("markers", "requires(*conditions): capabilities the test needs")
    config.addinivalue_line(
        "markers",
        "without_credentials: the test's credential-free sessions stay credential-free even on "
        "venues whose public data needs a login (features.public_data_login)",
    )
    venue = config.getoption("--venue", default=None)
    if venue is None:
        return  # inert
    from tradeport.plugins import load_plugins

    registry = load_plugins()
    if venue not in registry.venues:
        installed = ", ".join(sorted(registry.venues)) or "none"
        raise pytest.UsageError(
            f"--venue {venue!r}: no installed plugin provides it; installed venues: {installed}"
        )
    config.stash[REGISTRY_KEY] = registry


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``--scenarios``: deselect every test whose scenario id is not named."""
    spec = config.getoption("--scenarios", default=None)
    if spec is None:
        return
    from tradeport_conformance.catalogue import select

    try:
        wanted = select(spec)
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    keep, drop = [], []
    for item in items:
        marker = item.get_closest_marker("scenario")
        (keep if marker is not None and marker.args[0] in wanted else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


REGISTRY_KEY: pytest.StashKey[Any] = pytest.StashKey()
