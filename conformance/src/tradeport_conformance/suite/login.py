"""LOGIN and credentials (LG1-LG6)."""

from __future__ import annotations

import logging

import pytest
from tradeport.errors import (
    AuthenticationError,
    ClockSkewError,
    MissingCredentials,
    RequestRejected,
    TradeportError,
)

from tradeport_conformance.markers import requires, scenario
from tradeport_conformance.suite.helpers import (
    far_bid_order,
    pick_instrument,
    prices_for,
    submit_outcome,
)

pytestmark = pytest.mark.anyio


async def _signed_commands_verified(harness, open_session, iid) -> None:
    """LG4 for venues that sign only commands: a far-away limit order signed right is
    accepted (and its signature verified); signed by an unknown key it is refused: a typed
    error, or an OrderRejected carrying the venue's reason (definitive evidence)."""
    from tradeport.model.events import OrderAccepted, OrderRejected

    async def submit(credentials: str):
        async with open_session(credentials, connect=False) as venue:
            await venue.instruments.load_all()
            inst = venue.instruments.get(iid)
            try:
                return await submit_outcome(venue, far_bid_order(inst, prices_for(inst)))
            except (AuthenticationError, RequestRejected) as exc:
                return exc

    outcome = await submit("valid")
    assert isinstance(outcome, OrderAccepted), f"a correctly signed order was refused: {outcome}"
    signed = [r for r in harness.requests if r.signature_ok is not None]
    assert signed, "the mock venue verified no signature"
    assert all(r.signature_ok for r in signed), "a signature the venue refuses was sent"
    outcome = await submit("invalid")
    assert isinstance(outcome, (AuthenticationError, RequestRejected, OrderRejected)), outcome
    if isinstance(outcome, OrderRejected):
        assert outcome.reason, "rejected without the venue's reason"
    assert any(r.signature_ok is False for r in harness.requests)


__all__ = ["TestLogin"]


@pytest.mark.anyio
class TestLogin:
    @scenario("LG1")
    @requires("capability:private_streams")
    async def test_valid_credentials_authenticate_after_ack(self, harness, open_session) -> None:
        async with open_session("valid", connect=False) as venue:
            assert venue.execution.authenticated is False
            assert harness.logins == 0
            # No cancel scope around connect(): a client may enter its own task group there,
            # which must not be nested in a scope that ends first. pytest-timeout bounds it.
            await venue.execution.connect()
            try:
                # connect() returns after the venue acknowledged the login, never before.
                assert harness.logins >= 1
                assert venue.execution.authenticated is True
            finally:
                await venue.execution.disconnect()

    @scenario("LG2")
    @requires("capability:private_streams")
    async def test_rejected_credentials_are_fatal(self, harness, open_session) -> None:
        async with open_session("invalid", connect=False) as venue:
            with pytest.raises(AuthenticationError):
                await venue.execution.connect()
            assert venue.execution.authenticated is False
            attempts = harness.tcp_connections
            await venue.execution.disconnect()
        # Fatal: no retry after the refusal (one or two connections: REST + stream at most).
        assert harness.tcp_connections == attempts
        assert harness.logins == 0

    @scenario("LG3")
    @requires("capability:execution", "feature:api_credentials")
    @pytest.mark.without_credentials
    async def test_private_call_without_credentials_sends_nothing(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        iid = pick_instrument(harness, venue_capabilities)
        async with open_session("none") as venue:
            before = len(harness.requests)
            with pytest.raises(MissingCredentials) as err:
                await venue.execution.order_status_reports(iid)
            assert len(harness.requests) == before, "a request left without credentials"
            assert (
                venue.spec.venue_id in str(err.value) or venue_spec.name in str(err.value).lower()
            )

    @scenario("LG4")
    @requires("capability:execution", "feature:api_credentials")
    async def test_every_signature_verified_and_wrong_secret_refused(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        iid = pick_instrument(harness, venue_capabilities)
        if not harness.features.signed_reads:
            await _signed_commands_verified(harness, open_session, iid)
            return
        async with open_session("valid", connect=False) as venue:
            await venue.execution.order_status_reports(iid)
        signed = [r for r in harness.requests if r.signature_ok is not None]
        assert signed, "the mock venue verified no signature"
        assert all(r.signature_ok for r in signed), "a signature the venue refuses was sent"
        async with open_session("invalid", connect=False) as venue:
            with pytest.raises((AuthenticationError, RequestRejected)):
                await venue.execution.order_status_reports(iid)
        assert any(r.signature_ok is False for r in harness.requests)

    @scenario("LG5")
    @requires("capability:execution", "feature:timestamp_window")
    async def test_clock_skew_is_a_typed_error(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        iid = pick_instrument(harness, venue_capabilities)
        async with open_session("skewed", connect=False) as venue:
            with pytest.raises(ClockSkewError) as err:
                await venue.execution.order_status_reports(iid)
        assert not err.value.retryable

    @scenario("LG7")
    @requires("capability:execution", "feature:timestamp_window", "feature:server_time")
    async def test_clock_skew_corrected_by_server_time(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        """The local clock as far off as LG5's, with ``time_sync``: the session measures the
        venue's clock, logs in and its signed calls and orders are accepted (not one request
        refused for its timestamp); LG5 proves the same clock is refused without it."""
        from tradeport.model.events import OrderAccepted

        iid = pick_instrument(harness, venue_capabilities)
        private = venue_capabilities.private_streams
        async with open_session("skewed", connect=private, time_sync=True) as venue:
            await venue.instruments.load_all()
            inst = venue.instruments.get(iid)
            await venue.execution.order_status_reports(iid)  # a signed read: no ClockSkewError
            outcome = await submit_outcome(venue, far_bid_order(inst, prices_for(inst)))
            assert isinstance(outcome, OrderAccepted), f"refused with a synced clock: {outcome}"
            if private:
                assert venue.execution.authenticated, "the private stream did not log in"
        signed = [r for r in harness.requests if r.signature_ok is not None]
        assert signed and all(r.signature_ok for r in signed), "a signed request was refused"

    @scenario("LG6")
    @requires("feature:api_credentials")
    async def test_secrets_never_leak(
        self, harness, open_session, venue_spec, venue_capabilities, caplog, capsys
    ) -> None:
        secrets = [s for s in harness.secrets if len(s) >= 4]
        assert secrets, "the harness must list the credential values it hands out"
        texts: list[str] = []
        with caplog.at_level(logging.DEBUG):
            async with open_session("valid") as venue:
                texts += [
                    repr(venue.config),
                    str(venue.config),
                    # A data-only venue has no execution client to print (declared).
                    repr(venue.execution) if venue_capabilities.execution else "",
                    repr(venue.data),
                ]
                if venue_capabilities.execution:
                    iid = pick_instrument(harness, venue_capabilities)
                    await venue.execution.order_status_reports(iid)
            async with open_session("invalid", connect=False) as venue:
                texts.append(repr(venue.config))
                if venue_capabilities.execution:
                    try:
                        await venue.execution.order_status_reports(
                            pick_instrument(harness, venue_capabilities)
                        )
                    except TradeportError as exc:
                        texts += [str(exc), repr(exc)]
        from tradeport.cli import main as cli_main

        cli_main(["info", venue_spec.name, "--json"])
        texts.append(capsys.readouterr().out)
        texts.append(caplog.text)
        for text in texts:
            for secret in secrets:
                assert secret not in text, "a credential value leaked"
