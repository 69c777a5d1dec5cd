"""Drawing one series on a chart's plots: which bars (those in and around the view, with a warm-up for
the indicators), candles or a line, volume, indicators, compared symbols, the last price, fitted axes,
and shaded outages."""

from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np
import pyqtgraph as pg

from tradedash.core.chart.bar_history import BarHistory, slice_view
from tradedash.core.chart.coarse_bars import coarsen, merge_factor
from tradedash.core.chart.price_scale import PriceScale
from tradedash.core.feed.downtime import DowntimeLog
from tradedash.core.market.candles import CandleView
from tradedash.ui.chart.comparison import Comparison
from tradedash.ui.chart.indicator_layer import IndicatorLayer
from tradedash.ui.chart.plots import ChartPlots
from tradedash.ui.formatting import HUGE, format_price

__all__ = ["BarSelection", "select_bars", "ChartDrawing", "DowntimeShading", "BARS_SHOWN", "WARMUP_BARS"]

#: How many bars of the chosen interval "follow live" keeps in view.
BARS_SHOWN = 90
#: Bars before the first drawn one that indicators are computed over, so their first drawn values are settled.
WARMUP_BARS = 300


def _drawable(values: np.ndarray) -> np.ndarray:
    """Which values a chart can draw: finite and below :data:`~tradedash.ui.formatting.HUGE`
    (pyqtgraph's ranges overflow to NaN near the float maximum)."""
    return np.abs(values) < HUGE


class BarSelection(NamedTuple):
    """The bars to draw: ``bars[extra:]`` are drawn, ``bars[:extra]`` only warm the indicators up;
    ``undrawn`` bars in the drawn span were left out (prices no chart can draw)."""

    bars: CandleView
    extra: int
    undrawn: int

    @property
    def candles(self) -> CandleView:
        return slice_view(self.bars, self.extra, len(self.bars.start))


def select_bars(history: BarHistory, live: CandleView, follow: bool, left: float, right: float) -> BarSelection:
    """The bars to draw: following live, the newest ``1.5 x BARS_SHOWN``; otherwise those between
    ``left`` and ``right`` (seconds) and one view's width either side. Both with up to :data:`WARMUP_BARS`
    before them. Bars with prices out of any chartable range are left out, volumes out of range drawn as 0."""
    if follow:
        total = history.length(live)
        want = BARS_SHOWN * 3 // 2
        bars = history.range(live, total - want - WARMUP_BARS, total)
        extra = max(0, min(WARMUP_BARS, total - want))
    else:
        span = right - left
        bars, extra = history.between(live, left - span, right + span, before=WARMUP_BARS)
    drawable = _drawable(bars.open) & _drawable(bars.high) & _drawable(bars.low) & _drawable(bars.close)
    undrawn = int((~drawable[extra:]).sum())
    if undrawn or not drawable[:extra].all():  # prices no market prints (e.g. 1.7e308): not drawn, said in the readout
        extra = int(drawable[:extra].sum())
        bars = CandleView(*(array[drawable] for array in bars))
    bars = bars._replace(volume=np.where(_drawable(bars.volume), bars.volume, 0.0))
    return BarSelection(bars, extra, undrawn)


