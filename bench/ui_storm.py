"""ui-storm: the whole app (offscreen) subscribed to a message storm; event-loop lag, repaints, memory.

    .venv/bin/python -m bench.ui_storm [--rate 50000] [--seconds 10] [--charts 4]

A mock exchange runs in another process (``--batch``, five symbols, ticker,
trades, book and 1 s candles); the chart shows ``--indicators`` (default SMA and RSI); ``--charts 4`` splits the chart
area into the 2x2 grid, each chart on its own symbol with the same indicators. The dashboard runs here, in one qasync loop, with
its window shown on Qt's offscreen platform. A 5 ms PreciseTimer measures how
late the event loop serves it (lag). Phase 1 (baseline, same run): the calm
default market for a few seconds. Phase 2: the storm. Each step of a repaint tick is timed
(``UI refresh/tick step``), and the process's CPU time is given per second and per 1,000
messages (what a busy machine distorts least). Printed as a table and
written to ``bench/results/ui_storm.json`` (``ui_storm_grid<N>.json`` with ``--charts N`` above 1).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import qasync
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication

from tradedash.app import AppOptions, Dashboard
from tradedash.core.chart.chart_state import IndicatorState
from tradedash.core.venues.protocol_v1 import ProtocolV1Session

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before the QApplication
ROOT = Path(__file__).resolve().parents[1]

SYMBOLS = ["BTC-USD", "ETH-USD", "SOL-USD", "DOGE-USD", "ADA-USD"]
CHANNELS = ["ticker", "trades", "book", "candles:1s"]
#: Messages one simulator step sends per symbol on CHANNELS (trade, ticker, book update, candle).
MESSAGES_PER_STEP = 4


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class PaintCounter(QObject):
    """Counts paint events that reach a widget (what was really drawn)."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, _watched, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


class LagProbe:
    """A 5 ms timer; the lag of each firing is how much later than 5 ms after the previous one it came."""

    def __init__(self, interval_ms: int = 5) -> None:
        self.interval = interval_ms / 1000
        self.timer = QTimer(interval=interval_ms, timerType=Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)
        self.samples: list[float] = []
        self._last = 0.0

    def start(self) -> None:
        self.samples = []
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.samples.append(max(0.0, now - self._last - self.interval))
        self._last = now


class Durations:
    """Wall time of each call of a wrapped function, kept as a histogram (bench instrumentation).

    A histogram of 1 µs .. 10 s in 2 % steps, not a list, so measuring a storm
    does not itself make memory grow.
    """

    EDGES = [1e-6 * 1.02**i for i in range(int(np.log(1e7) / np.log(1.02)) + 1)]

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.counts = [0] * (len(self.EDGES) + 1)
        self.count = 0
        self.items = 0  # what the calls were given, counted by ``wrap``'s ``items``
        self.max = 0.0

    def wrap(self, function, items=None):
        """``function``, each call timed; ``items(args)`` (if given) says how many things a call handled."""
        def timed(*args, **kwargs):
            if items is not None:
                self.items += items(args)
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                self.counts[bisect.bisect_left(self.EDGES, elapsed)] += 1
                self.count += 1
                self.max = max(self.max, elapsed)

        return timed

    def quantile(self, q: float) -> float:
        wanted, seen = q * self.count, 0
        for index, count in enumerate(self.counts):
            seen += count
            if seen >= wanted and count:
                return self.EDGES[min(index, len(self.EDGES) - 1)]
        return 0.0

    def summary(self, prefix: str) -> dict[str, float]:
        return {
            f"{prefix}_p50_ms": 1000 * self.quantile(0.5),
            f"{prefix}_p99_ms": 1000 * self.quantile(0.99),
            f"{prefix}_max_ms": 1000 * self.max,
            f"{prefix}_count": self.count,
        }


#: Time spent decoding and applying each run of received frames (the session's receive_frames, the engine's
#: hot path: the frames of a socket read, up to 64 at a time).
INGEST = Durations()
ProtocolV1Session.receive_frames = INGEST.wrap(ProtocolV1Session.receive_frames, items=lambda args: len(args[1]))


