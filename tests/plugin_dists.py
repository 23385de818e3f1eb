"""Write small throwaway venue-plugin distributions for discovery tests.

Two ways: :func:`write_installed_dist` lays out an installed distribution (module + dist-info)
in a directory that tests put on ``sys.path`` (fast; what pip leaves behind for a wheel), and
:func:`write_project` writes a buildable project that tests pip-install into a temporary venv.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

GOOD_PLUGIN = """
from tradeport import hookimpl


@hookimpl
def tradeport_register_venues(register):
    from tradeport.venue import VenueSpec
    from tradeport.clients.capabilities import Capabilities

    register(VenueSpec(name="{venue}", venue_id="{venue_id}", kind="EXCHANGE",
                       capabilities=Capabilities(products=["SPOT"], data=["QUOTES"])))
"""

# A plugin that needs a package nobody installed (the most common breakage).
MISSING_DEPENDENCY_PLUGIN = """
import tradeport_no_such_dependency_xyz
from tradeport import hookimpl
"""

# A hook implementation asking for an argument the hook does not provide.
BAD_SIGNATURE_PLUGIN = """
from tradeport import hookimpl


@hookimpl
def tradeport_register_venues(register, not_a_hook_argument):
    pass
"""

# Fails only when executed: invisible to the static check, caught by loading.
RAISES_ON_IMPORT_PLUGIN = """
raise RuntimeError("this plugin is broken at import time")
"""


def write_installed_dist(
    site: Path,
    *,
    dist: str,
    entry_name: str,
    module: str,
    source: str,
    version: str = "0.1.0",
    requires: tuple[str, ...] = (),
) -> None:
    """Install (as files) a one-module distribution exposing ``entry_name`` in tradeport.venues."""
    site.mkdir(parents=True, exist_ok=True)
    (site / f"{module}.py").write_text(textwrap.dedent(source))
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    lines = ["Metadata-Version: 2.1", f"Name: {dist}", f"Version: {version}"]
    lines += [f"Requires-Dist: {r}" for r in requires]
    (info / "METADATA").write_text("\n".join(lines) + "\n")
    (info / "entry_points.txt").write_text(f"[tradeport.venues]\n{entry_name} = {module}\n")
    (info / "RECORD").write_text(f"{module}.py,,\n")


def write_project(root: Path, *, dist: str, entry_name: str, module: str, source: str) -> Path:
    """A buildable (hatchling) one-module plugin project; returns its directory."""
    project = root / dist
    pkg = project / "src" / module
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "plugin.py").write_text(textwrap.dedent(source))
    (project / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""
            [build-system]
            requires = ["hatchling"]
            build-backend = "hatchling.build"

            [project]
            name = "{dist}"
            version = "0.1.0"
            dependencies = ["tradeport"]

            [project.entry-points."tradeport.venues"]
            {entry_name} = "{module}.plugin"

            [tool.hatch.build.targets.wheel]
            packages = ["src/{module}"]
            """
        )
    )
    return project
