"""reconnect: the mock exchange killed (SIGKILL) and restarted again and again; how soon the feed is live.

    .venv/bin/python -m bench.reconnect [--cycles 20] [--min-outage 0.5] [--max-outage 10] [--seed 1]

The exchange runs in a child process on a port below the ephemeral range (nothing else can take it
while it is down), streaming ticker, trades and book for three symbols. The feed runs here with the
app's default ReconnectPolicy. Each cycle kills the exchange, waits a random outage, starts it again
and measures the time from its "listening" log line (seen within 5 ms) to the feed's next ``live``
(connected, subscribed again, first fresh update applied). Goal (performance guide): p99 <= 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from bench.harness import report, wait_until
from mock_exchange.process import ExchangeProcess, reusable_port
from tradedash.core import wire
from tradedash.core.feed.lifecycle import FeedState
from tradedash.core.market.state import MarketState
from tradedash.net.feed_client import FeedClient

SYMBOLS = ("BTC-USD", "ETH-USD", "SOL-USD")


async def run(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    live_at: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        exchange = ExchangeProcess(Path(tmp) / "exchange.log", reusable_port(), "--rate", "20", cwd=ROOT)
        await exchange.start()
        client = FeedClient(
            exchange.url,
            market=MarketState(),
            subscriptions=[wire.Subscription(c, s) for c in ("ticker", "trades", "book") for s in SYMBOLS],
        )
        client.lifecycle.add_listener(lambda old, new: new is FeedState.LIVE and live_at.append(time.monotonic()))
        task = asyncio.create_task(client.run())
        samples: list[float] = []
        outages: list[float] = []
        try:
            await wait_until(lambda: client.state is FeedState.LIVE, 10)
            for cycle in range(args.cycles):
                await exchange.kill()
                outage = rng.uniform(args.min_outage, args.max_outage)
                outages.append(outage)
                await asyncio.sleep(outage)
                listening = await exchange.start()
                await wait_until(lambda: live_at and live_at[-1] >= listening, args.max_outage + 30)
                samples.append(live_at[-1] - listening)
                print(f"  cycle {cycle + 1:2d}: down {outage:5.2f} s, live {samples[-1] * 1000:6.0f} ms after listening", flush=True)
        finally:
            await client.close()
            await task
            await exchange.kill()
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    rows = [
        ("cycles (outage %.1f-%.1f s)" % (args.min_outage, args.max_outage), f"{len(samples)}", ""),
        ("listening to live, p50 (ms)", f"{statistics.median(samples) * 1000:,.0f}", ""),
        ("listening to live, p99 (ms)", f"{p99 * 1000:,.0f}", "goal <= 1,000"),
        ("listening to live, max (ms)", f"{ordered[-1] * 1000:,.0f}", ""),
        ("reconnects counted by the feed", f"{client.stats.reconnects}", ""),
    ]
    report("reconnect", rows, {"samples_s": samples, "outages_s": outages, "p99_s": p99, "reconnects": client.stats.reconnects})


def main() -> None:
    parser = argparse.ArgumentParser(description="Time from the exchange listening again to the feed live again.")
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--min-outage", type=float, default=0.5)
    parser.add_argument("--max-outage", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
