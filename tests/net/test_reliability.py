"""Reliability scenarios of ../shared/guides/reliability.md, against real servers on port 0.

Each test names its scenario number. Pass figures that are timings are printed and
checked with generous bounds (the machine is shared); bench/ measures them properly.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from pathlib import Path

import msgspec
import pytest

from mock_exchange.process import ExchangeProcess, reusable_port
from mock_exchange.proxy import FaultProxy
from mock_exchange.server import ExchangeConfig, ExchangeServer
from tests.net.support import ScriptedExchange
from tests.reference_book import ReferenceBook
from tests.support.builders import ticker
from tests.support.spread import busiest_window
from tests.support.waiting import wait_for
from tradedash.core import wire
from tradedash.core.feed.backoff import ReconnectPolicy
from tradedash.core.feed.lifecycle import FeedState
from tradedash.core.market.state import MarketState
from tradedash.net.feed_client import FatalFeedError, FeedClient
from tradedash.net.recorder import FrameRecorder

REPO = Path(__file__).resolve().parents[2]
FAST = ReconnectPolicy(initial=0.01, factor=2.0, cap=0.05)


class StateLog:
    """Every state a feed enters, with the monotonic time it entered it."""

    def __init__(self, client: FeedClient) -> None:
        self.entries: list[tuple[float, FeedState]] = []
        self.delays: list[float] = []
        client.lifecycle.add_listener(self._on_change)
        self._client = client

    def _on_change(self, old: FeedState, new: FeedState) -> None:
        self.entries.append((time.monotonic(), new))
        if new is FeedState.BACKING_OFF:
            self.delays.append(self._client.retry_delay)

    def states(self) -> list[FeedState]:
        return [state for _, state in self.entries]

    def count(self, state: FeedState) -> int:
        return self.states().count(state)

    def first_after(self, moment: float, state: FeedState) -> float | None:
        return next((t for t, s in self.entries if t >= moment and s is state), None)


async def _start(client: FeedClient) -> asyncio.Task[None]:
    return asyncio.create_task(client.run(), name="feed under test")


async def _stop(client: FeedClient, task: asyncio.Task[None]) -> None:
    await client.close()
    await asyncio.wait_for(task, 5)
    assert client.state is FeedState.CLOSED


# --- 1: server process killed and restarted ----------------------------------------------


async def test_scenario_1_server_killed_and_restarted_resubscribes_once(tmp_path, caplog):
    """SIGKILL, 5 s down, restarted on the same port; the feed uses the app's default reconnect policy."""
    caplog.set_level(logging.ERROR)
    exchange = ExchangeProcess(tmp_path / "exchange.log", reusable_port(), "--rate", "50", cwd=REPO)
    await exchange.start()
    wanted = {wire.Subscription(c, s) for c in ("ticker", "trades", "book") for s in ("BTC-USD", "ETH-USD", "SOL-USD")}
    record = tmp_path / "frames.jsonl"
    with FrameRecorder(record) as recorder:
        client = FeedClient(exchange.url, market=MarketState(), subscriptions=wanted, recorder=recorder)
        log = StateLog(client)
        task = await _start(client)
        try:
            await wait_for(lambda: client.state is FeedState.LIVE)
            await exchange.kill()
            await wait_for(lambda: client.state in (FeedState.BACKING_OFF, FeedState.CONNECTING))
            await asyncio.sleep(5.0)  # the server is down for a while; the client keeps trying
            listening_again = await exchange.start()
            await wait_for(lambda: log.first_after(listening_again, FeedState.LIVE) is not None)
            live_after = log.first_after(listening_again, FeedState.LIVE) - listening_again
            print(f"scenario 1: live {live_after * 1000:.0f} ms after the server listened again")
            # The pass figure is 1 s (the default cap, plus connecting): bench/reconnect.py measures it;
            # a test only checks that the cap held, with room for a slow machine.
            assert live_after < 3.0
        finally:
            await _stop(client, task)
            await exchange.kill()
    states = log.states()
    killed = states.index(FeedState.BACKING_OFF)
    assert FeedState.CONNECTING in states[killed:] and FeedState.LIVE in states[killed:]
    # At most one subscribe per connection, covering every subscription: no duplicates.
    frames = [json.loads(line)["frame"] for line in record.read_text().splitlines()]
    connections: list[list[dict]] = []
    for frame in frames:
        if isinstance(frame, dict) and frame["type"] == "hello":
            connections.append([])
        elif isinstance(frame, dict) and frame["type"] == "ack" and frame["op"] == "subscribe":
            connections[-1].append(frame)
    assert len(connections) >= 2 and len(connections[0]) == len(connections[-1]) == 1
    for acks in connections:
        assert len(acks) <= 1  # a connection may die before its ack; none is subscribed twice
        assert all({wire.Subscription(**s) for s in ack["subscriptions"]} == wanted for ack in acks)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert task.exception() is None


