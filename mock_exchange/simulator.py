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

__all__ = ["SymbolSpec", "SimTrade", "SymbolSimulator", "DEFAULT_SPECS"]


@dataclass(frozen=True, slots=True)
class SymbolSpec:
    """A listed symbol: its tick and lot size, starting price and per-step volatility."""

    symbol: str
    tick_size: float
    lot_size: float
    start_price: float
    volatility: float = 0.0005


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


@dataclass(frozen=True, slots=True)
class SimTrade:
    """One simulated trade and the quote right after it."""

    price: float
    size: float
    side: str
    bid: float
    ask: float
    bid_size: float
    ask_size: float


class SymbolSimulator:
    """A geometric random walk on a tick grid, with trades of varying size and side.

    Contract: ``step()`` returns a :class:`SimTrade` whose price is a multiple of
    the tick size and lies between the returned bid and ask (inclusive); the
    stream depends only on ``(spec, seed)`` and the number of calls made.
    """

    def __init__(self, spec: SymbolSpec, seed: int) -> None:
        self.spec = spec
        self._rng = random.Random(seed * 1_000_003 + zlib.crc32(spec.symbol.encode()))
        self._decimals = max(0, -math.floor(math.log10(spec.tick_size) + 1e-9))
        self._size_decimals = max(0, -math.floor(math.log10(spec.lot_size) + 1e-9))
        self.mid = spec.start_price

    def _to_tick(self, price: float) -> float:
        ticks = max(1, round(price / self.spec.tick_size))
        return round(ticks * self.spec.tick_size, self._decimals)

    def _size(self, scale: float) -> float:
        lots = max(1, round(self._rng.expovariate(1.0) * scale / self.spec.lot_size))
        return round(lots * self.spec.lot_size, self._size_decimals)

    def step(self) -> SimTrade:
        """Advance the market by one update and return the trade it produced."""
        rng = self._rng
        self.mid *= math.exp(self.spec.volatility * rng.gauss(0.0, 1.0))
        half_spread = max(self.spec.tick_size, self.mid * 0.00005)
        bid = self._to_tick(self.mid - half_spread)
        ask = max(self._to_tick(self.mid + half_spread), round(bid + self.spec.tick_size, self._decimals))
        side = "buy" if rng.random() < 0.5 else "sell"
        notional_lot = 1_000.0 / self.mid
        return SimTrade(
            price=ask if side == "buy" else bid,
            size=self._size(notional_lot),
            side=side,
            bid=bid,
            ask=ask,
            bid_size=self._size(notional_lot * 5),
            ask_size=self._size(notional_lot * 5),
        )
