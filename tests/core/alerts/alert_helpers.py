"""Test helpers for the alert engine: a settable clock that stamps the messages it builds."""

from __future__ import annotations

from tests.support.builders import ticker, trade
from tradedash.core.alerts.engine import AlertEngine
from tradedash.core.wire import Ticker, Trade

WALL_START = 1_764_000_000.0


class FakeClock:
    """Monotonic time that only moves when a test moves it; ``wall()`` is the same time on the epoch."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def wall(self) -> float:
        return WALL_START + self.now

    def ticker(self, price: float, symbol: str = "BTC-USD", spread: float = 1.0) -> Ticker:
        """A ticker stamped by the exchange now (on this clock)."""
        return ticker(symbol, price, spread=spread, ts=int(self.wall() * 1e9), open_24h=price, volume_24h=0.0)

    def trade(self, size: float, symbol: str = "BTC-USD", price: float = 100.0) -> Trade:
        return trade(symbol, price, size=size, ts=int(self.wall() * 1e9))


def engine_with(rules, clock: FakeClock, **options) -> AlertEngine:
    return AlertEngine(rules, clock=clock, wall_clock=clock.wall, **options)
