"""Seeded price simulator: pure Python, no sockets, no clock.

Each call to :meth:`SymbolSimulator.step` advances one symbol's market by the time
given and returns the trade that happened. Volatility is per unit of time, so how
often the market is sampled (the exchange's ``--rate``) changes how finely a path
is drawn, not how far it moves. The same seed and the same calls always give the
same prices, sizes and sides, whatever the wall clock says.
"""

from __future__ import annotations

import math
import random
import zlib
from dataclasses import dataclass

__all__ = [
    "SymbolSpec",
    "SimTrade",
    "SymbolSimulator",
    "DEFAULT_SPECS",
    "SECONDS_PER_YEAR",
    "VolatilityModel",
    "decimals_of",
]

SECONDS_PER_YEAR = 365.25 * 86_400


@dataclass(frozen=True, slots=True)
class VolatilityModel:
    """How a symbol's variance is spread over time; shared by the live simulator and the seeded past.

    - Returns are Gaussian with variance ``volatility**2 * multiplier * dt / year``, where the
      multiplier is ``exp(2x - 2 * vol_of_vol**2)`` and ``x`` an Ornstein-Uhlenbeck process with
      stationary sd ``vol_of_vol`` and time constant ``cluster_seconds``: calm and fast
      spells (clustering), with mean multiplier 1.
    - Jumps come ``jumps_per_hour`` times an hour on average (Poisson), each of a size drawn
      uniformly in ``jump_sizes`` times one hour's volatility, either way: rare and bounded.
    - The diffusion carries the rest of the variance, so that the total (diffusion and jumps)
      is the spec's annualised ``volatility``.
    """

    vol_of_vol: float = 0.3
    cluster_seconds: float = 1_200.0
    jumps_per_hour: float = 0.2
    jump_sizes: tuple[float, float] = (0.4, 1.0)

    def jump_variance_share(self) -> float:
        """The part of the total variance that jumps carry."""
        low, high = self.jump_sizes
        mean_square = (high**3 - low**3) / (3 * (high - low))
        return self.jumps_per_hour * mean_square


#: The model every symbol uses unless told otherwise.
DEFAULT_MODEL = VolatilityModel()


@dataclass(frozen=True, slots=True)
class SymbolSpec:
    """A listed symbol: its tick and lot size, starting price and annualised volatility (0.65 = 65 % a year)."""

    symbol: str
    tick_size: float
    lot_size: float
    start_price: float
    volatility: float = 0.65

    def __post_init__(self) -> None:
        if not (self.tick_size > 0 and self.lot_size > 0 and self.start_price > 0 and 0 <= self.volatility <= 20):
            raise ValueError(
                f"symbol {self.symbol}: tick_size, lot_size and start_price must be > 0, volatility 0..20 (a year)"
            )


DEFAULT_SPECS: dict[str, SymbolSpec] = {
    spec.symbol: spec
    for spec in (
        SymbolSpec("BTC-USD", 0.01, 0.0001, 64_000.0, 0.60),
        SymbolSpec("ETH-USD", 0.01, 0.001, 3_200.0, 0.75),
        SymbolSpec("SOL-USD", 0.001, 0.01, 145.0, 0.95),
        SymbolSpec("DOGE-USD", 0.00001, 1.0, 0.16, 1.0),
        SymbolSpec("ADA-USD", 0.0001, 1.0, 0.45, 0.9),
    )
}


def decimals_of(step: float) -> int:
    """Decimal places needed to write multiples of ``step`` (0.01 -> 2, 1.0 -> 0)."""
    return max(0, -math.floor(math.log10(step) + 1e-9))


@dataclass(frozen=True, slots=True)
class SimTrade:
    """One simulated trade and the quote right after it (prices also as integer ticks).

    ``stress`` is the current volatility over the symbol's average (plus a jump's aftermath):
    above 1 in fast markets.
    """

    price: float
    size: float
    side: str
    bid: float
    ask: float
    bid_size: float
    ask_size: float
    bid_ticks: int
    ask_ticks: int
    stress: float


#: Half the spread of a calm market, as a fraction of the price.
_HALF_SPREAD = 0.00003
#: After a jump the market stays fast (wider spread, bigger trades) for about this long (seconds).
_JUMP_AFTERMATH = 30.0

@dataclass(frozen=True, slots=True)
class TradeSizes:
    """Trade notional in quote currency: lognormal around ``median`` (``sigma`` of its log), and
    with ``block_probability`` a block: Pareto (``block_alpha``) from ``block_min``, at most ``block_max``."""

    median: float = 250.0
    sigma: float = 1.4
    block_probability: float = 0.01
    block_min: float = 20_000.0
    block_alpha: float = 1.5
    block_max: float = 2_000_000.0

    def regular_mean(self) -> float:
        """The mean of a trade that is not a block."""
        return self.median * math.exp(self.sigma**2 / 2)


#: The sizes every simulated trade (and the seeded past's volume) follows.
TRADE_SIZES = TradeSizes()
_MEDIAN_NOTIONAL, _NOTIONAL_SIGMA = TRADE_SIZES.median, TRADE_SIZES.sigma
_BLOCK_PROBABILITY, _BLOCK_MIN = TRADE_SIZES.block_probability, TRADE_SIZES.block_min
_BLOCK_ALPHA, _BLOCK_MAX = TRADE_SIZES.block_alpha, TRADE_SIZES.block_max
#: A step's default length (seconds) when the caller does not say.
DEFAULT_STEP = 0.1


