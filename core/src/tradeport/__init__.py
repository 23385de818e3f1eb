"""tradeport: connect trading systems to trading venues through pip-installable venue plugins.

The package namespace is lazy: ``import tradeport`` loads nothing heavy, so the ``tradeport``
command (which lists plugins from metadata alone) starts as fast as Python itself. Public names
are imported on first attribute access.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any  # typing is imported by importlib.metadata anyway

__version__ = "0.1.0"

# name -> module that defines it
_LAZY = {
    "hookimpl": "tradeport.hookspecs",
    "open_venue": "tradeport.session",
    "open_replay": "tradeport.replay",
    "Secret": "tradeport.secrets",
    "open_sink": "tradeport.sinks",
    "open_source": "tradeport.sources",
}

if TYPE_CHECKING:  # pragma: no cover
    from tradeport.hookspecs import hookimpl as hookimpl
    from tradeport.replay import open_replay as open_replay
    from tradeport.secrets import Secret as Secret
    from tradeport.session import open_venue as open_venue
    from tradeport.sinks import open_sink as open_sink
    from tradeport.sources import open_source as open_source


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tradeport' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = ["__version__", *_LAZY]