# --- 2: clean close, with or without an announced shutdown -------------------------------


@pytest.mark.parametrize("announce", [True, False], ids=["shutdown-message", "close-1001"])
async def test_scenario_2_clean_close_reconnects_at_once(announce):
    async with ScriptedExchange() as server:
        client = FeedClient(
            server.url, market=MarketState(), subscriptions=[wire.Subscription("ticker", "BTC-USD")],
            policy=ReconnectPolicy(initial=5.0, cap=5.0),  # a backoff would be seen: the test would time out
        )
        log = StateLog(client)
        task = await _start(client)
        await wait_for(lambda: client.state is FeedState.LIVE)
        if announce:
            await server.latest.send(wire.encode(wire.Shutdown(time.time_ns(), "maintenance")), text=True)
        closed_at = time.monotonic()
        await server.latest.close(1001, "going away")
        await wait_for(lambda: log.first_after(closed_at, FeedState.LIVE) is not None, timeout=4.0)
        print(f"scenario 2: live {(log.first_after(closed_at, FeedState.LIVE) - closed_at) * 1000:.0f} ms after the close")
        # At once, but jittered (issue 13.4): one wait within the short shutdown spread, never the 5 s backoff.
        assert len(log.delays) == 1 and log.delays[0] <= client.policy.shutdown_spread
        assert len(server.connections) == 2
        await _stop(client, task)


# --- 3: the server refuses connections for a long time -----------------------------------


async def test_scenario_3_refused_connections_back_off_by_the_formula_with_the_cap():
    policy = ReconnectPolicy(initial=0.001, factor=2.0, cap=0.016)
    client = FeedClient(f"ws://127.0.0.1:{reusable_port()}", market=MarketState(), policy=policy, rng=random.Random(42))
    log = StateLog(client)
    task = await _start(client)
    await wait_for(lambda: len(log.delays) >= 40)
    await _stop(client, task)
    expected = policy.delays(random.Random(42))
    assert log.delays[:40] == [next(expected) for _ in range(40)]
    assert all(0.0 <= d <= policy.ceiling(n) <= policy.cap for n, d in enumerate(log.delays))
    assert max(log.delays) > policy.cap / 2  # the cap is reached, and holds
    assert client.fatal_reason is None and client.stats.reconnects >= 40


async def test_scenario_3_backing_off_is_idle():
    client = FeedClient(
        f"ws://127.0.0.1:{reusable_port()}", market=MarketState(), policy=ReconnectPolicy(initial=0.1, cap=0.5)
    )
    task = await _start(client)
    await wait_for(lambda: client.stats.reconnects >= 2)
    cpu, wall = time.process_time(), time.monotonic()
    await asyncio.sleep(1.5)
    cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    await _stop(client, task)
    print(f"scenario 3: {cpu / wall:.1%} CPU while backing off")
    assert cpu / wall < 0.25


# --- 4: a herd of clients loses the server ----------------------------------------------


