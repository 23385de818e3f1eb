"""Keeps the hook reference and the tests honest: every hook spec is documented and tested."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pluggy
from tradeport import hookspecs, plugins

ROOT = Path(__file__).resolve().parent.parent


def _specs() -> dict[str, inspect.Signature]:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    return {
        name: inspect.signature(getattr(hookspecs, name))
        for name in dir(pm.hook)
        if name.startswith("tradeport_")
    }


def test_every_hook_is_on_the_reference_page() -> None:
    page = (ROOT / "docs" / "hooks.md").read_text()
    documented = set(re.findall(r"^### (tradeport_\w+)$", page, flags=re.M))
    missing = set(_specs()) - documented
    assert not missing, f"hooks missing from docs/hooks.md: {sorted(missing)}"
    stale = documented - set(_specs())
    assert not stale, f"docs/hooks.md documents hooks that do not exist: {sorted(stale)}"


def test_every_hook_has_a_test() -> None:
    sources = "\n".join(
        p.read_text() for d in ("tests", "core/tests") for p in (ROOT / d).rglob("test_*.py")
    )
    untested = [
        n for n in _specs() if f"def test_hook_{n.removeprefix('tradeport_')}" not in sources
    ]
    assert not untested, f"hooks without a test named test_hook_<name>: {untested}"


def test_every_hook_has_a_docstring_with_params() -> None:
    for name in _specs():
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        assert ":param" in doc and "versionadded" in doc, name


def test_static_checker_table_matches_specs() -> None:
    """plugins.HOOK_ARGS lets the listing check signatures without importing pluggy."""
    specs = {name: tuple(sig.parameters) for name, sig in _specs().items()}
    assert specs == plugins.HOOK_ARGS
