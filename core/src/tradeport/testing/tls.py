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

__all__ = ["LoopbackCA", "peer_certificate", "common_name"]


def peer_certificate(stream: Any) -> dict[str, Any] | None:
    """The client certificate of a server-side anyio TLS stream (``ssl.getpeercert()`` form),
    or None (plain TCP, or no certificate sent)."""
    import anyio
    from anyio.streams.tls import TLSAttribute

    try:
        cert = stream.extra(TLSAttribute.peer_certificate)
    except anyio.TypedAttributeLookupError:
        return None
    return cert or None


def common_name(cert: dict[str, Any] | None) -> str | None:
    """The subject common name of a certificate in ``ssl.getpeercert()`` form."""
    for rdn in (cert or {}).get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return str(value)
    return None


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

    def server_context(
        self, *, require_client_cert: bool = False, request_client_cert: bool = False
    ) -> ssl.SSLContext:
        """A server context with the server certificate; with ``require_client_cert`` it
        refuses clients without a certificate from this CA; with ``request_client_cert`` it
        asks for one but lets clients without one in (the handler decides, as Betfair's
        certificate login answers ``CERT_AUTH_REQUIRED``). A certificate from another CA fails
        the handshake either way."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._server.configure_cert(context)
        if require_client_cert or request_client_cert:
            context.verify_mode = ssl.CERT_REQUIRED if require_client_cert else ssl.CERT_OPTIONAL
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
