"""OHLCV arrays for one symbol and interval, in the shape the chart draws.

Until the market state keeps candle rings of its own, candles are binned here
from the last-price history (open/high/low/close) and the recent trades
(volume), with numpy, on each repaint of a changed symbol.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from tradedash.core.market import SymbolState

__all__ = ["Candles", "INTERVALS", "candles_of"]

#: Interval name -> seconds, in the order the chart offers them.
INTERVALS: dict[str, int] = {"1s": 1, "1m": 60, "5m": 300, "1h": 3600}


class Candles(NamedTuple):
    """Parallel arrays, oldest first; ``start`` is the bar's start in Unix seconds."""

    start: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray

    def __len__(self) -> int:
        return len(self.start)


def candles_of(state: SymbolState, seconds: int, limit: int = 500) -> Candles:
    """The last ``limit`` bars of ``seconds`` each from ``state``'s history (empty arrays if none)."""
    times, prices = state.prices.view()
    if len(times) == 0:
        empty = np.zeros(0)
        return Candles(empty, empty, empty, empty, empty, empty)
    bins = np.floor(times / seconds)
    keep = bins >= bins[-1] - limit + 1
    bins, prices = bins[keep], prices[keep]
    edges = np.flatnonzero(np.diff(bins)) + 1
    starts = np.concatenate(([0], edges))
    ends = np.concatenate((edges, [len(bins)]))
    start = bins[starts] * seconds
    volume = np.zeros(len(start))
    if state.trades:
        trade_bins = np.floor(np.fromiter((t.ts for t in state.trades), float, len(state.trades)) / 1e9 / seconds)
        sizes = np.fromiter((t.size for t in state.trades), float, len(state.trades))
        slot = np.searchsorted(start / seconds, trade_bins)
        hit = (slot < len(start)) & (start[np.minimum(slot, len(start) - 1)] / seconds == trade_bins)
        np.add.at(volume, slot[hit], sizes[hit])
    return Candles(
        start,
        prices[starts],
        np.maximum.reduceat(prices, starts),
        np.minimum.reduceat(prices, starts),
        prices[ends - 1],
        volume,
    )
