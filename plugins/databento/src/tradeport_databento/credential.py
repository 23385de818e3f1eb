"""Databento authentication, as pure functions tested with the documented example.

* Live (CRAM, docs: Live API, message flows, authentication): the gateway sends ``cram=<c>``;
  the reply is ``sha256_hex(c + "|" + key) + "-" + key[-5:]`` (the last five characters of the
  key are its *bucket id*). The key itself never crosses the network.
* Historical: HTTP Basic with the key as user name and an empty password.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Final

__all__ = ["BUCKET_ID_LENGTH", "cram_response", "basic_auth_header"]

BUCKET_ID_LENGTH: Final = 5


def cram_response(challenge: str, key: str) -> str:
    """The ``auth=`` value for ``challenge`` and the API ``key``."""
    digest = hashlib.sha256(f"{challenge}|{key}".encode()).hexdigest()
    return f"{digest}-{key[-BUCKET_ID_LENGTH:]}"


def basic_auth_header(key: str) -> str:
    """The ``Authorization`` header value for the historical API."""
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode("ascii")
