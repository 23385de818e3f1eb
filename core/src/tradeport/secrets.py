"""A string that never prints.

:class:`Secret` wraps credentials (API secrets, passphrases, tokens). Its value is reachable only
through :meth:`Secret.reveal`; ``repr``, ``str``, ``format``, f-strings, pickling-free JSON
conversion and logging all show ``'**********'``. Redaction of values inside log lines and debug
output is done by :func:`redact`, which the network layer applies to every logged request.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["Secret", "REDACTED", "redact"]

REDACTED = "**********"


class Secret:
    """A credential value that does not leak through repr/str/format/JSON."""

    __slots__ = ("_value",)
    _value: str

    def __init__(self, value: str) -> None:
        if isinstance(value, Secret):
            value = value.reveal()
        if not isinstance(value, str):
            raise TypeError(f"Secret value must be a str, got {type(value).__name__}")
        object.__setattr__(self, "_value", value)

    def reveal(self) -> str:
        """Return the real value. Call only where it is about to be used (signing, login)."""
        return self._value

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Secret is immutable")

    def __repr__(self) -> str:
        return f"Secret({REDACTED!r})"

    def __str__(self) -> str:
        return REDACTED

    def __format__(self, spec: str) -> str:
        return REDACTED

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            return self._value == other._value
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> Any:
        # Pickling would write the value to disk or across a process boundary unredacted.
        raise TypeError("Secret cannot be pickled")


def redact(text: str, secrets: Iterable[str | Secret | None]) -> str:
    """Replace every occurrence of each secret value (at least 4 chars) in ``text``."""
    for s in secrets:
        if s is None:
            continue
        value = s.reveal() if isinstance(s, Secret) else s
        if len(value) >= 4:
            text = text.replace(value, REDACTED)
    return text
