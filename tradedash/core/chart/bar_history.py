"""Closed bars of one series from the disk cache and history pages, joined with the live bars.

Pure: no Qt, no sockets. A chart keeps one :class:`BarHistory` for the series it
shows; the live :class:`~tradedash.core.market.candles.CandleSeries` holds only the
last thousand bars it built since the app started, the history holds what came
before (and may overlap it).
"""

from __future__ import annotations

import numpy as np

from tradedash.core.market.candles import CandleView

__all__ = ["BarHistory", "EMPTY_VIEW", "slice_view"]

EMPTY_VIEW = CandleView(
    np.zeros(0, np.int64), *(np.zeros(0) for _ in range(6)), np.zeros(0, bool)
)


def slice_view(view: CandleView, first: int, end: int) -> CandleView:
    """Bars ``[first, end)`` of ``view`` (views, not copies)."""
    return CandleView(*(array[first:end] for array in view))


def _put(values: np.ndarray, first: float) -> np.ndarray:
    """A copy of ``values`` with the first one replaced."""
    values = values.copy()
    values[0] = first
    return values


def _concat(a: CandleView, b: CandleView) -> CandleView:
    if not len(a.start):
        return CandleView(*(array.copy() for array in b))
    if not len(b.start):
        return CandleView(*(array.copy() for array in a))
    return CandleView(*(np.concatenate((x, y)) for x, y in zip(a, b, strict=True)))


class BarHistory:
    """Past bars of one (venue, symbol, interval), in start order, one bar per start.

    Contract:

    - :meth:`add` merges bars in; a bar with a start already held replaces the
      held one (a corrected page wins). :attr:`version` goes up when anything
      changed. At most ``limit`` bars are kept: beyond that the newest are kept.
    - The joined series is the history's bars up to and including the first
      live bar's start, then the live bars after it: the first live bar is
      usually partial (the app started inside it), so a history bar with the
      same start wins; every later bar comes from the live series.
      :meth:`tail` and :meth:`between` give slices of it as fresh arrays.
    - :meth:`set_partial` keeps the bar that was still in progress when a page
      was cut (never stored as final): when the first live bar has its start,
      the joined series shows the two together (the page's open, the higher
      high, the lower low, the live close, both volumes), so a chart opened in
      the middle of an hour shows the whole hour's bar, not only what it saw.
    - :attr:`oldest` is the start (ns) of the oldest bar held, None if none.
    """

    def __init__(self, limit: int = 200_000) -> None:
        self.limit = limit
        self.bars = EMPTY_VIEW
        self.partial: CandleView = EMPTY_VIEW
        self.version = 0

    def __len__(self) -> int:
        return len(self.bars.start)

    @property
    def oldest(self) -> int | None:
        return int(self.bars.start[0]) if len(self.bars.start) else None

    def clear(self) -> None:
        if len(self):
            self.bars = EMPTY_VIEW
            self.version += 1

    def set_partial(self, bar: CandleView) -> None:
        """Keep ``bar`` (one bar, or none) as the bar in progress when history was fetched."""
        self.partial = CandleView(*(array[-1:].copy() for array in bar))
        self.version += 1

    def add(self, bars: CandleView) -> bool:
        """Merge ``bars`` (any order); True if the held bars changed."""
        if not len(bars.start):
            return False
        held = self.bars
        merged = _concat(bars, held)  # the given bars first: np.unique keeps the first of equal starts
        starts, first_index = np.unique(merged.start, return_index=True)
        result = CandleView(*(array[first_index] for array in merged))
        result = result._replace(closed=np.ones(len(starts), bool), time=result.start / 1e9)
        if len(starts) > self.limit:
            result = slice_view(result, len(starts) - self.limit, len(starts))
        if len(result.start) == len(held.start) and all(
            np.array_equal(x, y) for x, y in zip(result, held, strict=True)
        ):
            return False
        self.bars = result
        self.version += 1
        return True

    # --- The joined series ------------------------------------------------------------

    def _parts(self, live: CandleView) -> tuple[CandleView, CandleView]:
        """(history part, live part) of the joined series."""
        held = self.bars
        if not len(live.start):  # no live bars yet: the bar in progress as the page had it, if newer
            newer = len(self.partial.start) and (not len(held.start) or self.partial.start[0] > held.start[-1])
            return held, (self.partial if newer else live)
        first_live = live.start[0]
        cut = int(np.searchsorted(held.start, first_live, side="right"))
        history = slice_view(held, 0, cut)
        if cut and held.start[cut - 1] == first_live:  # a final bar beats the partial first live one
            return history, slice_view(live, 1, len(live.start))
        partial = self.partial
        if len(partial.start) and partial.start[0] == first_live:
            merged = live._replace(
                open=_put(live.open, partial.open[0]),
                high=_put(live.high, max(partial.high[0], live.high[0])),
                low=_put(live.low, min(partial.low[0], live.low[0])),
                volume=_put(live.volume, partial.volume[0] + live.volume[0]),
            )
            return history, merged
        return history, live

    def length(self, live: CandleView) -> int:
        history, recent = self._parts(live)
        return len(history.start) + len(recent.start)

    def range(self, live: CandleView, first: int, end: int) -> CandleView:
        """Bars ``[first, end)`` of the joined series, as new arrays."""
        history, recent = self._parts(live)
        n = len(history.start)
        first, end = max(0, first), max(0, end)
        head = slice_view(history, min(first, n), min(end, n))
        rest = slice_view(recent, max(first - n, 0), max(end - n, 0))
        return _concat(head, rest)

    def tail(self, live: CandleView, count: int) -> CandleView:
        """The newest ``count`` bars of the joined series."""
        total = self.length(live)
        return self.range(live, total - count, total)

    def index_of(self, live: CandleView, seconds: float) -> int:
        """How many bars of the joined series start before ``seconds`` (the index of the first at or after it)."""
        history, recent = self._parts(live)
        return int(np.searchsorted(history.time, seconds)) + int(np.searchsorted(recent.time, seconds))

    def between(self, live: CandleView, left: float, right: float, before: int = 0) -> tuple[CandleView, int]:
        """The bars starting in ``[left, right)`` (seconds) plus ``before`` bars before them, and how many
        bars were added before ``left`` (``<= before``, fewer at the start of the series)."""
        first, end = self.index_of(live, left), self.index_of(live, right)
        extra = min(before, first)
        return self.range(live, first - extra, end), extra