async def test_scenario_4_a_herd_of_200_clients_spreads_its_retries_and_all_come_back(tmp_path, caplog):
    """200 feeds with the app's default policy; the server is killed, down 3 s, and restarted on its port."""
    caplog.set_level(logging.ERROR)
    herd = 200
    exchange = ExchangeProcess(tmp_path / "exchange.log", reusable_port(), "--rate", "1", cwd=REPO)
    await exchange.start()
    clients = [  # seeded: the draws are the same on every run (32 of 200 in the busiest 100 ms, before network jitter)
        FeedClient(exchange.url, market=MarketState(), subscriptions=[wire.Subscription("ticker", "BTC-USD")], rng=random.Random(n))
        for n in range(herd)
    ]
    logs = [StateLog(client) for client in clients]
    tasks = [await _start(client) for client in clients]
    try:
        await wait_for(lambda: all(c.state is FeedState.LIVE for c in clients), timeout=60, what="the herd live")
        killed = time.monotonic()
        await exchange.kill()
        await wait_for(lambda: all(log.first_after(killed, FeedState.CONNECTING) for log in logs), timeout=10, what="every first retry")
        first_retries = [log.first_after(killed, FeedState.CONNECTING) for log in logs]
        await asyncio.sleep(3.0)
        listening_again = await exchange.start()
        await wait_for(lambda: all(log.first_after(listening_again, FeedState.LIVE) for log in logs), timeout=30, what="the herd live again")
        last_live = max(log.first_after(listening_again, FeedState.LIVE) for log in logs) - listening_again
    finally:
        for client, task in zip(clients, tasks):
            await client.close()
        await asyncio.wait_for(asyncio.gather(*tasks), 30)
        await exchange.kill()
    busiest = busiest_window(first_retries)
    spread = max(first_retries) - min(first_retries)
    print(f"scenario 4: {busiest} of {herd} first retries ({busiest / herd:.0%}) in the busiest 100 ms, "
          f"spread over {spread * 1000:.0f} ms; the last client live {last_live * 1000:.0f} ms after the server listened again")
    assert busiest <= herd * 0.2, f"{busiest} of {herd} in the busiest 100 ms"
    policy = clients[0].policy
    # Pass figure: within cap + jitter (each client's next try comes within the cap); room for 200 handshakes on a busy machine.
    assert last_live < policy.cap + 2.0, f"the last client live {last_live:.2f} s after the server listened again"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# --- 5: half-open link -------------------------------------------------------------------


async def test_scenario_5_half_open_link_goes_stale_then_reconnects(exchange):
    proxy = FaultProxy(("127.0.0.1", exchange.port))
    await proxy.start()
    client = FeedClient(
        f"ws://127.0.0.1:{proxy.port}", market=MarketState(), subscriptions=[wire.Subscription("ticker", "BTC-USD")],
        policy=FAST, ping_interval=0.3, ping_timeout=0.3, close_timeout=0.3, open_timeout=1.0,
    )
    log = StateLog(client)
    task = await _start(client)
    try:
        await wait_for(lambda: client.state is FeedState.LIVE)
        proxy.half_open()
        cut = time.monotonic()
        await wait_for(lambda: log.first_after(cut, FeedState.STALE) is not None)
        await wait_for(lambda: log.first_after(cut, FeedState.BACKING_OFF) is not None)
        stale = log.first_after(cut, FeedState.STALE) - cut
        dropped = log.first_after(cut, FeedState.BACKING_OFF) - cut
        print(f"scenario 5: stale after {stale * 1000:.0f} ms (heartbeat 200 ms), reconnecting after {dropped * 1000:.0f} ms")
        assert stale < 2 * 0.2 + 1.0 and dropped < 0.3 + 0.3 + 0.3 + 2.0
        proxy.resume()
        await wait_for(lambda: log.first_after(cut + dropped, FeedState.LIVE) is not None)
    finally:
        await _stop(client, task)
        await proxy.stop()


# --- 6: connection reset mid-stream, 100 times -------------------------------------------


async def test_scenario_6_a_hundred_resets_a_hundred_recoveries(caplog):
    caplog.set_level(logging.ERROR)
    server = ExchangeServer(ExchangeConfig(port=0, rate=200.0, heartbeat_interval=0.2))
    await server.start()
    proxy = FaultProxy(("127.0.0.1", server.port))
    await proxy.start()
    client = FeedClient(
        f"ws://127.0.0.1:{proxy.port}", market=MarketState(), subscriptions=[wire.Subscription("ticker", "BTC-USD")],
        policy=FAST,
    )
    log = StateLog(client)
    task = await _start(client)
    try:
        await wait_for(lambda: client.state is FeedState.LIVE)
        for round_ in range(100):
            lives = log.count(FeedState.LIVE)
            proxy.reset_all()
            await wait_for(lambda: log.count(FeedState.LIVE) > lives, what=f"recovery {round_ + 1}")
    finally:
        await _stop(client, task)
        await proxy.stop()
        await server.stop()
    assert log.count(FeedState.LIVE) == 101
    assert client.stats.reconnects >= 100
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# --- 8: the stream sliced into tiny TCP pieces -------------------------------------------


