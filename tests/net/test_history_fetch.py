"""FeedClient.fetch_history against a real mock exchange on port 0: paging back to the start of the
seeded past, bounds and bad requests, the live stream flowing meanwhile, and the join between
history and live candles (no gap, no overlap, the same close)."""

from __future__ import annotations

import asyncio
import http.server
import json
import threading

import pytest

from mock_exchange.server import ExchangeConfig, ExchangeServer
from tests.net.support import ScriptedExchange
from tests.support.waiting import wait_for
from tradedash.core import wire
from tradedash.core.venues.protocol_v1 import ProtocolV1Session
from tradedash.core.market.state import MarketState
from tradedash.net.feed_client import FeedClient, HistoryError

BTC = "BTC-USD"
SECOND = wire.INTERVAL_NS["1s"]


@pytest.fixture
async def past_exchange():
    server = ExchangeServer(ExchangeConfig(port=0, rate=20.0, heartbeat_interval=0.2, seed=5, history_days=1, history_seconds=120))
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def _client(url: str, subscriptions=(), on_message=None):
    client = FeedClient(url, market=MarketState(), subscriptions=subscriptions, on_message=on_message)
    task = asyncio.create_task(client.run())
    return client, task


async def _stop(client: FeedClient, task: asyncio.Task) -> None:
    await client.close()
    await asyncio.wait_for(task, 5)


async def test_pages_read_back_to_the_start_of_the_past_without_gaps(past_exchange):
    client, task = await _client(past_exchange.url)
    try:
        bars: list[wire.Bar] = []
        page = await client.fetch_history(BTC, "1m")  # made before the connection is up: sent once it is
        pages = [page]
        while page.next_end is not None:
            page = await client.fetch_history(BTC, "1m", end=page.next_end)
            pages.append(page)
        for page in reversed(pages):
            bars += page.bars
        assert [len(p.bars) for p in pages[:-1]] == [wire.HISTORY_MAX_COUNT] * (len(pages) - 1)
        starts = [b[0] for b in bars]
        assert len(starts) >= 24 * 60 and all(b - a == 60 * SECOND for a, b in zip(starts, starts[1:]))
        assert all(b[1] == a[4] for a, b in zip(bars, bars[1:]))
        small = await client.fetch_history(BTC, "1h", count=3)
        assert len(small.bars) == 3 and small.next_end == small.bars[0][0]
        assert [c.closed for c in small.candles()] == [True, True, False]
    finally:
        await _stop(client, task)


@pytest.mark.parametrize(
    ("symbol", "interval", "options", "code"),
    [
        ("NOPE-USD", "1m", {}, "unknown_symbol"),
        (BTC, "2m", {}, "bad_request"),
        (BTC, "1m", {"count": 0}, "bad_request"),
        (BTC, "1m", {"count": wire.HISTORY_MAX_COUNT + 1}, "bad_request"),
        (BTC, "1m", {"end": -1}, "bad_request"),
        (BTC, "1m", {"end": 2**62}, "bad_request"),  # in the future
    ],
)
async def test_bad_requests_are_refused_with_their_documented_code_and_the_feed_carries_on(past_exchange, symbol, interval, options, code):
    client, task = await _client(past_exchange.url, wire.subscriptions_of(["ticker"], [BTC]))
    try:
        with pytest.raises(HistoryError) as refused:
            await client.fetch_history(symbol, interval, **options)
        assert refused.value.code == code
        assert (await client.fetch_history(BTC, "5m", count=2)).bars  # the connection serves on
        assert client.refused == set()
    finally:
        await _stop(client, task)


