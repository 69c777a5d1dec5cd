"""volatility: the simulator's realised volatility at several update rates, against the configured figure.

    .venv/bin/python -m bench.volatility [--steps 20000]

For each symbol and rate (1, 10, 100, 1,000 updates a second) the simulator takes ``--steps``
steps of ``1 / rate`` seconds with the clustering and jumps switched off (so the figure is
the calibration, not the luck of a calm or fast spell), and the annualised realised
volatility of its mid is compared with the configured one. A last row per symbol runs the
default model (clustering, jumps) for 28 hours at 1 update a second, on 1 minute returns.
Also the median absolute move of an hour of the default model. Printed as a table and
written to ``bench/results/volatility.json``.
"""

from __future__ import annotations

import argparse
import math
import statistics

from mock_exchange.market import DEFAULT_SPECS, SymbolSimulator
from mock_exchange.market.simulator import SECONDS_PER_YEAR, VolatilityModel

from .harness import report

RATES = (1.0, 10.0, 100.0, 1000.0)
STEADY = VolatilityModel(vol_of_vol=0.0, jumps_per_hour=0.0)


def realised(sim: SymbolSimulator, rate: float, steps: int, every: int = 1) -> tuple[float, list[float]]:
    """Annualised realised volatility of the mid, and the log moves of each sample."""
    dt = 1.0 / rate
    moves, last = [], math.log(sim.mid)
    for i in range(1, steps + 1):
        sim.step(dt)
        if i % every == 0:
            now = math.log(sim.mid)
            moves.append(now - last)
            last = now
    return math.sqrt(sum(m * m for m in moves) / (steps * dt) * SECONDS_PER_YEAR), moves


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--symbols", default="BTC-USD,ETH-USD,DOGE-USD")
    args = parser.parse_args()
    rows, figures = [], {}
    for symbol in args.symbols.split(","):
        spec = DEFAULT_SPECS[symbol]
        for seed, rate in enumerate(RATES, 1):  # a seed each: independent samples
            vol, _ = realised(SymbolSimulator(spec, seed, STEADY), rate, args.steps)
            rows.append((f"{symbol} at {rate:g}/s", f"{vol:.3f}", f"configured {spec.volatility:.2f} ({vol / spec.volatility - 1:+.1%})"))
            figures[f"{symbol}@{rate:g}"] = vol
        vol, minute_moves = realised(SymbolSimulator(spec, 2), 1.0, 100_000, every=60)
        hours = [sum(minute_moves[i : i + 60]) for i in range(0, len(minute_moves) - 59, 60)]
        hour = statistics.median(abs(h) for h in hours)
        rows.append((f"{symbol} default model, 28 h at 1/s", f"{vol:.3f}", f"configured {spec.volatility:.2f} ({vol / spec.volatility - 1:+.1%}); median |1 h move| {hour:.2%}"))
        figures[f"{symbol}@default"] = vol
        figures[f"{symbol}@median_hour_move"] = hour
    report("volatility", rows, figures)


if __name__ == "__main__":
    main()
