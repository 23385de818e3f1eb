"""Betfair sessions: certificate or interactive login, keepAlive, logout.

A session token comes from one login and is shared by every client of one config. Logins are
rationed by the venue (100 successful logins a minute, then ``TEMPORARY_BAN_TOO_MANY_REQUESTS``
for 20 minutes), so:

* concurrent callers of :meth:`BetfairSession.token` wait for one login, never start several;
* a refused login (bad password, unknown certificate, a ban) raises AuthenticationError and is
  remembered: every later call raises the same error at once, without asking the venue again,
  until :meth:`BetfairSession.reset` (new credentials). No login storm, whatever the callers do;
* a token that the API reports expired is replaced by one new login, once per token.

:meth:`keep_alive` extends the session (``keep_alive_loop`` calls it well before the 12 h
expiry); :meth:`logout` ends it.
"""

from __future__ import annotations

import logging
import ssl
from typing import Any

import anyio
import httpx
from tradeport.errors import AuthenticationError, MissingCredentials, NetworkError
from tradeport.net import HttpClient, RetryPolicy, json_codec

from tradeport_betfair.config import BetfairConfig
from tradeport_betfair.constants import VENUE_ID
from tradeport_betfair.http.models import LOGIN_BANNED
from tradeport_betfair.urls import cert_identity_url, identity_url

__all__ = ["BetfairSession"]

log = logging.getLogger("tradeport.betfair.session")


def _context(config: BetfairConfig, *, client_cert: bool) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=config.ca_file)
    if client_cert and config.cert_file is not None:
        context.load_cert_chain(config.cert_file, config.key_file)
    return context


class BetfairSession:
    """The session token of one account (see the module docstring)."""

    def __init__(self, config: BetfairConfig) -> None:
        self.config = config
        self._token: str | None = config.session_token.reveal() if config.session_token else None
        self._refused: AuthenticationError | None = None
        self._lock = anyio.Lock()
        self._http: dict[bool, HttpClient] = {}
        #: Logins sent to the venue (successful or not), for observation.
        self.login_attempts = 0
        self.keep_alives = 0

    def __repr__(self) -> str:
        return f"BetfairSession(logged_in={self._token is not None})"

    @property
    def can_login(self) -> bool:
        """Whether the config allows a login (a user name and a password)."""
        return bool(self.config.username) and bool(self.config.api_secret)

    @property
    def logged_in(self) -> bool:
        return self._token is not None

    def current_token(self) -> str | None:
        """The token now, without logging in (the stream login reads it per connection)."""
        return self._token

    def app_key(self) -> str:
        if not self.config.api_key:
            raise MissingCredentials(VENUE_ID, "login", "set api_key (the application key)")
        return self.config.api_key.reveal()

    def _client(self, cert: bool) -> HttpClient:
        client = self._http.get(cert)
        if client is None:
            verify = _context(self.config, client_cert=cert)
            base = (
                cert_identity_url(self.config.jurisdiction, self.config.base_url_identity_cert)
                if cert
                else identity_url(self.config.jurisdiction, self.config.base_url_identity)
            )
            client = self._http[cert] = HttpClient(
                base,
                venue=VENUE_ID,
                retry=RetryPolicy(
                    max_attempts=self.config.http_max_attempts, initial=self.config.http_retry_delay
                ),
                secrets=[self.config.api_key, self.config.api_secret, self.config.session_token],
                client=httpx.AsyncClient(verify=verify, timeout=self.config.http_timeout),
            )
        return client

    async def aclose(self) -> None:
        for client in self._http.values():
            await client.aclose()
        self._http.clear()

    def reset(self) -> None:
        """Forget a refused login (after the credentials were fixed) and the token."""
        self._refused = None
        self._token = None

    def expire(self, token: str) -> None:
        """The API said ``token`` is no longer valid: the next :meth:`token` logs in again."""
        if self._token == token:
            self._token = None

    async def token(self) -> str:
        """The session token, logging in first when there is none (one login at a time)."""
        if self._token is not None:
            return self._token
        async with self._lock:
            if self._token is None:
                self._token = await self._login()
            return self._token

    def _headers(self, token: str | None = None) -> dict[str, str]:
        headers = {"X-Application": self.app_key(), "Accept": "application/json"}
        if token is not None:
            headers["X-Authentication"] = token
        return headers

    async def _login(self) -> str:
        if self._refused is not None:
            raise self._refused  # remembered: the venue is not asked again
        if not self.can_login:
            raise MissingCredentials(VENUE_ID, "login", "set username and api_secret (password)")
        assert self.config.username is not None and self.config.api_secret is not None
        form = [("username", self.config.username), ("password", self.config.api_secret.reveal())]
        cert = self.config.certificate_login
        path = "/certlogin" if cert else "/login"
        self.login_attempts += 1
        try:
            # A 429 or 5xx is retried with backoff (bounded); a refusal (HTTP 200 with a
            # failed loginStatus) is remembered below and never repeated.
            response = await self._client(cert).request(
                "POST", path, data=form, headers=self._headers()
            )
        except NetworkError as error:
            if cert and "certificate" in str(error.__cause__ or error).lower():
                self._refused = AuthenticationError(
                    "certificate login refused: the client certificate was not accepted",
                    venue=VENUE_ID,
                    endpoint=f"POST {path}",
                )
                raise self._refused from None
            raise
        answer = json_codec.loads(response.content)
        # certlogin answers {sessionToken, loginStatus}; login {token, product, status, error}.
        status = answer.get("loginStatus") if cert else answer.get("status")
        token = answer.get("sessionToken") if cert else answer.get("token")
        if status == "SUCCESS" and token:
            log.info("logged in (%s)", "certificate" if cert else "interactive")
            return str(token)
        reason = str(status if cert else (answer.get("error") or status))
        self._refused = AuthenticationError(
            f"login refused: {reason}",
            venue=VENUE_ID,
            endpoint=f"POST {path}",
            venue_code=reason,
            venue_message="too many logins: no new login for 20 minutes"
            if reason == LOGIN_BANNED
            else None,
        )
        raise self._refused

    async def keep_alive(self) -> bool:
        """Extend the session; False (and the token dropped) when the venue says it is gone."""
        if self._token is None:
            return False
        token = self._token
        response = await self._client(False).request(
            "POST", "/keepAlive", headers=self._headers(token)
        )
        answer: dict[str, Any] = json_codec.loads(response.content)
        self.keep_alives += 1
        if answer.get("status") == "SUCCESS":
            return True
        log.warning("keepAlive refused: %s", answer.get("error"))
        self.expire(token)
        return False

    async def keep_alive_loop(self) -> None:
        """keepAlive every ``keep_alive_interval`` seconds (run it in a task group)."""
        while True:
            await anyio.sleep(self.config.keep_alive_interval)
            try:
                await self.keep_alive()
            except NetworkError as error:
                log.warning("keepAlive failed: %s", error)

    async def logout(self) -> None:
        """End the session at the venue (the token is dropped either way)."""
        token, self._token = self._token, None
        if token is None:
            return
        try:
            await self._client(False).request("POST", "/logout", headers=self._headers(token))
        except NetworkError as error:
            log.warning("logout failed: %s", error)
