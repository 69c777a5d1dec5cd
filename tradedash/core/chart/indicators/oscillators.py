"""Indicators drawn in panes below the price: RSI (Wilder) and MACD.

Definitions (the tests' numpy references follow them word for word):

- RSI(n), Wilder's: with ``d`` the change of the source price from the bar
  before, gain = max(d, 0) and loss = max(-d, 0). The first averages are the
  means of the first ``n`` gains and losses (bars 1..n), then
  ``avg = (avg * (n - 1) + new) / n``. RSI = 100 * avg_gain / (avg_gain +
  avg_loss), 50 when both are 0 (a flat market); NaN for bars 0..n-1.
- MACD(fast, slow, signal): line = EMA(fast) - EMA(slow) of the source (EMAs as
  in :mod:`.averages`, each seeded with its SMA), defined once both are; signal
  = EMA(signal) of the line's defined values; histogram = line - signal.
"""

from __future__ import annotations

import math
from typing import Any

from .averages import EMA_START, ema_step
from .computation import Computation

__all__ = ["RSI", "MACD"]

_RsiState = tuple[int, float, float, float]  # changes seen, previous price, average (or sum) gain, loss
_MacdState = tuple[tuple[int, float], tuple[int, float], tuple[int, float]]  # fast, slow, signal EMA states


def _rsi_step(state: _RsiState, x: float, period: int) -> tuple[_RsiState, float]:
    changes, previous, gain_acc, loss_acc = state
    if changes < 0:
        return (0, x, 0.0, 0.0), math.nan
    change = x - previous
    gain = change if change > 0.0 else 0.0
    loss = -change if change < 0.0 else 0.0
    changes += 1
    if changes < period:
        return (changes, x, gain_acc + gain, loss_acc + loss), math.nan
    if changes == period:
        gain_acc, loss_acc = (gain_acc + gain) / period, (loss_acc + loss) / period
    else:
        gain_acc = (gain_acc * (period - 1) + gain) / period
        loss_acc = (loss_acc * (period - 1) + loss) / period
    total = gain_acc + loss_acc
    return (changes, x, gain_acc, loss_acc), 100.0 * gain_acc / total if total > 0.0 else 50.0


class RSI(Computation):
    """Wilder's relative strength index of the source price, 0..100 (see the module docstring)."""

    outputs = ("rsi",)

    def __init__(self, settings: dict[str, Any]) -> None:
        super().__init__(settings)
        self.period: int = self.settings["period"]

    def _initial_state(self) -> _RsiState:
        return (-1, 0.0, 0.0, 0.0)

    def _step(self, state: _RsiState, i: int) -> _RsiState:
        state, self._output[0, i] = _rsi_step(state, float(self._source[i]), self.period)
        return state


def _macd_step(state: _MacdState, x: float, fast: int, slow: int, signal: int) -> tuple[_MacdState, tuple]:
    fast_state, fast_value = ema_step(state[0], x, fast)
    slow_state, slow_value = ema_step(state[1], x, slow)
    line = fast_value - slow_value  # NaN until both are defined
    if math.isnan(line):
        return (fast_state, slow_state, state[2]), (math.nan, math.nan, math.nan)
    signal_state, signal_value = ema_step(state[2], line, signal)
    return (fast_state, slow_state, signal_state), (line, signal_value, line - signal_value)


class MACD(Computation):
    """Moving average convergence/divergence: line, signal and histogram (see the module docstring)."""

    outputs = ("macd", "signal", "histogram")

    def __init__(self, settings: dict[str, Any]) -> None:
        super().__init__(settings)
        self.fast: int = self.settings["fast"]
        self.slow: int = self.settings["slow"]
        self.signal: int = self.settings["signal"]

    def _initial_state(self) -> _MacdState:
        return (EMA_START, EMA_START, EMA_START)

    def _step(self, state: _MacdState, i: int) -> _MacdState:
        state, self._output[:, i] = _macd_step(state, float(self._source[i]), self.fast, self.slow, self.signal)
        return state
