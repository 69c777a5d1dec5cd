"""Latency: server stamp to applied in the client's market state, at a steady 10,000 msgs/s.

bench/feed_stream.py (another process) sends the dashboard's stream (ticker, trades, book depth 10,
1 m candles) one message per frame at ``--rate`` msgs/s, stamping each ``ts`` with ``time.time_ns()``
just before sending (one clock, one machine). (a) baseline: a bare websockets loop that decodes each
frame with msgspec and takes ``time_ns() - ts``; (b) TradeDash: ``FeedClient`` -> ``MarketState``,
the sample taken by an ``on_message`` callback, which runs right after the message was applied and
counted. Same run, same stream; p50 / p99 / max of every message after a short warm-up.

    .venv/bin/python -m bench.latency [--rate 10000] [--seconds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from websockets.asyncio.client import connect

from bench.feed_stream import CHANNELS, SYMBOLS
from bench.harness import feed_stream, report
from tradedash.core import wire
from tradedash.core.market.state import MarketState
from tradedash.net.feed_client import FeedClient

WARM_UP = 0.1  # share of samples left out at the start (connection, first allocations)


async def bare(url: str, count: int) -> list[int]:
    decode = wire.server_frame_decoder.decode
    samples: list[int] = []
    async with connect(url, compression=None, max_queue=4096) as websocket:
        await websocket.recv()  # hello
        await websocket.send(wire.encode(wire.ListSymbols(id=1)), text=True)
        async for frame in websocket:
            message = decode(frame)
            samples.append(time.time_ns() - message.ts)
            if len(samples) == count:
                return samples
    return samples


async def pipeline(url: str, count: int) -> tuple[list[int], FeedClient]:
    samples: list[int] = []
    done = asyncio.Event()

    def on_applied(message: wire.MarketMessage) -> None:
        samples.append(time.time_ns() - message.ts)
        if len(samples) == count:
            done.set()

    client = FeedClient(
        url, market=MarketState(), subscriptions=[wire.Subscription(c, s) for c in CHANNELS for s in SYMBOLS], on_message=on_applied
    )
    task = asyncio.create_task(client.run())
    await done.wait()
    await client.close()
    await task
    return samples, client


def quantiles(samples: list[int]) -> dict[str, float]:
    kept = sorted(samples[int(len(samples) * WARM_UP) :])
    pick = lambda q: kept[min(len(kept) - 1, int(q * len(kept)))] / 1e6  # noqa: E731
    return {"p50_ms": pick(0.5), "p99_ms": pick(0.99), "max_ms": kept[-1] / 1e6, "mean_ms": statistics.fmean(kept) / 1e6, "samples": len(kept)}


async def run(args: argparse.Namespace) -> None:
    count = int(args.rate * args.seconds)
    stream = ("--mode", "paced", "--rate", str(args.rate), "--seconds", str(args.seconds))
    with feed_stream(*stream) as url:
        baseline = quantiles(await bare(url, count))
        samples, client = await pipeline(url, count)
    applied = quantiles(samples)
    stats_p50, stats_p99 = client.stats.latencies((0.5, 0.99))
    report(
        "latency",
        [
            (f"bare loop + decode, p50 / p99 (ms) at {args.rate:,.0f} msg/s", f"{baseline['p50_ms']:.3f} / {baseline['p99_ms']:.3f}", ""),
            ("TradeDash stamp-to-applied, p50 / p99 (ms)", f"{applied['p50_ms']:.3f} / {applied['p99_ms']:.3f}", "goal p99 < 5 ms"),
            ("TradeDash stamp-to-applied, max (ms)", f"{applied['max_ms']:.3f}", ""),
            ("feed statistics' own p50 / p99 (ms)", f"{(stats_p50 or 0) * 1e3:.3f} / {(stats_p99 or 0) * 1e3:.3f}", "last 4096 samples"),
        ],
        {"rate": args.rate, "seconds": args.seconds, "channels": list(CHANNELS), "bare": baseline, "pipeline": applied},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Stamp-to-applied latency at a steady rate.")
    parser.add_argument("--rate", type=float, default=10_000.0)
    parser.add_argument("--seconds", type=float, default=5.0)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
