"""The feed client against real servers on port 0: data, subscriptions, auth, several feeds, recording."""

from __future__ import annotations

import asyncio
import json
import random
import socket
import time

import msgspec
import pytest
import trustme

from mock_exchange.server import ExchangeConfig, ExchangeServer
from tests.net.support import ScriptedExchange
from tests.support.builders import ticker
from tests.support.certificates import server_certificate
from tests.support.waiting import wait_for
from tradedash.core import wire
from tradedash.core.market.state import MarketState
from tradedash.core.feed.backoff import ReconnectPolicy
from tradedash.core.feed.lifecycle import FeedState
from tradedash.net.feed_client import FatalFeedError, FeedClient
from tradedash.net.feed_group import FeedGroup
from tradedash.net.recorder import FrameRecorder


def _ingest(client: FeedClient, frame: bytes) -> None:
    """One frame through the client's session as during a connection, as a burst of its own."""
    client.session.connect_started()
    client.session.receive_frame(frame)
    client.session.end_burst(time.monotonic())


async def _stop(client: FeedClient, task: asyncio.Task) -> None:
    await client.close()
    await asyncio.wait_for(task, 5)
    assert client.state is FeedState.CLOSED


async def test_client_goes_live_and_applies_subscribed_messages(exchange):
    market = MarketState()
    received: list[wire.MarketMessage] = []
    client = FeedClient(
        exchange.url,
        market=market,
        subscriptions=[wire.Subscription("ticker", "BTC-USD"), wire.Subscription("trades", "ETH-USD")],
        on_message=received.append,
    )
    task = asyncio.create_task(client.run())
    await wait_for(lambda: client.state is FeedState.LIVE and len(received) >= 10)
    assert {(type(m).__name__, m.symbol) for m in received} <= {("Ticker", "BTC-USD"), ("Trade", "ETH-USD")}
    assert market.symbols["BTC-USD"].ticker is not None
    assert [s.symbol for s in client.symbols] == ["BTC-USD", "ETH-USD", "SOL-USD"]
    assert client.stats.messages >= 10 and client.stats.malformed == 0
    await _stop(client, task)


async def test_subscriptions_change_while_connected(exchange):
    received: list[wire.MarketMessage] = []
    client = FeedClient(
        exchange.url, market=MarketState(), subscriptions=[wire.Subscription("ticker", "BTC-USD")], on_message=received.append
    )
    task = asyncio.create_task(client.run())
    await wait_for(lambda: client.state is FeedState.LIVE)
    client.set_subscriptions([wire.Subscription("ticker", "BTC-USD"), wire.Subscription("trades", "SOL-USD")])
    await wait_for(lambda: any(isinstance(m, wire.Trade) and m.symbol == "SOL-USD" for m in received))
    client.set_subscriptions([wire.Subscription("trades", "SOL-USD")])
    await asyncio.sleep(0.1)  # let in-flight BTC tickers land
    received.clear()
    await wait_for(lambda: len(received) >= 5)
    assert all(m.symbol == "SOL-USD" for m in received)
    assert client.subscriptions == {wire.Subscription("trades", "SOL-USD")}
    await _stop(client, task)


async def test_resubscribes_in_one_request_per_symbol_set():
    async with ScriptedExchange() as server:
        wanted = {wire.Subscription(c, s) for c in ("ticker", "trades") for s in ("BTC-USD", "ETH-USD")}
        wanted.add(wire.Subscription("book", "BTC-USD"))
        client = FeedClient(server.url, market=MarketState(), subscriptions=wanted)
        task = asyncio.create_task(client.run())
        await wait_for(lambda: len(server.subscribe_requests(0)) == 2)
        await asyncio.sleep(0.05)
        requests = server.subscribe_requests(0)
        assert sorted((r.channels, r.symbols) for r in requests) == [
            (["book"], ["BTC-USD"]),
            (["ticker", "trades"], ["BTC-USD", "ETH-USD"]),
        ]
        await _stop(client, task)


