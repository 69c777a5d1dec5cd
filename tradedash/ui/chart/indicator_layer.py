"""One indicator as a chart draws it: its live computation and its plot items (lines over the price,
or a pane of its own below it)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from tradedash.core.market.candles import CandleView
from tradedash.core.chart.chart_state import IndicatorState
from tradedash.core.chart.indicators import LiveIndicator, Placement, indicator_spec
from tradedash.core.chart.price_scale import PriceScale

__all__ = ["IndicatorLayer", "describe", "style_legend"]

#: Horizontal guide lines drawn in a pane, by indicator name.
_GUIDES = {"rsi": (30.0, 70.0), "macd": (0.0,)}
#: Panes whose axis is fixed, not fitted to the values in view.
_FIXED_RANGES = {"rsi": (0.0, 100.0)}


def style_legend(legend: pg.LegendItem, text: str, backdrop: str | None) -> None:
    """Legend names in ``text``, on a box of ``backdrop`` (the chart's background, a little see-through)
    so that they stay readable over the candles and lines they sit on; no box without a backdrop."""
    legend.setLabelTextColor(text)
    if backdrop is not None:
        fill = QColor(backdrop)
        fill.setAlpha(210)
        legend.setBrush(pg.mkBrush(fill))


def describe(state: IndicatorState) -> str:
    """A short name for menus and legends: ``SMA 20``, ``Bollinger bands 20, 2``, ``VWAP day``."""
    spec = indicator_spec(state.name)
    defaults = spec.saved(spec.defaults())
    numbers = [f"{value:g}" for value in state.settings.values() if isinstance(value, (int, float)) and not isinstance(value, bool)]
    words = [str(state.settings[name]) for name in ("anchor", "source") if name in state.settings and (name == "anchor" or state.settings[name] != defaults.get(name))]
    return f"{spec.title} {', '.join(numbers + words)}".strip()


class IndicatorLayer:
    """An indicator on a chart: a :class:`LiveIndicator` and the items that draw its outputs.

    Contract:

    - An overlay draws a line per output on ``price_plot`` (through the price
      scale); a pane indicator gets its own ``pane`` (made by the chart) with
      its outputs (MACD's histogram as bars) and guide lines (RSI 30/70,
      which are then the only labels on its fixed axis).
    - :meth:`update` syncs with ``bars`` (incremental on the live bar) and
      draws the values from index ``first`` on at ``x``; items are created once
      and fed with ``setData``.
    - :meth:`visible_range` gives the (low, high) of the drawn values (axis
      units) at the bars of ``mask``, for fitting the axis (RSI's pane is
      always 0 to 100); :meth:`remove` takes every item off its plot.
    - Its name (:func:`describe`) is in the legend of its plot: ``legend``
      for an overlay, a legend of its own in its pane.
    """

    def __init__(
        self, state: IndicatorState, price_plot: pg.PlotItem, pane: pg.PlotItem | None = None, legend: pg.LegendItem | None = None
    ) -> None:
        self.state = state
        self.spec = indicator_spec(state.name)
        self.live = LiveIndicator(self.spec, state.settings)
        self.price_plot = price_plot
        self.pane = pane
        self.plot = pane if pane is not None else price_plot
        self.curves: dict[str, pg.PlotCurveItem] = {}
        self.histogram: pg.BarGraphItem | None = None
        self.guides: list[pg.InfiniteLine] = []
        self._drawn: dict[str, np.ndarray] = {}
        for output in self.spec.outputs:
            if output == "histogram":
                self.histogram = pg.BarGraphItem(x=[0.0], height=[0.0], width=1.0)
                self.plot.addItem(self.histogram)
                continue
            curve = pg.PlotCurveItem()  # not a PlotDataItem: a tenth of its cost per setData, and nothing of it used
            curve.setZValue(5)
            self.plot.addItem(curve)
            self.curves[output] = curve
        if pane is not None:
            legend = pg.LegendItem(offset=(4, 2))
            legend.setParentItem(pane.getViewBox())
        self.legend = legend
        if legend is not None:
            for item, name in self._legend_entries():
                legend.addItem(item, name)
        for level in _GUIDES.get(self.spec.name, ()):
            guide = pg.InfiniteLine(pos=level, angle=0, movable=False)
            self.plot.addItem(guide, ignoreBounds=True)
            self.guides.append(guide)
        if pane is not None and self.spec.name in _FIXED_RANGES:  # a fixed scale (RSI): labelled at its guides only
            pane.getAxis("right").setTicks([[(level, f"{level:g}") for level in _GUIDES.get(self.spec.name, ())]])
        self.set_colours()

    def _legend_entries(self) -> list[tuple[pg.GraphicsObject, str]]:
        """The legend's lines: the indicator's name by its first line; in a pane of its own, each
        further line by its output's name too (MACD's signal and histogram), which its colour alone
        would not tell. An overlay's further lines (Bollinger's bands) are one indicator's parts."""
        items = [*(self.curves[o] if o in self.curves else self.histogram for o in self.spec.outputs)]
        entries = [(items[0], describe(self.state))]
        if self.pane is not None:
            entries += [(item, output) for item, output in zip(items[1:], self.spec.outputs[1:], strict=True)]
        return entries

    @property
    def is_overlay(self) -> bool:
        return self.spec.placement is Placement.OVERLAY

    def set_colours(
        self, muted: str = "#888888", up: str = "#26a69a", down: str = "#ef5350", backdrop: str | None = None
    ) -> None:
        """Draw in the theme's colours; the legend's names in ``muted`` on ``backdrop`` (see :func:`style_legend`)."""
        settings = self.state.settings
        colour = settings.get("colour", "#1f77b4")
        for output, curve in self.curves.items():
            if output == "signal":
                pen = pg.mkPen(settings.get("signal_colour", "#ff7f0e"), width=1.2)
            elif output in ("upper", "lower"):
                pen = pg.mkPen(colour, width=1.0)
            elif output == "middle":
                pen = pg.mkPen(colour, width=1.0, style=Qt.PenStyle.DashLine)
            else:
                pen = pg.mkPen(colour, width=1.5)
            curve.setPen(pen)
        if self.histogram is not None:
            self.histogram.setOpts(brush=pg.mkBrush(colour + "80"), pen=pg.mkPen(None))
        for guide in self.guides:
            guide.setPen(pg.mkPen(muted, style=Qt.PenStyle.DotLine))
        self._colours = (muted, up, down)
        if self.legend is not None:
            style_legend(self.legend, muted, backdrop)

    def update(self, bars: CandleView, first: int, x: np.ndarray, scale: PriceScale | None, width: float) -> None:
        self.live.sync(bars)
        values = self.live.values()
        for output, curve in self.curves.items():
            line = values[output][first:]
            if self.is_overlay and scale is not None:
                line = scale.to_axis(line)
            line = np.asarray(line, dtype=np.float64)
            self._drawn[output] = line
            curve.setData(x, line, connect="finite")
        if self.histogram is not None:
            height = np.nan_to_num(np.asarray(values["histogram"][first:], dtype=np.float64))
            self._drawn["histogram"] = height
            self.histogram.setOpts(x=x, height=height, width=width * 0.8)

    def visible_range(self, mask: np.ndarray) -> tuple[float, float] | None:
        fixed = _FIXED_RANGES.get(self.spec.name)
        if fixed is not None:
            return fixed
        lows, highs = [], []
        for line in self._drawn.values():
            if len(line) != len(mask):
                continue
            shown = line[mask]
            shown = shown[np.isfinite(shown)]
            if len(shown):
                lows.append(float(shown.min()))
                highs.append(float(shown.max()))
        return (min(lows), max(highs)) if lows else None

    def remove(self) -> None:
        if self.legend is not None:
            for item, _ in self._legend_entries():
                self.legend.removeItem(item)  # a pane's own legend goes with the pane
            self.legend = None
        for item in [*self.curves.values(), *self.guides, *([self.histogram] if self.histogram is not None else [])]:
            self.plot.removeItem(item)
        self.curves.clear()
        self.guides.clear()
        self.histogram = None
