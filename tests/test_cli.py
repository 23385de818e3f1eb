"""The `tradeport` command: help, listing, info, and commands supplied by other packages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from plugin_dists import GOOD_PLUGIN, write_installed_dist

ALLOW = {"TRADEPORT_PLUGINS": "goodvenue"}


def _good(site: Path) -> None:
    write_installed_dist(
        site,
        dist="tradeport-goodvenue",
        entry_name="goodvenue",
        module="tradeport_goodvenue_plugin",
        source=GOOD_PLUGIN.format(venue="goodvenue", venue_id="GOODVENUE"),
    )


def test_help_teaches(cli) -> None:
    result = cli("--help")
    assert result.returncode == 0
    for text in ("plugins", "info", "new-plugin", "conformance", "TRADEPORT_PLUGINS", "examples:"):
        assert text in result.stdout


def test_console_script_and_module_agree(plugin_site: Path, cli) -> None:
    _good(plugin_site)
    script = Path(sys.executable).parent / "tradeport"
    env = {**os.environ, **ALLOW}
    via_script = subprocess.run(
        [str(script), "plugins", "--json"], capture_output=True, text=True, env=env
    )
    via_module = cli("plugins", "--json", env=ALLOW)
    assert via_script.returncode == via_module.returncode == 0
    assert via_script.stdout == via_module.stdout
    assert json.loads(via_module.stdout)[0]["name"] == "goodvenue"


def test_plain_listing_is_readable(plugin_site: Path, cli) -> None:
    _good(plugin_site)
    result = cli("plugins", env=ALLOW)
    assert result.returncode == 0
    assert result.stdout.split() == ["goodvenue", "tradeport-goodvenue", "0.1.0", "ok"]


def test_empty_listing_says_what_to_do(cli) -> None:
    result = cli("plugins", env={"TRADEPORT_PLUGINS": "nothing-by-this-name"})
    assert result.returncode == 0
    assert "no venue plugins installed" in result.stdout
    assert json.loads(cli("plugins", "--json", env={"TRADEPORT_PLUGINS": "x"}).stdout) == []


def test_info_text_and_json(plugin_site: Path, cli) -> None:
    _good(plugin_site)
    result = cli("info", "goodvenue", "--json", env=ALLOW)
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["venue_id"] == "GOODVENUE"
    assert info["capabilities"]["data"] == ["QUOTES"]
    text = cli("info", "goodvenue", env=ALLOW)
    assert "| products | SPOT |" in text.stdout


def test_info_unknown_venue_is_one_line_exit_2(plugin_site: Path, cli) -> None:
    _good(plugin_site)
    result = cli("info", "nope", env=ALLOW)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "tradeport info: unknown venue 'nope'; installed venues: goodvenue"
    ]


def test_bad_usage_exits_2(cli) -> None:
    result = cli("plugins", "--bogus")
    assert result.returncode == 2
    assert "unrecognized arguments: --bogus" in result.stderr


def test_missing_external_command_says_what_to_install(plugin_site: Path, cli) -> None:
    # The test environment has tradeport-conformance installed: hide its command entry point.
    code = (
        "import sys; import tradeport.plugins as p;"
        "real = p.selected_entry_points;"
        "p.selected_entry_points = lambda env=None, group=p.ENTRY_POINT_GROUP, installed=None: "
        "[] if group == p.COMMANDS_GROUP else real(env, group, installed);"
        "from tradeport.cli import main; sys.exit(main(['conformance', 'binance']))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 2
    assert "pip install tradeport-conformance" in result.stderr


def test_external_command_entry_point_is_dispatched(plugin_site: Path, cli) -> None:
    (plugin_site / "tp_hello.py").write_text(
        "def main(argv):\n    print('hello', *argv)\n    return 3\n"
    )
    info = plugin_site / "tp_hello-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tp-hello\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[tradeport.commands]\nhello = tp_hello:main\n")
    result = cli("hello", "a", "--b")
    assert (result.returncode, result.stdout) == (3, "hello a --b\n")
    assert "provided by tp-hello" in cli("--help").stdout