async def test_a_refused_subscription_is_dropped_and_not_sent_again(exchange):
    client = FeedClient(
        exchange.url,
        market=MarketState(),
        subscriptions=[wire.Subscription("ticker", "BTC-USD"), wire.Subscription("trades", "NOPE-USD")],
    )
    task = asyncio.create_task(client.run())
    await wait_for(lambda: client.subscriptions == {wire.Subscription("ticker", "BTC-USD")})
    await wait_for(lambda: client.state is FeedState.LIVE)
    assert any("unknown_symbol" in e for e in client.stats.last_errors)
    await _stop(client, task)


async def test_bearer_token_is_sent_in_the_handshake():
    async with ScriptedExchange() as server:
        client = FeedClient(server.url, market=MarketState(), token="s3cret")
        task = asyncio.create_task(client.run())
        await wait_for(lambda: server.handshakes)
        assert server.handshakes[0]["Authorization"] == "Bearer s3cret"
        await _stop(client, task)


@pytest.mark.parametrize("url", ["ws://127.0.0.1:1", "wss://127.0.0.1:1"], ids=["not-wss", "missing-file"])
async def test_an_unusable_ca_file_is_fatal(tmp_path, url):
    client = FeedClient(url, market=MarketState(), ca_file=str(tmp_path / "missing-ca.pem"))
    with pytest.raises(FatalFeedError, match="CA file"):
        await asyncio.wait_for(client.run(), 5)
    assert client.state is FeedState.CLOSED


async def test_several_feeds_run_and_stop_together():
    servers = [ExchangeServer(ExchangeConfig(port=0, rate=50.0, symbols=[s])) for s in ("BTC-USD", "ETH-USD")]
    for server in servers:
        await server.start()
    market = MarketState()
    feeds = [
        FeedClient(server.url, market=market, subscriptions=[wire.Subscription("ticker", server.config.symbols[0])])
        for server in servers
    ]
    group = FeedGroup(feeds)
    task = asyncio.create_task(group.run())
    try:
        await wait_for(lambda: {"BTC-USD", "ETH-USD"} <= set(market.symbols))
        assert all(feed.state is FeedState.LIVE for feed in feeds)
        await group.close()
        await asyncio.wait_for(task, 5)
        assert all(feed.state is FeedState.CLOSED for feed in feeds)
    finally:
        for server in servers:
            await server.stop()


async def test_recording_writes_every_frame_with_its_receive_time(tmp_path, exchange):
    path = tmp_path / "session.jsonl"
    received: list[wire.MarketMessage] = []
    with FrameRecorder(path) as recorder:
        client = FeedClient(
            exchange.url,
            market=MarketState(),
            subscriptions=[wire.Subscription("ticker", "BTC-USD")],
            on_message=received.append,
            recorder=recorder,
        )
        task = asyncio.create_task(client.run())
        await wait_for(lambda: len(received) >= 5)
        await _stop(client, task)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0]["frame"]["type"] == "hello"
    assert all(isinstance(line["ts"], int) and line["ts"] > 1.7e18 for line in lines)
    assert [line["ts"] for line in lines] == sorted(line["ts"] for line in lines)
    recorded = [wire.decode_server_frame(json.dumps(line["frame"]))[0] for line in lines]
    assert [m for m in recorded if isinstance(m, wire.Ticker)][: len(received)] == received


def test_recorder_keeps_each_frame_on_one_line(tmp_path):
    path = tmp_path / "r.jsonl"
    frame = b'{"type":"heartbeat",\n "seq":1,\r\n "ts":2}'
    with FrameRecorder(path) as recorder:
        recorder.write(5, frame)
        recorder.write(6, wire.encode([ticker(), ticker(seq=2)]))
    lines = path.read_text().splitlines()
    assert len(lines) == 2
    assert json.loads(lines[0]) == {"ts": 5, "frame": {"type": "heartbeat", "seq": 1, "ts": 2}}
    assert [m["seq"] for m in json.loads(lines[1])["frame"]] == [1, 2]


