"""A throwaway certificate authority for TLS loopback tests (mock venues on TLS sockets).

Made at test time with ``trustme`` (MIT; a few lines over ``cryptography``): a CA, a server
certificate for ``127.0.0.1`` / ``localhost``, and client certificates on demand, so TLS tests
verify certificates exactly as production does (nothing is switched off) and no key material is
ever committed. ``trustme`` is in the core's ``test`` extra and its ``tls-testing`` extra
(``pip install tradeport[tls-testing]``) for mock venues run outside the tests.

::

    ca = LoopbackCA()
    async with StreamServer(handler, framing=CRLF, tls=ca.server_context()) as server:
        transport = TcpTransport(server.host, server.port, framing=CRLF, tls=ca.client_context())
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["LoopbackCA"]


def _trustme() -> Any:
    try:
        import trustme
    except ImportError as exc:  # pragma: no cover - trustme is in the test extra
        raise ImportError(
            "LoopbackCA needs trustme: pip install 'tradeport[tls-testing]' (or trustme)"
        ) from exc
    return trustme


class LoopbackCA:
    """A CA made now, a server certificate for ``hosts``, client certificates on demand."""

    def __init__(self, hosts: Sequence[str] = ("127.0.0.1", "localhost")) -> None:
        self._ca = _trustme().CA(organization_name="tradeport loopback CA")
        self._server = self._ca.issue_cert(*hosts)

    @property
    def ca_pem(self) -> bytes:
        """The CA certificate (PEM), to trust it elsewhere (``tls_client_context(cadata=)``)."""
        return bytes(self._ca.cert_pem.bytes())

    def server_context(self, *, require_client_cert: bool = False) -> ssl.SSLContext:
        """A server context with the server certificate; with ``require_client_cert`` it
        refuses clients without a certificate from this CA."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._server.configure_cert(context)
        if require_client_cert:
            context.verify_mode = ssl.CERT_REQUIRED
            self._ca.configure_trust(context)
        return context

    def client_context(self, *, client_cert: str | None = None) -> ssl.SSLContext:
        """A verifying client context that trusts this CA (only); ``client_cert`` names a
        client certificate to present (its common name)."""
        context = ssl.create_default_context()
        self._ca.configure_trust(context)
        if client_cert is not None:
            self._ca.issue_cert(client_cert, common_name=client_cert).configure_cert(context)
        return context

    def write_client_cert(self, directory: Path, name: str = "client") -> tuple[Path, Path]:
        """Write a client certificate and its key (PEM) into ``directory``; returns the paths
        (for clients that take files, e.g. ``httpx`` ``cert=(certfile, keyfile)``)."""
        cert = self._ca.issue_cert(name, common_name=name)
        certfile, keyfile = directory / f"{name}.crt", directory / f"{name}.key"
        certfile.write_bytes(b"".join(blob.bytes() for blob in cert.cert_chain_pems))
        keyfile.write_bytes(cert.private_key_pem.bytes())
        return certfile, keyfile
