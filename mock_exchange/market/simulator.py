"""Seeded price simulator: pure Python, no sockets, no clock.

Each call to :meth:`SymbolSimulator.step` advances one symbol's market by one
update and returns the trade that happened. The same seed and the same
sequence of calls always give the same prices, sizes and sides, whatever the
wall clock says, so tests and demos are reproducible.
"""

from __future__ import annotations

import math
import random
import zlib
from dataclasses import dataclass

__all__ = ["SymbolSpec", "SimTrade", "SymbolSimulator", "DEFAULT_SPECS", "decimals_of"]

#: GARCH(1,1) weights of the last squared return and of the last variance.
_ARCH, _GARCH = 0.08, 0.90
#: Chance per step of a jump, and its size range in units of the base volatility.
_JUMP_PROBABILITY, _JUMP_SIZE = 0.002, (6.0, 15.0)
#: Chance per step of a block trade ten times the usual size.
_BLOCK_PROBABILITY = 0.02


@dataclass(frozen=True, slots=True)
class SymbolSpec:
    """A listed symbol: its tick and lot size, starting price and per-step volatility."""

    symbol: str
    tick_size: float
    lot_size: float
    start_price: float
    volatility: float = 0.0005

    def __post_init__(self) -> None:
        if not (self.tick_size > 0 and self.lot_size > 0 and self.start_price > 0 and self.volatility >= 0):
            raise ValueError(f"symbol {self.symbol}: tick_size, lot_size and start_price must be > 0, volatility >= 0")


DEFAULT_SPECS: dict[str, SymbolSpec] = {
    spec.symbol: spec
    for spec in (
        SymbolSpec("BTC-USD", 0.01, 0.0001, 64_000.0),
        SymbolSpec("ETH-USD", 0.01, 0.001, 3_200.0),
        SymbolSpec("SOL-USD", 0.001, 0.01, 145.0, 0.0008),
        SymbolSpec("DOGE-USD", 0.00001, 1.0, 0.16, 0.001),
        SymbolSpec("ADA-USD", 0.0001, 1.0, 0.45, 0.0009),
    )
}


def decimals_of(step: float) -> int:
    """Decimal places needed to write multiples of ``step`` (0.01 -> 2, 1.0 -> 0)."""
    return max(0, -math.floor(math.log10(step) + 1e-9))


@dataclass(frozen=True, slots=True)
class SimTrade:
    """One simulated trade and the quote right after it (prices also as integer ticks).

    ``stress`` is the current volatility over the symbol's base volatility: above 1 in fast markets.
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


class SymbolSimulator:
    """A random walk on a tick grid with volatility clustering, jumps and a stress-dependent spread.

    Returns follow a GARCH(1,1) process around the spec's volatility, with rare
    jumps; the spread widens and trades grow when volatility is high; the aggressor
    side leans with the last move. Contract: ``step()`` returns a :class:`SimTrade`
    whose price is a multiple of the tick size and lies between the returned bid and
    ask (inclusive), bid < ask; the stream depends only on ``(spec, seed)`` and the
    number of calls made.
    """

    def __init__(self, spec: SymbolSpec, seed: int) -> None:
        self.spec = spec
        self._rng = random.Random(seed * 1_000_003 + zlib.crc32(spec.symbol.encode()))
        self._decimals = decimals_of(spec.tick_size)
        self._size_decimals = decimals_of(spec.lot_size)
        self._base_var = spec.volatility**2
        self._var = self._base_var
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

    def step(self) -> SimTrade:
        """Advance the market by one update and return the trade it produced."""
        rng = self._rng
        spec = self.spec
        sigma = math.sqrt(self._var)
        ret = sigma * rng.gauss(0.0, 1.0)
        if rng.random() < _JUMP_PROBABILITY:
            ret += (1 if rng.random() < 0.5 else -1) * spec.volatility * rng.uniform(*_JUMP_SIZE)
        self._var = min(
            self._base_var * (1 - _ARCH - _GARCH) + _ARCH * ret * ret + _GARCH * self._var, 100 * self._base_var
        )
        self.mid *= math.exp(ret)
        stress = sigma / spec.volatility if spec.volatility > 0 else 1.0
        half_spread = self.mid * 0.00005 * max(1.0, stress)
        bid_ticks = self._ticks(self.mid - half_spread)
        ask_ticks = max(self._ticks(self.mid + half_spread), bid_ticks + 1)
        lean = math.tanh(ret / spec.volatility) if spec.volatility > 0 else 0.0
        side = "buy" if rng.random() < 0.5 + 0.3 * lean else "sell"
        lot_notional = 1_000.0 / self.mid / spec.lot_size
        size_lots = rng.expovariate(1.0) * lot_notional * (1.0 + 0.5 * stress)
        if rng.random() < _BLOCK_PROBABILITY:
            size_lots *= 10
        bid, ask = self.price_of(bid_ticks), self.price_of(ask_ticks)
        return SimTrade(
            price=ask if side == "buy" else bid,
            size=self.size_of(size_lots),
            side=side,
            bid=bid,
            ask=ask,
            bid_size=self.size_of(rng.expovariate(1.0) * lot_notional * 5),
            ask_size=self.size_of(rng.expovariate(1.0) * lot_notional * 5),
            bid_ticks=bid_ticks,
            ask_ticks=ask_ticks,
            stress=stress,
        )
