"""A seeded past for a simulated symbol: days of bars that end exactly where the live market begins.

Pure and vectorised (numpy, no clock): :func:`seed_past` draws one symbol's past in a
few milliseconds, so the exchange (embedded in the app, started on every launch)
still starts at once. The same :class:`~.simulator.VolatilityModel` as the live
simulator drives it, so a chart reads the same market on both sides of the join.

- ``1m`` bars for ``days`` days, whole hours from the first; the newest minutes
  (the last ``seconds``, in whole minutes) are made from ``1s`` bars, the rest are
  drawn directly (close-to-close returns, high and low from the Brownian bridge).
- ``5m`` and ``1h`` bars are aggregated from the ``1m`` bars: consistent by construction.
- The last bar of every interval is the one in progress at ``end_ns`` (it contains it);
  the newest close is the symbol's start price, where the live simulator starts.
- Volumes match what the live market trades at ``rate`` steps a second.

numpy is imported when a past is drawn, not with this module: the exchange installed alone
(without the dashboard, so without numpy) still runs, without a past (:func:`past_available`).
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tradedash.core.wire import INTERVAL_NS

from .simulator import SECONDS_PER_YEAR, TRADE_SIZES, SymbolSpec, VolatilityModel, decimals_of

if TYPE_CHECKING:
    import numpy as np

__all__ = ["PastOptions", "Bars", "seed_past", "past_available"]


def past_available() -> bool:
    """True when numpy, which draws the past, is installed."""
    return importlib.util.find_spec("numpy") is not None

_SECOND, _MINUTE, _HOUR = INTERVAL_NS["1s"], INTERVAL_NS["1m"], INTERVAL_NS["1h"]


@dataclass(frozen=True, slots=True)
class PastOptions:
    """How much past to seed: ``days`` of 1 m bars (0: none), 1 s bars for the last ``seconds``."""

    days: float = 7.0
    seconds: int = 3600

    def __post_init__(self) -> None:
        if not (0 <= self.days <= 366 and 0 <= self.seconds <= 86_400):
            raise ValueError(f"history: days must be 0..366 and seconds 0..86400, got {self.days} and {self.seconds}")


@dataclass(slots=True)
class Bars:
    """Bars of one interval as columns, oldest first: ``start`` (int64 ns), then float64 OHLCV."""

    start: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray

    def __len__(self) -> int:
        return len(self.start)

    def aggregate(self, length: int) -> Bars:
        """The bars of an interval ``length`` ns long (a multiple of this one's) made from these."""
        import numpy as np

        if not len(self):
            return self
        groups = self.start // length
        first = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        last = np.r_[first[1:] - 1, len(self) - 1]
        return Bars(
            groups[first] * length,
            self.open[first],
            np.maximum.reduceat(self.high, first),
            np.minimum.reduceat(self.low, first),
            self.close[last],
            np.round(np.add.reduceat(self.volume, first), 8),
        )

    @staticmethod
    def join(*parts: Bars) -> Bars:
        import numpy as np

        return Bars(*(np.concatenate([getattr(p, name) for p in parts]) for name in Bars.__slots__))


def seed_past(
    spec: SymbolSpec, model: VolatilityModel, seed: int, end_ns: int, rate: float, options: PastOptions
) -> dict[str, Bars]:
    """The bars of every interval of :data:`~tradedash.core.wire.INTERVAL_NS` up to ``end_ns`` (see the module)."""
    import numpy as np

    rng = np.random.default_rng([seed, *spec.symbol.encode()])
    last_minute = end_ns - end_ns % _MINUTE
    first_minute = last_minute - int(options.days * 1440) * _MINUTE
    first_minute -= first_minute % _HOUR
    if options.days <= 0:
        first_minute = last_minute
    # The 1 s window: whole minutes, the last one in progress.
    covering = end_ns - options.seconds * _SECOND
    window_minutes = (last_minute - (covering - covering % _MINUTE)) // _MINUTE + 1 if options.seconds else 0
    window_minutes = min(window_minutes, (last_minute - first_minute) // _MINUTE + 1)
    window_start = last_minute - (window_minutes - 1) * _MINUTE if window_minutes else last_minute + _MINUTE
    direct_minutes = (window_start - first_minute) // _MINUTE
    seconds = (end_ns - end_ns % _SECOND - window_start) // _SECOND + 1 if window_minutes else 0
    # The volatility factor, one value a minute over the whole span.
    total_minutes = direct_minutes + window_minutes
    phi = math.exp(-60.0 / model.cluster_seconds)
    x = _ar1(rng.standard_normal(total_minutes) * model.vol_of_vol * math.sqrt(1 - phi * phi), phi, rng.standard_normal() * model.vol_of_vol)
    sd_factor = np.exp(x - model.vol_of_vol**2)  # volatility multiplier (its square has mean 1)
    var_per_second = spec.volatility**2 / SECONDS_PER_YEAR * max(0.0, 1.0 - model.jump_variance_share())
    hour_vol = spec.volatility / math.sqrt(SECONDS_PER_YEAR / 3600)
    minute_sd = np.sqrt(var_per_second * 60.0) * sd_factor[:direct_minutes]
    second_sd = np.sqrt(var_per_second) * np.repeat(sd_factor[direct_minutes:], 60)[:seconds]
    minute_returns = _bridge(rng, minute_sd, model, hour_vol, 60.0)
    second_returns = _bridge(rng, second_sd, model, hour_vol, 1.0)
    # Log prices, then shifted so that the newest close is the start price.
    moves = np.concatenate([minute_returns[0], second_returns[0]])
    closes = np.cumsum(moves)
    closes += math.log(spec.start_price) - (closes[-1] if len(closes) else 0.0)
    opens = closes - moves
    highs = opens + np.concatenate([minute_returns[1], second_returns[1]])
    lows = opens + np.concatenate([minute_returns[2], second_returns[2]])
    activity = np.concatenate([sd_factor[:direct_minutes], np.repeat(sd_factor[direct_minutes:], 60)[:seconds]])
    span = np.concatenate([np.full(direct_minutes, 60.0), np.ones(seconds)])
    volumes = _notional(rng, rate * span, activity) / np.exp(closes)
    starts = np.concatenate([
        first_minute + np.arange(direct_minutes, dtype=np.int64) * _MINUTE,
        window_start + np.arange(seconds, dtype=np.int64) * _SECOND,
    ])
    price_decimals, size_decimals = decimals_of(spec.tick_size), decimals_of(spec.lot_size)
    o, h, low, c = (np.round(np.exp(v), price_decimals) for v in (opens, highs, lows, closes))
    h, low = np.maximum(h, np.maximum(o, c)), np.minimum(low, np.minimum(o, c))
    every = Bars(starts, o, h, low, c, np.round(volumes, size_decimals))
    direct, window = _cut(every, direct_minutes)
    minutes = Bars.join(direct, window.aggregate(_MINUTE))
    return {
        "1s": window,
        "1m": minutes,
        "5m": minutes.aggregate(INTERVAL_NS["5m"]),
        "1h": minutes.aggregate(_HOUR),
    }


def _notional(rng: np.random.Generator, trades: np.ndarray, activity: np.ndarray) -> np.ndarray:
    """What ``trades`` (expected trades per bar) of :data:`~.simulator.TRADE_SIZES` add up to in each
    bar, like the live market's: regular trades (their sum's spread shrinking as there are more), and
    a Poisson number of heavy-tailed blocks; more in fast markets (``activity`` above 1)."""
    import numpy as np

    sizes = TRADE_SIZES
    many = np.maximum(trades, 1.0)
    spread = sizes.sigma / np.sqrt(many)
    regular = trades * (1 - sizes.block_probability) * sizes.regular_mean() * rng.lognormal(-spread**2 / 2, spread)
    blocks = rng.poisson(trades * sizes.block_probability)
    block = np.minimum(sizes.block_max, sizes.block_min * (rng.pareto(sizes.block_alpha, len(trades)) + 1.0))
    return (regular + blocks * block) * np.maximum(activity, 1.0) ** 0.5


def _cut(bars: Bars, at: int) -> tuple[Bars, Bars]:
    return (
        Bars(*(getattr(bars, name)[:at] for name in Bars.__slots__)),
        Bars(*(getattr(bars, name)[at:] for name in Bars.__slots__)),
    )


def _ar1(noise: np.ndarray, phi: float, x0: float) -> np.ndarray:
    """``x[t] = phi * x[t-1] + noise[t]`` from ``x0``, in blocks short enough for ``phi ** -k`` to stay finite."""
    import numpy as np

    out = np.empty_like(noise)
    block = 256
    powers = phi ** np.arange(1, block + 1)
    previous = x0
    for first in range(0, len(noise), block):
        part = noise[first : first + block]
        p = powers[: len(part)]
        out[first : first + len(part)] = p * (previous + np.cumsum(part / p))
        previous = out[first + len(part) - 1]
    return out


def _bridge(
    rng: np.random.Generator, sd: np.ndarray, model: VolatilityModel, hour_vol: float, seconds: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Log moves of bars of ``seconds`` with diffusion sd ``sd`` (and the model's jumps), and each
    bar's log high and low above its open: the extremes of a Brownian bridge to the close."""
    import numpy as np

    n = len(sd)
    moves = sd * rng.standard_normal(n)
    jumps = rng.random(n) < -math.expm1(-model.jumps_per_hour * seconds / 3600)
    sizes = rng.uniform(*model.jump_sizes, n) * hour_vol * rng.choice((-1.0, 1.0), n)
    moves = moves + np.where(jumps, sizes, 0.0)
    variance = sd * sd
    high = (moves + np.sqrt(moves * moves - 2 * variance * np.log(rng.random(n) + 1e-300))) / 2
    low = (moves - np.sqrt(moves * moves - 2 * variance * np.log(rng.random(n) + 1e-300))) / 2
    return moves, np.maximum(high, np.maximum(moves, 0.0)), np.minimum(low, np.minimum(moves, 0.0))
