"""A Binance feed of more than 1024 streams against the mock's Binance dialect (which holds every
connection to 1024 streams and 5 messages a second, port 0): it opens a second connection, every
stream delivers, and losing one connection resyncs only that connection's books."""

from __future__ import annotations

import asyncio
import contextlib
from functools import partial

from mock_exchange.market import SymbolSpec
from mock_exchange.server import ExchangeConfig, ExchangeServer
from tests.support.waiting import wait_for
from tradedash.core import wire
from tradedash.core.feed.lifecycle import FeedState
from tradedash.core.market.state import MarketState
from tradedash.core.venues.registry import venue_of
from tradedash.net.sharded_feed import ShardedFeed

CHANNELS = ["ticker", "trades", "book", "candles:1s", "candles:1m", "candles:5m", "candles:1h"]
MOCK_SYMBOLS = [f"S{i:03d}-USD" for i in range(150)]  # 150 x 7 = 1,050 streams
SYMBOLS = [s.replace("-", "") for s in MOCK_SYMBOLS]


async def test_more_than_1024_streams_take_two_connections_and_a_lost_one_resyncs_only_its_books():
    config = ExchangeConfig(
        port=0, rate=4.0, symbols=MOCK_SYMBOLS, history_days=0.05, history_seconds=60,
        symbol_specs={s: SymbolSpec(s, 0.01, 0.001, 100.0) for s in MOCK_SYMBOLS},
    )
    assert config.binance_max_streams == 1024 and config.binance_messages_per_second == 5
    server = ExchangeServer(config)
    await server.start()
    venue = venue_of("binance")
    ws_url, rest_url = venue.mock_urls(server.url)
    market = MarketState()
    wanted = set(wire.subscriptions_of(CHANNELS, SYMBOLS))
    feed = ShardedFeed(
        ws_url, market=market, make_session=partial(venue.session, rest_url=rest_url, budgets={}, depth_limit=100),
        subscriptions=wanted, max_streams=venue.max_streams,
    )
    task = asyncio.create_task(feed.run())
    try:
        first, second = feed.connections
        assert len(first.subscriptions) == 1022 and len(second.subscriptions) == 28  # 146 and 4 whole symbols
        assert first.subscriptions | second.subscriptions == wanted == feed.subscriptions

        def delivered() -> set[wire.Subscription]:
            return {wire.Subscription(channel, symbol) for (channel, symbol), counts in feed.stats.subscriptions.items() if counts.messages}

        await wait_for(lambda: delivered() >= wanted, timeout=60, what="a message on every one of the 1,050 streams")
        await wait_for(lambda: feed.state is FeedState.LIVE, timeout=30, what="every book in sync")
        assert feed.refused == set() and feed.stats.malformed == 0
        assert server.counters.rate_limited == 0  # neither connection sent more than 5 messages a second

        books = {**first.session.books, **second.session.books}
        assert set(books) == set(SYMBOLS) and all(sync.synced for sync in books.values())
        kept = {symbol: (sync.snapshots, sync.resyncs) for symbol, sync in first.session.books.items()}
        seqs = {symbol: market.symbols[symbol].book.seq for symbol in first.session.books}
        lost = [c for c in server.binance.connections if len(server.binance._clients[c].session.streams) == 28]
        assert len(lost) == 1
        await server.faults.drop_one(lost[0])  # the second connection is cut
        await wait_for(lambda: second.stats.reconnects >= 1, what="the second connection reconnecting")
        await wait_for(
            lambda: second.state is FeedState.LIVE and all(s.synced and s.snapshots >= 2 for s in second.session.books.values()),
            timeout=30, what="the second connection's books rebuilt",
        )
        assert {symbol: (s.snapshots, s.resyncs) for symbol, s in first.session.books.items()} == kept  # untouched
        assert all(market.symbols[symbol].book.seq >= seqs[symbol] for symbol in seqs)  # never reset
        assert first.state is FeedState.LIVE and first.stats.reconnects == feed.stats.reconnects == 1
    finally:
        await feed.close()
        with contextlib.suppress(Exception):
            await task
        await server.stop()


