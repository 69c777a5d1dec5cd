"""chart-open: time from showing a symbol to the chart's first painted history, from the local candle cache.

    .venv/bin/python -m bench.chart_open [--days 4] [--runs 20]

A candle file (the app's SQLite cache) holds ``--days`` of 1 m bars and the 1 h
bars of the same span for several symbols. A shown chart (Qt's offscreen
platform unless ``QT_QPA_PLATFORM`` says otherwise) is pointed at each symbol in
turn with no live data and no network: the time is from ``set_symbol`` to the
end of the first paint of its view (read from the cache, joined, drawn and
painted). Printed as a table and written to ``bench/results/chart_open.json``.
Goal: under 300 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.harness import report

GOAL_MS = 300.0
#: Where the benchmark's feed would connect; it is never run, so nothing is opened.
FEED_URL = "ws://127.0.0.1:9"


def bench_feed(symbols: list[str]):
    """The feed the chart shows: a client that is never run and an empty market (no live data)."""
    from tradedash.config import FeedConfig
    from tradedash.core.market.state import MarketState
    from tradedash.net.feed_client import FeedClient
    from tradedash.ui.running_feed import RunningFeed

    market = MarketState()
    return RunningFeed(FeedConfig(name="bench", url=FEED_URL, symbols=symbols), FeedClient(FEED_URL, market=market), market)


def fill_cache(path: Path, venue: str, symbols: list[str], days: float) -> None:
    """``days`` of 1 m bars and their 1 h bars of each symbol, cached under ``venue``."""
    from tradedash.core.chart.candle_store import CandleStore, SeriesKey

    store = CandleStore(path)
    now_min = int(time.time() // 60)
    rng = np.random.default_rng(7)
    for symbol in symbols:
        count = int(days * 1440)
        closes = 64_000 * np.exp(np.cumsum(rng.normal(0, 0.0007, count)))
        minutes = np.arange(now_min - count, now_min)
        rows = [(int(m) * 60_000_000_000, c * 0.9999, c * 1.0008, c * 0.9991, c, 1.0 + (m % 17)) for m, c in zip(minutes, closes)]
        store.save_bars(SeriesKey(venue, symbol, "1m"), rows)
        hours = [row for row in rows if (row[0] // 60_000_000_000) % 60 == 0]
        store.save_bars(SeriesKey(venue, symbol, "1h"), hours)
    store.close()


def measure(path: Path, feed, symbols: list[str], interval: str, runs: int) -> list[float]:
    from PySide6.QtWidgets import QApplication

    from tradedash.core.chart.candle_store import CandleStore
    from tradedash.ui.panels.chart import PriceChart
    from tradedash.ui.theme import DARK

    app = QApplication.instance() or QApplication(sys.argv[:1])
    store = CandleStore(path)
    chart = PriceChart(DARK, store=store)
    chart.resize(1000, 640)
    chart.show()
    chart.set_interval(interval)
    for _ in range(5):
        app.processEvents()
    times = []
    for run in range(runs):
        for symbol in symbols:
            started = time.perf_counter()
            chart.set_symbol(feed, symbol)
            chart.graphics.viewport().repaint()  # the paint itself, not only a request for one
            times.append((time.perf_counter() - started) * 1000)
            assert not chart.waiting and len(chart.history), f"nothing drawn from the cache ({len(chart.history)}, {chart.waiting})"
            app.processEvents()
    chart.close()
    chart.deleteLater()
    app.processEvents()
    store.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=4.0, help="days of 1 m bars in the cache (default 4)")
    parser.add_argument("--runs", type=int, default=20, help="rounds over the symbols (default 20)")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    symbols = ["BTC-USD", "ETH-USD", "SOL-USD"]
    figures: dict = {"days": args.days, "runs": args.runs, "goal_ms": GOAL_MS}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "candles.sqlite3"
        feed = bench_feed(symbols)
        fill_cache(path, feed.cache_name, symbols, args.days)
        for interval in ("1m", "1h"):
            times = sorted(measure(path, feed, symbols, interval, args.runs))
            p50, p95, worst = statistics.median(times), times[int(0.95 * (len(times) - 1))], times[-1]
            figures[interval] = {"p50_ms": p50, "p95_ms": p95, "max_ms": worst, "opens": len(times)}
            rows.append((f"{interval}: first paint p50 / p95 / max (ms)", f"{p50:.1f} / {p95:.1f} / {worst:.1f}", f"goal < {GOAL_MS:.0f}"))
    report("chart_open", rows, figures)


if __name__ == "__main__":
    main()
