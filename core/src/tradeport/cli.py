"""The ``tradeport`` command (also ``python -m tradeport``).

Listing plugins must be as cheap as reading metadata, so this module imports only the standard
library at start; everything else is imported by the subcommand that needs it.

Installed packages add subcommands through the ``tradeport.commands`` entry point group
(``name = "module:function"``, the function takes the remaining argv and returns an exit code).
``tradeport-conformance`` adds ``conformance`` this way. An entry point group rather than a pluggy
hook: ``--help`` can then list every command from metadata alone, without importing anything.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

from tradeport import __version__

__all__ = ["main"]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2

# Commands that other distributions provide; named here so that `tradeport <cmd>` can say what
# to install when they are absent.
KNOWN_EXTERNAL = {
    "conformance": "tradeport-conformance",
}

EPILOG = """\
examples:
  tradeport plugins                 list installed venue plugins (reads metadata only)
  tradeport plugins --json          the same, as JSON sorted by name
  tradeport plugins --verbose       load the plugins; add their venues and capabilities
  tradeport info binance            capabilities, config fields, env vars and URLs of a venue
  tradeport conformance binance     run the shared conformance suite (tradeport-conformance)
  tradeport new-plugin acme         render a new venue plugin project to start from
  tradeport new-plugin acme --kind data-provider    ... a data-only one (no execution)
  tradeport stream binance --sandbox --quotes BTCUSDT
                                    live quotes from the plugin's mock venue, offline

environment:
  TRADEPORT_PLUGINS          comma-separated allow-list of plugin names to consider
  TRADEPORT_DISABLE_PLUGINS  comma-separated deny-list of plugin names to ignore
