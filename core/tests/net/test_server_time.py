"""ServerClock: the round-trip midpoint, staleness, one measurement for concurrent callers, and
HttpClient's one re-measure and one retry on a clock-skew refusal (real HTTP on loopback)."""

from __future__ import annotations

import time
from typing import Any

import anyio
import anyio.lowlevel
import pytest
from tradeport.errors import ClockSkewError, NetworkError
from tradeport.net import HttpClient, ServerClock, SignRequest, SignResult
from tradeport.testing import LoopbackServer, Request, Response

pytestmark = pytest.mark.anyio


class FakeTime:
    """A local clock that a fake server-time call advances by its round trip."""

    def __init__(self, start: int, server_ahead: int, rtt: int) -> None:
        self.now = start
        self.server_ahead = server_ahead
        self.rtt = rtt
        self.calls = 0

    def local(self) -> int:
        return self.now

    async def fetch(self) -> int:
        self.calls += 1
        await anyio.lowlevel.checkpoint()
        self.now += self.rtt // 2
        server = self.now + self.server_ahead  # the venue reads its clock mid-way
        self.now += self.rtt - self.rtt // 2
        return server


async def test_offset_is_server_time_minus_the_round_trip_midpoint() -> None:
    fake = FakeTime(start=10**18, server_ahead=-5_000_000_000, rtt=40_000_000)
    clock = ServerClock(fake.fetch, local_ns=fake.local)
    assert clock.stale and clock.offset_ns == 0
    assert await clock.measure() == -5_000_000_000
    assert clock.rtt_ns == 40_000_000
    assert clock.now_ns() == fake.now - 5_000_000_000
    assert clock.now_ms() == clock.now_ns() // 1_000_000
    assert not clock.stale


async def test_concurrent_callers_share_one_measurement() -> None:
    fake = FakeTime(start=10**18, server_ahead=123, rtt=10)
    clock = ServerClock(fake.fetch, local_ns=fake.local, interval=60)
    async with anyio.create_task_group() as group:
        for _ in range(10):
            group.start_soon(clock.ensure_fresh)
    assert fake.calls == 1 and clock.measurements == 1


async def test_best_of_samples_and_a_failed_measurement_keeps_the_offset() -> None:
    rtts = iter([50, 10, 30])
    base = [10**18]

    async def fetch() -> int:
        rtt = next(rtts)
        base[0] += rtt
        return base[0] - rtt // 2 + 1000

    clock = ServerClock(fetch, local_ns=lambda: base[0], samples=3)
    await clock.measure()
    assert clock.rtt_ns == 10 and clock.offset_ns == 1000

    async def broken() -> int:
        raise NetworkError("down")

    clock.fetch_server_ns = broken
    clock.interval = 1e-9  # stale at once
    await clock.ensure_fresh()  # logged, not raised
    assert clock.offset_ns == 1000
    with pytest.raises(NetworkError):
        await clock.measure()
    with pytest.raises(ValueError, match="interval"):
        ServerClock(fetch, interval=0)


async def test_http_client_re_measures_once_and_retries_once_on_skew() -> None:
    venue_ahead_ms = 7_000
    stamps: list[int] = []

    async def venue(request: Request) -> Response:
        now = time.time_ns() // 1_000_000 + venue_ahead_ms
        if request.path == "/time":
            return Response.json({"serverTime": now})
        stamp = int(request.header("X-Stamp") or 0)
        stamps.append(stamp)
        if abs(stamp - now) > 1000:
            return Response.json({"code": -1021, "msg": "outside the recvWindow"}, status=400)
        return Response.json({"ok": True})

    def parse(response: Any) -> Any:
        if response.status_code == 400:
            return ClockSkewError("skew", venue_code=-1021)
        return None

    async with LoopbackServer(http=venue) as server:
        holder: dict[str, HttpClient] = {}

        async def server_ns() -> int:
            return int((await holder["http"].get_json("/time"))["serverTime"]) * 1_000_000

        clock = ServerClock(server_ns)

        def sign(request: SignRequest) -> SignResult:
            return SignResult(headers={"X-Stamp": str(clock.now_ms())})

        async with HttpClient(
            server.http_url, signer=sign, error_parser=parse, server_clock=clock
        ) as http:
            holder["http"] = http
            assert await http.get_json("/private", signed=True) == {"ok": True}
            assert clock.measurements == 1  # measured before the first signed request
            clock.offset_ns = 0  # the venue's clock "jumps" away from the measurement
            assert await http.get_json("/private", signed=True) == {"ok": True}
            assert clock.measurements == 2 and len(stamps) == 3  # refused once, retried once
            venue_ahead_ms = 60_000  # now every measurement is wrong by the time it is used
            clock.offset_ns = 0

            async def never_right() -> int:
                return time.time_ns()  # a time endpoint that disagrees with the venue

            clock.fetch_server_ns = never_right
            with pytest.raises(ClockSkewError):
                await http.get_json("/private", signed=True)
            assert len(stamps) == 5  # one retry, then the error surfaces
