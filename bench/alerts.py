"""Alert engine cost on the ingest path: applying messages to market state, with and without alerts.

Run: ``/work/main/.venv/bin/python bench/alerts.py`` (about 20 s).

A stream of recorded-style messages (one ticker and one trade per step, for three
symbols, prices from the mock exchange's own simulator) is decoded once up front;
then each configuration applies the whole stream, best of several repeats:

- baseline: ``MarketState.apply`` only (what the app does with no rules);
- N rules: ``MarketState.apply`` then ``AlertEngine.on_message``, with N rules spread
  over the three symbols and every kind (crossings, ranges, percent change over
  5 minutes, spread, volume, large trade) on a live feed.

Figures: messages per second, and each configuration's rate as a ratio to the
baseline measured in the same run. Results go to bench/results/alerts.json.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mock_exchange.simulator import DEFAULT_SPECS, SymbolSimulator  # noqa: E402
from tradedash.core import wire  # noqa: E402
from tradedash.core.alert_rules import (  # noqa: E402
    LargeTrade,
    PercentChange,
    PriceCross,
    PriceRange,
    SpreadWide,
    TradeVolume,
)
from tradedash.core.alerts import AlertEngine  # noqa: E402
from tradedash.core.lifecycle import FeedState  # noqa: E402
from tradedash.core.market import MarketState  # noqa: E402

SYMBOLS = ["BTC-USD", "ETH-USD", "SOL-USD"]
STEPS = 20_000
REPEATS = 3


def stream() -> list[wire.MarketMessage]:
    simulators = {s: SymbolSimulator(DEFAULT_SPECS[s], seed=7) for s in SYMBOLS}
    messages: list[wire.MarketMessage] = []
    ts = 1_764_000_000_000_000_000
    for step in range(STEPS):
        ts += 50_000_000
        for symbol, sim in simulators.items():
            t = sim.step()
            messages.append(wire.Trade(symbol, step, ts, step, t.price, t.size, t.side))
            messages.append(wire.Ticker(symbol, step, ts, t.bid, t.bid_size, t.ask, t.ask_size, t.price,
                                        sim.spec.start_price, t.price, t.price, 0.0, t.price - sim.spec.start_price))
    # Round trip through the codec so the structs are exactly what the feed client hands on.
    return [m for frame in (wire.encode(m) for m in messages) for m in wire.decode_server_frame(frame)]


def rules(count: int) -> list:
    made = []
    for i in range(count):
        symbol = SYMBOLS[i % len(SYMBOLS)]
        base = DEFAULT_SPECS[symbol].start_price
        kind = i % 6
        common = dict(id=f"r{i}", symbol=symbol, cooldown=5.0)
        if kind == 0:
            made.append(PriceCross(direction="above", level=base * (1 + 0.001 * (i % 7)), hysteresis=base * 1e-4, **common))
        elif kind == 1:
            made.append(PriceRange(event="leaves", low=base * 0.99, high=base * 1.01, **common))
        elif kind == 2:
            made.append(PercentChange(percent=0.5, window=300.0, **common))
        elif kind == 3:
            made.append(SpreadWide(limit=base * 2e-4, **common))
        elif kind == 4:
            made.append(TradeVolume(limit=5.0, window=60.0, **common))
        else:
            made.append(LargeTrade(size=1.0, **common))
    return made


def run(messages, rule_count: int | None) -> tuple[float, int]:
    best, fired = float("inf"), 0
    for _ in range(REPEATS):
        market = MarketState()
        clock = iter(i * 0.0002 for i in range(10**9)).__next__  # 5,000 updates per simulated second
        engine = AlertEngine(rules(rule_count or 0), clock=clock, wall_clock=time.time)
        engine.set_feed_state(FeedState.LIVE)
        apply, observe = market.apply, engine.on_message
        started = time.perf_counter()
        if rule_count is None:
            for message in messages:
                apply(message)
        else:
            for message in messages:
                apply(message)
                observe(message)
        best = min(best, time.perf_counter() - started)
        fired = engine.fired_count
    return len(messages) / best, fired


def main() -> None:
    messages = stream()
    baseline, _ = run(messages, None)
    rows = [("market state only (baseline)", baseline, 1.0, 0)]
    for count in (0, 6, 30, 120):
        rate, fired = run(messages, count)
        rows.append((f"+ alerts, {count} rules", rate, rate / baseline, fired))
    print(f"{len(messages):,} messages, best of {REPEATS}")
    print(f"{'configuration':<32}{'msgs/s':>12}{'vs baseline':>13}{'firings':>9}")
    for name, rate, ratio, fired in rows:
        print(f"{name:<32}{rate:>12,.0f}{ratio:>13.2f}{fired:>9,}")
    out = ROOT / "bench" / "results" / "alerts.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"messages": len(messages), "rows": [
        {"configuration": n, "messages_per_second": r, "ratio_to_baseline": q, "firings": f} for n, r, q, f in rows
    ]}, indent=2))
    print("wrote", out)


if __name__ == "__main__":
    main()
