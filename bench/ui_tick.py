"""ui-tick: the CPU time of each step of a repaint tick under a synthetic storm, in-process, no network.

    .venv/bin/python -m bench.ui_tick [--charts 4] [--ticks 300] [--messages 1660]

The window (Qt's offscreen platform) shows five symbols with ten minutes of 1 s
bars, ``--charts`` charts with SMA and RSI each. Before each step of a tick,
``--messages`` / steps trades, tickers and 20-level book snapshots are applied
to the market state (1,660 a tick is 50,000 a second at 30 ticks a second);
then the step runs and Qt paints what it changed. Each step's CPU time (the
thread's, which another process on the machine barely changes, unlike wall
time) is what one turn of the event loop is kept busy: the event-loop lag a
step can cause. Printed as a table, written to ``bench/results/ui_tick.json``.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time

import numpy as np

from bench.harness import report

SYMBOLS = ["BTC-USD", "ETH-USD", "SOL-USD", "DOGE-USD", "ADA-USD"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--charts", type=int, choices=(1, 2, 4), default=4)
    parser.add_argument("--ticks", type=int, default=300)
    parser.add_argument("--messages", type=int, default=1660, help="messages applied per tick (default 1,660: 50,000/s)")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from tradedash.config import Config, FeedConfig
    from tradedash.core import wire
    from tradedash.core.chart.chart_state import IndicatorState
    from tradedash.core.market.state import MarketState
    from tradedash.net.feed_client import FeedClient
    from tradedash.ui.main_window import MainWindow
    from tradedash.ui.running_feed import RunningFeed

    app = QApplication.instance() or QApplication(sys.argv[:1])
    market = MarketState()
    config = FeedConfig(name="bench", symbols=SYMBOLS)
    client = FeedClient("ws://127.0.0.1:9", market=market, subscriptions=wire.subscriptions_of(config.channels, config.symbols))
    client.session.symbols = [wire.SymbolInfo(symbol, 0.01, 0.0001) for symbol in SYMBOLS]
    feed = RunningFeed(config, client, market)
    rng = random.Random(7)
    prices = {symbol: 100.0 * (i + 1) for i, symbol in enumerate(SYMBOLS)}
    seq = iter(range(1, 1 << 62))
    clock = [time.time_ns() - 600 * 10**9]

    def apply(count: int) -> None:
        for i in range(count):
            symbol = SYMBOLS[i % len(SYMBOLS)]
            price = prices[symbol] = prices[symbol] * (1 + rng.gauss(0, 2e-4))
            kind, ts = i % 4, clock[0]
            if kind in (0, 3):
                market.apply(wire.Trade(symbol=symbol, seq=next(seq), ts=ts, trade_id=next(seq), price=price, size=rng.random(),
                                        side="buy" if kind == 0 else "sell"))
            elif kind == 1:
                market.apply(wire.Ticker(symbol=symbol, seq=next(seq), ts=ts, bid=price - 0.01, bid_size=1.0, ask=price + 0.01, ask_size=1.0,
                                         last=price, open_24h=100.0, high_24h=2e5, low_24h=1.0, volume_24h=1000.0, change_24h=price - 100))
            else:
                levels = range(1, 21)
                market.apply(wire.Book(symbol=symbol, seq=next(seq), ts=ts, kind="snapshot",
                                       bids=[(price - 0.01 * j, rng.random()) for j in levels], asks=[(price + 0.01 * j, rng.random()) for j in levels]))

    for _ in range(600):  # ten minutes of 1 s bars
        apply(20)
        clock[0] += 10**9
    with tempfile.TemporaryDirectory() as tmp:
        window = MainWindow([feed], Config(feeds=[config]), QSettings(os.path.join(tmp, "layout.ini"), QSettings.Format.IniFormat))
        window.repaint_timer.stop()
        window.resize(1600, 900)
        window.show()
        window.refresh()
        app.processEvents()
        window.set_chart_count(args.charts)
        for chart in window.chart_grid.shown:
            for name in ("sma", "rsi"):
                chart.add_indicator(IndicatorState.of(name))
        steps = window.tick_steps()
        names = [f"{type(step.__self__).__name__}.{step.__name__}" for step in steps]
        cpu: dict[str, list[float]] = {name: [] for name in names}
        for tick in range(30 + args.ticks):  # the first 30 warm up
            for name, step in zip(names, steps, strict=True):
                apply(args.messages // len(steps))
                clock[0] += 33_333_333 // len(steps)
                started = time.thread_time()
                step()
                app.processEvents()  # Qt paints what the step changed
                if tick >= 30:
                    cpu[name].append(1000 * (time.thread_time() - started))
        window.close()
    figures = {"charts": args.charts, "messages_per_tick": args.messages, "load_average_1min": os.getloadavg()[0]}
    rows = []
    for name, times in cpu.items():
        p50, p99 = np.percentile(times, 50), np.percentile(times, 99)
        figures[name] = {"p50_ms": p50, "p99_ms": p99, "max_ms": max(times)}
        rows.append((f"{name}: CPU p50 / p99 / max (ms)", f"{p50:.2f} / {p99:.2f} / {max(times):.2f}", "one event-loop turn"))
    per_tick = sum(np.mean(times) for times in cpu.values())
    figures["per_tick_ms"] = per_tick
    rows.append(("a whole tick: CPU mean (ms)", f"{per_tick:.1f}", f"x 30/s = {per_tick * 3:.0f} % of a core"))
    print(f"{args.charts} chart(s) with SMA and RSI, {args.messages:,} messages a tick; load {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    report("ui_tick", rows, figures)


if __name__ == "__main__":
    main()
