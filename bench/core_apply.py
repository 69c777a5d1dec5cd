"""How much the pure core adds per message: decode alone vs decode + MarketState.apply + FeedStats.

The stream is what the mock exchange's own (pure) market publishes for three
symbols on every channel (trades, ticker, book depth 10, candles), pre-encoded
as one message per frame. Both loops run over the same frames in the same
process, alternately, best of several rounds; no sockets, so this isolates the
core's cost from the network (bench/ingest.py measures the whole pipeline).

    .venv/bin/python -m bench.core_apply [--steps N] [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from mock_exchange.market import ALL_CHANNELS, DEFAULT_SPECS, Market
from tradedash.core import wire
from tradedash.core.market.state import MarketState
from tradedash.core.feed.stats import FeedStats

SYMBOLS = ["BTC-USD", "ETH-USD", "SOL-USD"]
T0 = time.time_ns() // 3_600_000_000_000 * 3_600_000_000_000  # this hour, so latency samples are sane
RESULTS = Path(__file__).parent / "results" / "core_apply.json"


def make_stream(steps: int) -> tuple[list[bytes], list[bytes]]:
    """(snapshot frames, market frames) of ``steps`` exchange steps per symbol, 10 ms apart."""
    exchange = Market([DEFAULT_SPECS[s] for s in SYMBOLS], seed=7)
    snapshots = []
    for symbol in SYMBOLS:
        exchange.set_book_depths(symbol, {10})
        snapshots.append(wire.encode(exchange.book_snapshot(symbol, 10, T0)))
    frames = []
    for step in range(steps):
        for symbol in SYMBOLS:
            for _, _, message in exchange.step(symbol, T0 + step * 10_000_000, ALL_CHANNELS):
                frames.append(wire.encode(message))
    return snapshots, frames


def decode_only(snapshots: list[bytes], frames: list[bytes]) -> float:
    decode = wire.decode_server_frame
    start = time.perf_counter()
    for frame in frames:
        decode(frame)
    return time.perf_counter() - start


def whole_core(snapshots: list[bytes], frames: list[bytes]) -> float:
    market = MarketState()
    stats = FeedStats()
    for frame in snapshots:
        market.apply(wire.decode_server_frame(frame)[0])
    decode, apply = wire.decode_server_frame, market.apply
    record_messages, record_market = stats.record_messages, stats.record_market
    start = time.perf_counter()
    for frame in frames:
        messages = decode(frame)
        for message in messages:
            record_market(message, apply(message))
        record_messages(len(messages))
    elapsed = time.perf_counter() - start
    assert market.resyncing_symbols() == set() and stats.gaps == 0
    return elapsed


def per_kind(frames: list[bytes], snapshots: list[bytes], rounds: int) -> dict[str, float]:
    """Microseconds of apply + stats per message, each kind alone (each channel keeps its own sequence)."""
    messages = [wire.decode_server_frame(frame)[0] for frame in frames]
    kinds: dict[str, list[wire.MarketMessage]] = {}
    for message in messages:
        kinds.setdefault(type(message).__name__, []).append(message)
    costs = {}
    for kind, stream in kinds.items():
        best = float("inf")
        for _ in range(rounds):
            market, stats = MarketState(), FeedStats()
            for frame in snapshots:
                market.apply(wire.decode_server_frame(frame)[0])
            apply, record_market = market.apply, stats.record_market
            start = time.perf_counter()
            for message in stream:
                record_market(message, apply(message))
            best = min(best, time.perf_counter() - start)
        costs[kind] = best / len(stream) * 1e6
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5_000, help="exchange steps per symbol (default 5000)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; the best of each is kept (default 5)")
    args = parser.parse_args()
    snapshots, frames = make_stream(args.steps)
    best = {"decode only": float("inf"), "decode + apply + stats": float("inf")}
    for _ in range(args.rounds):
        best["decode only"] = min(best["decode only"], decode_only(snapshots, frames))
        best["decode + apply + stats"] = min(best["decode + apply + stats"], whole_core(snapshots, frames))
    rates = {name: len(frames) / seconds for name, seconds in best.items()}
    ratio = rates["decode + apply + stats"] / rates["decode only"]
    added_us = (best["decode + apply + stats"] - best["decode only"]) / len(frames) * 1e6
    print(f"{len(frames):,} messages (trades, ticker, book depth 10, candles; 3 symbols), best of {args.rounds}")
    print(f"{'loop':<26}{'msgs/s':>12}{'us/msg':>10}")
    for name, rate in rates.items():
        print(f"{name:<26}{rate:>12,.0f}{1e6 / rate:>10.2f}")
    print(f"core adds {added_us:.2f} us per message; ratio {ratio:.2f} of decode-only")
    costs = per_kind(frames, snapshots, args.rounds)
    print(f"{'apply + stats, each kind alone':<32}{'us/msg':>8}")
    for kind, us in costs.items():
        print(f"{kind:<32}{us:>8.2f}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(
        {"messages": len(frames), "rates": rates, "ratio": ratio, "added_us": added_us, "per_kind_us": costs}, indent=2
    ))


if __name__ == "__main__":
    main()
