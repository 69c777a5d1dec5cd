"""A Binance feed against the mock's REST request-weight limits (port 0): it keeps within the weight a
minute, stops asking after a 429 until its Retry-After, and stops and says so when the address is
banned (418). The mock's REST answers are recorded as they go out."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from mock_exchange.server import ExchangeConfig, ExchangeServer
from tests.support.waiting import wait_for
from tradedash.core import wire
from tradedash.core.market.state import MarketState
from tradedash.core.venues.binance.rest import WeightBudget
from tradedash.core.venues.registry import venue_of
from tradedash.net.feed_client import FeedClient

SYMBOLS = ["BTCUSD", "ETHUSD", "SOLUSD"]
#: Each depth request (limit 100) weighs 5, exchangeInfo 20; the mock's address may spend 32 a minute.
DEPTH_LIMIT, LIMIT = 100, 32


@pytest.fixture
async def limited() -> AsyncIterator[tuple[ExchangeServer, list[tuple[str, int]]]]:
    """A mock exchange whose address may spend a weight of 32 a minute, and its REST answers (path, status)."""
    config = ExchangeConfig(port=0, rate=50.0, symbols=["BTC-USD", "ETH-USD", "SOL-USD"], binance_weight_limit=LIMIT)
    server = ExchangeServer(config)
    await server.start()
    answers: list[tuple[str, int]] = []
    rest = server.binance.rest
    answer = rest.answer

    def recorded(path, query, address, now_ms):  # type: ignore[no-untyped-def]
        out = answer(path, query, address, now_ms)
        answers.append((path, out.status))
        return out

    rest.answer = recorded  # type: ignore[method-assign]
    try:
        yield server, answers
    finally:
        await server.stop()


async def _spend(server: ExchangeServer, depths: int) -> None:
    """Another program on this address spends weight: exchangeInfo (20), then depth requests of weight 5."""
    base = server.url.replace("ws", "http", 1) + "/binance/api/v3"
    async with aiohttp.ClientSession() as http:
        for path in ["/exchangeInfo", *["/depth?symbol=BTCUSD&limit=10"] * depths]:
            async with http.get(base + path) as response:
                await response.read()


@contextlib.asynccontextmanager
async def _feed(server: ExchangeServer, *, listed: bool = False) -> AsyncIterator[FeedClient]:
    """A Binance feed of three books; ``listed``: its symbols and the weight limit are known (from another
    feed's exchangeInfo, say), else it reads them from exchangeInfo."""
    venue = venue_of("binance")
    ws_url, rest_url = venue.mock_urls(server.url)
    infos = [wire.SymbolInfo(symbol, 0.01, 0.0001) for symbol in SYMBOLS] if listed else None
    session = venue.session(
        MarketState(), rest_url=rest_url, subscriptions=wire.subscriptions_of(["book"], SYMBOLS), symbols=infos,
        depth_limit=DEPTH_LIMIT, weight_budget=WeightBudget(LIMIT if listed else 6000),
    )
    client = FeedClient(ws_url, session=session)
    task = asyncio.create_task(client.run())
    try:
        yield client
    finally:
        await client.close()
        with contextlib.suppress(Exception):
            await task


def _depth_answers(answers: list[tuple[str, int]]) -> list[int]:
    return [status for path, status in answers if path == "/api/v3/depth"]


async def test_the_feed_keeps_within_the_weight_a_minute(limited):
    server, answers = limited
    async with _feed(server) as client:
        session = client.session
        await wait_for(lambda: sum(sync.synced for sync in session.books.values()) >= 2, what="two books")
        await asyncio.sleep(1.0)  # time enough to ask for the third, were it allowed
        # exchangeInfo (20, and it says the limit is 32) and three books (15) need 35: the third waits, no 429 came.
        assert session.rest.budget.limit == LIMIT
        assert answers[0] == ("/api/v3/exchangeInfo", 200) and _depth_answers(answers) == [200, 200]
        assert sum(sync.synced for sync in session.books.values()) == 2
        assert session.rest.next_release() is not None and session.rest.next_release() > client._clock() + 50


async def test_a_429_stops_requests_until_its_retry_after_without_a_ban(limited):
    server, answers = limited
    if time.time() % 60 > 55:  # the mock counts weight per clock minute: not across its turn
        await asyncio.sleep(60.5 - time.time() % 60)
    await _spend(server, 2)  # 30 of 32 spent by someone else: the feed's first snapshot (5) is refused
    async with _feed(server, listed=True) as client:
        await wait_for(lambda: _depth_answers(answers)[2:], what="the feed's first snapshot")
        await asyncio.sleep(1.5)
        assert _depth_answers(answers)[2:] == [429]  # one request, then nothing: no second 429, no 418 ban
        assert any("429" in error for error in client.stats.last_errors)
        assert client.session.rest.budget.blocked_until > client._clock()


async def test_a_banned_address_stops_asking_and_says_so(limited):
    server, answers = limited
    await _spend(server, 4)  # 429, then asking again: the address is banned (418) for two minutes
    assert _depth_answers(answers)[-1] == 418
    async with _feed(server, listed=True) as client:
        await wait_for(lambda: len(_depth_answers(answers)) > 4, what="the feed's first snapshot")
        await asyncio.sleep(1.5)
        assert _depth_answers(answers)[4:] == [418]
        assert any("banned" in error for error in client.stats.last_errors)
        assert client.session.rest.budget.blocked_until > client._clock() + 60


def test_feeds_that_reach_the_same_rest_host_share_one_budget():
    venue, budgets = venue_of("binance"), {}
    first, second, other = (
        venue.session(MarketState(), rest_url=url, budgets=budgets)
        for url in ("https://api.binance.com", "https://api.binance.com/", "http://127.0.0.1:9/binance")
    )
    assert first.rest.budget is second.rest.budget  # one address, one host: one weight a minute
    assert other.rest.budget is not first.rest.budget
    assert venue_of("tradedash").session(MarketState(), budgets=budgets) is not None  # protocol v1 has no REST


async def test_a_request_cut_short_by_closing_the_feed_leaves_the_shared_budget_free(limited):
    server, _answers = limited
    held: list[asyncio.StreamWriter] = []
    silent = await asyncio.start_server(lambda _r, w: held.append(w), "127.0.0.1", 0)  # takes the GET, never answers
    port = silent.sockets[0].getsockname()[1]
    venue, budgets = venue_of("binance"), {}
    ws_url, _ = venue.mock_urls(server.url)
    session = venue.session(
        MarketState(), rest_url=f"http://127.0.0.1:{port}", budgets=budgets,
        subscriptions=wire.subscriptions_of(["book"], SYMBOLS),
    )
    client = FeedClient(ws_url, session=session)
    task = asyncio.create_task(client.run())
    try:
        await wait_for(lambda: session.rest.budget.in_flight == 1, what="exchangeInfo under way")
    finally:
        await client.close()
        with contextlib.suppress(Exception):
            await task
        silent.close()
        for writer in held:
            writer.close()
    assert session.rest.budget.in_flight == 0  # the next feed on this budget is not kept waiting for its answer
