"""history: the seeded past and history pages of the mock exchange, timed.

    .venv/bin/python -m bench.history [--pages 50]

Measures, in one process (exchange and client on one event loop, as in the app):

- how long the simulated market takes to seed its past (5 symbols, 7 days of 1 m bars,
  1 h of 1 s bars): part of every launch of the app's embedded exchange;
- the round trip of one full history page (1,000 bars of 1 m) through
  ``FeedClient.fetch_history`` while the live stream of the symbol flows, median and p95;
- reading all 7 days of 1 m bars back page by page.

Printed as a table and written to ``bench/results/history.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from mock_exchange.market import DEFAULT_SPECS, Market, PastOptions
from mock_exchange.server import ExchangeConfig, ExchangeServer
from tradedash.core import wire
from tradedash.core.market.state import MarketState
from tradedash.net.feed_client import FeedClient

from .harness import report, wait_until


def seed_time(runs: int = 7) -> float:
    """Median seconds to build a market of every built-in symbol with the default past."""
    times = []
    for seed in range(runs):
        started = time.perf_counter()
        Market(DEFAULT_SPECS.values(), seed, start_ns=time.time_ns(), past=PastOptions(), rate=5.0)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def page_times(pages: int) -> tuple[list[float], float, int]:
    server = ExchangeServer(ExchangeConfig(port=0, symbols=list(DEFAULT_SPECS), rate=20.0, seed=1))
    await server.start()
    client = FeedClient(server.url, market=MarketState(), subscriptions=wire.subscriptions_of(["trades", "candles:1m"], ["BTC-USD"]))
    task = asyncio.create_task(client.run())
    try:
        await wait_until(lambda: client.stats.messages > 10, 10)
        times = []
        for _ in range(pages):
            started = time.perf_counter()
            page = await client.fetch_history("BTC-USD", "1m")
            times.append(time.perf_counter() - started)
            assert len(page.bars) == wire.HISTORY_MAX_COUNT
        started = time.perf_counter()
        end, bars = None, 0
        while True:
            page = await client.fetch_history("BTC-USD", "1m", end=end)
            bars += len(page.bars)
            if page.next_end is None:
                break
            end = page.next_end
        return times, time.perf_counter() - started, bars
    finally:
        await client.close()
        await task
        await server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50)
    args = parser.parse_args()
    seeding = seed_time()
    times, whole, bars = asyncio.run(page_times(args.pages))
    times.sort()
    median, p95 = statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))]
    report(
        "history",
        [
            ("seeding the past (5 symbols, 7 days)", f"{seeding * 1000:.1f} ms", "part of every launch"),
            (f"page of {wire.HISTORY_MAX_COUNT} 1m bars, median", f"{median * 1000:.1f} ms", ""),
            (f"page of {wire.HISTORY_MAX_COUNT} 1m bars, p95", f"{p95 * 1000:.1f} ms", ""),
            (f"all {bars} 1m bars, page by page", f"{whole * 1000:.0f} ms", ""),
        ],
        {"seed_ms": seeding * 1000, "page_median_ms": median * 1000, "page_p95_ms": p95 * 1000, "all_pages_ms": whole * 1000, "bars": bars},
    )


if __name__ == "__main__":
    main()