async def test_history_comes_while_the_live_stream_flows_and_joins_it_with_no_seam(past_exchange):
    live: list[wire.Candle] = []
    trades: list[wire.Trade] = []

    def on_message(message):
        if isinstance(message, wire.Candle):
            live.append(message)
        elif isinstance(message, wire.Trade):
            trades.append(message)

    subscriptions = wire.subscriptions_of(["candles:1s", "trades"], [BTC])
    client, task = await _client(past_exchange.url, subscriptions, on_message)
    try:
        await wait_for(lambda: len(trades) >= 5, what="live trades")
        # Pages back and forth while trades keep coming: none is lost or held back.
        flowing, fetched = len(trades), 0
        while len(trades) < flowing + 5:
            pages = await asyncio.gather(*(client.fetch_history(BTC, "1m") for _ in range(3)))
            fetched += len(pages)
        assert fetched >= 3 and [t.seq for t in trades] == list(range(trades[0].seq, trades[-1].seq + 1))
        page = await client.fetch_history(BTC, "1s", count=50)
        newest = page.candles()[-1]
        assert not newest.closed and newest.start <= page.ts < newest.start + SECOND
        assert all(b[0] - a[0] == SECOND for a, b in zip(page.bars, page.bars[1:]))
        # The bar in progress closes live, continuing what the history said of it...
        await wait_for(lambda: any(c.start == newest.start and c.closed for c in live), what="the bar's close")
        closed = next(c for c in live if c.start == newest.start and c.closed)
        assert closed.open == newest.open and closed.high >= newest.high and closed.low <= newest.low
        assert closed.volume >= newest.volume
        # ...and history read afterwards has exactly the bar the live stream closed: no gap, no overlap.
        after = await client.fetch_history(BTC, "1s", end=newest.start + SECOND, count=2)
        assert [b[0] for b in after.bars] == [newest.start - SECOND, newest.start]
        assert after.bars[-1] == (closed.start, closed.open, closed.high, closed.low, closed.close, closed.volume)
        assert after.bars[0] == page.bars[-2]
    finally:
        await _stop(client, task)


async def test_a_request_in_flight_when_the_connection_drops_fails_as_disconnected():
    async with ScriptedExchange() as scripted:  # acks every request: never sends the page
        client, task = await _client(scripted.url)
        try:
            fetch = asyncio.create_task(client.fetch_history(BTC, "1m"))
            await wait_for(lambda: any(isinstance(r, wire.HistoryRequest) for _, r in scripted.requests), what="the request")
            await scripted.latest.close()
            with pytest.raises(HistoryError) as failed:
                await fetch
            assert failed.value.code == "disconnected"
        finally:
            await _stop(client, task)


async def test_a_closed_feed_fails_what_waits_and_a_timeout_is_reported():
    client = FeedClient("ws://127.0.0.1:9", market=MarketState())  # nothing listens: never connected
    task = asyncio.create_task(client.run())
    with pytest.raises(HistoryError) as timed_out:
        await client.fetch_history(BTC, "1m", timeout=0.05)
    assert timed_out.value.code == "timeout"
    waiting = asyncio.create_task(client.fetch_history(BTC, "1m"))
    await asyncio.sleep(0)
    await client.close()
    await asyncio.wait_for(task, 5)
    with pytest.raises(HistoryError) as closed:
        await waiting
    assert closed.value.code == "closed"


class _RestHistorySession(ProtocolV1Session):
    """A venue that serves history from a REST candle endpoint (as Binance's klines would be),
    through the session's HTTP action rather than the connection."""

    rest_url = ""

    def _request_history(self, request: wire.HistoryRequest) -> None:
        self._fetch_history(request.id, f"{self.rest_url}/klines?symbol={request.symbol}&limit={request.count}")

    def receive_history(self, request_id: int, body: bytes) -> None:
        try:
            rows = json.loads(body)
            bars = [(int(r[0]) * 1_000_000, float(r[1]), float(r[2]), float(r[3]), float(r[4]), float(r[5])) for r in rows]
        except (ValueError, TypeError, IndexError) as exc:
            self._settle_history(request_id, HistoryError("fetch_failed", f"not a klines body: {exc}"))
            return
        self._settle_history(request_id, wire.History(request_id, BTC, "1m", bars[-1][0] + 1, bars, None))


@pytest.fixture
def klines_server():
    """A plain HTTP server answering /klines with two Binance-style rows, /broken with a 500."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server name
            if self.path.startswith("/klines"):
                body = json.dumps([[1764061140000, "1.0", "2.0", "0.5", "1.5", "10"], [1764061200000, "1.5", "1.6", "1.4", "1.6", "3"]]).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_error(500)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


async def test_a_venue_with_a_rest_candle_endpoint_answers_the_same_call_over_http(past_exchange, klines_server):
    session = _RestHistorySession(MarketState())
    session.rest_url = klines_server
    client = FeedClient(past_exchange.url, session=session)
    task = asyncio.create_task(client.run())
    try:
        page = await client.fetch_history(BTC, "1m", count=2)
        assert [b[0] for b in page.bars] == [1764061140000 * 10**6, 1764061200000 * 10**6]
        assert page.bars[0][1:] == (1.0, 2.0, 0.5, 1.5, 10.0) and page.next_end is None
        session.rest_url = klines_server + "/broken"
        with pytest.raises(HistoryError) as failed:
            await client.fetch_history(BTC, "1m")
        assert failed.value.code == "fetch_failed" and "500" in str(failed.value)
    finally:
        await _stop(client, task)