"""


def _external_commands() -> dict[str, Any]:
    from tradeport.plugins import COMMANDS_GROUP, selected_entry_points

    return {ep.name: ep for ep in selected_entry_points({}, group=COMMANDS_GROUP)}


def _build_parser(external: dict[str, Any]) -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(
        prog="tradeport",
        description="Connect trading systems to trading venues through venue plugins.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"tradeport {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "plugins",
        help="list installed venue and sink plugins",
        description=(
            "List installed venue plugins (entry point group 'tradeport.venues') and event "
            "sink plugins ('tradeport.sinks', marked [sink]). Without "
            "--verbose this reads package metadata and checks each plugin's module without "
            "importing it; a plugin that cannot work is shown with status 'error' and the reason."
        ),
    )
    p.add_argument("--json", action="store_true", help="print a JSON list sorted by name")
    p.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="import the plugins and add their venues, hooks and capabilities",
    )

    p = sub.add_parser(
        "info",
        help="show a venue's capabilities, config, env vars and URLs",
        description="Describe one venue: capabilities, config fields, environment variables, URLs.",
    )
    p.add_argument("venue", help="venue name as listed by 'tradeport plugins --verbose'")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")

    p = sub.add_parser(
        "new-plugin",
        help="render a new venue plugin project",
        description=(
            "Render a new plugin project (pyproject with the entry point, src layout, config, "
            "clients, a mock venue and harness, tests that run the conformance suite)."
        ),
    )
    p.add_argument("name", help="venue name, lower case (e.g. 'acme' -> tradeport-acme)")
    p.add_argument("--dir", default=".", help="directory to create the project in (default: .)")
    p.add_argument(
        "--kind",
        default="exchange",
        choices=["exchange", "data-provider"],
        help=(
            "exchange (default: instruments, data and execution) or data-provider "
            "(instruments and data only, declared data_only: execution scenarios skip)"
        ),
    )

    for name, (_, _, summary) in BUILTIN_COMMANDS.items():
        sub.add_parser(name, help=f"{summary} (see 'tradeport {name} --help')", add_help=False)
    for name, ep in sorted(external.items()):
        dist = ep.dist.name if ep.dist else "?"
        sub.add_parser(
            name, help=f"provided by {dist} (see 'tradeport {name} --help')", add_help=False
        )
    for name, dist in KNOWN_EXTERNAL.items():
        if name not in external:
            sub.add_parser(name, help=f"needs: pip install {dist}", add_help=False)
    return parser


def _print_json(obj: Any) -> None:
    import json

    sys.stdout.write(json.dumps(obj, indent=2, sort_keys=False) + "\n")


def cmd_plugins(as_json: bool, verbose: bool) -> int:
    from tradeport import plugins

    groups = tuple(plugins.LISTED_GROUPS)  # venue plugins, then event sink plugins
    if verbose:
        registry = plugins.load_plugins(group=groups)
        infos = registry.plugins
        caps = {name: spec.describe() for name, spec in registry.venues.items()}
        sinks = {name: spec.describe() for name, spec in registry.sinks.items()}
    else:
        infos = plugins.discover(groups=groups)
        caps, sinks = {}, {}
    if as_json:
        rows = [i.to_dict(verbose=verbose) for i in infos]
        if verbose:
            for row in rows:
                row["venue_specs"] = [caps[v] for v in row["venues"] if v in caps]
                if "sinks" in row:
                    row["sink_specs"] = [sinks[s] for s in row["sinks"] if s in sinks]
        _print_json(rows)
        return EXIT_OK
    if not infos:
        print("no venue plugins installed (pip install tradeport-<venue>, e.g. tradeport-binance)")
        return EXIT_OK
    width = max(len(i.name) for i in infos)
    for i in infos:
        kind = "  [sink]" if i.kind == "sink" else ""
        line = f"{i.name:<{width}}  {i.distribution} {i.version}{kind}  {i.status}"
        if i.error:
            line += f": {i.error}"
        if verbose and i.venues:
            line += f"  venues: {', '.join(i.venues)}"
        if verbose and i.sinks:
            schemes = ", ".join(f"{s}:" for name in i.sinks for s in sinks[name]["schemes"])
            line += f"  sinks: {', '.join(i.sinks)} ({schemes})"
        print(line)
        if verbose:
            for v in i.venues:
                d = caps[v]["capabilities"]
                print(
                    f"    {v}: products={','.join(d['products']) or '-'} data={','.join(d['data']) or '-'}"
                )
    return EXIT_OK


def cmd_info(venue: str, as_json: bool) -> int:
    from tradeport import plugins

    registry = plugins.load_plugins()
    try:
        spec = registry.venue(venue)
    except plugins.UnknownVenue as exc:
        print(f"tradeport info: {exc}", file=sys.stderr)
        return EXIT_USAGE
    d = spec.describe()
    from tradeport.frames import FrameParsers

    offers = FrameParsers.from_registry(registry)
    if venue in offers.venues():
        d["frame_parser"] = {"channels": list(offers.spec(venue).channels)}
    if as_json:
        _print_json(d)
        return EXIT_OK
    print(f"{d['name']} ({d['venue_id']}, {d['kind']})")
    if d["description"]:
        print(f"  {d['description']}")
    if d["data_only"]:
        print("execution: none (a data-only venue, by declaration: Capabilities.data_only)")
    if d["capabilities"]["replay"]:
        print(f"replay: {', '.join(d['capabilities']['replay'])} (tradeport.open_replay)")
    if d["instrument_venues"] != [d["venue_id"]]:
        print(f"instrument ids: SYMBOL.{{{', '.join(d['instrument_venues'])}}}")
    if "frame_parser" in d:
        channels = ", ".join(d["frame_parser"]["channels"])
        print(f"raw-frame parser (for replay providers): {channels}")
    print("urls:")
    for k, v in d["urls"].items():
        print(f"  {k}: {v}")
    print("config fields:")
    for f in d["config"]:
        secret = " (secret)" if f["secret"] else ""
        print(f"  {f['name']}: {f['type']} = {f['default']!r}{secret}")
    print("environment variables:")
    for e in d["env_vars"] or [{"name": "-", "field": "", "description": ""}]:
        print(f"  {e['name']}  -> {e['field']}  {e['description']}".rstrip())
    print("capabilities:")
    print(spec.capabilities.markdown_table())
    return EXIT_OK


def cmd_new_plugin(name: str, directory: str, kind: str = "exchange") -> int:
    try:
        from tradeport.scaffold import render_plugin
    except ImportError as exc:  # pragma: no cover - shipped with the core
        print(f"tradeport new-plugin: the plugin template is unavailable: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    from tradeport.errors import ConfigError

    try:
        path = render_plugin(name, directory, kind=kind)
    except (ConfigError, FileExistsError) as exc:
        print(f"tradeport new-plugin: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"created {path}")
    print(f"next: pip install -e {path}[test] && tradeport plugins && pytest {path}")
    return EXIT_OK


#: Built-in commands with their own parser, in their own module (imported when they run):
#: name -> (module, function, one-line help).
BUILTIN_COMMANDS = {
    "stream": ("tradeport.cli_stream", "main_stream", "print a venue's live market data"),
    "record": ("tradeport.cli_stream", "main_record", "record a venue's events into a sink"),
    "replay": ("tradeport.cli_stream", "main_replay", "print recorded events from a source"),
}

_PLUGINS_FLAGS = {"--json": "json", "--verbose": "verbose", "-v": "verbose"}


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    # Fast path for the listing: argparse alone costs more to import than the listing's own work
    # (bench/bench_listing.py). Anything unusual (--help, typos) goes through argparse below.
    if args_list[:1] == ["plugins"] and all(a in _PLUGINS_FLAGS for a in args_list[1:]):
        flags = {_PLUGINS_FLAGS[a] for a in args_list[1:]}
        return cmd_plugins("json" in flags, "verbose" in flags)
    if args_list and args_list[0] in BUILTIN_COMMANDS:
        from importlib import import_module

        module, function, _ = BUILTIN_COMMANDS[args_list[0]]
        return int(getattr(import_module(module), function)(args_list[1:]) or 0)
    # External subcommands take the rest of the command line as-is (their own parser).
    if (
        args_list
        and not args_list[0].startswith("-")
        and args_list[0]
        not in (
            "plugins",
            "info",
            "new-plugin",
        )
    ):
        external = _external_commands()
        name = args_list[0]
        if name in external:
            func = external[name].load()
            return int(func(args_list[1:]) or 0)
        if name in KNOWN_EXTERNAL:
            print(
                f"tradeport {name}: this command comes with {KNOWN_EXTERNAL[name]}; "
                f"install it with: pip install {KNOWN_EXTERNAL[name]}",
                file=sys.stderr,
            )
            return EXIT_USAGE
    else:
        external = _external_commands() if not args_list or args_list[0].startswith("-") else {}
    parser = _build_parser(external)
    args = parser.parse_args(args_list)
    if args.command == "plugins":
        return cmd_plugins(args.json, args.verbose)
    if args.command == "info":
        return cmd_info(args.venue, args.json)
    if args.command == "new-plugin":
        return cmd_new_plugin(args.name, args.dir, args.kind)
    parser.print_help()
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