async def test_scenario_8_sliced_stream_is_reassembled_exactly(exchange):
    proxy = FaultProxy(("127.0.0.1", exchange.port), seed=8)
    await proxy.start()
    proxy.set_slicing(16)
    subscriptions = [wire.Subscription(c, "BTC-USD") for c in ("ticker", "trades")]
    direct: list[wire.MarketMessage] = []
    sliced: list[wire.MarketMessage] = []
    clients = [
        FeedClient(exchange.url, market=MarketState(), subscriptions=subscriptions, on_message=direct.append),
        FeedClient(f"ws://127.0.0.1:{proxy.port}", market=MarketState(), subscriptions=subscriptions, on_message=sliced.append),
    ]
    tasks = [await _start(c) for c in clients]
    try:
        await wait_for(lambda: len(sliced) >= 60 and len(direct) >= 60)
    finally:
        for client, task in zip(clients, tasks):
            await _stop(client, task)
        await proxy.stop()
    assert clients[1].stats.malformed == 0 and clients[1].stats.reconnects == 0
    by_key = {(type(m), m.seq): m for m in direct}
    common = [m for m in sliced if (type(m), m.seq) in by_key]
    assert len(common) >= 40
    assert all(m == by_key[(type(m), m.seq)] for m in common)
    for kind in (wire.Ticker, wire.Trade):
        seqs = [m.seq for m in sliced if type(m) is kind]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))


# --- 10: the dashboard's event loop is held ----------------------------------------------


async def test_scenario_10_a_3_s_block_keeps_the_connection_and_catches_up_never_showing_old_data_as_live(exchange):
    market = MarketState()
    client = FeedClient(exchange.url, market=market, subscriptions=[wire.Subscription(c, "BTC-USD") for c in ("ticker", "trades")])
    log = StateLog(client)
    lag_when_live: list[float] = []

    def on_change(old: FeedState, new: FeedState) -> None:
        if new is FeedState.LIVE:  # how old the newest ticker shown is, at the moment it is called live
            lag_when_live.append((time.time_ns() - market.symbols["BTC-USD"].ticker.ts) / 1e9)

    task = await _start(client)
    await wait_for(lambda: client.state is FeedState.LIVE and market.symbols["BTC-USD"].ticker is not None)
    client.lifecycle.add_listener(on_change)
    time.sleep(3.0)  # the event loop is held (a slow plot, a modal dialog gone wrong)
    unblocked = time.monotonic()
    await wait_for(lambda: log.first_after(unblocked, FeedState.LIVE) is not None, what="caught up")
    caught_up = log.first_after(unblocked, FeedState.LIVE) - unblocked
    print(f"scenario 10: after a 3 s block, stale and then live again {caught_up * 1000:.0f} ms later")
    assert log.first_after(unblocked - 0.1, FeedState.STALE) is not None
    assert caught_up <= 2.0 and client.stats.reconnects == 0
    assert lag_when_live and max(lag_when_live) < 1.0
    await _stop(client, task)


async def test_scenario_10_a_25_s_block_drops_the_old_data_and_resyncs_on_a_new_connection(exchange):
    offset = [0.0]
    market = MarketState()
    passed_on: list[wire.MarketMessage] = []
    client = FeedClient(
        exchange.url, market=market, subscriptions=[wire.Subscription(c, "BTC-USD") for c in ("ticker", "trades", "book")],
        on_message=passed_on.append, clock=lambda: time.monotonic() + offset[0],
    )
    log = StateLog(client)
    task = await _start(client)
    await wait_for(lambda: client.state is FeedState.LIVE and market.symbols["BTC-USD"].book.synced)
    offset[0] += 25.0  # 25 s pass on the feed's clock...
    time.sleep(0.5)  # ...while the event loop is held (half a second of data queues up meanwhile)
    held_until = time.time_ns()
    unblocked = time.monotonic()
    passed_on.clear()
    await wait_for(lambda: client.stats.reconnects == 1 and client.state is FeedState.LIVE, what="live on a new connection")
    print(f"scenario 10: after a 25 s block, live on a new connection {(time.monotonic() - unblocked) * 1000:.0f} ms later")
    assert log.first_after(unblocked - 0.1, FeedState.STALE) is not None
    assert client.stats.dropped > 0 and any("held 25" in e for e in client.stats.last_errors)
    assert all(m.ts > held_until for m in passed_on if isinstance(m, (wire.Ticker, wire.Trade)))  # nothing old reached alerts
    assert market.symbols["BTC-USD"].book.synced
    await _stop(client, task)


