"""Finding, checking and loading venue plugins.

Two levels, so that listing stays as cheap as reading metadata:

- :func:`discover` reads the ``tradeport.venues`` entry points and checks each plugin *without
  importing it*: the entry point must point at a module that exists, whose source compiles, whose
  top-level imports can be found, whose declared requirements are installed, and whose
  ``tradeport_*`` functions are known hooks with valid argument names. This is what
  ``tradeport plugins`` shows.
- :func:`load_plugins` imports the plugins and registers them with pluggy. A plugin that fails to
  import, has an invalid hook signature or a missing dependency is reported with its reason and
  skipped; it never stops the others.

``TRADEPORT_PLUGINS`` (comma-separated allow-list of entry point names) and
``TRADEPORT_DISABLE_PLUGINS`` (deny-list) choose which installed plugins are considered at all.

This module is on the CLI's fast path: it imports only the standard library at module level.
"""

from __future__ import annotations

import importlib.metadata as metadata
import os
import re
import sys
from importlib.machinery import PathFinder
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    import pluggy

    from tradeport.sinks import SinkSpec
    from tradeport.venue import VenueSpec

__all__ = [
    "ENTRY_POINT_GROUP",
    "COMMANDS_GROUP",
    "SINKS_GROUP",
    "PluginInfo",
    "PluginRegistry",
    "UnknownVenue",
    "discover",
    "load_plugins",
]

ENTRY_POINT_GROUP = "tradeport.venues"
#: Entry points in this group add `tradeport <name>` subcommands (value: "module:function").
COMMANDS_GROUP = "tradeport.commands"
#: Entry points in this group name event sink plugins (tradeport_register_sinks).
SINKS_GROUP = "tradeport.sinks"
#: The plugin groups ``tradeport plugins`` lists, with the kind each one shows.
LISTED_GROUPS = {ENTRY_POINT_GROUP: "venue", SINKS_GROUP: "sink"}

ALLOW_ENV = "TRADEPORT_PLUGINS"
DENY_ENV = "TRADEPORT_DISABLE_PLUGINS"

#: Hook names and their argument names, mirrored from hookspecs.py so that the static check does
#: not import pluggy. tests/test_hooks_meta.py fails if the two drift apart.
HOOK_ARGS: dict[str, tuple[str, ...]] = {
    "tradeport_register_venues": ("register",),
    "tradeport_create_instrument_provider": ("venue", "config", "events"),
    "tradeport_create_data_client": ("venue", "config", "instruments", "events"),
    "tradeport_create_execution_client": ("venue", "config", "instruments", "events"),
    "tradeport_conformance_harness": ("venue",),
    "tradeport_register_sinks": ("register",),
    "tradeport_register_frame_parsers": ("register",),
    "tradeport_create_replay_source": ("venue", "config", "instruments", "frames"),
}


class PluginInfo:
    """One installed plugin (one entry point of the ``tradeport.venues`` group).

    A plain slotted class rather than a dataclass: importing ``dataclasses`` (and with it
    ``inspect``) would cost the listing more than all of its own work.
    """

    __slots__ = (
        "distribution",
        "error",
        "hooks",
        "kind",
        "module",
        "name",
        "sinks",
        "status",
        "venues",
        "version",
    )

    def __init__(
        self, name: str, distribution: str, version: str, module: str, kind: str = "venue"
    ) -> None:
        self.name = name
        #: "venue" (tradeport.venues) or "sink" (tradeport.sinks).
        self.kind = kind
        self.distribution = distribution
        self.version = version
        self.module = module
        self.status = "ok"  # "ok" or "error"
        self.error: str | None = None
        #: Filled when the plugin was loaded: names of the venues it registered.
        self.venues: list[str] = []
        #: Filled when a sink plugin was loaded: names of the sinks it registered.
        self.sinks: list[str] = []
        self.hooks: list[str] = []

    def __repr__(self) -> str:
        return f"PluginInfo({self.name!r}, {self.distribution!r}, {self.version!r}, status={self.status!r})"

    def fail(self, reason: str) -> None:
        if self.status != "error":  # keep the first (root) reason
            self.status = "error"
            self.error = reason

    def to_dict(self, verbose: bool = False) -> dict[str, Any]:
        d: dict[str, Any] = {
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "module": self.module,
            "status": self.status,
            "error": self.error,
        }
        if self.kind != "venue":
            d["kind"] = self.kind
        if verbose:
            d["venues"] = self.venues
            if self.kind == "sink":
                d["sinks"] = self.sinks
            d["hooks"] = self.hooks
        return d


