"""The incremental machinery every indicator shares: bars in, output lines out.

A :class:`Computation` holds the bars it was given (start, OHLCV and the
chosen source price) and its output lines in arrays that grow by doubling.
Each indicator says how to go one bar forward from a small state
(:meth:`Computation._step`); the base class turns that into a whole-series
computation (:meth:`Computation.reset`), a new bar (:meth:`Computation.append`)
and a change to the newest, live bar (:meth:`Computation.update_last`), which
costs one step, never a pass over the series. Indicators whose whole-series
values are cheaper in numpy override :meth:`Computation._compute_all`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .bars import Bar, source_values

__all__ = ["Computation"]

_FIRST_CAPACITY = 256


class _Columns:
    """Rows of equal length that grow at the end, kept in one 2-D array whose length doubles."""

    def __init__(self, rows: int, dtype: type) -> None:
        self.data = np.zeros((rows, _FIRST_CAPACITY), dtype=dtype)
        self.length = 0

    def resize(self, length: int) -> None:
        capacity = self.data.shape[1]
        if length > capacity:
            while capacity < length:
                capacity *= 2
            grown = np.zeros((self.data.shape[0], capacity), dtype=self.data.dtype)
            grown[:, : self.length] = self.data[:, : self.length]
            self.data = grown
        self.length = length

    def drop_front(self, count: int) -> None:
        keep = self.length - count
        self.data[:, :keep] = self.data[:, count : self.length]
        self.length = keep

    def view(self) -> np.ndarray:
        return self.data[:, : self.length]


class Computation:
    """One indicator's output lines over a series of bars, kept up to date one bar at a time.

    Contract:

    - :meth:`reset` computes over a whole series (a
      :class:`~tradedash.core.market.candles.CandleView` or anything with ``start`` and
      OHLCV arrays); :meth:`append` adds a bar after the last one;
      :meth:`update_last` replaces the last bar (the live bar changed). Each of
      the latter two costs one step: the values equal what :meth:`reset` over
      the same bars gives, to float rounding.
    - :meth:`values` maps each name of :attr:`outputs` to a read-only array as
      long as the bars, NaN where the indicator is not defined yet (the first
      ``period - 1`` bars of an SMA, ...). Valid until the next change.
    - :meth:`drop_front` forgets the oldest bars without changing any value,
      keeping at least :attr:`lookback` bars.
    - Bars are not checked for order: the caller (a
      :class:`~tradedash.core.chart.indicators.live.LiveIndicator`) passes them in
      ``start`` order.
    """

    #: Names of the output lines, in drawing order.
    outputs: tuple[str, ...] = ()

    def __init__(self, settings: Mapping[str, Any]) -> None:
        self.settings = dict(settings)
        self.source = self.settings["source"]
        self._start = _Columns(1, np.int64)
        self._bars = _Columns(6, np.float64)  # open, high, low, close, volume, source
        self._out = _Columns(len(self.outputs), np.float64)
        self._before_last: Any = self._initial_state()
        self._after_last: Any = self._before_last

    # --- What each indicator provides --------------------------------------------------

    @property
    def lookback(self) -> int:
        """How many of the newest bars a step may read (1 for a purely recursive indicator)."""
        return 1

    def _initial_state(self) -> Any:
        """The state before the first bar."""
        return None

    def _step(self, state: Any, i: int) -> Any:
        """Write the outputs of bar ``i`` from ``state`` (after bar ``i - 1``); return the state after bar ``i``."""
        raise NotImplementedError

    def _compute_all(self) -> Any:
        """Write the outputs of every bar but the last; return the state before the last bar."""
        state = self._initial_state()
        for i in range(self._start.length - 1):
            state = self._step(state, i)
        return state

    # --- Feeding bars ---------------------------------------------------------------------

    def __len__(self) -> int:
        return self._start.length

    def reset(self, bars: Any) -> None:
        """Forget everything and compute over ``bars`` (oldest first)."""
        count = len(bars.start)
        for columns in (self._start, self._bars, self._out):
            columns.length = 0
            columns.resize(count)
        self._start.data[0, :count] = bars.start
        data = self._bars.data
        for row, column in enumerate((bars.open, bars.high, bars.low, bars.close, bars.volume)):
            data[row, :count] = column
        data[5, :count] = source_values(_Rows(data, count), self.source)
        if count == 0:
            self._before_last = self._after_last = self._initial_state()
            return
        self._before_last = self._compute_all()
        self._after_last = self._step(self._before_last, count - 1)

    def append(self, bar: Bar) -> None:
        """Add ``bar`` after the last bar."""
        count = self._start.length + 1
        for columns in (self._start, self._bars, self._out):
            columns.resize(count)
        self._before_last = self._after_last
        self._write_last(bar)

    def update_last(self, bar: Bar) -> None:
        """Replace the last bar by ``bar`` (its newer values); with no bar yet, the same as :meth:`append`."""
        if not self._start.length:
            self.append(bar)
            return
        self._write_last(bar)

    def _write_last(self, bar: Bar) -> None:
        i = self._start.length - 1
        self._start.data[0, i] = bar.start
        self._bars.data[:, i] = (bar.open, bar.high, bar.low, bar.close, bar.volume, source_values(bar, self.source))
        self._after_last = self._step(self._before_last, i)

    def drop_front(self, count: int) -> None:
        """Forget up to ``count`` of the oldest bars, keeping at least :attr:`lookback`; values do not change."""
        count = min(count, self._start.length - self.lookback)
        if count > 0:
            for columns in (self._start, self._bars, self._out):
                columns.drop_front(count)

    # --- Reading ----------------------------------------------------------------------------

    @property
    def starts(self) -> np.ndarray:
        """The ``start`` (ns) of every bar held, oldest first (read-only view)."""
        return _read_only(self._start.view()[0])

    def bar_columns(self) -> np.ndarray:
        """Open, high, low, close and volume of every bar held, as rows of a read-only 2-D view."""
        return _read_only(self._bars.view()[:5])

    def values(self) -> dict[str, np.ndarray]:
        out = self._out.view()
        return {name: _read_only(out[row]) for row, name in enumerate(self.outputs)}

    # --- For the indicators -------------------------------------------------------------------

    @property
    def _source(self) -> np.ndarray:
        return self._bars.data[5]

    @property
    def _volume(self) -> np.ndarray:
        return self._bars.data[4]

    @property
    def _output(self) -> np.ndarray:
        return self._out.data

    @property
    def _start_ns(self) -> np.ndarray:
        return self._start.data[0]


class _Rows:
    """The OHLC rows of a bar array as attributes, for :func:`source_values`."""

    def __init__(self, data: np.ndarray, count: int) -> None:
        self.open, self.high, self.low, self.close = (data[row, :count] for row in range(4))


def _read_only(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.flags.writeable = False
    return view