async def test_wss_with_a_ca_file_verifies_the_server_and_a_wrong_ca_is_fatal(tmp_path):
    certfile, keyfile, ca = server_certificate(tmp_path)
    cafile = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(cafile)
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(other)
    server = ExchangeServer(ExchangeConfig(port=0, rate=50.0, certfile=str(certfile), keyfile=str(keyfile)))
    await server.start()
    try:
        assert server.url.startswith("wss://")
        client = FeedClient(server.url, market=MarketState(), subscriptions=[wire.Subscription("ticker", "BTC-USD")], ca_file=str(cafile))
        task = asyncio.create_task(client.run())
        await wait_for(lambda: client.state is FeedState.LIVE)
        await _stop(client, task)
        stranger = FeedClient(server.url, market=MarketState(), ca_file=str(other))
        with pytest.raises(FatalFeedError, match="certificate"):
            await asyncio.wait_for(stranger.run(), 5)
    finally:
        await server.stop()


async def test_close_while_connecting_returns_at_once():
    with socket.socket() as listener:  # accepts TCP but never answers the handshake
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        client = FeedClient(f"ws://127.0.0.1:{listener.getsockname()[1]}", market=MarketState(), open_timeout=30)
        task = asyncio.create_task(client.run())
        await wait_for(lambda: client.state is FeedState.CONNECTING)
        await asyncio.sleep(0.1)
        await client.close()
        await asyncio.wait_for(task, 2)
        assert client.state is FeedState.CLOSED


async def test_close_while_backing_off_returns_at_once():
    client = FeedClient("ws://127.0.0.1:1", market=MarketState(), policy=ReconnectPolicy(initial=30, cap=30))
    task = asyncio.create_task(client.run())
    await wait_for(lambda: client.state is FeedState.BACKING_OFF)
    await client.close()
    await asyncio.wait_for(task, 2)
    assert client.state is FeedState.CLOSED


async def test_unsubscribing_a_resyncing_book_ends_the_resync():
    async with ScriptedExchange() as server:
        market = MarketState()
        client = FeedClient(
            server.url, market=market, subscriptions=[wire.Subscription(c, "BTC-USD") for c in ("ticker", "book")]
        )
        task = asyncio.create_task(client.run())
        await wait_for(lambda: client.state is FeedState.LIVE)
        update = wire.Book("BTC-USD", 5, 1, "update", [(1.0, 1.0)], [], 4, None)  # no snapshot yet: resync
        await server.latest.send(wire.encode(update), text=True)
        await wait_for(lambda: client.state is FeedState.RESYNCING)
        client.set_subscriptions([wire.Subscription("ticker", "BTC-USD")])
        assert client.state is FeedState.LIVE and market.resyncing_symbols() == set()
        await _stop(client, task)


async def test_a_feed_group_keeps_the_healthy_feed_when_another_fails_for_good(exchange):
    async with ScriptedExchange(status=lambda attempt: 403) as refusing:
        healthy = FeedClient(exchange.url, market=MarketState(), subscriptions=[wire.Subscription("ticker", "BTC-USD")])
        refused = FeedClient(refusing.url, market=MarketState())
        group = FeedGroup([healthy, refused])
        task = asyncio.create_task(group.run())
        await wait_for(lambda: refused.fatal_reason is not None and healthy.state is FeedState.LIVE)
        await asyncio.sleep(0.1)
        assert not task.done() and healthy.state is FeedState.LIVE
        await group.close()
        with pytest.raises(FatalFeedError, match="403"):
            await asyncio.wait_for(task, 5)


async def test_leaving_busy_books_never_leaves_the_feed_resyncing():
    """Book updates still in flight when their subscription ends must not start a resync nobody answers."""
    server = ExchangeServer(ExchangeConfig(port=0, rate=400.0))
    await server.start()
    market = MarketState()
    symbols = ["BTC-USD", "ETH-USD", "SOL-USD"]
    client = FeedClient(
        server.url, market=market, subscriptions=[wire.Subscription(c, s) for c in ("ticker", "book") for s in symbols]
    )
    task = asyncio.create_task(client.run())
    try:
        await wait_for(lambda: client.state is FeedState.LIVE and all(market.symbols[s].book.synced for s in symbols))
        client.set_subscriptions([wire.Subscription(c, "BTC-USD") for c in ("ticker", "book")])
        await asyncio.sleep(0.3)  # in-flight updates of the books just left arrive here
        await wait_for(lambda: client.state is FeedState.LIVE and not market.resyncing_symbols())
        assert client.stats.reconnects == 0
    finally:
        await _stop(client, task)
        await server.stop()