def _names(value: str | None) -> set[str] | None:
    if value is None:
        return None
    return {n.strip() for n in value.split(",") if n.strip()}


def selected_entry_points(
    environ: Mapping[str, str] | None = None,
    group: str | tuple[str, ...] = ENTRY_POINT_GROUP,
    installed: set[str] | None = None,
) -> list[metadata.EntryPoint]:
    """The group's entry points after the allow/deny lists, sorted by name, duplicates dropped.

    ``group`` may be a tuple of groups: their entry points come in the tuple's order.

    One pass over the installed distributions; when ``installed`` is given, the normalized
    names of every distribution seen are added to it (for the requirement check, so it needs
    no further searches of sys.path).
    """
    env = os.environ if environ is None else environ
    allow = _names(env.get(ALLOW_ENV))
    deny = _names(env.get(DENY_ENV)) or set()
    groups = (group,) if isinstance(group, str) else group
    seen: dict[tuple[str, str], metadata.EntryPoint] = {}
    for dist in metadata.distributions():
        if installed is not None:
            installed.add(_normalized_name(dist))
        for ep in dist.entry_points:
            if ep.group not in groups:
                continue
            if allow is not None and ep.name not in allow:
                continue
            if ep.name in deny:
                continue
            # The same distribution can be visible twice on sys.path (e.g. editable + site);
            # the first one wins, as it would for an import.
            seen.setdefault((ep.group, ep.name), ep)
    return [seen[key] for key in sorted(seen, key=lambda k: (groups.index(k[0]), k[1]))]


def _normalized_name(dist: metadata.Distribution) -> str:
    # PathDistribution derives this from the .dist-info folder name without reading METADATA.
    name = getattr(dist, "_normalized_name", None) or dist.metadata["Name"] or ""
    return re.sub(r"[-_.]+", "_", name).lower()


def _dist_name_version(ep: metadata.EntryPoint) -> tuple[str, str, metadata.Distribution | None]:
    dist = ep.dist
    if dist is None:  # pragma: no cover - entry points always come from a distribution here
        return "?", "?", None
    md = dist.metadata  # parsed once: dist.name and dist.version would each parse it again
    return md["Name"], md["Version"], dist


_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _missing_requirements(dist: metadata.Distribution, installed: set[str]) -> list[str]:
    """Unconditional requirements of ``dist`` that are not installed (names only)."""
    missing = []
    for req in dist.metadata.get_all("Requires-Dist") or ():
        if ";" in req:
            # Conditional (extras, python_version, platform): evaluating markers needs
            # `packaging`; the real import at load time catches what matters.
            continue
        m = _REQ_NAME.match(req)
        if m and re.sub(r"[-_.]+", "_", m.group(1)).lower() not in installed:
            missing.append(m.group(1))
    return missing


def _module_source(module: str) -> Path | None:
    """Find a module's source file without executing anything (not even its parent packages)."""
    parts = module.split(".")
    spec = PathFinder.find_spec(parts[0], sys.path)
    if spec is None:
        return None
    if len(parts) == 1:
        return Path(spec.origin) if spec.origin and spec.origin.endswith(".py") else None
    locations = list(spec.submodule_search_locations or [])
    for part in parts[1:-1]:
        locations = [str(Path(loc) / part) for loc in locations if (Path(loc) / part).is_dir()]
    for loc in locations:
        candidate = Path(loc) / parts[-1]
        if (candidate / "__init__.py").is_file():
            return candidate / "__init__.py"
        if candidate.with_suffix(".py").is_file():
            return candidate.with_suffix(".py")
    return None


