"""BarHistory: past bars merged by start and joined with the live bars without a seam."""

from __future__ import annotations

import numpy as np

from tradedash.core.chart.bar_history import BarHistory
from tradedash.core.market.candles import CandleView

MINUTE = 60_000_000_000


def bars(starts, close=1.0, closed=True) -> CandleView:
    start = np.array(starts, dtype=np.int64) * MINUTE
    n = len(start)
    price = np.full(n, close, dtype=np.float64)
    return CandleView(start, start / 1e9, price, price + 1, price - 1, price, np.ones(n), np.full(n, closed))


def test_pages_merge_in_order_and_a_newer_page_wins():
    history = BarHistory()
    assert history.add(bars([5, 6, 7]))
    assert history.add(bars([1, 2, 3], close=2.0))
    assert history.add(bars([3, 4], close=3.0))
    assert list(history.bars.start // MINUTE) == [1, 2, 3, 4, 5, 6, 7]
    assert history.bars.close[2] == 3.0 and history.oldest == MINUTE
    version = history.version
    assert not history.add(bars([5, 6]))  # nothing new
    assert history.version == version


def test_the_joined_series_takes_the_first_live_bar_from_history_and_the_rest_live():
    history = BarHistory()
    history.add(bars(range(0, 10), close=1.0))
    live = bars(range(9, 13), close=5.0, closed=False)  # bar 9 is partial: the app started inside it
    assert history.length(live) == 13
    joined = history.range(live, 0, 13)
    assert list(joined.start // MINUTE) == list(range(13))
    assert joined.close[9] == 1.0 and list(joined.close[10:]) == [5.0] * 3
    assert list(history.tail(live, 2).start // MINUTE) == [11, 12]
    window, extra = history.between(live, 5 * 60, 11 * 60, before=3)
    assert list(window.start // MINUTE) == [2, 3, 4, 5, 6, 7, 8, 9, 10] and extra == 3


def test_a_limit_keeps_the_newest_bars():
    history = BarHistory(limit=5)
    history.add(bars(range(10)))
    assert list(history.bars.start // MINUTE) == [5, 6, 7, 8, 9]


def test_the_bar_in_progress_when_history_was_fetched_is_joined_with_the_first_live_bar():
    history = BarHistory()
    history.add(bars(range(0, 9)))
    page_bar = bars([9], close=4.0)._replace(open=np.array([3.0]), high=np.array([9.0]), low=np.array([0.5]), volume=np.array([7.0]))
    history.set_partial(page_bar)
    live = bars([9, 10], close=5.0, closed=False)  # the live stream saw bar 9 only from the app's start
    joined = history.range(live, 0, history.length(live))
    assert list(joined.start // MINUTE) == list(range(11))
    assert (joined.open[9], joined.high[9], joined.low[9], joined.close[9], joined.volume[9]) == (3.0, 9.0, 0.5, 5.0, 8.0)
    assert joined.open[10] == 5.0 and live.open[0] == 5.0  # the live arrays are not written to