# --- 12: garbage through the edge --------------------------------------------------------


async def test_scenario_12_garbage_on_the_wire_is_counted_and_the_link_stays_up():
    garbage: list[str | bytes] = [
        "{not json",
        b"\xff\xfe\x00",
        "[1, 2, 3]",
        '{"type": "ticker", "symbol": "BTC-USD", "seq": "one"}',
        '{"type": "weather", "symbol": "BTC-USD"}',
        wire.encode(ticker("DOGE-USD")).decode(),  # a symbol nobody subscribed to
        "null",
        "",
    ]
    async with ScriptedExchange() as server:
        market = MarketState()
        client = FeedClient(server.url, market=market, subscriptions=[wire.Subscription("ticker", "BTC-USD")])
        task = await _start(client)
        await wait_for(lambda: client.state is FeedState.LIVE)
        for frame in garbage:
            await server.latest.send(frame, text=isinstance(frame, str))
        await server.latest.send(wire.encode(ticker("BTC-USD", seq=99, last=123.0)), text=True)
        await wait_for(lambda: market.symbols["BTC-USD"].ticker.seq == 99)
        assert client.stats.malformed == len(garbage)
        assert client.state is FeedState.LIVE and client.stats.reconnects == 0
        assert "DOGE-USD" not in market.symbols
        await _stop(client, task)


# --- 13: protocol violations on the wire -------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"\x83\x00", 1002),  # reserved opcode 3
        (b"\x81\x7e\x08\x00" + b"x" * 2048, 1009),  # a 2 KiB text frame over the client's 1 KiB max_size
        (b"\x01\x01a\x01\x01b", 1002),  # a new data frame while a fragmented one is unfinished
        (b"\x81\x02\xff\xfe", 1007),  # a text frame that is not UTF-8
    ],
    ids=["bad-opcode", "oversized", "bad-fragmentation", "invalid-utf8"],
)
async def test_scenario_13_protocol_violation_closes_with_the_right_code_and_reconnects(raw, code, caplog):
    caplog.set_level(logging.ERROR)
    async with ScriptedExchange() as server:
        client = FeedClient(
            server.url, market=MarketState(), subscriptions=[wire.Subscription("ticker", "BTC-USD")],
            policy=FAST, max_size=1024,
        )
        log = StateLog(client)
        task = await _start(client)
        await wait_for(lambda: client.state is FeedState.LIVE)
        violated = time.monotonic()
        server.latest.transport.write(raw)
        await wait_for(lambda: log.first_after(violated, FeedState.LIVE) is not None)
        assert any(f"connection closed: {code}" in e for e in client.stats.last_errors), list(client.stats.last_errors)
        assert len(server.connections) == 2
        await _stop(client, task)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# --- 15 and 16: book gaps and duplicates ------------------------------------------------


def _server_book() -> ReferenceBook:
    """The scripted server's own copy of the BTC-USD book, three levels a side, at seq 1."""
    return ReferenceBook(
        bids={100.0: 1.0, 99.5: 2.0, 99.0: 3.0}, asks={100.5: 1.0, 101.0: 2.0, 101.5: 3.0}, seq=1, clock_ns=time.time_ns
    )


async def _book_feed(server: ScriptedExchange) -> tuple[FeedClient, MarketState, StateLog, asyncio.Task[None]]:
    market = MarketState()
    client = FeedClient(server.url, market=market, subscriptions=[wire.Subscription("book", "BTC-USD")], policy=FAST)
    log = StateLog(client)
    task = await _start(client)
    await wait_for(lambda: server.subscribe_requests(0))
    return client, market, log, task