def _static_check(source_path: Path, own_top: str) -> str | None:
    """Check a plugin module without executing it. Returns the first problem found, or None."""
    import ast  # only when there is a plugin to check

    try:
        tree = ast.parse(source_path.read_bytes(), filename=str(source_path))
    except SyntaxError as exc:
        return f"SyntaxError in {source_path.name} line {exc.lineno}: {exc.msg}"
    for node in tree.body:
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name.split(".")[0] for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module.split(".")[0]]
        for top in names:
            if top == own_top or top in sys.builtin_module_names or top in sys.modules:
                continue
            if PathFinder.find_spec(top, sys.path) is None:
                return f"missing dependency: module {top!r} is not installed (imported by {source_path.name})"
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith(
            "tradeport_"
        ):
            problem = _check_hook_signature(node)
            if problem:
                return problem
    return None


def _check_hook_signature(node: Any) -> str | None:
    spec_args = HOOK_ARGS.get(node.name)
    if spec_args is None:
        return f"unknown hook {node.name!r} (known hooks: {', '.join(sorted(HOOK_ARGS))})"
    args = [a.arg for a in node.args.args]
    extra = [a for a in args if a not in spec_args]
    if extra:
        return (
            f"invalid hook signature: {node.name}() takes {', '.join(extra)}, "
            f"which the hook does not provide (it provides: {', '.join(spec_args)})"
        )
    return None


def discover(
    environ: Mapping[str, str] | None = None, groups: Iterable[str] = (ENTRY_POINT_GROUP,)
) -> list[PluginInfo]:
    """List installed plugins from metadata, checking each one without importing it.

    :param groups: entry-point groups to list (venue plugins by default; ``tradeport
        plugins`` passes :data:`LISTED_GROUPS` for the sinks too).
    """
    infos = []
    installed: set[str] = set()
    for ep in selected_entry_points(environ, group=tuple(groups), installed=installed):
        dist_name, version, dist = _dist_name_version(ep)
        info = PluginInfo(
            ep.name, dist_name, version, ep.module, LISTED_GROUPS.get(ep.group, ep.group)
        )
        if dist is not None:
            missing = _missing_requirements(dist, installed)
            if missing:
                info.fail(f"missing dependency: {', '.join(missing)} (required by {dist_name})")
        if info.status == "ok":
            source = _module_source(ep.module)
            if source is None:
                info.fail(f"module {ep.module!r} named by the entry point cannot be found")
            else:
                problem = _static_check(source, ep.module.split(".")[0])
                if problem:
                    info.fail(problem)
        infos.append(info)
    return infos


# ---------------------------------------------------------------------------------------------
# Loading (imports pluggy and the plugins; not on the listing fast path)
# ---------------------------------------------------------------------------------------------


class UnknownVenue(LookupError):
    """No installed plugin provides the venue. The message lists what is installed."""

    def __init__(self, name: str, installed: Iterable[str]) -> None:
        names = sorted(installed)
        listing = ", ".join(names) if names else "none"
        super().__init__(f"unknown venue {name!r}; installed venues: {listing}")
        self.name = name
        self.installed = names


