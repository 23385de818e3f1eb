"""Login against the mock venue: certificate login checks the client certificate, interactive
login, keepAlive, logout, a refused login is typed and never repeated, an expired session is
replaced once."""

from __future__ import annotations

import ssl

import httpx
import pytest
from tradeport.errors import AuthenticationError, MissingCredentials
from tradeport_betfair.config import BetfairConfig
from tradeport_betfair.credential import BetfairSession
from tradeport_betfair.http.client import BetfairHttpClient
from tradeport_betfair.testing import APP_KEY, PASSWORD, USERNAME, BetfairHarness

pytestmark = pytest.mark.anyio


def _config(
    harness: BetfairHarness, credentials: str = "valid", **overrides: object
) -> BetfairConfig:
    from tradeport.config import config_converter

    return config_converter.structure(
        harness.client_config(credentials, **overrides), BetfairConfig
    )  # type: ignore[arg-type]


async def test_certificate_login_presents_the_client_certificate() -> None:
    async with BetfairHarness() as harness:
        session = BetfairSession(_config(harness))
        try:
            token = await session.token()
            assert token in harness.tokens and harness.cert_logins == 1
            assert await session.token() == token  # one login, shared
            login = next(r for r in harness.requests if r.path == "/api/certlogin")
            assert login.signature_ok is True and login.headers["x-application"] == APP_KEY
        finally:
            await session.aclose()


async def test_certlogin_without_a_certificate_is_refused() -> None:
    async with BetfairHarness() as harness:
        context = ssl.create_default_context(cafile=str(harness.ca_file))
        async with httpx.AsyncClient(verify=context) as client:
            answer = await client.post(
                harness.https_url + "/api/certlogin",
                data={"username": USERNAME, "password": PASSWORD},
                headers={"X-Application": APP_KEY, "Accept": "application/json"},
            )
        assert answer.json() == {"loginStatus": "CERT_AUTH_REQUIRED"}
        assert not harness.tokens


async def test_interactive_login_keep_alive_and_logout() -> None:
    async with BetfairHarness() as harness:
        config = _config(harness, cert_file=None, key_file=None)
        assert not config.certificate_login
        session = BetfairSession(config)
        try:
            token = await session.token()
            assert harness.interactive_logins == 1 and harness.cert_logins == 0
            assert await session.keep_alive() is True and harness.keep_alives == 1
            await session.logout()
            assert token not in harness.tokens and not session.logged_in
        finally:
            await session.aclose()


async def test_refused_login_is_typed_and_never_repeated() -> None:
    async with BetfairHarness() as harness:
        session = BetfairSession(_config(harness, "invalid"))
        try:
            for _ in range(5):  # callers keep asking: the venue is asked once
                with pytest.raises(AuthenticationError) as caught:
                    await session.token()
            assert caught.value.venue_code == "INVALID_USERNAME_OR_PASSWORD"
            assert sum(r.path == "/api/certlogin" for r in harness.requests) == 1
            assert session.login_attempts == 1
        finally:
            await session.aclose()


async def test_no_credentials_no_request() -> None:
    async with BetfairHarness() as harness:
        session = BetfairSession(_config(harness, "none"))
        with pytest.raises(MissingCredentials):
            await session.token()
        assert not harness.requests
        await session.aclose()


async def test_an_expired_session_logs_in_again_once() -> None:
    async with BetfairHarness() as harness:
        http = BetfairHttpClient(_config(harness))
        try:
            await http.http_get_account_funds()
            harness.tokens.clear()  # the venue ended the session
            funds = await http.http_get_account_funds()
            assert funds["wallet"] == "UK"
            assert harness.cert_logins == 2
        finally:
            await http.aclose()