def start_exchange(rate_per_symbol: float, batch: bool) -> tuple[subprocess.Popen, str]:
    command = [
        sys.executable, "-m", "mock_exchange", "--port", "0", *(["--batch"] if batch else []), "--log-level", "INFO",
        "--symbols", ",".join(SYMBOLS), "--rate", str(rate_per_symbol), "--max-send-buffer", str(64 * 2**20),
        "--slow-client-timeout", "30",
    ]
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        match = re.search(r"listening on (ws://\S+)", line)
        if match:
            return process, match.group(1)
    process.kill()
    raise SystemExit("the mock exchange did not start")


async def phase(dashboard: Dashboard, probe: LagProbe, painter: PaintCounter, seconds: float) -> dict:
    window = dashboard.window
    feed = dashboard.feeds[0]
    refresh = Durations()
    # The timers' work: each step of a tick (lists, the symbol's panels, the focused chart, another) is one call.
    steps = [refresh.wrap(step) for step in window.tick_steps()]
    window.tick_steps = lambda: list(steps)
    INGEST.reset()
    probe.start()
    charts = window.chart_grid.shown
    repaints0, chart0, paints0, messages0 = window.repaints, sum(c.repaints for c in charts), painter.count, feed.client.stats.messages
    rss = [rss_mb()]
    cpu0 = time.process_time()
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        await asyncio.sleep(0.5)
        rss.append(rss_mb())
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu0
    probe.stop()
    lag = np.array(probe.samples) * 1000
    return {
        "seconds": round(elapsed, 2),
        "cpu_per_s": cpu / elapsed,
        "cpu_ms_per_1k_messages": 1e6 * cpu / max(1, feed.client.stats.messages - messages0),
        "messages_per_s": (feed.client.stats.messages - messages0) / elapsed,
        "lag_p50_ms": float(np.percentile(lag, 50)),
        "lag_p99_ms": float(np.percentile(lag, 99)),
        "lag_max_ms": float(lag.max()),
        "ticks_per_s": (window.repaints - repaints0) / elapsed,
        "chart_updates_per_s": (sum(c.repaints for c in charts) - chart0) / elapsed,
        "chart_paints_per_s": (painter.count - paints0) / elapsed,
        "rss_start_mb": rss[0],
        "rss_end_mb": rss[-1],
        "rss_max_mb": max(rss),
        "rss_growth_second_half_mb": rss[-1] - rss[len(rss) // 2],
        **refresh.summary("ui_refresh"),
        **INGEST.summary("ingest_run"),
        "frames_per_s": INGEST.items / elapsed,
    }


async def run(args: argparse.Namespace) -> dict:
    per_symbol = args.rate / (len(SYMBOLS) * MESSAGES_PER_STEP)
    results: dict = {"target_msgs_per_s": args.rate, "rate_per_symbol": per_symbol, "indicators": args.indicators, "charts": args.charts}
    with tempfile.TemporaryDirectory() as tmp:
        calm, calm_url = start_exchange(5.0, args.batch)
        storm, storm_url = start_exchange(per_symbol, args.batch)
        try:
            for name, url, seconds in (("baseline", calm_url, args.baseline), ("storm", storm_url, args.seconds)):
                config = Path(tmp) / f"{name}.toml"
                config.write_text(
                    f'[[feeds]]\nname = "{name}"\nurl = "{url}"\nsymbols = {json.dumps(SYMBOLS)}\nchannels = {json.dumps(CHANNELS)}\n'
                )
                dashboard = Dashboard(AppOptions(config_path=config, log_path=Path(tmp) / "log"))
                await dashboard.start(show=False)
                dashboard.window.resize(1600, 900)
                dashboard.window.show()
                feed = dashboard.feeds[0]
                while feed.client.stats.messages < 50 or dashboard.window.watchlist_model.rowCount() < min(args.charts, len(SYMBOLS)):
                    await asyncio.sleep(0.05)
                dashboard.window.refresh()
                dashboard.window.set_chart_count(args.charts)  # new charts open symbols not shown yet
                painter = PaintCounter()
                for chart in dashboard.window.chart_grid.shown:
                    for indicator in args.indicators:  # computed on every live bar, drawn on each repaint
                        chart.add_indicator(IndicatorState.of(indicator))
                    chart.graphics.viewport().installEventFilter(painter)
                await asyncio.sleep(1.0)  # warm-up: first paints, books, candles
                results[name] = await phase(dashboard, LagProbe(), painter, seconds)
                results[name]["resyncs"] = feed.client.stats.resyncs
                results[name]["gaps"] = feed.client.stats.gaps
                await dashboard.stop()
        finally:
            for process in (calm, storm):
                process.terminate()
                process.wait(10)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50_000, help="storm messages per second in total (default 50,000)")
    parser.add_argument("--seconds", type=float, default=10.0, help="storm length (default 10)")
    parser.add_argument("--baseline", type=float, default=4.0, help="calm baseline length (default 4)")
    parser.add_argument(
        "--indicators", type=lambda text: [name for name in text.split(",") if name], default=["sma", "rsi"],
        help="indicators on the chart, comma-separated (default sma,rsi; '' for none)",
    )
    parser.add_argument("--charts", type=int, choices=(1, 2, 4), default=1, help="charts in the chart area: 1, 2 or 4 (the 2x2 grid); default 1")
    parser.add_argument("--no-batch", dest="batch", action="store_false", help="one message per frame (default: batched frames)")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("tradedash-bench")
    app.setQuitOnLastWindowClosed(False)
    load_before = os.getloadavg()[0]
    results = qasync.run(run(args))
    results["load_average_1min"] = [load_before, os.getloadavg()[0]]
    base, storm = results["baseline"], results["storm"]
    rows = [
        ("messages/s received", "messages_per_s", "{:,.0f}"),
        ("CPU s/s (this process)", "cpu_per_s", "{:.2f}"),
        ("CPU ms per 1,000 messages", "cpu_ms_per_1k_messages", "{:.1f}"),
        ("event-loop lag p50 (ms)", "lag_p50_ms", "{:.2f}"),
        ("event-loop lag p99 (ms)", "lag_p99_ms", "{:.2f}"),
        ("event-loop lag max (ms)", "lag_max_ms", "{:.1f}"),
        ("repaint ticks/s", "ticks_per_s", "{:.1f}"),
        ("chart updates/s (all charts)", "chart_updates_per_s", "{:.1f}"),
        ("chart paints/s", "chart_paints_per_s", "{:.1f}"),
        ("UI refresh/tick step p99 (ms)", "ui_refresh_p99_ms", "{:.2f}"),
        ("UI refresh/tick step max (ms)", "ui_refresh_max_ms", "{:.1f}"),
        ("frames/s received", "frames_per_s", "{:,.0f}"),
        ("ingest per run of frames p99 (ms)", "ingest_run_p99_ms", "{:.2f}"),
        ("ingest per run of frames max (ms)", "ingest_run_max_ms", "{:.1f}"),
        ("RSS start (MB)", "rss_start_mb", "{:.0f}"),
        ("RSS end (MB)", "rss_end_mb", "{:.0f}"),
        ("RSS max (MB)", "rss_max_mb", "{:.0f}"),
        ("RSS growth, 2nd half (MB)", "rss_growth_second_half_mb", "{:+.1f}"),
    ]
    print(f"ui-storm: target {args.rate:,.0f} msgs/s for {args.seconds:g} s ({results['rate_per_symbol']:,.0f} steps/s x {len(SYMBOLS)} symbols x {MESSAGES_PER_STEP} channels, {'batched' if args.batch else 'one message per frame'}), {args.charts} chart(s), indicators on each: {', '.join(args.indicators) or 'none'}")
    print(f"{'figure':<30}{'baseline':>12}{'storm':>12}")
    for label, key, fmt in rows:
        print(f"{label:<30}{fmt.format(base[key]):>12}{fmt.format(storm[key]):>12}")
    results["lag_p99_minus_baseline_ms"] = storm["lag_p99_ms"] - base["lag_p99_ms"]
    print(f"machine load average (1 min) before / after: {load_before:.2f} / {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (other processes skew lag)")
    print(f"lag p99 storm - baseline: {results['lag_p99_minus_baseline_ms']:.2f} ms (goal: p99 < 16 ms, >= 30 repaints/s)")
    out = ROOT / "bench" / "results" / ("ui_storm.json" if args.charts == 1 else f"ui_storm_grid{args.charts}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"written {out}")


if __name__ == "__main__":
    main()
