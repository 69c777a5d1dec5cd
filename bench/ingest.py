"""Ingest: TradeDash's whole client pipeline against a bare websockets receive loop, same stream, same run.

(a) bare: ``async for message in websocket`` counting messages;
(b) pipeline: ``FeedClient`` -> decode and validate (msgspec) -> ``MarketState.apply`` (ticker,
    trades, price history, books) -> feed statistics, exactly as the app runs it.
Both read the same pre-encoded stream of realistic trades and tickers from bench/feed_stream.py
(another process, writing prebuilt frames so the sender is never the bottleneck), with the same
connection options. Rounds alternate (a) and (b); the figure is the ratio of the medians.
Then the batched case: the server packs ``--batch`` messages per frame; figure: updates applied/s.

    /work/main/.venv/bin/python bench/ingest.py [--messages 200000] [--rounds 3] [--batch 100]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from websockets.asyncio.client import connect  # noqa: E402

from bench.feed_stream import SYMBOLS  # noqa: E402
from bench.harness import feed_stream, report  # noqa: E402
from tradedash.core import wire  # noqa: E402
from tradedash.core.lifecycle import FeedState  # noqa: E402
from tradedash.core.market import MarketState  # noqa: E402
from tradedash.net.feed_client import FeedClient  # noqa: E402

#: The connection options FeedClient uses by default, given to the bare loop too.
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


async def pipeline(url: str, messages: int) -> float:
    """Messages per second through FeedClient into MarketState, from the connection attempt to the last applied."""
    market = MarketState()
    client = FeedClient(
        url, market=market, subscriptions=[wire.Subscription(c, s) for c in ("ticker", "trades") for s in SYMBOLS]
    )
    started = time.perf_counter()
    task = asyncio.create_task(client.run())
    while client.stats.messages < messages:
        if task.done():
            task.result()
            raise RuntimeError(f"feed stopped after {client.stats.messages} messages")
        await asyncio.sleep(0.002)
    elapsed = time.perf_counter() - started
    assert client.stats.malformed == 0 and client.state is FeedState.LIVE
    assert sum(s.version for s in market.symbols.values()) == messages
    await client.close()
    await task
    return messages / elapsed


async def run(args: argparse.Namespace) -> None:
    bare_rates: list[float] = []
    pipe_rates: list[float] = []
    with feed_stream("--messages", str(args.messages)) as url:
        for round_ in range(args.rounds):
            if round_ % 2:
                pipe_rates.append(await pipeline(url, args.messages))
                bare_rates.append(await bare_loop(url, args.messages))
            else:
                bare_rates.append(await bare_loop(url, args.messages))
                pipe_rates.append(await pipeline(url, args.messages))
            print(f"round {round_ + 1}: bare {bare_rates[-1]:,.0f} msg/s, pipeline {pipe_rates[-1]:,.0f} msg/s", flush=True)
    batched_messages = args.messages * 2
    batched_rates: list[float] = []
    with feed_stream("--messages", str(batched_messages), "--batch", str(args.batch)) as url:
        for _ in range(args.rounds):
            batched_rates.append(await pipeline(url, batched_messages))
    bare, pipe, batched = (statistics.median(r) for r in (bare_rates, pipe_rates, batched_rates))
    ratio = pipe / bare
    report(
        "ingest",
        [
            ("bare websockets loop (msg/s, median)", f"{bare:,.0f}", ""),
            ("TradeDash pipeline (msg/s, median)", f"{pipe:,.0f}", ""),
            ("pipeline / bare", f"{ratio:.2f}", "goal >= 0.8"),
            (f"batched ingest, {args.batch}/frame (updates/s)", f"{batched:,.0f}", "goal >= 500,000"),
        ],
        {
            "messages": args.messages,
            "rounds": args.rounds,
            "bare_msgs_per_s": bare_rates,
            "pipeline_msgs_per_s": pipe_rates,
            "ratio": ratio,
            "batch": args.batch,
            "batched_updates_per_s": batched_rates,
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Ingest throughput: pipeline vs bare websockets loop.")
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=100)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