async def test_scenario_15_gap_requests_a_snapshot_and_rebuilds_the_servers_book():
    book = _server_book()

    async def answer_snapshot(connection, symbol: str) -> None:
        await connection.send(wire.encode(book.snapshot()), text=True)

    async with ScriptedExchange(on_snapshot=answer_snapshot) as server:
        client, market, log, task = await _book_feed(server)
        send = server.latest.send
        await send(wire.encode(book.snapshot()), text=True)
        await send(wire.encode(book.update([(100.0, 1.5)], [])), text=True)
        await wait_for(lambda: client.state is FeedState.LIVE and market.symbols["BTC-USD"].book.seq == 2)
        book.update([(99.5, 0.0)], [(100.5, 4.0)])  # seq 3: published, but the client never gets it
        gap_at = time.monotonic()
        await send(wire.encode(book.update([(98.5, 1.0)], [])), text=True)
        await wait_for(lambda: log.first_after(gap_at, FeedState.LIVE) is not None)
        resynced = log.first_after(gap_at, FeedState.LIVE) - gap_at
        print(f"scenario 15: resynced {resynced * 1000:.0f} ms after the gap")
        assert FeedState.RESYNCING in log.states()
        assert [r.symbol for _, r in server.requests if isinstance(r, wire.SnapshotRequest)] == ["BTC-USD"]
        client_book = market.symbols["BTC-USD"].book
        assert (client_book.bids(), client_book.asks()) == book.levels()
        assert client_book.seq == book.seq and client.stats.gaps == 1 and client.stats.resyncs == 1
        assert market.resyncing_symbols() == set()
        await _stop(client, task)


async def test_scenario_16_duplicate_and_old_sequence_numbers_are_never_applied_twice():
    book = _server_book()
    async with ScriptedExchange() as server:
        client, market, log, task = await _book_feed(server)
        send = server.latest.send
        await send(wire.encode(book.snapshot()), text=True)
        update = book.update([(100.0, 7.0)], [])
        await send(wire.encode([update, update]), text=True)  # repeated within a batch
        await send(wire.encode(update), text=True)  # and again later
        await send(wire.encode(msgspec.structs.replace(book.snapshot(), kind="update", seq=1, prev_seq=0)), text=True)  # an old seq
        last = book.update([], [(100.5, 2.0)])
        await send(wire.encode(last), text=True)
        await wait_for(lambda: "BTC-USD" in market.symbols and market.symbols["BTC-USD"].book.seq == last.seq)
        client_book = market.symbols["BTC-USD"].book
        assert client_book.updates == 2 and client_book.duplicates == 3
        assert (client_book.bids(), client_book.asks()) == book.levels()
        assert FeedState.RESYNCING not in log.states() and client.stats.gaps == 0
        await _stop(client, task)


# --- 17: clocks ---------------------------------------------------------------------------


class SteppableClock:
    """Real monotonic time, until frozen; then only :meth:`advance` moves it."""

    def __init__(self) -> None:
        self.frozen: float | None = None

    def __call__(self) -> float:
        return time.monotonic() if self.frozen is None else self.frozen

    def freeze(self) -> None:
        self.frozen = time.monotonic()

    def advance(self, seconds: float) -> None:
        assert self.frozen is not None
        self.frozen += seconds


async def test_scenario_17_staleness_uses_the_injected_monotonic_clock_and_skew_is_shown():
    wall = {"offset": 0}
    mono = SteppableClock()
    skew = -300 * 10**9  # the server's clock is 5 minutes behind
    async with ScriptedExchange(heartbeat_interval=0.1, clock_offset_ns=skew) as server:
        client = FeedClient(
            server.url, market=MarketState(), subscriptions=[wire.Subscription("ticker", "BTC-USD")],
            clock=mono, wall_clock_ns=lambda: time.time_ns() + wall["offset"],
        )
        log = StateLog(client)
        task = await _start(client)
        await wait_for(lambda: client.state is FeedState.LIVE)
        for jump in (3600, -3600):
            wall["offset"] += jump * 10**9  # the local wall clock jumps an hour, and back
            await asyncio.sleep(0.3)
        for n in range(5):
            await server.latest.send(wire.encode(ticker(seq=10 + n, ts=time.time_ns() + skew)), text=True)
        await wait_for(lambda: abs(client.stats.clock_skew() + 300) < 5, what="skew of -300 s shown")
        assert client.stats.clock_jumps >= 2
        assert log.count(FeedState.STALE) == 0 and client.stats.reconnects == 0
        # The server goes quiet. Staleness must follow the injected monotonic clock, not real time:
        mono.freeze()
        server.go_silent(server.latest)
        await asyncio.sleep(0.5)  # well past 2 x heartbeat in real time, but no time passed on the clock
        assert client.state is FeedState.LIVE
        mono.advance(0.25)  # now 2.5 heartbeats of silence on the clock
        await wait_for(lambda: client.state is FeedState.STALE)
        assert client.stats.reconnects == 0
        await _stop(client, task)


