"""What the chart's pure data costs: the candle cache, indicators over history and on the live bar, depth.

Run: ``.venv/bin/python -m bench.chart_data`` (a few seconds).

- cache open + load: a ``CandleStore`` file holding 100,000 1 m bars of one series
  (plus 3 other series of the same size) is opened and the newest 10,000 bars loaded:
  the disk part of "time to first painted history on open under 300 ms from the
  local cache".
- indicator, whole series: ``LiveIndicator.sync`` of a fresh indicator over those
  10,000 bars (a chart opening); default settings.
- indicator, live bar: a trade changes the live bar of the 10,000-bar series, then
  ``sync`` (what each repaint tick costs per indicator shown).
- depth: ``depth_curve`` and both step lines of a book of 1,000 levels a side.

Each figure is the best of several rounds. Results go to bench/results/chart_data.json.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bench.harness import report
from tradedash.core.market.book import OrderBook
from tradedash.core.chart.candle_store import CandleStore, SeriesKey
from tradedash.core.market.candles import CandleSeries
from tradedash.core.chart.depth import depth_curve
from tradedash.core.chart.indicators import INDICATORS, LiveIndicator
from tradedash.core.wire import Book

T0 = 1_764_061_200_000_000_000
MINUTE = 60_000_000_000
STORED = 100_000
SHOWN = 10_000
ROUNDS = 7


def best(action: Callable[[], object], rounds: int = ROUNDS) -> float:
    """Best wall time of ``action`` in ms."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times) * 1e3


def random_bars(count: int, seed: int) -> list[tuple[int, float, float, float, float, float]]:
    rng = np.random.default_rng(seed)
    close = 90_000 * np.exp(np.cumsum(rng.normal(0, 0.0008, count)))
    spread = np.abs(rng.normal(0, 20, count))
    volume = rng.gamma(2.0, 3.0, count)
    starts = T0 + np.arange(count) * MINUTE
    return list(zip(starts.tolist(), close.tolist(), (close + spread).tolist(), (close - spread).tolist(),
                    close.tolist(), volume.tolist()))


def main() -> None:
    rows: list[tuple[str, str, str]] = []
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "candles.sqlite3"
        store = CandleStore(path)
        key = SeriesKey("mock", "BTC-USD", "1m")
        for n, symbol in enumerate(["BTC-USD", "ETH-USD", "SOL-USD", "XRP-USD"]):
            store.save_bars(SeriesKey("mock", symbol, "1m"), random_bars(STORED, n))
        store.close()

        def open_and_load() -> None:
            opened = CandleStore(path)
            opened.load(key, SHOWN)
            opened.close()

        figures["cache_open_load_ms"] = best(open_and_load)
        rows.append((f"cache open + load {SHOWN:,} of {4 * STORED:,} bars", f"{figures['cache_open_load_ms']:.1f} ms",
                     "part of 300 ms to first history"))
        loaded = CandleStore(path).load(key, SHOWN)

    series = CandleSeries("1m", capacity=SHOWN + 10)
    for row in zip(*(column.tolist() for column in loaded[:1] + loaded[2:7])):
        start, o, h, lo, c, v = row
        series.add_trade(start, o, v / 2)
        series.add_trade(start + 1, h, v / 4)
        series.add_trade(start + 2, lo, v / 8)
        series.add_trade(start + 3, c, v / 8)
    live_ts = int(series.view().start[-1]) + 10
    for name, spec in INDICATORS.items():
        figures[f"{name}_whole_ms"] = best(lambda: LiveIndicator(spec).sync(series.view()))
        indicator = LiveIndicator(spec)
        indicator.sync(series.view())
        price = [float(series.view().close[-1])]

        def live_tick() -> None:
            price[0] *= 1.0001
            series.add_trade(live_ts, price[0], 0.01)
            indicator.sync(series.view())

        figures[f"{name}_live_us"] = best(live_tick, rounds=200) * 1e3
        rows.append((f"{name}: {SHOWN:,} bars / live bar", f"{figures[f'{name}_whole_ms']:.2f} ms / "
                     f"{figures[f'{name}_live_us']:.0f} us", "live bar well under a 16 ms frame"))

    book = OrderBook("BTC-USD")
    bids = [(90_000 - 0.5 * k, 0.1 + (k % 7)) for k in range(1, 1001)]
    asks = [(90_000 + 0.5 * k, 0.1 + (k % 5)) for k in range(1, 1001)]
    book.apply(Book(symbol="BTC-USD", seq=1, ts=T0, kind="snapshot", bids=bids, asks=asks))

    def depth() -> None:
        curve = depth_curve(book)
        curve.step_line("bid")
        curve.step_line("ask")

    figures["depth_1000_levels_us"] = best(depth, rounds=50) * 1e3
    rows.append(("depth curve, 1,000 levels a side", f"{figures['depth_1000_levels_us']:.0f} us", "per repaint"))
    report("chart_data", rows, figures)


if __name__ == "__main__":
    main()