async def test_subscriptions_changed_live_open_and_close_connections():
    symbols = ["BTC-USD", "ETH-USD", "SOL-USD"]
    server = ExchangeServer(ExchangeConfig(port=0, rate=20.0, symbols=symbols, binance_max_streams=8, history_days=0.05))
    await server.start()
    venue = venue_of("binance")
    ws_url, rest_url = venue.mock_urls(server.url)
    channels = ["ticker", "trades", "book", "candles:1m"]
    feed = ShardedFeed(
        ws_url, market=MarketState(), make_session=partial(venue.session, rest_url=rest_url),
        subscriptions=wire.subscriptions_of(channels, ["BTCUSD", "ETHUSD"]), max_streams=8,
    )
    task = asyncio.create_task(feed.run())
    try:
        await wait_for(lambda: feed.state is FeedState.LIVE, what="one connection live")
        assert len(feed.connections) == 1
        feed.set_subscriptions(wire.subscriptions_of(channels, ["BTCUSD", "ETHUSD", "SOLUSD"]))  # 12 > 8
        assert len(feed.connections) == 2
        await wait_for(
            lambda: feed.state is FeedState.LIVE and all(c.session.confirmed == c.subscriptions for c in feed.connections),
            what="both connections live with what they carry",
        )
        await wait_for(lambda: "SOLUSD" in feed.market.symbols and feed.market.symbols["SOLUSD"].book.synced, what="SOLUSD's book")
        assert feed.refused == set()  # the second connection, not a refused SUBSCRIBE past 8 streams
        feed.set_subscriptions(wire.subscriptions_of(channels, ["BTCUSD"]))
        assert len(feed.connections) == 1 and feed.subscriptions == set(wire.subscriptions_of(channels, ["BTCUSD"]))
        await wait_for(lambda: len(server.binance.connections) == 1, what="the emptied connection closed")
        assert feed.lifecycle.members == [feed.connections[0].lifecycle]
    finally:
        await feed.close()
        with contextlib.suppress(Exception):
            await task
        await server.stop()


def test_book_depth_wishes_reach_the_connection_of_each_symbol_and_follow_a_symbol_that_moves():
    venue = venue_of("binance")
    channels = ["ticker", "trades", "book", "candles:1m"]  # 4 streams a symbol, 8 a connection: 2 symbols each
    feed = ShardedFeed(
        "ws://127.0.0.1:1/stream", market=MarketState(), make_session=partial(venue.session, rest_url="http://127.0.0.1:1"),
        subscriptions=wire.subscriptions_of(channels, ["BTCUSD", "ETHUSD", "SOLUSD"]), max_streams=8,
    )
    feed.set_book_depths({"BTCUSD": 50, "SOLUSD": 20})
    wishes = [(c.subscriptions, c.session.book_depths) for c in feed.connections]
    assert len(wishes) == 2
    for subscriptions, depths in wishes:
        carried = {s.symbol for s in subscriptions}
        assert depths == {symbol: levels for symbol, levels in {"BTCUSD": 50, "SOLUSD": 20}.items() if symbol in carried}
    feed.set_subscriptions(wire.subscriptions_of(channels, ["SOLUSD"]))  # one connection left, carrying SOLUSD
    assert [c.session.book_depths for c in feed.connections] == [{"SOLUSD": 20}]
    feed.set_subscriptions(wire.subscriptions_of(channels, ["SOLUSD", "ADAUSD", "XRPUSD"]))  # a second one opens
    assert len(feed.connections) == 2
    assert sorted(len(c.session.book_depths) for c in feed.connections) == [0, 1]


async def test_the_connections_read_exchange_info_once_between_them_and_a_reconnect_reads_none():
    symbols = ["BTC-USD", "ETH-USD", "SOL-USD", "ADA-USD"]
    server = ExchangeServer(ExchangeConfig(port=0, rate=20.0, symbols=symbols, binance_max_streams=4, history_days=0.05))
    await server.start()
    rest, answer, paths = server.binance.rest, server.binance.rest.answer, []

    def recorded(path, query, address, now_ms):  # type: ignore[no-untyped-def]
        paths.append(path)
        return answer(path, query, address, now_ms)

    rest.answer = recorded  # type: ignore[method-assign]
    venue = venue_of("binance")
    ws_url, rest_url = venue.mock_urls(server.url)
    budgets: dict = {}
    channels = ["ticker", "trades", "book", "candles:1m"]  # 4 streams a symbol, 4 a connection: 4 connections
    feed = ShardedFeed(
        ws_url, market=MarketState(), make_session=partial(venue.session, rest_url=rest_url, budgets=budgets),
        subscriptions=wire.subscriptions_of(channels, [s.replace("-", "") for s in symbols]), max_streams=4,
    )
    task = asyncio.create_task(feed.run())
    try:
        assert len(feed.connections) == 4
        await wait_for(
            lambda: feed.state is FeedState.LIVE and all(c.session.confirmed == c.subscriptions for c in feed.connections),
            what="every connection live with what it carries",
        )
        assert paths.count("/api/v3/exchangeInfo") == 1  # weight 20 once, not once a connection
        assert {s.symbol for s in feed.symbols} >= {"BTCUSD", "ETHUSD", "SOLUSD", "ADAUSD"}
        assert all(c.symbols == feed.symbols for c in feed.connections)
        [budget] = budgets.values()
        assert all(c.session.rest.budget is budget for c in feed.connections) and budget.in_flight == 0
        carrying = {c: {name.split("@")[0] for name in server.binance._clients[c].session.streams} for c in server.binance.connections}
        [lost] = [c for c, names in carrying.items() if names == {"ethusd"}]
        await server.faults.drop_one(lost)
        await wait_for(lambda: feed.stats.reconnects >= 1, what="the dropped connection reconnecting")
        await wait_for(lambda: feed.state is FeedState.LIVE, what="it live again")
        assert paths.count("/api/v3/exchangeInfo") == 1  # the list is fresh: the reconnect reads none
    finally:
        await feed.close()
        with contextlib.suppress(Exception):
            await task
        await server.stop()