# --- 20: handshake refused ----------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403, 404])
async def test_scenario_20_refused_handshake_is_fatal_and_never_retried(status):
    async with ScriptedExchange(status=lambda attempt: status) as server:
        client = FeedClient(server.url, market=MarketState(), policy=FAST)
        with pytest.raises(FatalFeedError, match=str(status)):
            await asyncio.wait_for(client.run(), 5)
        await asyncio.sleep(0.2)
        assert len(server.handshakes) == 1
        assert client.state is FeedState.CLOSED and str(status) in client.fatal_reason


async def test_scenario_20_a_protocol_v1_feed_refused_at_a_binance_path_is_told_to_choose_the_venue_binance(exchange):
    client = FeedClient(f"{exchange.url}/binance", market=MarketState(), policy=FAST)
    with pytest.raises(FatalFeedError, match="404"):
        await asyncio.wait_for(client.run(), 5)
    hint = 'the URL looks like a Binance endpoint: choose the venue "binance" for it'
    assert hint in client.fatal_reason
    assert any(hint in error for error in client.stats.last_errors)  # what feed health lists


async def test_scenario_20_a_refused_protocol_v1_url_like_no_other_venue_gets_no_venue_hint():
    async with ScriptedExchange(status=lambda attempt: 404) as server:
        client = FeedClient(server.url, market=MarketState(), policy=FAST)
        with pytest.raises(FatalFeedError, match="404"):
            await asyncio.wait_for(client.run(), 5)
        assert "venue" not in client.fatal_reason


async def test_scenario_20_server_errors_are_retried_until_the_server_recovers():
    async with ScriptedExchange(status=lambda attempt: 503 if attempt <= 3 else None) as server:
        client = FeedClient(server.url, market=MarketState(), subscriptions=[wire.Subscription("ticker", "BTC-USD")], policy=FAST)
        task = await _start(client)
        await wait_for(lambda: client.state is FeedState.LIVE)
        assert len(server.handshakes) == 4 and client.stats.reconnects == 3
        await _stop(client, task)


async def test_scenario_20_protocol_version_mismatch_is_fatal():
    async with ScriptedExchange(version=2) as server:
        client = FeedClient(server.url, market=MarketState(), policy=FAST)
        with pytest.raises(FatalFeedError, match="protocol v2"):
            await asyncio.wait_for(client.run(), 5)
        await asyncio.sleep(0.2)
        assert len(server.handshakes) == 1


# --- The same scenarios through the mock exchange's own fault API ---------------------------


async def _exchange_feed(server: ExchangeServer, channels=("ticker",), **options) -> tuple[FeedClient, StateLog, asyncio.Task[None]]:
    options.setdefault("policy", FAST)
    client = FeedClient(server.url, market=MarketState(), subscriptions=[wire.Subscription(c, "BTC-USD") for c in channels], **options)
    log = StateLog(client)
    task = await _start(client)
    await wait_for(lambda: client.state is FeedState.LIVE)
    return client, log, task


async def test_scenario_2_exchange_shutdown_fault_reconnects_at_once(exchange):
    client, log, task = await _exchange_feed(exchange, policy=ReconnectPolicy(initial=5.0, cap=5.0))
    announced = time.monotonic()
    await exchange.faults.shutdown(grace=0.05)
    await wait_for(lambda: log.first_after(announced, FeedState.LIVE) is not None, timeout=4.0)
    assert len(log.delays) == 1 and log.delays[0] <= client.policy.shutdown_spread
    await _stop(client, task)


async def test_scenario_5_exchange_half_open_fault_goes_stale_then_reconnects(exchange):
    client, log, task = await _exchange_feed(exchange, ping_interval=0.3, ping_timeout=0.3, close_timeout=0.3)
    cut = time.monotonic()
    await exchange.faults.half_open()
    await wait_for(lambda: log.first_after(cut, FeedState.STALE) is not None)
    await wait_for(lambda: log.first_after(cut, FeedState.BACKING_OFF) is not None)
    await wait_for(lambda: log.first_after(cut, FeedState.LIVE) is not None)
    assert log.first_after(cut, FeedState.STALE) - cut < 2 * exchange.config.heartbeat_interval + 1.0
    await _stop(client, task)