def trade_notional(rng: random.Random, stress: float) -> float:
    """One trade's size in quote currency: mostly small, heavy-tailed, larger in fast markets."""
    if rng.random() < _BLOCK_PROBABILITY:
        notional = min(_BLOCK_MAX, _BLOCK_MIN * rng.paretovariate(_BLOCK_ALPHA))
    else:
        notional = rng.lognormvariate(math.log(_MEDIAN_NOTIONAL), _NOTIONAL_SIGMA)
    return notional * (1.0 + 0.5 * (stress - 1.0)) if stress > 1.0 else notional



class SymbolSimulator:
    """A random walk in continuous time on a tick grid: clustered volatility, rare jumps, a spread that widens.

    Contract:

    - ``step(dt)`` advances the market by ``dt`` seconds (0: a trade at the same instant) and
      returns a :class:`SimTrade` whose price is a multiple of the tick size and lies between
      the returned bid and ask (inclusive), bid < ask.
    - The log mid's variance over any span is ``volatility**2 * span / year`` on average
      (:class:`VolatilityModel`), whatever the number of steps it is cut into.
    - The spread widens and trades grow while volatility is high or after a jump; the
      aggressor side leans with the last move.
    - The stream depends only on ``(spec, seed, model)`` and the ``dt`` of each call.
    """

    def __init__(self, spec: SymbolSpec, seed: int, model: VolatilityModel = DEFAULT_MODEL) -> None:
        self.spec = spec
        self.model = model
        self._rng = random.Random(seed * 1_000_003 + zlib.crc32(spec.symbol.encode()))
        self._decimals = decimals_of(spec.tick_size)
        self._size_decimals = decimals_of(spec.lot_size)
        hour_var = spec.volatility**2 / (SECONDS_PER_YEAR / 3600)
        #: Diffusion variance per second at multiplier 1, and one hour's volatility (jump unit).
        self._diffusion_var = hour_var * max(0.0, 1.0 - model.jump_variance_share()) / 3600
        self._hour_vol = math.sqrt(hour_var)
        self._x = 0.0  # the log-volatility factor (Ornstein-Uhlenbeck)
        self._aftermath = 0.0  # extra stress after a jump, decaying
        self.mid = spec.start_price

    def _ticks(self, price: float) -> int:
        return max(1, round(price / self.spec.tick_size))

    def price_of(self, ticks: int) -> float:
        return round(ticks * self.spec.tick_size, self._decimals)

    def round_price(self, value: float) -> float:
        """``value`` (a price or a price difference) rounded to the decimal places of the tick size."""
        return round(value, self._decimals)

    def size_of(self, lots: float) -> float:
        return round(max(1, round(lots)) * self.spec.lot_size, self._size_decimals)

    def step(self, dt: float = DEFAULT_STEP) -> SimTrade:
        """Advance the market by ``dt`` seconds and return the trade it produced."""
        rng = self._rng
        model = self.model
        ret = 0.0
        if dt > 0:
            decay = math.exp(-dt / model.cluster_seconds)
            self._x = self._x * decay + model.vol_of_vol * math.sqrt(1.0 - decay * decay) * rng.gauss(0.0, 1.0)
            multiplier = math.exp(2.0 * self._x - 2.0 * model.vol_of_vol**2)
            step_sd = math.sqrt(self._diffusion_var * multiplier * dt)
            ret = step_sd * rng.gauss(0.0, 1.0)
            self._aftermath *= math.exp(-dt / _JUMP_AFTERMATH)
            if rng.random() < -math.expm1(-model.jumps_per_hour * dt / 3600):
                ret += (1 if rng.random() < 0.5 else -1) * self._hour_vol * rng.uniform(*model.jump_sizes)
                self._aftermath += 3.0
            self.mid *= math.exp(ret)
            lean = math.tanh(ret / step_sd) if step_sd > 0 else 0.0
        else:
            lean = 0.0
        stress = math.exp(self._x - self.model.vol_of_vol**2) + self._aftermath
        half_spread = self.mid * _HALF_SPREAD * max(1.0, stress)
        bid_ticks = self._ticks(self.mid - half_spread)
        ask_ticks = max(self._ticks(self.mid + half_spread), bid_ticks + 1)
        side = "buy" if rng.random() < 0.5 + 0.3 * lean else "sell"
        lot_value = self.mid * self.spec.lot_size
        bid, ask = self.price_of(bid_ticks), self.price_of(ask_ticks)
        return SimTrade(
            price=ask if side == "buy" else bid,
            size=self.size_of(trade_notional(rng, stress) / lot_value),
            side=side,
            bid=bid,
            ask=ask,
            bid_size=self.size_of(rng.expovariate(1.0) * 5 * _MEDIAN_NOTIONAL * 4 / lot_value),
            ask_size=self.size_of(rng.expovariate(1.0) * 5 * _MEDIAN_NOTIONAL * 4 / lot_value),
            bid_ticks=bid_ticks,
            ask_ticks=ask_ticks,
            stress=stress,
        )
