"""Another symbol drawn over a chart for comparison: its closes as a line, in percent from the first bar in view."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from tradedash.core.chart.bar_history import EMPTY_VIEW, BarHistory
from tradedash.core.chart.candle_store import CandleStore
from tradedash.ui.chart.history_loader import feed_history_loader
from tradedash.ui.running_feed import RunningFeed

__all__ = ["Comparison"]


class Comparison:
    """One compared symbol on a chart (same feed, same interval as the chart).

    Contract: it has its own history (cache and feed, like the chart's own
    series) and one line on the price plot; :meth:`update` draws its closes
    between ``left`` and ``right`` (seconds) as the percent change from its
    first bar reaching into the view, the same base the chart's percent scale
    uses for its own symbol. :meth:`key` changes when its bars change;
    :meth:`close` stops its history requests and takes the line off the plot.
    """

    def __init__(
        self, symbol: str, feed: RunningFeed, interval: str, store: CandleStore | None, plot: pg.PlotItem, colour: str,
        history_bars: int,
    ) -> None:
        self.symbol = symbol
        self.feed = feed
        self.interval = interval
        self.plot = plot
        self.history = BarHistory()
        self.loader = feed_history_loader(feed, symbol, interval, self.history, store)
        self.loader.load_cached(history_bars)
        self.loader.fill_recent(history_bars)
        self.curve = pg.PlotDataItem(pen=pg.mkPen(colour, width=1.5))
        self.curve.setZValue(6)
        plot.addItem(self.curve)
        self._drawn = np.zeros(0)
        self._times = np.zeros(0)

    def _live(self):
        state = self.feed.symbol_state(self.symbol)
        return state.candles[self.interval].view() if state is not None else EMPTY_VIEW

    def key(self) -> tuple[int, int]:
        state = self.feed.symbol_state(self.symbol)
        return (state.candles[self.interval].version if state is not None else -1, self.history.version)

    def update(self, left: float, right: float, first: float, end: float, half: float) -> None:
        """Draw the bars starting in ``[first, end)``; the base is the first bar reaching past ``left``."""
        self.loader.retry(len(self.history) or 1)
        bars, _ = self.history.between(self._live(), first, end)
        in_view = np.flatnonzero(bars.time + 2 * half > left)  # the chart's own base: the first bar reaching into view
        if not len(in_view) or not bars.close[in_view[0]] > 0:
            self.curve.setData([], [])
            self._drawn = np.zeros(0)
            return
        base = float(bars.close[in_view[0]])
        self._drawn = (bars.close - base) / base * 100.0
        self._times = bars.time
        self.curve.setData(bars.time + half, self._drawn, connect="finite")

    def visible_range(self, left: float, right: float) -> tuple[float, float] | None:
        shown = self._drawn[(self._times >= left) & (self._times < right)] if len(self._drawn) else self._drawn
        shown = shown[np.isfinite(shown)]
        return (float(shown.min()), float(shown.max())) if len(shown) else None

    def close(self) -> None:
        self.loader.close()
        self.plot.removeItem(self.curve)
