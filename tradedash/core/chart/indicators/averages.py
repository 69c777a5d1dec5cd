"""Overlays drawn on the price: SMA, EMA, Bollinger bands and VWAP.

Definitions (the tests' numpy references follow them word for word):

- SMA(n): the mean of the last ``n`` source prices; NaN for the first ``n - 1`` bars.
- EMA(n): seeded with the SMA(n) of the first ``n`` bars, then
  ``ema = ema + alpha * (x - ema)`` with ``alpha = 2 / (n + 1)``; NaN before the seed.
- Bollinger(n, k): middle = SMA(n); upper and lower = middle +/- k times the
  population standard deviation (ddof 0) of the same ``n`` prices.
- VWAP: the sum of source price times volume over the sum of volume, from the
  first bar of the bar's session (a UTC day, a UTC week from Monday, or the
  whole series); NaN while the session has no volume.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .computation import Computation

__all__ = ["SMA", "EMA", "Bollinger", "VWAP", "ema_step", "EMA_START", "session_of", "DAY_NS", "WEEK_NS"]

DAY_NS = 86_400 * 10**9
WEEK_NS = 7 * DAY_NS
#: 1970-01-01 was a Thursday; weeks start on Monday, 4 days later.
_MONDAY_NS = 4 * DAY_NS
#: Windows evaluated at once by the whole-series numpy path: bounds its temporary arrays.
_CHUNK_VALUES = 1 << 20

#: The state of :func:`ema_step` before its first value: (values seen, their sum or the EMA).
EMA_START = (0, 0.0)


def ema_step(state: tuple[int, float], x: float, period: int) -> tuple[tuple[int, float], float]:
    """One step of EMA(period): the state after ``x`` and the EMA there (NaN while seeding)."""
    count, acc = state
    count += 1
    if count < period:
        return (count, acc + x), math.nan
    if count == period:
        value = (acc + x) / period
    else:
        value = acc + 2.0 / (period + 1) * (x - acc)
    return (count, value), value


def session_of(start_ns: Any, anchor: str) -> Any:
    """The session a bar starting at ``start_ns`` belongs to (int or int64 array): VWAP restarts with each."""
    if anchor == "day":
        return start_ns // DAY_NS
    if anchor == "week":
        return (start_ns - _MONDAY_NS) // WEEK_NS
    return start_ns * 0


def _rolling(values: np.ndarray, period: int, reduce: Callable[[np.ndarray], np.ndarray], out: np.ndarray) -> None:
    """``out[i] = reduce(values[i - period + 1 : i + 1])`` for every full window, in bounded chunks."""
    windows = sliding_window_view(values, period)
    chunk = max(1, _CHUNK_VALUES // period)
    for first in range(0, len(windows), chunk):
        block = windows[first : first + chunk]
        out[period - 1 + first : period - 1 + first + len(block)] = reduce(block)


class SMA(Computation):
    """Simple moving average of the source price (see the module docstring)."""

    outputs = ("sma",)

    def __init__(self, settings: dict[str, Any]) -> None:
        super().__init__(settings)
        self.period: int = self.settings["period"]

    @property
    def lookback(self) -> int:
        return self.period

    def _step(self, state: None, i: int) -> None:
        n = self.period
        self._output[0, i] = self._source[i - n + 1 : i + 1].mean() if i >= n - 1 else math.nan

    def _compute_all(self) -> None:
        count = len(self)
        out = self._output[0, :count]
        out[:] = math.nan
        if count >= self.period:
            _rolling(self._source[:count], self.period, lambda block: block.mean(axis=1), out)


class Bollinger(Computation):
    """Bollinger bands: SMA(period) +/- ``width`` population standard deviations (see the module docstring)."""

    outputs = ("upper", "middle", "lower")

    def __init__(self, settings: dict[str, Any]) -> None:
        super().__init__(settings)
        self.period: int = self.settings["period"]
        self.width: float = self.settings["width"]

    @property
    def lookback(self) -> int:
        return self.period

    def _step(self, state: None, i: int) -> None:
        n = self.period
        if i < n - 1:
            self._output[:, i] = math.nan
            return
        window = self._source[i - n + 1 : i + 1]
        middle = window.mean()
        band = self.width * window.std()
        self._output[:, i] = (middle + band, middle, middle - band)

    def _compute_all(self) -> None:
        count = len(self)
        out = self._output[:, :count]
        out[:] = math.nan
        if count < self.period:
            return
        source = self._source[:count]
        middle, spread = out[1], out[0]
        _rolling(source, self.period, lambda block: block.mean(axis=1), middle)
        _rolling(source, self.period, lambda block: block.std(axis=1), spread)
        spread *= self.width
        out[2] = middle - spread
        out[0] = middle + spread


class EMA(Computation):
    """Exponential moving average of the source price, seeded with the SMA (see the module docstring)."""

    outputs = ("ema",)

    def __init__(self, settings: dict[str, Any]) -> None:
        super().__init__(settings)
        self.period: int = self.settings["period"]

    def _initial_state(self) -> tuple[int, float]:
        return EMA_START

    def _step(self, state: tuple[int, float], i: int) -> tuple[int, float]:
        state, self._output[0, i] = ema_step(state, float(self._source[i]), self.period)
        return state


class VWAP(Computation):
    """Volume-weighted average of the source price since the session began (see the module docstring)."""

    outputs = ("vwap",)

    def __init__(self, settings: dict[str, Any]) -> None:
        super().__init__(settings)
        self.anchor: str = self.settings["anchor"]

    def _initial_state(self) -> tuple[int | None, float, float]:
        return (None, 0.0, 0.0)  # session, sum of price * volume, sum of volume

    def _step(self, state: tuple[int | None, float, float], i: int) -> tuple[int, float, float]:
        session = int(session_of(int(self._start_ns[i]), self.anchor))
        volume = float(self._volume[i])
        weighted = float(self._source[i]) * volume
        if session == state[0]:
            weighted += state[1]
            volume += state[2]
        self._output[0, i] = weighted / volume if volume > 0.0 else math.nan
        return (session, weighted, volume)

    def _compute_all(self) -> tuple[int | None, float, float]:
        count = len(self) - 1
        if count == 0:
            return self._initial_state()
        sessions = session_of(self._start_ns[:count], self.anchor)
        weighted_all = self._source[:count] * self._volume[:count]
        bounds = [0, *(np.flatnonzero(np.diff(sessions)) + 1).tolist(), count]
        out = self._output[0]
        for first, end in zip(bounds, bounds[1:]):
            weighted = np.cumsum(weighted_all[first:end])
            volume = np.cumsum(self._volume[first:end])
            with np.errstate(invalid="ignore", divide="ignore"):
                out[first:end] = np.where(volume > 0.0, weighted / volume, math.nan)
        return (int(sessions[-1]), float(weighted[-1]), float(volume[-1]))