async def test_a_wrong_book_found_by_its_checksum_is_resynced_from_a_fresh_snapshot():
    """Checksums are checked once per burst of frames: a lie in the middle of one is still caught."""
    from tests.reference_book import ReferenceBook

    book = ReferenceBook("BTC-USD")
    book.update([(99.0, 1.0), (98.0, 2.0)], [(101.0, 1.0)])

    async def answer(connection, symbol: str) -> None:
        await connection.send(wire.encode(book.snapshot()), text=True)

    async with ScriptedExchange(on_snapshot=answer) as server:
        market = MarketState()
        client = FeedClient(server.url, market=market, subscriptions=[wire.Subscription(c, "BTC-USD") for c in ("ticker", "book")])
        task = asyncio.create_task(client.run())
        await wait_for(lambda: client.state is FeedState.LIVE)
        snapshot = book.snapshot()
        lie = msgspec.structs.replace(book.update([(97.0, 1.0)], []), bids=[(97.0, 5.0)])  # the client's copy diverges
        frames = [snapshot, lie, book.update([], [(102.0, 3.0)])]  # ...and no later update repairs it
        for message in frames:
            await server.latest.send(wire.encode(message), text=True)
        await wait_for(lambda: client.stats.resyncs == 1, what="a resync from a fresh snapshot")
        state = market.symbols["BTC-USD"].book
        assert (client.stats.gaps, state.checksum_mismatches) == (1, 1)
        assert (state.bids(), state.asks()) == book.levels() and state.synced
        assert [r.symbol for _, r in server.requests if isinstance(r, wire.SnapshotRequest)] == ["BTC-USD"]
        await wait_for(lambda: client.state is FeedState.LIVE)
        await _stop(client, task)


def test_a_message_that_fails_downstream_costs_neither_the_feed_nor_the_rest_of_its_frame():
    seen: list[int] = []

    def fragile(message) -> None:
        seen.append(message.seq)
        if message.seq == 1:
            raise RuntimeError("a bug downstream")

    market = MarketState()
    client = FeedClient("ws://127.0.0.1:1", market=market, subscriptions=[wire.Subscription("ticker", "BTC-USD")], on_message=fragile)
    _ingest(client, wire.encode([ticker(seq=1, last=100.0), ticker(seq=2, last=101.0), ticker(seq=3, last=102.0)]))
    assert seen == [1, 2, 3]
    assert market.symbols["BTC-USD"].ticker.seq == 3
    assert client.stats.malformed == 1 and "a bug downstream" in client.stats.last_errors[-1]
    assert client.stats.messages == 3


def test_on_message_gets_only_the_types_asked_for_and_the_market_gets_everything():
    seen: list[type] = []
    market = MarketState()
    subscriptions = [wire.Subscription(c, "BTC-USD") for c in ("ticker", "trades", "book")]
    client = FeedClient("ws://127.0.0.1:1", market=market, subscriptions=subscriptions,
                        on_message=lambda m: seen.append(type(m)), on_message_types=(wire.Ticker, wire.Trade))
    snapshot = wire.Book("BTC-USD", 1, 1, "snapshot", [(99.0, 1.0)], [(101.0, 1.0)])
    trade = wire.Trade("BTC-USD", 1, 2, 7, 100.0, 0.5, "buy")
    _ingest(client, wire.encode([ticker(seq=1), snapshot, trade]))
    assert seen == [wire.Ticker, wire.Trade]
    state = market.symbols["BTC-USD"]
    assert state.book.bids() == [(99.0, 1.0)] and list(state.trades) == [trade] and state.ticker.seq == 1


