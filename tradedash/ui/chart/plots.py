"""The chart's plots and the items on them: a price plot (candles or a line, the last price, overlay
names, markers) over a volume pane and one pane per pane indicator, all on one time axis."""

from __future__ import annotations

from collections.abc import Callable

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView

from tradedash.ui.chart.axis import PaneAxis, PriceAxis, VolumeAxis
from tradedash.ui.chart.candle_item import CandleItem
from tradedash.ui.chart.indicator_layer import style_legend
from tradedash.ui.chart.price_grid import PriceGrid
from tradedash.ui.theme import Theme

__all__ = ["ChartPlots"]


class ChartPlots:
    """The plots of one chart in one :class:`pyqtgraph.GraphicsLayoutWidget` (``graphics``).

    Contract:

    - Rows: ``price_plot`` (stretch 4), ``volume_plot``, then the panes added
      with :meth:`add_pane` (stretch 1 each), without gaps after
      :meth:`remove_pane`. All share the price plot's time range; the date
      axis is drawn under the lowest pane only.
    - Items are made once: ``curve`` (line mode), ``candles``, ``volume_bars``,
      ``last_line`` (the last price, labelled on the axis), ``legend`` (the
      overlays' names), ``markers``, ``grid`` (horizontal lines at the price
      axis's ticks).
    - The user pans and zooms time only; ``on_manual_range`` is called when
      they do, on any plot. Nothing fits itself: the chart sets every range.
    - :meth:`set_theme` recolours the plots and items.
    """

    def __init__(self, theme: Theme, on_manual_range: Callable[[], None]) -> None:
        self._theme = theme
        self._on_manual_range = on_manual_range
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.ci.setContentsMargins(2, 2, 2, 2)
        self.graphics.ci.setSpacing(0)
        # pyqtgraph caches the view's background as a pixmap the size of the view and blends it in on every
        # paint, the most expensive part of a live chart's paint; the background is one colour, cheaper to fill.
        self.graphics.setCacheMode(QGraphicsView.CacheModeFlag.CacheNone)
        self.price_axis = PriceAxis("right")
        self.price_plot: pg.PlotItem = self.graphics.addPlot(row=0, col=0, axisItems={"right": self.price_axis})
        self.graphics.ci.layout.setRowStretchFactor(0, 4)
        self._setup(self.price_plot)
        self.price_plot.hideAxis("bottom")
        self.price_axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.panes: list[pg.PlotItem] = []
        self.volume_plot = self.add_pane(VolumeAxis("right"))

        self.curve = self.price_plot.plot()
        self.curve.setClipToView(True)
        self.curve.setDownsampling(auto=True, method="peak")
        self.candles = CandleItem(theme.up, theme.down)
        self.price_plot.addItem(self.candles)
        self.volume_bars = pg.BarGraphItem(x=[0.0], height=[0.0], width=1.0)
        self.volume_plot.addItem(self.volume_bars)
        self.last_line = pg.InfiniteLine(angle=0, movable=False, label="", labelOpts={"position": 1.0, "anchors": [(1, 1), (1, 1)]})
        self.price_plot.addItem(self.last_line, ignoreBounds=True)
        # The label moves with the line (it is its child); pyqtgraph would also re-measure the line and
        # re-place the label on every move: the chart sets the label's text itself (ChartDrawing).
        self.last_line.sigPositionChanged.disconnect(self.last_line.label.valueChanged)
        self.legend = pg.LegendItem(offset=(4, 2))
        self.legend.setParentItem(self.price_plot.getViewBox())
        self.markers = pg.ScatterPlotItem(size=11, symbol="t1", pxMode=True)
        self.price_plot.addItem(self.markers)
        self.grid = PriceGrid(self.price_axis, theme.grid)
        self.price_plot.addItem(self.grid, ignoreBounds=True)
        self.set_theme(theme)

    @property
    def plots(self) -> list[pg.PlotItem]:
        """The price plot, then the panes from top to bottom."""
        return [self.price_plot, *self.panes]

    def _setup(self, plot: pg.PlotItem) -> None:
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.showAxis("right")
        plot.hideAxis("left")
        plot.getAxis("right").setWidth(78)
        plot.setMouseEnabled(x=True, y=False)
        plot.enableAutoRange(x=False, y=False)
        plot.getViewBox().sigRangeChangedManually.connect(lambda *_: self._on_manual_range())

    def add_pane(self, axis: pg.AxisItem | None = None) -> pg.PlotItem:
        """A plot below the others with ``axis`` on its right, sharing their time axis."""
        row = self.graphics.ci.layout.rowCount()
        pane = self.graphics.addPlot(row=row, col=0, axisItems={"right": axis or PaneAxis("right"), "bottom": pg.DateAxisItem(orientation="bottom")})
        self._setup(pane)
        pane.setXLink(self.price_plot)
        self.graphics.ci.layout.setRowStretchFactor(row, 1)
        for name in ("right", "bottom"):
            # Axis text is most of a paint; cached, an axis is drawn again only when its ticks change.
            pane.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.panes.append(pane)
        self._place_date_axis()
        self._style(pane)
        return pane

    def remove_pane(self, pane: pg.PlotItem) -> None:
        """Take ``pane`` away and close the gap it leaves."""
        ci = self.graphics.ci
        ci.removeItem(pane)
        pane.deleteLater()
        self.panes.remove(pane)
        for other in self.panes:
            ci.removeItem(other)
        for row, other in enumerate(self.panes, start=1):
            ci.addItem(other, row=row, col=0)
            ci.layout.setRowStretchFactor(row, 1)
        self._place_date_axis()

    def _place_date_axis(self) -> None:
        for index, pane in enumerate(self.panes):
            pane.showAxis("bottom") if index == len(self.panes) - 1 else pane.hideAxis("bottom")

    def _style(self, plot: pg.PlotItem) -> None:
        for name in ("right", "bottom"):
            axis = plot.getAxis(name)
            axis.setPen(pg.mkPen(self._theme.grid))
            axis.setTextPen(pg.mkPen(self._theme.muted))

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.graphics.setBackground(theme.base)
        self.grid.set_colour(theme.grid)  # horizontal price lines only: a vertical grid costs more than it shows
        for plot in self.plots:
            self._style(plot)
        self.curve.setPen(pg.mkPen(theme.accent, width=1.5))
        self.candles.set_colours(theme.up, theme.down)
        self.volume_bars.setOpts(brush=pg.mkBrush(theme.grid), pen=pg.mkPen(None))
        self.last_line.setPen(pg.mkPen(theme.accent, style=Qt.PenStyle.DashLine))
        self.last_line.label.setColor(theme.accent)
        style_legend(self.legend, theme.muted, theme.base)
