"""Ingest: TradeDash's whole client pipeline against a bare websockets receive loop, same stream, same run.

(a) bare: ``async for message in websocket`` counting messages;
(b) pipeline: ``FeedClient`` (which takes each frame as websockets parses it, without the queue
    behind ``recv()``) -> decode and validate (msgspec) -> ``MarketState.apply`` (ticker, trades,
    price history, order book, candles) -> feed statistics (per-subscription counters, latency
    samples) -> the alert engine (no rules, as the app starts) and, once per burst of frames, the
    book checksums, exactly as the app wires them.
Both read the same pre-encoded stream of realistic trades, tickers, book updates and 1 m candles
from bench/feed_stream.py
(another process, writing prebuilt frames so the sender is never the bottleneck), with the same
connection options. Rounds alternate (a) and (b); the figure is the ratio of the medians.
Then the batched case: the server packs ``--batch`` messages per frame; figure: updates applied/s.
Two stream mixes: ticker+trades (like the guide's baseline) and the dashboard's (ticker, trades,
book depth 10, 1 m candles). Then the Binance dialect: the dashboard's mix as Binance
combined-stream frames with string-encoded numbers (bench/binance_stream.py), read by a
``FeedClient`` with the Binance session (the book kept by the documented diff-depth procedure
from a REST snapshot) against the same bare loop. An in-process breakdown (no socket, every frame a burst of its own,
so clocks and checks run per frame) shows where the time goes.

    .venv/bin/python -m bench.ingest [--messages 200000] [--rounds 3] [--batch 100] [--only-binance] [--only-breakdown]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from websockets.asyncio.client import connect

from bench.binance_stream import binance_frames, venue_symbol
from bench.feed_stream import CHANNELS, SYMBOLS, market_messages
from bench.harness import feed_stream, report
from tradedash.core import wire
from tradedash.core.alerts.engine import ALERT_MESSAGE_TYPES, AlertEngine
from tradedash.core.feed.lifecycle import FeedState
from tradedash.core.market.state import MarketState
from tradedash.core.feed.stats import FeedStats
from tradedash.core.venues.binance.book_sync import BookSync, FetchDepth
from tradedash.core.venues.binance.messages import DepthUpdate, decode_depth, decode_frame
from tradedash.core.venues.binance.session import BinanceSession
from tradedash.net.feed_client import FeedClient

#: The connection options FeedClient uses by default (but its connection class), given to the bare loop too.
CONNECT = dict(compression=None, max_size=2**20, max_queue=4096)


async def bare_loop(url: str, frames: int, *, greeted: bool = True) -> float:
    """Frames per second of a bare receive loop that only counts; ``greeted``: protocol v1, which
    greets and is asked for its symbols (a Binance combined stream does neither)."""
    started = time.perf_counter()
    async with connect(url, **CONNECT) as websocket:
        if greeted:
            await websocket.recv()  # hello
            await websocket.send(wire.encode(wire.ListSymbols(id=1)), text=True)
        count = 0
        async for _ in websocket:
            count += 1
            if count == frames:
                break
        return frames / (time.perf_counter() - started)


async def _run_until(client: FeedClient, messages: int) -> tuple[float, asyncio.Task[None]]:
    """Run ``client`` from its connection attempt until it has taken ``messages``: the seconds that
    took, and the task running it (close the client, then await the task)."""
    started = time.perf_counter()
    task = asyncio.create_task(client.run())
    while client.stats.messages < messages:
        if task.done():
            task.result()
            raise RuntimeError(f"feed stopped after {client.stats.messages} messages")
        await asyncio.sleep(0.002)
    return time.perf_counter() - started, task


async def pipeline(url: str, messages: int, channels: tuple[str, ...]) -> float:
    """Messages per second through FeedClient into MarketState, from the connection attempt to the last applied."""
    market = MarketState()
    client = _client(url, market, channels)
    elapsed, task = await _run_until(client, messages)
    assert client.stats.malformed == 0 and client.state is FeedState.LIVE, (client.stats.malformed, client.state)
    assert client.stats.gaps == 0 and all(s.book.resyncing is False for s in market.symbols.values())
    await client.close()
    await task
    return messages / elapsed


async def pipeline_binance(base: str, messages: int, channels: tuple[str, ...]) -> float:
    """Messages per second through FeedClient with the Binance session into MarketState."""
    market = MarketState()
    session = _binance_session(base.replace("ws://", "http://"), market, channels)
    client = FeedClient(base, session=session)
    elapsed, task = await _run_until(client, messages)
    assert client.stats.malformed == 0, client.stats.last_errors
    assert all(sync.synced and sync.resyncs == 0 for sync in session.books.values()), [(s.symbol, s.synced, s.resyncs, s.fetches, s.snapshots, s.applied) for s in session.books.values()]
    await client.close()
    await task
    return messages / elapsed


async def compare_binance(channels: tuple[str, ...], args: argparse.Namespace) -> dict:
    """(a) and (b) alternating on the Binance-dialect stream."""
    bare_rates: list[float] = []
    pipe_rates: list[float] = []
    streams = binance_frames(len(SYMBOLS) * len(channels), channels)[2]
    with feed_stream("--messages", str(args.messages), "--channels", ",".join(channels), module="bench.binance_stream") as base:
        url = f"{base}/stream?streams={'/'.join(streams)}"
        for round_ in range(args.rounds):
            runs = [("bare", lambda: bare_loop(url, args.messages, greeted=False)), ("pipe", lambda: pipeline_binance(base, args.messages, channels))]
            for name, run in runs if round_ % 2 == 0 else runs[::-1]:
                (bare_rates if name == "bare" else pipe_rates).append(await run())
            print(f"  binance round {round_ + 1}: bare {bare_rates[-1]:,.0f} msg/s, pipeline {pipe_rates[-1]:,.0f} msg/s", flush=True)
    return {
        "channels": list(channels),
        "bare_msgs_per_s": bare_rates,
        "pipeline_msgs_per_s": pipe_rates,
        "ratio": statistics.median(pipe_rates) / statistics.median(bare_rates),
        "breakdown_ns_per_msg": breakdown_binance(channels),
    }


def breakdown(channels: tuple[str, ...], count: int = 50_000) -> dict[str, float]:
    """Where the pipeline's time goes, in process (no socket): ns per message for each stage added."""
    frames = [wire.encode(m) for m in market_messages(count, channels)]
    decode = wire.server_frame_decoder.decode

    def best(run) -> float:
        return min(_timed(run) for _ in range(3)) / len(frames) * 1e9

    def decode_only() -> None:
        for frame in frames:
            decode(frame)

    def decode_apply() -> None:
        apply = MarketState().apply
        for frame in frames:
            apply(decode(frame))

    def decode_apply_stats() -> None:
        stats = FeedStats()
        apply, record, count = MarketState().apply, stats.record_market, stats.record_messages
        for frame in frames:
            message = decode(frame)
            record(message, apply(message))
            count(1)

    def feed_client() -> None:
        session = _client("ws://unused", MarketState(), channels).session
        session.connect_started()
        receive, end_burst, clock = session.receive_frame, session.end_burst, time.monotonic
        for frame in frames:
            receive(frame)
            end_burst(clock())

    stages = {"decode": decode_only, "+ apply": decode_apply, "+ stats": decode_apply_stats, "+ feed client, alerts": feed_client}
    return {name: best(run) for name, run in stages.items()}