class ChartDrawing:
    """Puts a :class:`BarSelection` on a :class:`ChartPlots`.

    Contract: :meth:`draw` shows the selection's candles (or their closes as a
    line) through the price scale, their volumes, each indicator layer and
    each compared symbol (percent scale only); following live, it moves the
    view to keep the newest bar in it with room for the last-price label.
    Zoomed out past a bar per three pixels, candles and volumes are drawn
    merged (:mod:`~tradedash.core.chart.coarse_bars`); lines, indicators and
    the readout keep every bar. Each axis is fitted to what is in view: the prices and overlays, the
    volumes, each pane's indicator; an axis whose range holds what is in view
    snugly (see :func:`_set_y`) is left as it is.
    """

    def __init__(self, plots: ChartPlots) -> None:
        self.plots = plots

    def draw(
        self,
        selection: BarSelection,
        *,
        seconds: int,
        follow: bool,
        mode: str,
        scale: PriceScale,
        layers: list[IndicatorLayer],
        comparisons: list[Comparison],
        decimals: int,
    ) -> None:
        plots = self.plots
        candles = selection.candles
        half = seconds / 2
        left, right = plots.price_plot.viewRange()[0]
        if follow:
            last = float(candles.time[-1]) + seconds
            left, right = last - BARS_SHOWN * seconds, last + BARS_SHOWN * seconds / 4  # room for the last-price label
            if plots.price_plot.getViewBox().state["targetRange"][0] != [left, right]:
                plots.price_plot.setXRange(left, right, padding=0)
        in_view = (candles.time + seconds > left) & (candles.time < right)
        if scale.kind == "percent":
            visible = np.flatnonzero(in_view)
            scale.base = float(candles.close[visible[0] if len(visible) else 0])
            plots.price_axis.relabel()
        to_axis = scale.to_axis
        drawn = candles._replace(open=to_axis(candles.open), high=to_axis(candles.high), low=to_axis(candles.low), close=to_axis(candles.close))
        # Zoomed out past a bar per few pixels, neighbouring bars are drawn merged (see coarse_bars).
        pixels = plots.price_plot.getViewBox().width()
        factor = merge_factor(seconds, (right - left) / pixels) if pixels > 0 else 1
        coarse = coarsen(drawn, seconds, factor)
        if mode == "line":
            plots.curve.setData(candles.time + half, drawn.close, connect="finite")
        else:
            plots.candles.set_candles(coarse, seconds * factor)
        plots.volume_bars.setOpts(x=coarse.time + half * factor, height=coarse.volume, width=seconds * factor * 0.8)
        for layer in layers:
            layer.update(selection.bars, selection.extra, candles.time + half, scale, seconds)
        for comparison in comparisons:  # percent lines: shown on the percent scale only
            comparison.curve.setVisible(scale.kind == "percent")
            comparison.update(left, right, float(candles.time[0]), float(candles.time[-1]) + seconds, half)
        plots.price_axis.decimals = decimals
        self._show_last(float(drawn.close[-1]), format_price(float(candles.close[-1]), decimals))
        self._fit_y(drawn, in_view, mode, layers, comparisons if scale.kind == "percent" else [], left - seconds, right)
        self._place_last_label()
        volume = coarse.volume[(coarse.time + seconds * factor > left) & (coarse.time < right)]
        _set_y(plots.volume_plot, 0.0, float(volume.max()) if len(volume) and volume.max() > 0 else 1.0, low_pad=False)

    def _show_last(self, position: float, text: str) -> None:
        """Move the last-price line to ``position`` labelled ``text``: the label moves with the line and
        is set only when its text changed (pyqtgraph's own relabel on each move also re-measures the line)."""
        line = self.plots.last_line
        if position != line.value():
            line.setPos(position)
        if text != line.label.toPlainText():
            line.label.format = text.replace("{", "{{").replace("}", "}}")  # what pyqtgraph shows if it relabels
            line.label.setText(text)

    def _place_last_label(self) -> None:
        """The last-price label sits above its line, or under it when the line is in the top
        :data:`LABEL_ROOM` of the view (above, it would be cut off by the view's top edge)."""
        line = self.plots.last_line
        low, high = self.plots.price_plot.viewRange()[1]
        anchor = (1, 0) if line.value() > high - (high - low) * LABEL_ROOM else (1, 1)
        if line.label.anchors[0] != anchor:
            line.label.anchors = [anchor, anchor]
            line.label.updatePosition()

    def _fit_y(
        self, drawn: CandleView, in_view: np.ndarray, mode: str, layers: list[IndicatorLayer], comparisons: list[Comparison],
        left: float, right: float,
    ) -> None:
        if not in_view.any():
            in_view = np.zeros(len(in_view), bool)
            in_view[-1] = True
        lows, highs = drawn.low[in_view], drawn.high[in_view]
        if mode == "line":
            lows = highs = drawn.close[in_view]
        ranges = [(float(np.nanmin(lows)), float(np.nanmax(highs)))] if np.isfinite(lows).any() else []
        for layer in layers:
            found = layer.visible_range(in_view)
            if found is None:
                continue
            if layer.pane is None:
                ranges.append(found)
            else:
                _set_y(layer.pane, *found)
        for comparison in comparisons:
            found = comparison.visible_range(left, right)
            if found is not None:
                ranges.append(found)
        if ranges:
            _set_y(self.plots.price_plot, min(r[0] for r in ranges), max(r[1] for r in ranges))


#: The share of the price view at its top where the last-price label goes under its line.
LABEL_ROOM = 0.1

#: A fitted axis keeps its range while what is in view stays inside it and fills at least this share of it.
SNUG = 0.75


def _set_y(plot: pg.PlotItem, low: float, high: float, low_pad: bool = True) -> None:
    """Fit ``plot``'s y axis to ``[low, high]`` with a little room, unless it shows them already, snugly
    (at least :data:`SNUG` of its range): a new range relabels the axis and repaints the whole plot, so a
    price moving inside the view does not change it on every tick."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return
    shown_low, shown_high = plot.getViewBox().state["targetRange"][1]
    if shown_low <= low and high <= shown_high and high - low >= SNUG * (shown_high - shown_low):
        return
    span = high - low or max(abs(high) * 0.001, 1e-9)
    wanted = [low - span * 0.06 if low_pad else low, high + span * 0.06]
    if wanted != [shown_low, shown_high]:
        plot.setYRange(*wanted, padding=0)


class DowntimeShading:
    """Shades a feed's down periods on a plot, the current one up to now while it lasts.

    Contract: :meth:`show` makes one region per period (reused, never
    removed; spare ones hidden); :meth:`key` changes when the periods do and,
    during an outage, every second (the shading grows).
    """

    def __init__(self, plot: pg.PlotItem, colour: str) -> None:
        self._plot = plot
        self._colour = colour
        self.regions: list[pg.LinearRegionItem] = []

    def set_colour(self, colour: str) -> None:
        self._colour = colour
        for region in self.regions:
            region.setBrush(pg.mkBrush(colour))

    @staticmethod
    def key(downtime: DowntimeLog | None) -> tuple[int, int]:
        ongoing = bool(downtime and downtime.periods and downtime.periods[-1][1] is None)
        return (downtime.version if downtime else 0, int(time.time()) if ongoing else 0)

    def show(self, downtime: DowntimeLog | None) -> None:
        periods = list(downtime.periods) if downtime else []
        while len(self.regions) < len(periods):
            region = pg.LinearRegionItem(movable=False, brush=pg.mkBrush(self._colour), pen=pg.mkPen(None))
            region.setZValue(-10)
            self._plot.addItem(region, ignoreBounds=True)
            self.regions.append(region)
        now = time.time()
        for index, region in enumerate(self.regions):
            if index < len(periods):
                start, end = periods[index]
                region.setRegion((start, end if end is not None else now))
                region.show()
            else:
                region.hide()