async def test_scenario_15_exchange_skips_a_book_seq_and_the_client_resyncs(exchange):
    client, log, task = await _exchange_feed(exchange, channels=("book",))
    book = client.market.symbols["BTC-USD"].book
    await wait_for(lambda: book.updates >= 3)
    gap_at = time.monotonic()
    await exchange.faults.skip_book_seq("BTC-USD")
    await wait_for(lambda: log.first_after(gap_at, FeedState.RESYNCING) is not None)
    await wait_for(lambda: log.first_after(gap_at, FeedState.LIVE) is not None)
    print(f"scenario 15 (exchange): resynced {(log.first_after(gap_at, FeedState.LIVE) - gap_at) * 1000:.0f} ms after the skip")
    assert client.stats.gaps == 1 and client.stats.resyncs == 1
    # Every update after the rebuild carries the server's checksum and is verified: ten in a row
    # without a new gap means the rebuilt book equals the server's.
    updates = book.updates
    await wait_for(lambda: book.updates >= updates + 10)
    assert book.synced and client.stats.gaps == 1 and book.checksum_mismatches == 0
    await _stop(client, task)


async def test_scenario_12_exchange_malformed_and_unknown_messages_are_counted(exchange):
    client, log, task = await _exchange_feed(exchange)
    await exchange.faults.send_malformed()
    await exchange.faults.send_unknown_type()
    await wait_for(lambda: client.stats.malformed == 2)
    assert client.state is FeedState.LIVE and client.stats.reconnects == 0
    await _stop(client, task)


async def test_scenario_13_exchange_oversized_message_closes_1009_and_reconnects(exchange):
    client, log, task = await _exchange_feed(exchange, max_size=16 * 1024)
    sent = time.monotonic()
    await exchange.faults.send_oversized(size=64 * 1024)
    await wait_for(lambda: log.first_after(sent, FeedState.LIVE) is not None)
    assert any("1009" in e for e in client.stats.last_errors)
    await _stop(client, task)


async def test_scenario_20_exchange_token_refusal_is_fatal_and_the_right_token_works():
    server = ExchangeServer(ExchangeConfig(port=0, rate=50.0, token="s3cret"))
    await server.start()
    try:
        client = FeedClient(server.url, market=MarketState(), policy=FAST)
        with pytest.raises(FatalFeedError, match="401"):
            await asyncio.wait_for(client.run(), 5)
        client, log, task = await _exchange_feed(server, token="s3cret")
        await _stop(client, task)
    finally:
        await server.stop()


async def test_scenario_16_every_channel_ignores_and_counts_duplicates_and_old_seqs():
    """A trade with seq 10 sent four times is kept once; a ticker with seq 5 after seq 20 is ignored."""
    async with ScriptedExchange() as server:
        market = MarketState()
        passed_on: list[wire.MarketMessage] = []
        client = FeedClient(
            server.url, market=market, subscriptions=[wire.Subscription(c, "BTC-USD") for c in ("ticker", "trades")],
            on_message=passed_on.append, policy=FAST,
        )
        task = await _start(client)
        await wait_for(lambda: client.state is FeedState.LIVE)  # the server's greeting ticker has seq 1
        trade = wire.Trade("BTC-USD", 10, time.time_ns(), 77, 100.0, 1.0, "buy")
        await server.latest.send(wire.encode([trade, trade]), text=True)
        await server.latest.send(wire.encode(trade), text=True)
        await server.latest.send(wire.encode(trade), text=True)
        await server.latest.send(wire.encode(ticker(seq=20, last=120.0)), text=True)
        await server.latest.send(wire.encode(ticker(seq=5, last=105.0)), text=True)
        await server.latest.send(wire.encode(ticker(seq=21, last=121.0)), text=True)
        await wait_for(lambda: market.symbols["BTC-USD"].ticker.seq == 21)
        state = market.symbols["BTC-USD"]
        assert list(state.trades) == [trade]
        assert [m.seq for m in passed_on if isinstance(m, wire.Ticker)] == [1, 20, 21]
        assert [m.seq for m in passed_on if isinstance(m, wire.Trade)] == [10]
        assert client.stats.duplicates == 4 and client.stats.malformed == 0
        assert client.stats.subscription("trades", "BTC-USD").duplicates == 3
        await _stop(client, task)