def breakdown_binance(channels: tuple[str, ...], count: int = 50_000) -> dict[str, float]:
    """Where the Binance pipeline's time goes, in process (no socket): ns per message for each
    stage added, like :func:`breakdown`. Each book's REST snapshot is handed over the moment it
    is asked for, as if the fetch took no time."""
    frames, depth, _ = binance_frames(count, channels)
    decode = decode_frame

    def best(run) -> float:
        return min(_timed(run) for _ in range(3)) / len(frames) * 1e9

    def decode_only() -> None:
        for frame in frames:
            decode(frame)

    def applier(record=None):  # the session's routing: depth events through each symbol's BookSync
        market = MarketState()
        apply, books = market.apply, {}

        def apply_frame(frame: bytes) -> None:
            message = decode(frame)
            if type(message) is not DepthUpdate:
                outcome = apply(message)
                if record is not None:
                    record(message, outcome)
                return
            sync = books.get(message.symbol) or books.setdefault(message.symbol, BookSync(message.symbol))
            sync.apply_event(message)
            for out in sync.take():
                if type(out) is FetchDepth:
                    sync.apply_snapshot(decode_depth(depth[out.symbol]), out.ticket)
                    for book in sync.take():
                        apply(book)
                else:
                    outcome = apply(out)
                    if record is not None:
                        record(out, outcome)
        return apply_frame

    def decode_apply() -> None:
        apply_frame = applier()
        for frame in frames:
            apply_frame(frame)

    def decode_apply_stats() -> None:
        stats = FeedStats()
        apply_frame, count = applier(stats.record_market), stats.record_messages
        for frame in frames:
            apply_frame(frame)
            count(1)

    def session() -> None:
        session = _binance_session("http://unused", MarketState(), channels)
        session.connect_started()
        receive, end_burst, clock = session.receive_frame, session.end_burst, time.monotonic
        for frame in frames:
            receive(frame)
            if end_burst(clock()):  # a fetch asked for: answered at once
                for action in session.requests_to_send(clock()):
                    session.rest_answered(200, {}, clock())
                    session.receive_snapshot(action.symbol, depth[action.symbol], clock())
        assert session.stats.malformed == 0 and all(sync.synced for sync in session.books.values())

    stages = {"decode": decode_only, "+ apply": decode_apply, "+ stats": decode_apply_stats, "+ session, alerts": session}
    return {name: best(run) for name, run in stages.items()}


