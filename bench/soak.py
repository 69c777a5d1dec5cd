"""soak: a long run of the feed engine under load, the exchange dropping every connection each minute.

    .venv/bin/python -m bench.soak [--minutes 30] [--warmup 5] [--rate 5000] [--disconnect-every 60]

The mock exchange runs in a child process (five symbols: ticker, trades, book, 1 s candles; about
``--rate`` messages a second in all) with the fault ``drop_all@every=60``. The feed runs here as the
app wires it, without the window: FeedClient, MarketState and the alert engine (no rules). Every
10 s the process's resident memory (RSS) is sampled; the figure is the slope of a least-squares line
through the samples after the warm-up, in MB per 10 minutes. The warm-up must outlast the filling of
the preallocated buffers (the OS commits their pages as they are first written): price history
fills in 80 s at the default rate, 1 s candles take longer but are small.
Goal (reliability scenario 21): under 1 MB per 10 minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

import numpy as np

from bench.harness import report, wait_until
from mock_exchange.process import ExchangeProcess
from tradedash.core import wire
from tradedash.core.alerts.engine import ALERT_MESSAGE_TYPES, AlertEngine
from tradedash.core.feed.lifecycle import FeedState
from tradedash.core.market.state import MarketState
from tradedash.net.feed_client import FeedClient

SYMBOLS = ("BTC-USD", "ETH-USD", "SOL-USD", "DOGE-USD", "ADA-USD")
CHANNELS = ("ticker", "trades", "book", "candles:1s")
SAMPLE_EVERY = 10.0


def rss_mb() -> float:
    """Resident memory of this process (Linux /proc), in MB."""
    pages = int(Path(f"/proc/{os.getpid()}/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


async def run(args: argparse.Namespace) -> None:
    per_symbol_rate = args.rate / (len(SYMBOLS) * len(CHANNELS))  # one message per channel per step
    with tempfile.TemporaryDirectory() as tmp:
        exchange = ExchangeProcess(
            Path(tmp) / "exchange.log", 0,
            "--symbols", ",".join(SYMBOLS), "--rate", f"{per_symbol_rate:g}",
            "--fault", f"drop_all@every={args.disconnect_every:g}", cwd=ROOT,
        )
        await exchange.start()
        on_message = AlertEngine().on_message
        client = FeedClient(
            exchange.url,
            market=MarketState(),
            subscriptions=[wire.Subscription(c, s) for c in CHANNELS for s in SYMBOLS],
            on_message=lambda message: on_message(message, "soak"),
            on_message_types=ALERT_MESSAGE_TYPES,
        )
        task = asyncio.create_task(client.run())
        samples: list[tuple[float, float]] = []
        try:
            await wait_until(lambda: client.state is FeedState.LIVE, 20)
            started = time.monotonic()
            end = started + args.minutes * 60
            while time.monotonic() < end:
                samples.append((time.monotonic() - started, rss_mb()))
                elapsed = samples[-1][0]
                print(f"  {elapsed / 60:5.1f} min: RSS {samples[-1][1]:6.1f} MB, {client.stats.messages:,} messages, "
                      f"{client.stats.reconnects} reconnects, state {client.state.value}", flush=True)
                await asyncio.sleep(SAMPLE_EVERY)
            messages, seconds = client.stats.messages, time.monotonic() - started
        finally:
            await client.close()
            await task
            await exchange.kill()
    times, rss = np.array(samples).T
    kept = times >= args.warmup * 60
    if kept.sum() < 3:
        raise SystemExit("too few samples after the warm-up: make --minutes longer than --warmup")
    slope_mb_per_s = float(np.polyfit(times[kept], rss[kept], 1)[0])
    rows = [
        ("run, of which warm-up (min)", f"{args.minutes:g}, {args.warmup:g}", ""),
        ("messages/s received", f"{messages / seconds:,.0f}", ""),
        ("reconnects (forced every %g s)" % args.disconnect_every, f"{client.stats.reconnects}", ""),
        ("RSS after warm-up / at the end (MB)", f"{rss[kept][0]:.1f} / {rss[-1]:.1f}", ""),
        ("RSS slope after warm-up (MB per 10 min)", f"{slope_mb_per_s * 600:+.2f}", "goal < 1"),
    ]
    report("soak", rows, {"samples": samples, "slope_mb_per_10min": slope_mb_per_s * 600, "reconnects": client.stats.reconnects})


def main() -> None:
    parser = argparse.ArgumentParser(description="Memory of the feed engine over a long run with forced disconnects.")
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=5.0, help="minutes left out of the slope")
    parser.add_argument("--rate", type=float, default=5000.0, help="messages per second in all")
    parser.add_argument("--disconnect-every", type=float, default=60.0, help="seconds between drop_all faults")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
