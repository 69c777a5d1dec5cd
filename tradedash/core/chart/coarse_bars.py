"""Bars too narrow to see, merged into bars a chart can draw.

Two days of minute bars in a 700-pixel chart put four bars in a pixel: drawn one by one, the
colour drawn last wins every column and the chart reads as one colour whatever the market did.
A chart zoomed out that far draws coarser bars instead: ``factor`` neighbouring bars become one,
as a bar of ``factor`` times the interval would be (first open, highest high, lowest low, last
close, summed volume). Groups are aligned to multiples of the coarse interval since the epoch,
so panning never changes which bars are merged together. Pure: numpy in, numpy out.
"""

from __future__ import annotations

import numpy as np

from tradedash.core.market.candles import CandleView

__all__ = ["MIN_BAR_PIXELS", "merge_factor", "coarsen"]

#: The narrowest a drawn bar may be, in pixels: narrower bars are merged.
MIN_BAR_PIXELS = 3.0


def merge_factor(seconds: float, seconds_per_pixel: float) -> int:
    """How many bars of ``seconds`` to merge into one so that a drawn bar is at least
    :data:`MIN_BAR_PIXELS` wide: 1 (none) or a power of two, so zooming steps through few
    factors and each step halves or doubles the bars drawn."""
    if seconds <= 0 or not seconds_per_pixel > 0:
        return 1
    factor = 1
    while factor * seconds / seconds_per_pixel < MIN_BAR_PIXELS:
        factor *= 2
    return factor


def coarsen(bars: CandleView, seconds: float, factor: int) -> CandleView:
    """``bars`` (oldest first, of ``seconds`` each) merged by ``factor``: one bar per aligned group
    of ``factor * seconds`` seconds that holds any, starting at its group's start. A group is
    ``closed`` when its last bar is. ``factor`` 1, or no bars, gives ``bars`` back unchanged."""
    if factor <= 1 or not len(bars.time):
        return bars
    span_ns = int(round(seconds * factor * 1e9))
    groups = bars.start // span_ns
    firsts = np.concatenate(([0], np.flatnonzero(np.diff(groups)) + 1))
    lasts = np.concatenate((firsts[1:], [len(groups)])) - 1
    start = groups[firsts] * span_ns
    return CandleView(
        start=start,
        time=start / 1e9,
        open=bars.open[firsts],
        high=np.maximum.reduceat(bars.high, firsts),
        low=np.minimum.reduceat(bars.low, firsts),
        close=bars.close[lasts],
        volume=np.add.reduceat(bars.volume, firsts),
        closed=bars.closed[lasts],
    )