def _binance_session(rest_url: str, market: MarketState, channels: tuple[str, ...]) -> BinanceSession:
    """A Binance session wired as the app wires one, its symbols given (as ``exchangeInfo`` would list them)."""
    names = [venue_symbol(s) for s in SYMBOLS]
    on_message = AlertEngine().on_message
    return BinanceSession(
        market,
        rest_url=rest_url,
        symbols=[wire.SymbolInfo(name, 0.01, 0.0001) for name in names],
        subscriptions=[wire.Subscription(c, s) for c in channels for s in names],
        on_message=lambda message: on_message(message, "bench"),
        on_message_types=ALERT_MESSAGE_TYPES,
    )


def _client(url: str, market: MarketState, channels: tuple[str, ...]) -> FeedClient:
    """A feed wired as the app wires one: its messages go on to an alert engine (no rules, as the app starts)."""
    on_message = AlertEngine().on_message
    return FeedClient(
        url,
        market=market,
        subscriptions=[wire.Subscription(c, s) for c in channels for s in SYMBOLS],
        on_message=lambda message: on_message(message, "bench"),  # as AlertCenter.observer() wires it
        on_message_types=ALERT_MESSAGE_TYPES,
    )


def _timed(run) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


async def compare(channels: tuple[str, ...], args: argparse.Namespace) -> dict:
    """(a) and (b) alternating, then the batched pipeline, for one stream mix."""
    bare_rates: list[float] = []
    pipe_rates: list[float] = []
    stream = ("--channels", ",".join(channels))
    with feed_stream("--messages", str(args.messages), *stream) as url:
        for round_ in range(args.rounds):
            runs = [("bare", lambda: bare_loop(url, args.messages)), ("pipe", lambda: pipeline(url, args.messages, channels))]
            for name, run in runs if round_ % 2 == 0 else runs[::-1]:
                (bare_rates if name == "bare" else pipe_rates).append(await run())
            print(f"  {'+'.join(channels)} round {round_ + 1}: bare {bare_rates[-1]:,.0f} msg/s, pipeline {pipe_rates[-1]:,.0f} msg/s", flush=True)
    batched_messages = args.messages * 2
    batched_rates: list[float] = []
    with feed_stream("--messages", str(batched_messages), "--batch", str(args.batch), *stream) as url:
        for _ in range(args.rounds):
            batched_rates.append(await pipeline(url, batched_messages, channels))
    bare, pipe = statistics.median(bare_rates), statistics.median(pipe_rates)
    return {
        "channels": list(channels),
        "bare_msgs_per_s": bare_rates,
        "pipeline_msgs_per_s": pipe_rates,
        "ratio": pipe / bare,
        "batched_updates_per_s": batched_rates,
        "breakdown_ns_per_msg": breakdown(channels),
    }


async def run(args: argparse.Namespace) -> None:
    if args.only_breakdown:
        rows = [(f"{name}: in-process ns/msg, {stage}", f"{ns:,.0f}", "")
                for name, stages in (("dashboard", breakdown(CHANNELS)), ("binance dialect", breakdown_binance(CHANNELS)))
                for stage, ns in stages.items()]
        report("ingest_breakdown", rows, {"rows": rows})
        return
    mixes = {} if args.only_binance else {"ticker+trades": ("ticker", "trades"), "dashboard": CHANNELS}
    results = {name: await compare(channels, args) for name, channels in mixes.items()}
    rows = []
    binance = await compare_binance(CHANNELS, args)
    for name, r in results.items():
        rows += [
            (f"{name}: bare websockets loop (msg/s)", f"{statistics.median(r['bare_msgs_per_s']):,.0f}", ""),
            (f"{name}: TradeDash pipeline (msg/s)", f"{statistics.median(r['pipeline_msgs_per_s']):,.0f}", ""),
            (f"{name}: pipeline / bare", f"{r['ratio']:.2f}", "goal >= 0.8"),
            (f"{name}: batched, {args.batch}/frame (updates/s)", f"{statistics.median(r['batched_updates_per_s']):,.0f}", "goal >= 500,000"),
        ]
        rows += [(f"{name}: in-process ns/msg, {stage}", f"{ns:,.0f}", "") for stage, ns in r["breakdown_ns_per_msg"].items()]
    rows += [
        ("binance dialect (dashboard mix): bare websockets loop (msg/s)", f"{statistics.median(binance['bare_msgs_per_s']):,.0f}", ""),
        ("binance dialect (dashboard mix): TradeDash pipeline (msg/s)", f"{statistics.median(binance['pipeline_msgs_per_s']):,.0f}", ""),
        ("binance dialect (dashboard mix): pipeline / bare", f"{binance['ratio']:.2f}", "goal >= 0.8"),
    ]
    rows += [(f"binance dialect: in-process ns/msg, {stage}", f"{ns:,.0f}", "") for stage, ns in binance["breakdown_ns_per_msg"].items()]
    report("ingest", rows, {"messages": args.messages, "rounds": args.rounds, "batch": args.batch, "mixes": results, "binance": binance})


def main() -> None:
    parser = argparse.ArgumentParser(description="Ingest throughput: pipeline vs bare websockets loop.")
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--only-binance", action="store_true", help="run only the Binance-dialect comparison")
    parser.add_argument("--only-breakdown", action="store_true", help="run only the in-process breakdowns (no socket)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
