"""HttpPool: kept open between open() and aclose(), else one short-lived pool per outermost
call, shared by nested calls, closed when the last lease ends."""

from __future__ import annotations

import pytest
from tradeport.net import HttpClient
from tradeport.net.http_pool import HttpPool

pytestmark = pytest.mark.anyio


class Recorded(HttpClient):
    is_closed = False

    async def aclose(self) -> None:
        await super().aclose()
        self.is_closed = True


class Factory:
    def __init__(self) -> None:
        self.made: list[Recorded] = []

    def __call__(self) -> Recorded:
        client = Recorded("http://127.0.0.1:9", venue="TEST")
        self.made.append(client)
        return client


async def test_leased_pools_are_shared_by_nested_calls_and_closed_after() -> None:
    factory = Factory()
    pool = HttpPool(factory)
    async with pool.session() as outer, pool.session() as inner:
        assert inner is outer
    assert isinstance(outer, Recorded)
    async with pool.session() as again:
        assert again is not outer
    assert len(factory.made) == 2
    assert isinstance(again, Recorded)
    assert outer.is_closed and again.is_closed


async def test_an_open_pool_serves_every_call_until_aclose() -> None:
    factory = Factory()
    pool = HttpPool(factory)
    await pool.open()
    async with pool.session() as first:
        pass
    async with pool.session() as second:
        assert isinstance(first, Recorded)
        assert second is first and not first.is_closed
    assert pool.is_open
    await pool.aclose()
    assert first.is_closed and not pool.is_open and len(factory.made) == 1


async def test_aclose_during_a_lease_closes_when_the_lease_ends() -> None:
    pool = HttpPool(Factory())
    await pool.open()
    async with pool.session() as http:
        assert isinstance(http, Recorded)
        await pool.aclose()
        assert not http.is_closed
    assert http.is_closed