async def test_a_snapshot_the_session_fetches_over_http_is_fetched_and_handed_back():
    """The pump's side of FetchSnapshot (venues with REST snapshots): GET the URL, give the body to the session."""
    import http.server
    import threading

    from tests.reference_book import ReferenceBook
    from tradedash.core.venues.protocol_v1 import ProtocolV1Session

    book = ReferenceBook("BTC-USD", bids={99.0: 1.0}, asks={101.0: 1.0}, seq=7)
    body = wire.encode(book.snapshot())

    class SnapshotHandler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    http_server = http.server.HTTPServer(("127.0.0.1", 0), SnapshotHandler)
    threading.Thread(target=http_server.serve_forever, daemon=True).start()
    snapshot_url = f"http://127.0.0.1:{http_server.server_address[1]}/depth?symbol=BTC-USD"

    class RestSnapshotSession(ProtocolV1Session):
        def _request_snapshot(self, symbol: str) -> None:
            self._fetch(symbol, snapshot_url)

        def receive_snapshot(self, symbol: str, body: bytes, now: float) -> None:
            self.receive_frame(body)
            self.end_burst(now)

    try:
        async with ScriptedExchange() as server:
            market = MarketState()
            session = RestSnapshotSession(market, subscriptions=[wire.Subscription(c, "BTC-USD") for c in ("ticker", "book")])
            client = FeedClient(server.url, session=session)
            task = asyncio.create_task(client.run())
            await wait_for(lambda: client.state is FeedState.LIVE)
            await server.latest.send(wire.encode(wire.Book("BTC-USD", 3, 1, "update", [(1.0, 1.0)], [], 2)), text=True)
            await wait_for(lambda: client.stats.resyncs == 1 and client.state is FeedState.LIVE, what="a resync over HTTP")
            assert market.symbols["BTC-USD"].book.bids() == [(99.0, 1.0)]
            assert not [r for _, r in server.requests if isinstance(r, wire.SnapshotRequest)]
            await _stop(client, task)
    finally:
        http_server.shutdown()
        http_server.server_close()


async def test_four_hundred_symbols_are_subscribed_within_the_exchanges_request_limits():
    """Issue 13.3: one 4,872-byte subscribe tripped the exchange's 4,096-byte limit (1009) over and over."""
    from mock_exchange.market import SymbolSpec

    symbols = [f"S{i:03d}-USD" for i in range(400)]
    config = ExchangeConfig(
        port=0, rate=0.5, heartbeat_interval=0.2, symbols=symbols,
        symbol_specs={s: SymbolSpec(s, 0.01, 0.001, 100.0) for s in symbols},
    )
    server = ExchangeServer(config)
    await server.start()
    client = FeedClient(server.url, market=MarketState(max_symbols=400), subscriptions=wire.subscriptions_of(["ticker"], symbols))
    task = asyncio.create_task(client.run())
    try:
        await wait_for(lambda: len(client.session.confirmed) == 400, timeout=20, what="all 400 subscriptions confirmed")
        await wait_for(lambda: client.state is FeedState.LIVE)
        assert client.stats.reconnects == 0 and not any("1009" in e for e in client.stats.last_errors)
    finally:
        await _stop(client, task)
        await server.stop()


