"""``tradeport new-plugin``: render a new venue plugin project from the bundled template.

The template (``template/`` next to this module, shipped in the core's wheel) is a complete,
working plugin for a small example venue: a pyproject with the entry point, a src layout with
config, signing, REST and stream clients, instrument provider, data and execution clients, a
mock venue with its conformance harness, tests that run the whole conformance suite, and a README
with publishing instructions. It installs, is discovered and passes the suite with no edits;
authors then replace the example protocol with their venue's (docs/plugin-guide.md).

Rendering is plain text substitution, no template engine:

* every file is stored with a ``.tmpl`` suffix, which is dropped (so the template's Python files
  are never linted, imported or collected as tests where they sit);
* ``__name__`` in a path becomes the plugin name (``src/tradeport___name__`` ->
  ``src/tradeport_acme``), and a path part starting with ``dot-`` starts with ``.`` instead;
* in file contents ``{{name}}`` becomes the name (``acme``, ``my_venue``), ``{{Name}}`` its
  CamelCase form (``Acme``, ``MyVenue``) and ``{{NAME}}`` its upper-case form (``ACME``,
  ``MY_VENUE``, also the venue id).

Kinds (``--kind``): ``exchange`` (the default) renders the template as it is. Another kind is
the same template with an overlay, ``kinds/<kind>/`` next to this module: its files replace
the template's files of the same path, and :data:`KINDS` names the template files the kind
leaves out. ``data-provider`` renders a data-only plugin: no execution client, capabilities
that declare ``data_only``, a README and discovery test that say so; the rest (mock venue,
harness, data client, parsers) is shared, so it passes the suite's data scenarios with the
execution scenarios skipped by the declaration.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from tradeport.errors import ConfigError

__all__ = [
    "KINDS",
    "NAME_PATTERN",
    "PLACEHOLDER",
    "TEMPLATE_SUFFIX",
    "check_kind",
    "check_plugin_name",
    "placeholders",
    "render_plugin",
    "template_files",
]

#: Plugin names: lower-case letters, digits and underscores, starting with a letter. They become
#: a Python package (``tradeport_<name>``), an entry point and a venue name at once.
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
_MAX_NAME_LENGTH = 40
#: Any ``{{word}}`` token; none may survive rendering.
PLACEHOLDER = re.compile(r"\{\{\s*\w+\s*\}\}")
#: Suffix every template file carries in the package.
TEMPLATE_SUFFIX = ".tmpl"
#: Plugin kinds: kind -> the template files it leaves out (relative paths, as listed by
#: :func:`template_files`). Every kind but ``exchange`` has an overlay in ``kinds/<kind>/``.
KINDS: dict[str, tuple[str, ...]] = {
    "exchange": (),
    "data-provider": ("src/tradeport___name__/execution.py.tmpl",),
}
_PATH_TOKEN = "__name__"
_DOT_PREFIX = "dot-"


def check_plugin_name(name: str) -> str:
    """Return ``name`` if it can name a plugin; raise ConfigError naming the value otherwise."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise ConfigError(
            f"plugin name {name!r} is invalid: use lower-case letters, digits and '_', "
            "starting with a letter (e.g. 'acme' or 'acme_futures')",
            field="name",
        )
    if len(name) > _MAX_NAME_LENGTH or name.endswith("_") or "__" in name:
        raise ConfigError(
            f"plugin name {name!r} is invalid: at most {_MAX_NAME_LENGTH} characters, "
            "no trailing or doubled '_'",
            field="name",
        )
    return name


def placeholders(name: str) -> dict[str, str]:
    """The substitutions for ``name``: ``{{name}}``, ``{{Name}}`` and ``{{NAME}}``."""
    check_plugin_name(name)
    camel = "".join(part.capitalize() for part in name.split("_"))
    return {"{{name}}": name, "{{Name}}": camel, "{{NAME}}": name.upper()}


def _template_root() -> Traversable:
    return files("tradeport.scaffold").joinpath("template")


def check_kind(kind: str) -> str:
    """Return ``kind`` if a template exists for it; raise ConfigError naming it otherwise."""
    if kind not in KINDS:
        raise ConfigError(
            f"plugin kind {kind!r} is unknown: choose one of {', '.join(KINDS)}", field="kind"
        )
    return kind


def _walk(root: Traversable) -> dict[str, Traversable]:
    out: dict[str, Traversable] = {}

    def walk(node: Traversable, prefix: str) -> None:
        for child in node.iterdir():
            if child.name == "__pycache__":
                continue
            rel = f"{prefix}{child.name}"
            if child.is_dir():
                walk(child, rel + "/")
            elif child.name.endswith(TEMPLATE_SUFFIX):
                out[rel] = child

    walk(root, "")
    return out


def template_files(kind: str = "exchange") -> list[tuple[str, Traversable]]:
    """Every template file of ``kind`` as (relative path with ``/`` separators, resource),
    sorted: the template, minus what the kind leaves out, with its overlay on top."""
    chosen = _walk(_template_root())
    for rel in KINDS[check_kind(kind)]:
        del chosen[rel]  # KeyError: the kind names a file the template does not have
    if kind != "exchange":
        chosen.update(_walk(files("tradeport.scaffold").joinpath("kinds", kind)))
    return sorted(chosen.items(), key=lambda item: item[0])


def _target_path(rel: str, name: str) -> Path:
    parts = []
    for part in rel.removesuffix(TEMPLATE_SUFFIX).split("/"):
        part = part.replace(_PATH_TOKEN, name)
        if part.startswith(_DOT_PREFIX):
            part = "." + part[len(_DOT_PREFIX) :]
        parts.append(part)
    return Path(*parts)


def _render_text(text: str, values: dict[str, str], rel: str) -> str:
    for token, value in values.items():
        text = text.replace(token, value)
    leftover = PLACEHOLDER.search(text)
    if leftover is not None:  # a typo in the template; never ship a half-rendered project
        raise ConfigError(f"template file {rel}: unknown placeholder {leftover.group(0)!r}")
    return text


def render_plugin(
    name: str, directory: str | os.PathLike[str] = ".", *, kind: str = "exchange"
) -> Path:
    """Render the plugin template for ``name`` into ``directory/tradeport-<name>``.

    :param name: the plugin (and venue) name, e.g. ``acme``: package ``tradeport_acme``,
        distribution ``tradeport-acme``, entry point and venue name ``acme``, venue id ``ACME``.
    :param directory: where to create the project directory (created if missing).
    :param kind: ``exchange`` or ``data-provider`` (:data:`KINDS`).
    :return: the project directory.
    :raises ConfigError: for a name that cannot name a plugin (the message names the value).
    :raises FileExistsError: when the project directory already exists (nothing is touched).
    """
    values = placeholders(name)
    check_kind(kind)
    parent = Path(directory).expanduser()
    target = parent / f"tradeport-{name}"
    if target.exists():
        raise FileExistsError(f"{target} already exists; choose another --dir or remove it")
    parent.mkdir(parents=True, exist_ok=True)
    # Render next to the target, then rename: an interrupted run leaves no half-made project.
    staging = Path(tempfile.mkdtemp(prefix=f".tradeport-{name}-", dir=parent))
    staging.chmod(0o755)  # mkdtemp makes it private; a project directory is not
    try:
        for rel, resource in template_files(kind):
            path = staging / _target_path(rel, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            text = resource.read_text(encoding="utf-8")
            path.write_text(_render_text(text, values, rel), encoding="utf-8")
        if target.exists():  # created meanwhile by someone else
            raise FileExistsError(f"{target} already exists; choose another --dir or remove it")
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