class PluginRegistry:
    """The loaded plugins: the pluggy manager, each plugin's status, and the registered venues."""

    def __init__(self, pm: pluggy.PluginManager, plugins: list[PluginInfo]) -> None:
        self.pm = pm
        self.plugins = plugins
        self.venues: dict[str, VenueSpec] = {}
        #: Sinks registered by plugins of the tradeport.sinks group (when that group was loaded).
        self.sinks: dict[str, SinkSpec] = {}
        self._collect_venues()
        self._collect_sinks()

    @property
    def hook(self) -> Any:
        return self.pm.hook

    def _collect_venues(self) -> None:
        from tradeport.venue import VenueSpec

        self._collect("tradeport_register_venues", VenueSpec, self.venues, "venues")

    def _collect_sinks(self) -> None:
        from tradeport.sinks import SinkSpec

        self._collect("tradeport_register_sinks", SinkSpec, self.sinks, "sinks")

    def _collect(self, hook: str, kind: Any, into: dict[str, Any], listing: str) -> None:
        """Call each plugin's register hook; a plugin whose registration fails is dropped."""
        for info in self.plugins:
            if info.status != "ok":
                continue
            plugin = self.pm.get_plugin(info.name)
            impl = getattr(plugin, hook, None)
            if impl is None:
                continue
            registered: list[Any] = []
            try:
                impl(register=registered.append)
                for spec in registered:
                    if not isinstance(spec, kind):
                        raise TypeError(
                            f"register() got {type(spec).__name__}, expected {kind.__name__}"
                        )
                    if spec.name in into:
                        raise ValueError(
                            f"{listing[:-1]} {spec.name!r} is already registered by another plugin"
                        )
            except Exception as exc:  # a broken plugin never stops the others
                info.fail(f"{hook} failed: {type(exc).__name__}: {exc}")
                self.pm.unregister(name=info.name)
                continue
            for spec in registered:
                into[spec.name] = spec
                getattr(info, listing).append(spec.name)

    def venue(self, name: str) -> VenueSpec:
        """The registered venue called ``name``; :class:`UnknownVenue` lists the installed ones."""
        try:
            return self.venues[name]
        except KeyError:
            raise UnknownVenue(name, self.venues) from None

    def errors(self) -> list[PluginInfo]:
        return [p for p in self.plugins if p.status == "error"]


def load_plugins(
    environ: Mapping[str, str] | None = None,
    *,
    extra: Iterable[tuple[str, object]] = (),
    group: str | tuple[str, ...] = ENTRY_POINT_GROUP,
) -> PluginRegistry:
    """Import and register every selected plugin; broken ones are reported and skipped.

    :param extra: (name, module-or-object) pairs registered as if installed (tests, embedding).
    :param group: the entry-point group(s) to load: venue plugins by default,
        :data:`SINKS_GROUP` for the event sinks.
    """
    import logging

    import pluggy

    from tradeport import hookspecs

    log = logging.getLogger("tradeport.plugins")
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    infos: list[PluginInfo] = []
    candidates: list[tuple[PluginInfo, Any]] = []
    for ep in selected_entry_points(environ, group=group):
        dist_name, version, _ = _dist_name_version(ep)
        info = PluginInfo(
            ep.name, dist_name, version, ep.module, LISTED_GROUPS.get(ep.group, ep.group)
        )
        infos.append(info)
        try:
            obj = ep.load()
        except ModuleNotFoundError as exc:
            info.fail(f"missing dependency: {exc}")
        except Exception as exc:
            info.fail(f"import failed: {type(exc).__name__}: {exc}")
        else:
            candidates.append((info, obj))
        if info.status == "error":
            log.warning("plugin %s (%s) skipped: %s", info.name, dist_name, info.error)
    for name, obj in extra:
        info = PluginInfo(name, "(registered in process)", "-", getattr(obj, "__name__", repr(obj)))
        infos.append(info)
        candidates.append((info, obj))
    for info, obj in candidates:
        try:
            pm.register(obj, name=info.name)
            # Validate this plugin's hooks against the specs now, one plugin at a time, so a
            # bad signature is blamed on the right plugin.
            for hook_caller in pm.get_hookcallers(obj) or []:
                for impl in hook_caller.get_hookimpls():
                    if impl.plugin is obj:
                        info.hooks.append(hook_caller.name)
            pm.check_pending()
        except Exception as exc:
            info.fail(f"invalid hook: {type(exc).__name__}: {exc}")
            if pm.is_registered(obj):
                pm.unregister(obj)
            log.warning("plugin %s skipped: %s", info.name, info.error)
    infos.sort(key=lambda i: i.name)
    return PluginRegistry(pm, infos)