async def test_a_server_that_accepts_then_closes_at_once_does_not_reset_the_backoff():
    from websockets.asyncio.server import serve

    async def greet_and_close(connection) -> None:
        await connection.send(wire.encode(wire.Hello(wire.PROTOCOL_VERSION, "flaky", 1.0)), text=True)
        await connection.close(1011, "internal error")

    delays: list[float] = []
    async with serve(greet_and_close, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        policy = ReconnectPolicy(initial=0.001, factor=2.0, cap=0.064)
        client = FeedClient(f"ws://127.0.0.1:{port}", market=MarketState(), subscriptions=[wire.Subscription("ticker", "BTC-USD")],
                            policy=policy, rng=random.Random(7))
        client.lifecycle.add_listener(lambda old, new: new is FeedState.BACKING_OFF and delays.append(client.retry_delay))
        task = asyncio.create_task(client.run())
        await wait_for(lambda: len(delays) >= 12)
        await _stop(client, task)
    expected = policy.delays(random.Random(7))
    assert delays[:12] == [next(expected) for _ in range(12)]  # one backoff sequence: never started over


async def test_one_unknown_symbol_does_not_cost_the_others_their_subscription(exchange):
    """Issue 12.5: ``--symbols NOPE-USD,BTC-USD`` showed "live" with nothing subscribed."""
    market = MarketState()
    client = FeedClient(exchange.url, market=market, subscriptions=wire.subscriptions_of(["ticker", "trades"], ["NOPE-USD", "BTC-USD"]))
    task = asyncio.create_task(client.run())
    await wait_for(lambda: client.state is FeedState.LIVE and market.symbols.get("BTC-USD") is not None)
    await wait_for(lambda: market.symbols["BTC-USD"].ticker is not None)
    assert client.subscriptions == set(wire.subscriptions_of(["ticker", "trades"], ["BTC-USD"]))
    assert {s.symbol for s in client.refused} == {"NOPE-USD"}
    assert any("NOPE-USD" in e and "unknown_symbol" in e for e in client.stats.last_errors)
    await _stop(client, task)


async def test_a_feed_whose_every_symbol_is_refused_never_shows_live(exchange):
    client = FeedClient(exchange.url, market=MarketState(), subscriptions=wire.subscriptions_of(["ticker"], ["NOPE-USD", "btc-usd"]))
    task = asyncio.create_task(client.run())
    await wait_for(lambda: len(client.refused) == 2)
    await asyncio.sleep(0.5)  # heartbeats come (every 0.2 s): alive, but nothing it asked for
    assert client.state is FeedState.CONNECTING and client.stats.reconnects == 0
    await _stop(client, task)


async def test_a_venue_whose_server_never_greets_subscribes_as_soon_as_the_connection_opens():
    """Binance-like: no greeting; nothing comes until the client asks. The pump must not wait for a first frame."""
    from websockets.asyncio.server import serve

    from tradedash.core.venues.protocol_v1 import ProtocolV1Session

    class SilentServerSession(ProtocolV1Session):
        greets = False

        def connection_opened(self, now: float) -> None:
            super().connection_opened(now)
            self._subscribe_all()

    async def answer_requests(connection) -> None:
        async for frame in connection:
            request = wire.decode_request(frame)
            await connection.send(wire.encode(wire.Ack(request.id, request.__struct_config__.tag)), text=True)
            if isinstance(request, wire.Subscribe):
                await connection.send(wire.encode([ticker(s) for s in request.symbols]), text=True)

    async with serve(answer_requests, "127.0.0.1", 0) as server:
        market = MarketState()
        session = SilentServerSession(market, subscriptions=[wire.Subscription("ticker", "BTC-USD")])
        client = FeedClient(f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}", session=session)
        task = asyncio.create_task(client.run())
        await wait_for(lambda: client.state is FeedState.LIVE, what="live without a greeting")
        assert market.symbols["BTC-USD"].ticker is not None and session.confirmed == {wire.Subscription("ticker", "BTC-USD")}
        await _stop(client, task)


async def test_a_server_that_never_greets_is_said_plainly_and_retried_not_taken_for_a_held_loop(exchange):
    """A protocol v1 feed pointed at Binance's streams (the mock's ``/binance/ws``: open, and silent)."""
    client = FeedClient(f"{exchange.url}/binance/ws", market=MarketState(), subscriptions=wire.subscriptions_of(["ticker"], ["BTC-USD"]), greeting_timeout=0.5)
    task = asyncio.create_task(client.run())
    try:
        await wait_for(lambda: client.stats.reconnects >= 2, what="two attempts", timeout=10)
        assert client.stats.last_error == (
            "the server sent no greeting within 0.5 s after connecting: is it a TradeDash protocol v1 server?"
            " (Binance's streams need the venue binance)"
        )
        assert not any("event loop was held" in error for error in client.stats.last_errors)
        assert client.fatal_reason is None  # retried: a slow server may greet next time
    finally:
        await client.close()
        await task
