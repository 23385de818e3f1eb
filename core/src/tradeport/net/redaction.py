"""Redaction of credentials from what the network layer logs.

Two nets catch secrets: values the caller declares (API keys, secrets, passphrases, tokens, as
``str`` or :class:`~tradeport.secrets.Secret`) are replaced wherever they appear, and any header
or query parameter whose *name* looks sensitive (``X-MBX-APIKEY``, ``signature``,
``OK-ACCESS-PASSPHRASE``, ``Authorization``, ``listenKey``...) has its value replaced whatever
it is, so a freshly computed signature never reaches a log line either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tradeport.secrets import REDACTED, Secret, redact

__all__ = ["SENSITIVE_NAME", "Redactor"]

#: Names of headers / parameters / JSON fields whose values are always redacted.
SENSITIVE_NAME = re.compile(
    r"key|sign|secret|pass|token|auth|cookie|session|credential", re.IGNORECASE
)

# "name": "value" inside JSON text, and name=value inside form / query text.
_JSON_STRING_FIELD = re.compile(r'"([^"\\]{1,100})"\s*:\s*"(?:[^"\\]|\\.)*"')
_FORM_FIELD = re.compile(r"(^|&)([^=&\s\"{}]{1,100})=([^&\s]*)")


class Redactor:
    """Redacts declared secret values and values of sensitive-looking names."""

    def __init__(self, secrets: Iterable[str | Secret | None] = ()) -> None:
        self._secrets: list[str | Secret] = [s for s in secrets if s is not None]

    def add(self, *secrets: str | Secret | None) -> None:
        """Declare more secret values (for example a listen key obtained at runtime)."""
        self._secrets.extend(s for s in secrets if s is not None)

    def text(self, text: str) -> str:
        """``text`` with every declared secret value replaced."""
        return redact(text, self._secrets)

    def body(self, text: str) -> str:
        """A body (JSON or form-encoded) with sensitive fields and declared secrets replaced."""
        text = _JSON_STRING_FIELD.sub(self._json_field, text)
        text = _FORM_FIELD.sub(self._form_field, text)
        return self.text(text)

    @staticmethod
    def _json_field(match: re.Match[str]) -> str:
        if SENSITIVE_NAME.search(match.group(1)):
            return f'"{match.group(1)}":"{REDACTED}"'
        return match.group(0)

    @staticmethod
    def _form_field(match: re.Match[str]) -> str:
        if SENSITIVE_NAME.search(match.group(2)):
            return f"{match.group(1)}{match.group(2)}={REDACTED}"
        return match.group(0)

    def pairs(self, pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """Name/value pairs (headers, query parameters) with sensitive values replaced."""
        return [
            (name, REDACTED if SENSITIVE_NAME.search(name) else self.text(value))
            for name, value in pairs
        ]

    def query(self, pairs: Iterable[tuple[str, str]]) -> str:
        """A readable, redacted rendering of query parameters for a log line."""
        return "&".join(f"{name}={value}" for name, value in self.pairs(pairs))
