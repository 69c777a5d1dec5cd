"""A FeedClient with the Binance session against the mock exchange's Binance dialect on port 0:
trades and tickers arrive, and the rebuilt book equals the server's, also across withheld
depth updates (the exchange's ``skip_book_seq`` fault) and a dropped connection."""

from __future__ import annotations

import asyncio
import contextlib

import msgspec

from mock_exchange.server import ExchangeServer
from tests.support.waiting import wait_for
from tradedash.core import wire
from tradedash.core.feed.lifecycle import FeedState
from tradedash.core.market.state import MarketState
from tradedash.core.venues.binance import messages as m
from tradedash.core.venues.registry import venue_of
from tradedash.net.feed_client import FeedClient

SYMBOL, VENUE_SYMBOL = "BTC-USD", "BTCUSD"


def server_book(server: ExchangeServer) -> tuple[int, dict[float, float], dict[float, float]]:
    """The dialect's book of BTC-USD as its REST depth would give it now."""
    decoded = m.decode_depth(msgspec.json.encode(server.binance.market.depth_snapshot(SYMBOL, 1000)))
    assert isinstance(decoded, m.DepthSnapshot)
    return decoded.last_update_id, dict(decoded.bids), dict(decoded.asks)


class BookWatch:
    """After every book message the feed applies: is the client's book the server's (when both are at the same update id)?"""

    def __init__(self, server: ExchangeServer, market: MarketState) -> None:
        self.server, self.market = server, market
        self.equal = self.unequal = 0

    def __call__(self, message: wire.MarketMessage) -> None:
        if not isinstance(message, wire.Book):
            return
        update_id, bids, asks = server_book(self.server)
        if update_id != message.seq:
            return  # the server moved on since: nothing to compare at this id
        book = self.market.symbol(VENUE_SYMBOL).book
        if (dict(book.bids()), dict(book.asks())) == (bids, asks):
            self.equal += 1
        else:
            self.unequal += 1


async def test_binance_feed_reads_trades_and_tickers_and_keeps_the_servers_book(exchange: ExchangeServer):
    venue = venue_of("binance")
    ws_url, rest_url = venue.mock_urls(exchange.url)
    market = MarketState()
    watch = BookWatch(exchange, market)
    seen: list[type] = []

    def on_message(message: wire.MarketMessage) -> None:
        seen.append(type(message))
        watch(message)

    session = venue.session(
        market, rest_url=rest_url, subscriptions=wire.subscriptions_of(["book", "trades", "ticker"], [VENUE_SYMBOL]),
        on_message=on_message,
    )
    client = FeedClient(ws_url, session=session)
    task = asyncio.create_task(client.run())
    try:
        await wait_for(lambda: watch.equal >= 5 and wire.Trade in seen and wire.Ticker in seen, what="book, trades, ticker")
        assert client.state is FeedState.LIVE
        assert any(info.symbol == VENUE_SYMBOL and info.tick_size > 0 for info in client.symbols)
        assert session.confirmed == session.subscriptions
        sync = session.books[VENUE_SYMBOL]

        page = await client.fetch_history(VENUE_SYMBOL, "1m", count=5)  # GET /api/v3/klines, beside the stream
        assert page.symbol == VENUE_SYMBOL and 1 <= len(page.bars) <= 5
        assert all(start % 60_000_000_000 == 0 for start, *_ in page.bars)

        await exchange.faults.skip_book_seq(SYMBOL, 2)  # withheld updates: a gap, then a resync
        await wait_for(lambda: sync.resyncs >= 1, what="a gap")
        before = watch.equal
        await wait_for(lambda: sync.synced and watch.equal >= before + 5, what="the book rebuilt after the gap")

        await exchange.faults.drop_all()  # a dropped connection: reconnect, start the book over
        await wait_for(lambda: client.stats.reconnects >= 1, what="a reconnect")
        before = watch.equal
        await wait_for(lambda: client.state is FeedState.LIVE and watch.equal >= before + 5, what="the book after the drop")
    finally:
        await client.close()
        with contextlib.suppress(Exception):
            await task
    assert watch.unequal == 0
    assert session.stats.malformed == 0


async def test_binance_feed_through_the_fault_proxy_keeps_the_servers_book(exchange: ExchangeServer):
    from mock_exchange.proxy import FaultProxy

    proxy = FaultProxy(("127.0.0.1", exchange.port), seed=3)
    await proxy.start()
    venue = venue_of("binance")
    ws_url, rest_url = venue.mock_urls(f"ws://127.0.0.1:{proxy.port}")  # stream and REST both through the proxy
    market = MarketState()
    watch = BookWatch(exchange, market)
    session = venue.session(
        market, rest_url=rest_url, subscriptions=wire.subscriptions_of(["book", "trades"], [VENUE_SYMBOL]), on_message=watch
    )
    client = FeedClient(ws_url, session=session)
    task = asyncio.create_task(client.run())
    try:
        proxy.set_slicing(7)  # frames arrive in 7-byte pieces
        await wait_for(lambda: watch.equal >= 5, what="the book through a slicing proxy")
        proxy.reset_all()  # connections reset: reconnect, start the book over
        await wait_for(lambda: client.stats.reconnects >= 1, what="a reconnect")
        proxy.clear_faults()
        before = watch.equal
        await wait_for(lambda: client.state is FeedState.LIVE and watch.equal >= before + 5, what="the book after the reset")
    finally:
        await client.close()
        with contextlib.suppress(Exception):
            await task
        await proxy.stop()
    assert watch.unequal == 0


async def test_a_binance_feed_brings_its_token_and_ca_file_to_rest_too(tmp_path):
    """The exchange wants a token and serves TLS on both sides: exchangeInfo, the depth snapshots and the
    klines are asked with the token and trust the CA file the stream connection trusts."""
    from mock_exchange.config import ExchangeConfig
    from tests.support.certificates import server_certificate

    certfile, keyfile, ca = server_certificate(tmp_path)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(ca_file)
    server = ExchangeServer(ExchangeConfig(port=0, rate=50.0, heartbeat_interval=0.2, token="s3cret", certfile=certfile, keyfile=keyfile))
    await server.start()
    venue = venue_of("binance")
    ws_url, rest_url = venue.mock_urls(server.url)
    assert ws_url.startswith("wss://") and rest_url.startswith("https://")
    market = MarketState()
    watch = BookWatch(server, market)
    session = venue.session(market, rest_url=rest_url, subscriptions=wire.subscriptions_of(["book"], [VENUE_SYMBOL]), on_message=watch)
    client = FeedClient(ws_url, session=session, token="s3cret", ca_file=str(ca_file))
    task = asyncio.create_task(client.run())
    try:
        await wait_for(lambda: watch.equal >= 3, what="the book, from a snapshot asked with the token over TLS")
        assert any(info.symbol == VENUE_SYMBOL for info in client.symbols)  # exchangeInfo read
        page = await client.fetch_history(VENUE_SYMBOL, "1m", count=5)
        assert 1 <= len(page.bars) <= 5
    finally:
        await client.close()
        with contextlib.suppress(Exception):
            await task
        await server.stop()
    assert watch.unequal == 0 and not [e for e in session.stats.last_errors if "snapshot" in e]
