"""Alert engine cost on the ingest path: applying messages to market state, with and without alerts.

Run: ``.venv/bin/python -m bench.alerts`` (about 20 s).

A stream of recorded-style messages (one ticker and one trade per step, for three
symbols, prices from the mock exchange's own simulator) is decoded once up front;
then each configuration applies the whole stream; rounds interleave the
configurations and each keeps its best round:

- baseline: ``MarketState.apply`` only (what the app does with no rules);
- N rules: ``MarketState.apply`` then ``AlertEngine.on_message``, with N rules spread
  over the three symbols and every kind (crossings, ranges, percent change over
  5 minutes, spread, volume, large trade) on a live feed, on the real clocks (so
  a 5 s cooldown lets each rule fire about once per run).

Figures: messages per second, and each configuration's rate as a ratio to the
baseline measured in the same run. Results go to bench/results/alerts.json.
"""

from __future__ import annotations

import time

from bench.harness import report
from mock_exchange.market import DEFAULT_SPECS, SymbolSimulator
from tradedash.core import wire
from tradedash.core.alerts.rules import (
    LargeTrade,
    PercentChange,
    PriceCross,
    PriceRange,
    SpreadWide,
    TradeVolume,
)
from tradedash.core.alerts.engine import AlertEngine
from tradedash.core.feed.lifecycle import FeedState
from tradedash.core.market.state import MarketState

SYMBOLS = ["BTC-USD", "ETH-USD", "SOL-USD"]
STEPS = 20_000
REPEATS = 5


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


def run_once(messages, rule_count: int | None) -> tuple[float, int]:
    """Messages per second through one configuration (None: market state only), and the firings."""
    market = MarketState()
    engine = AlertEngine(rules(rule_count or 0))  # the real clocks, as in the app
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
    return len(messages) / (time.perf_counter() - started), engine.fired_count


def main() -> None:
    messages = stream()
    configurations = [None, 0, 6, 30, 120]
    best = {c: (0.0, 0) for c in configurations}
    for _ in range(REPEATS):  # rounds interleave the configurations, so a noisy moment hits them all alike
        for configuration in configurations:
            rate, fired = run_once(messages, configuration)
            best[configuration] = max(best[configuration], (rate, fired))
    baseline = best[None][0]
    rows = [(f"messages (best of {REPEATS} interleaved rounds)", f"{len(messages):,}", ""),
            ("market state only (baseline)", f"{baseline:,.0f} msgs/s", "")]
    figures: dict = {"messages": len(messages), "baseline_messages_per_second": baseline, "with_rules": []}
    for count in configurations[1:]:
        rate, fired = best[count]
        rows.append((f"+ alerts, {count} rules", f"{rate:,.0f} msgs/s", f"{rate / baseline:.2f} x baseline, {fired} firings"))
        figures["with_rules"].append(
            {"rules": count, "messages_per_second": rate, "ratio_to_baseline": rate / baseline, "firings": fired}
        )
    report("alerts", rows, figures)


if __name__ == "__main__":
    main()
