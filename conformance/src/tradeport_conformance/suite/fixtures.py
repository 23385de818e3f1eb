"""Fixtures the scenarios use. Star-imported with the suite, so a plugin's one-line test module
gets them without depending on the pytest11 plugin being active."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import pytest

from tradeport_conformance.harness import Credentials, VenueHarness
from tradeport_conformance.markers import is_execution_requirement, lacking, unmet_requirements

__all__ = [
    "anyio_backend",
    "conformance_registry",
    "venue_name",
    "venue_spec",
    "harness_factory",
    "venue_capabilities",
    "conformance_requirements",
    "harness",
    "open_session",
]


@pytest.fixture(scope="session")
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--conformance-backend", default="asyncio"))


@pytest.fixture(scope="session")
def conformance_registry(request: pytest.FixtureRequest) -> Any:
    from tradeport.plugins import load_plugins

    try:
        from tradeport_conformance.pytest_plugin import REGISTRY_KEY

        return request.config.stash[REGISTRY_KEY]
    except (KeyError, ImportError):
        return load_plugins()


@pytest.fixture
def venue_name(request: pytest.FixtureRequest) -> str:
    name = request.config.getoption("--venue", default=None) or getattr(
        request.module, "CONFORMANCE_VENUE", None
    )
    if not name:
        pytest.fail(
            "no venue to test: pass --venue NAME or set CONFORMANCE_VENUE in the test module",
            pytrace=False,
        )
    return str(name)


@pytest.fixture
def venue_spec(conformance_registry: Any, venue_name: str) -> Any:
    try:
        return conformance_registry.venue(venue_name)
    except LookupError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def harness_factory(
    request: pytest.FixtureRequest, conformance_registry: Any, venue_name: str
) -> Callable[[], VenueHarness]:
    factory = conformance_registry.hook.tradeport_conformance_harness(venue=venue_name)
    if factory is None:
        pytest.fail(
            f"plugin for {venue_name!r} provides no conformance harness "
            "(implement the tradeport_conformance_harness hook)",
            pytrace=False,
        )
    if isinstance(factory, Mapping):
        # One harness per account type ({"spot": ..., "usdm": ...}): --harness picks one, or a
        # test module sets CONFORMANCE_HARNESS; default: the first.
        wanted = request.config.getoption("--harness", default=None) or getattr(
            request.module, "CONFORMANCE_HARNESS", None
        )
        if wanted is None:
            wanted = next(iter(factory))
        if wanted not in factory:
            pytest.fail(
                f"{venue_name} has no harness {wanted!r} (it has: {', '.join(map(str, factory))})",
                pytrace=False,
            )
        factory = factory[wanted]
    return factory if callable(factory) else (lambda: factory)


def _declared(factory: Any, name: str) -> Any:
    value = getattr(factory, name, None)
    if value is None and not isinstance(factory, type):  # a factory function: ask an instance
        value = getattr(factory(), name, None)
    return value


@pytest.fixture
def venue_capabilities(venue_spec: Any, harness_factory: Any) -> Any:
    """What the scenarios may rely on: the harness's account-type capabilities, else the venue's."""
    narrowed = _declared(harness_factory, "capabilities")
    if narrowed is None:
        return venue_spec.capabilities
    _check_subset(narrowed, venue_spec.capabilities)
    return narrowed


def _check_subset(narrow: Any, wide: Any) -> None:
    problems = [
        field
        for field in ("products", "data", "book_types", "history", "orders")
        if not set(getattr(narrow, field)) <= set(getattr(wide, field))
    ]
    problems += [
        field
        for field in (
            "post_only",
            "reduce_only",
            "modify_order",
            "cancel_all",
            "batch_cancel",
            "order_lists",
            "positions",
            "private_streams",
        )
        if getattr(narrow, field) and not getattr(wide, field)
    ]
    # A bounded history is narrower than an unbounded one, and a smaller bound than a larger.
    wide_depth = getattr(wide, "history_depth", {})
    narrow_depth = getattr(narrow, "history_depth", {})
    if any(narrow_depth.get(kind, depth + 1) > depth for kind, depth in wide_depth.items()):
        problems.append("history_depth")
    if problems:
        pytest.fail(
            f"the harness claims capabilities the venue does not declare: {', '.join(problems)}",
            pytrace=False,
        )


@pytest.fixture(autouse=True)
def conformance_requirements(request: pytest.FixtureRequest) -> None:
    """Skip a scenario test whose requirements the venue's declarations do not meet."""
    marker = request.node.get_closest_marker("requires")
    if marker is None:
        return
    capabilities = request.getfixturevalue("venue_capabilities")
    factory = request.getfixturevalue("harness_factory")
    features = _declared(factory, "features")
    unmet = unmet_requirements(tuple(marker.args), capabilities, features)
    if unmet:
        if getattr(capabilities, "data_only", False) and any(map(is_execution_requirement, unmet)):
            # A declared fact, not a missing feature: say so.
            pytest.skip(
                f"data-only venue (declared Capabilities.data_only): needs {', '.join(unmet)}"
            )
        pytest.skip(lacking(unmet, _declared(factory, "unsupported_reasons")))


@pytest.fixture
async def harness(harness_factory: Callable[[], VenueHarness]) -> AsyncIterator[VenueHarness]:
    async with harness_factory() as h:
        yield h


@pytest.fixture
def open_session(
    request: pytest.FixtureRequest,
    harness: VenueHarness,
    conformance_registry: Any,
    venue_name: str,
) -> Callable[..., contextlib.AbstractAsyncContextManager[Any]]:
    """``async with open_session(credentials="valid", **config_overrides) as venue: ...``"""
    from tradeport.session import open_venue

    # Public data behind a login (features.public_data_login): "none" reads with a login.
    login_for_public = bool(getattr(harness.features, "public_data_login", False)) and (
        request.node.get_closest_marker("without_credentials") is None
    )

    def opener(credentials: Credentials = "valid", *, connect: bool = True, **overrides: Any):
        if credentials == "none" and login_for_public:
            credentials = "valid"
        return open_venue(
            venue_name,
            harness.client_config(credentials, **overrides),
            registry=conformance_registry,
            connect=connect,
        )

    return opener
