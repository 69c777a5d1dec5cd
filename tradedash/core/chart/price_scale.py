"""Price scales of a chart's price axis: linear, logarithmic, percent from a base price.

Pure: the chart draws ``to_axis(prices)`` and labels the axis with ``from_axis(value)``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["PriceScale"]


class PriceScale:
    """One scale: ``kind`` is "linear", "log" (log10 of the price) or "percent" (change from ``base``, in %).

    Contract: ``from_axis(to_axis(p)) == p`` to float rounding for every
    positive finite price; a non-positive price on the log scale, or any price
    on a percent scale without a positive base, maps to NaN (not drawn).
    """

    def __init__(self, kind: str = "linear", base: float | None = None) -> None:
        if kind not in ("linear", "log", "percent"):
            raise ValueError(f"unknown price scale {kind!r}")
        self.kind = kind
        self.base = base

    def _base_ok(self) -> bool:
        return self.base is not None and np.isfinite(self.base) and self.base > 0

    def to_axis(self, prices):
        prices = np.asarray(prices, dtype=np.float64)
        if self.kind == "log":
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(prices > 0, np.log10(np.where(prices > 0, prices, 1.0)), np.nan)
        if self.kind == "percent":
            if not self._base_ok():
                return np.full_like(prices, np.nan)
            return (prices - self.base) / self.base * 100.0
        return prices

    def from_axis(self, values):
        values = np.asarray(values, dtype=np.float64)
        if self.kind == "log":
            with np.errstate(over="ignore"):
                return np.power(10.0, values)
        if self.kind == "percent":
            if not self._base_ok():
                return np.full_like(values, np.nan)
            return self.base + self.base * values / 100.0
        return values
