"""An indicator kept in step with a chart's candles, at the cost of one step per repaint.

The chart (ui) will hold one :class:`LiveIndicator` per indicator it shows and
call :meth:`LiveIndicator.sync` with the symbol's
:class:`~tradedash.core.market.candles.CandleView` on each repaint tick whose candle
``version`` changed, then plot :meth:`LiveIndicator.values` against
``view.time``. ``sync`` works out what happened to the bars since the last
call and does the least work that keeps the values exact.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

import numpy as np

from .computation import Computation
from .bars import Bar
from .spec import IndicatorSpec

__all__ = ["SyncResult", "LiveIndicator"]


class SyncResult(enum.Enum):
    """What :meth:`LiveIndicator.sync` had to do."""

    UNCHANGED = "unchanged"  # the bars were the ones already computed
    UPDATED = "updated"  # the live bar changed and/or bars were appended: one step per such bar
    RECOMPUTED = "recomputed"  # an older bar changed or appeared: the whole view was computed again


class LiveIndicator:
    """One indicator over one symbol's bars, as a chart shows it.

    Contract:

    - After :meth:`sync(view) <sync>`, :meth:`values` has one value per bar of
      ``view`` for each output line of :attr:`spec`.
    - When the bars of ``view`` are those of the last sync with the last bar
      changed and/or new bars after it, only those bars are stepped
      (:attr:`SyncResult.UPDATED`). The values then equal a whole-series
      computation over every bar synced since the last recompute (to float
      rounding), including bars that have since left the view's window on the
      left, so the values do not jump when the series drops its oldest bar.
    - Anything else (a closed bar corrected, a bar inserted before the newest,
      a view that starts later than any bar held) recomputes over ``view``
      (:attr:`SyncResult.RECOMPUTED`).
    - Memory stays bounded: bars left of the view are forgotten once they
      outnumber the view (values unchanged, see :meth:`Computation.drop_front`).
    """

    def __init__(self, spec: IndicatorSpec, settings: Mapping[str, Any] | None = None) -> None:
        self.spec = spec
        self.settings = spec.settings_from(settings)
        self.computation: Computation = spec.computation(self.settings)
        self._offset = 0  # index in the computation of the view's first bar
        self._length = 0  # bars in the last view

    def sync(self, view: Any) -> SyncResult:
        """Bring the values up to date with ``view`` (a CandleView or anything with start and OHLCV arrays)."""
        computation = self.computation
        count = len(view.start)
        held = len(computation)
        if count == 0 or held == 0:
            return self._recompute(view) if count or held else SyncResult.UNCHANGED
        starts = computation.starts
        offset = int(np.searchsorted(starts, view.start[0]))
        last = held - 1 - offset  # where the last held bar must be in the view
        if offset == held or last >= count or not np.array_equal(starts[offset:], view.start[: last + 1]):
            return self._recompute(view)
        held_bars = computation.bar_columns()
        columns = (view.open, view.high, view.low, view.close, view.volume)
        if not all(_same(mine[offset : held - 1], theirs[:last]) for mine, theirs in zip(held_bars, columns)):
            return self._recompute(view)
        result = SyncResult.UNCHANGED
        if not all(_same(mine[held - 1 : held], theirs[last : last + 1]) for mine, theirs in zip(held_bars, columns)):
            computation.update_last(_bar(view, last))
            result = SyncResult.UPDATED
        for i in range(last + 1, count):
            computation.append(_bar(view, i))
            result = SyncResult.UPDATED
        if offset > count:
            before = len(computation)
            computation.drop_front(offset)
            offset -= before - len(computation)
        self._offset, self._length = offset, count
        return result

    def _recompute(self, view: Any) -> SyncResult:
        self.computation.reset(view)
        self._offset, self._length = 0, len(view.start)
        return SyncResult.RECOMPUTED

    def values(self) -> dict[str, np.ndarray]:
        """Each output line over the bars of the last synced view (read-only, NaN where undefined)."""
        first, end = self._offset, self._offset + self._length
        return {name: line[first:end] for name, line in self.computation.values().items()}


def _same(mine: np.ndarray, theirs: np.ndarray) -> bool:
    """Equal values, a NaN equal to a NaN (a bar with a NaN price must not look changed on every sync)."""
    return np.array_equal(mine, theirs, equal_nan=True)


def _bar(view: Any, i: int) -> Bar:
    return Bar(
        int(view.start[i]),
        float(view.open[i]),
        float(view.high[i]),
        float(view.low[i]),
        float(view.close[i]),
        float(view.volume[i]),
    )
