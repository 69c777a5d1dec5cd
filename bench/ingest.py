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
book depth 10, 1 m candles). An in-process breakdown (no socket, every frame a burst of its own,
so clocks and checks run per frame) shows where the time goes.

    .venv/bin/python -m bench.ingest [--messages 200000] [--rounds 3] [--batch 100]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from websockets.asyncio.client import connect

from bench.feed_stream import CHANNELS, SYMBOLS, market_messages
from bench.harness import feed_stream, report
from tradedash.core import wire
from tradedash.core.alerts import ALERT_MESSAGE_TYPES, AlertEngine
from tradedash.core.lifecycle import FeedState
from tradedash.core.market import MarketState
from tradedash.core.stats import FeedStats
from tradedash.net.feed_client import FeedClient

#: The connection options FeedClient uses by default (but its connection class), given to the bare loop too.
CONNECT = dict(compression=None, max_size=2**20, max_queue=4096)


async def bare_loop(url: str, frames: int) -> float:
    """Frames per second of a bare receive loop that only counts."""
    started = time.perf_counter()
    async with connect(url, **CONNECT) as websocket:
        await websocket.recv()  # hello
        await websocket.send(wire.encode(wire.ListSymbols(id=1)), text=True)
        count = 0
        async for _ in websocket:
            count += 1
            if count == frames:
                break
        return frames / (time.perf_counter() - started)


async def pipeline(url: str, messages: int, channels: tuple[str, ...]) -> float:
    """Messages per second through FeedClient into MarketState, from the connection attempt to the last applied."""
    market = MarketState()
    client = _client(url, market, channels)
    started = time.perf_counter()
    task = asyncio.create_task(client.run())
    while client.stats.messages < messages:
        if task.done():
            task.result()
            raise RuntimeError(f"feed stopped after {client.stats.messages} messages")
        await asyncio.sleep(0.002)
    elapsed = time.perf_counter() - started
    assert client.stats.malformed == 0 and client.state is FeedState.LIVE, (client.stats.malformed, client.state)
    assert client.stats.gaps == 0 and all(s.book.resyncing is False for s in market.symbols.values())
    await client.close()
    await task
    return messages / elapsed


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
    mixes = {"ticker+trades": ("ticker", "trades"), "dashboard": CHANNELS}
    results = {name: await compare(channels, args) for name, channels in mixes.items()}
    rows = []
    for name, r in results.items():
        rows += [
            (f"{name}: bare websockets loop (msg/s)", f"{statistics.median(r['bare_msgs_per_s']):,.0f}", ""),
            (f"{name}: TradeDash pipeline (msg/s)", f"{statistics.median(r['pipeline_msgs_per_s']):,.0f}", ""),
            (f"{name}: pipeline / bare", f"{r['ratio']:.2f}", "goal >= 0.8"),
            (f"{name}: batched, {args.batch}/frame (updates/s)", f"{statistics.median(r['batched_updates_per_s']):,.0f}", "goal >= 500,000"),
        ]
        rows += [(f"{name}: in-process ns/msg, {stage}", f"{ns:,.0f}", "") for stage, ns in r["breakdown_ns_per_msg"].items()]
    report("ingest", rows, {"messages": args.messages, "rounds": args.rounds, "batch": args.batch, "mixes": results})


def main() -> None:
    parser = argparse.ArgumentParser(description="Ingest throughput: pipeline vs bare websockets loop.")
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=100)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
