"""The chart panel: line or candles over volume bars, with a crosshair, follow-live and shaded outages."""

from __future__ import annotations

import time
from datetime import datetime
from typing import NamedTuple

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from tradedash.core.candles import CandleView
from tradedash.core.wire import INTERVAL_NS
from tradedash.ui.formatting import HUGE, format_price, format_volume
from tradedash.ui.icons import icon
from tradedash.ui.panels.candle_item import CandleItem
from tradedash.ui.running_feed import RunningFeed, SymbolRef
from tradedash.ui.theme import Theme

__all__ = ["PriceChart", "ChartMarker", "BARS_SHOWN", "INTERVALS"]


def _drawable(values: np.ndarray) -> np.ndarray:
    """Which values a chart can draw: finite and below :data:`~tradedash.ui.formatting.HUGE`
    (pyqtgraph's ranges overflow to NaN near the float maximum)."""
    return np.abs(values) < HUGE

#: How many bars of the chosen interval "follow live" keeps in view.
BARS_SHOWN = 90
#: Interval name -> seconds, in the order the chart offers them.
INTERVALS: dict[str, int] = {name: ns // 1_000_000_000 for name, ns in INTERVAL_NS.items()}


class ChartMarker(NamedTuple):
    """A point drawn on the price plot (e.g. where an alert fired); ``text`` is its tooltip."""

    time: float
    price: float
    text: str
    colour: str


class PriceChart(QWidget):
    """Charts one symbol: last price as a line or candles, volume bars beneath, a time axis.

    Contract: every plot item is created once; ``refresh()`` (on the repaint
    timer) calls ``setData``/``set_candles`` only when the symbol's state or the
    view changed, with the bars in and around the view (copies: the series
    reuses its arrays), and moves the view to the newest bar while ``follow`` is on. Panning or
    zooming by hand turns ``follow`` off; ``set_follow(True)`` (a key in the
    window) turns it back on. Periods when the feed was down are shaded.
    Other panels may add horizontal level lines (``add_level``) and markers
    (``set_markers``).
    """

    symbol_changed = Signal(object)
    follow_changed = Signal(bool)

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self._theme = theme
        self._feed: RunningFeed | None = None
        self._symbol: str | None = None
        self._painted = None
        self._candles: CandleView | None = None
        self._downtime_items: list[pg.LinearRegionItem] = []
        self.follow = True
        self.mode = "candles"
        self.interval = "1s"
        self.repaints = 0
        #: Bars in the drawn span whose prices are out of any chartable range (shown in the readout).
        self.undrawn = 0

        self._build_toolbar()
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.ci.setContentsMargins(2, 2, 2, 2)
        self.graphics.ci.setSpacing(0)
        self.price_plot: pg.PlotItem = self.graphics.addPlot(row=0, col=0)
        self.volume_plot: pg.PlotItem = self.graphics.addPlot(
            row=1, col=0, axisItems={"bottom": pg.DateAxisItem(orientation="bottom")}
        )
        self.graphics.ci.layout.setRowStretchFactor(0, 4)
        self.graphics.ci.layout.setRowStretchFactor(1, 1)
        for plot in (self.price_plot, self.volume_plot):
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.showAxis("right")
            plot.hideAxis("left")
            plot.getAxis("right").setWidth(72)
            plot.setMouseEnabled(x=True, y=False)
            plot.enableAutoRange(y=True)
            plot.setAutoVisible(y=True)
            plot.getViewBox().sigRangeChangedManually.connect(self._manual_range)
        self.price_plot.hideAxis("bottom")
        for plot, name in ((self.price_plot, "right"), (self.volume_plot, "right"), (self.volume_plot, "bottom")):
            # Axis text is most of a paint; cached, an axis is drawn again only when its ticks change.
            plot.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.volume_plot.setXLink(self.price_plot)
        self.volume_plot.getAxis("right").setStyle(showValues=False)

        self.curve = self.price_plot.plot()
        self.curve.setClipToView(True)
        self.curve.setDownsampling(auto=True, method="peak")
        self.candles_item = CandleItem(theme.up, theme.down)
        self.price_plot.addItem(self.candles_item)
        self.volume_bars = pg.BarGraphItem(x=[0.0], height=[0.0], width=1.0)
        self.volume_plot.addItem(self.volume_bars)
        self.last_line = pg.InfiniteLine(angle=0, movable=False, label="{value:.2f}", labelOpts={"position": 1.0, "anchors": [(1, 1), (1, 1)]})
        self.price_plot.addItem(self.last_line, ignoreBounds=True)
        self.markers = pg.ScatterPlotItem(size=11, symbol="t1", pxMode=True)
        self.price_plot.addItem(self.markers)
        self.cross_v = pg.InfiniteLine(angle=90, movable=False)
        self.cross_h = pg.InfiniteLine(angle=0, movable=False)
        self.cross_v_volume = pg.InfiniteLine(angle=90, movable=False)
        for line, plot in ((self.cross_v, self.price_plot), (self.cross_h, self.price_plot), (self.cross_v_volume, self.volume_plot)):
            plot.addItem(line, ignoreBounds=True)
            line.hide()
        self.graphics.scene().sigMouseMoved.connect(self._mouse_moved)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(self._toolbar)
        layout.addWidget(self.readout)
        layout.addWidget(self.graphics)
        self.set_theme(theme)
        self._show_mode()

    # --- Building ---------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        self.title = QLabel("—")
        self.line_button = QToolButton(checkable=True, toolTip="Line chart (L)")
        self.candle_button = QToolButton(checkable=True, checked=True, toolTip="Candlesticks (C)")
        self._modes = QButtonGroup(self)
        self._modes.addButton(self.line_button)
        self._modes.addButton(self.candle_button)
        self.line_button.toggled.connect(lambda on: self.set_mode("line" if on else "candles"))
        self.interval_box = QComboBox(toolTip="Bar interval")
        self.interval_box.addItems(list(INTERVALS))
        self.interval_box.currentTextChanged.connect(self.set_interval)
        self.follow_button = QToolButton(checkable=True, checked=True, toolTip="Follow live (End)")
        self.follow_button.setText("Follow live")
        self.follow_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.follow_button.toggled.connect(self.set_follow)
        self.readout = QLabel()
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setWordWrap(True)  # a narrow chart shows the readout on two lines, not cut off
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._toolbar = QHBoxLayout()
        self._toolbar.setContentsMargins(4, 2, 4, 2)
        for widget in (self.title, self.line_button, self.candle_button, self.interval_box, self.follow_button):
            self._toolbar.addWidget(widget)
        self._toolbar.addStretch(1)
        self.readout.setContentsMargins(8, 0, 4, 0)

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.graphics.setBackground(theme.base)
        self.title.setStyleSheet(f"font-weight: bold; padding: 0 8px; color: {theme.text};")
        # Horizontal price grid only: pyqtgraph's grid costs several ms a paint per axis.
        self.price_plot.showGrid(x=False, y=True, alpha=0.3)
        for plot in (self.price_plot, self.volume_plot):
            for name in ("right", "bottom"):
                axis = plot.getAxis(name)
                axis.setPen(pg.mkPen(theme.grid))
                axis.setTextPen(pg.mkPen(theme.muted))
        self.curve.setPen(pg.mkPen(theme.accent, width=1.5))
        self.candles_item.set_colours(theme.up, theme.down)
        self.volume_bars.setOpts(brush=pg.mkBrush(theme.grid), pen=pg.mkPen(None))
        self.last_line.setPen(pg.mkPen(theme.accent, style=Qt.PenStyle.DashLine))
        self.last_line.label.setColor(theme.accent)
        cross = pg.mkPen(theme.muted, style=Qt.PenStyle.DotLine)
        for line in (self.cross_v, self.cross_h, self.cross_v_volume):
            line.setPen(cross)
        for region in self._downtime_items:
            region.setBrush(pg.mkBrush(theme.downtime))
        self.line_button.setIcon(icon("line-chart", theme.text))
        self.candle_button.setIcon(icon("candles", theme.text))
        self.follow_button.setIcon(icon("follow", theme.text))
        self._painted = None
        self.refresh()

    # --- What is shown ----------------------------------------------------------------

    @property
    def symbol(self) -> SymbolRef | None:
        return SymbolRef(self._feed.name, self._symbol) if self._feed and self._symbol else None

    def set_symbol(self, feed: RunningFeed, symbol: str) -> None:
        if (feed, symbol) != (self._feed, self._symbol):
            self._feed, self._symbol = feed, symbol
            self._painted = None
            self.title.setText(symbol)
            self.set_follow(True)
            self.symbol_changed.emit(SymbolRef(feed.name, symbol))
            self.refresh()

    def set_mode(self, mode: str) -> None:
        if mode not in ("line", "candles"):
            raise ValueError(f"unknown chart mode {mode!r}")
        self.mode = mode
        (self.line_button if mode == "line" else self.candle_button).setChecked(True)
        self._show_mode()
        self.refresh()

    def _show_mode(self) -> None:
        self.curve.setVisible(self.mode == "line")
        self.candles_item.setVisible(self.mode == "candles")

    def set_interval(self, interval: str) -> None:
        if interval not in INTERVALS:
            raise ValueError(f"unknown interval {interval!r}; known: {list(INTERVALS)}")
        self.interval = interval
        self.interval_box.setCurrentText(interval)
        self.set_follow(True)
        self.refresh()

    def set_follow(self, on: bool) -> None:
        if on != self.follow:
            self.follow = on
            self.follow_button.setChecked(on)
            self.follow_changed.emit(on)
        if on:
            self._painted = None
            self.refresh()

    def _manual_range(self, *_args) -> None:
        self.set_follow(False)

    # --- Extension points (alerts) ----------------------------------------------------

    def add_level(self, price: float, label: str = "", colour: str | None = None) -> pg.InfiniteLine:
        """Draw a horizontal line at ``price`` (e.g. an alert level); returns it for ``remove_level``."""
        line = pg.InfiniteLine(
            pos=price,
            angle=0,
            movable=False,
            pen=pg.mkPen(colour or self._theme.warning, width=1),
            label=label or None,
            labelOpts={"position": 0.05, "color": colour or self._theme.warning},
        )
        self.price_plot.addItem(line, ignoreBounds=True)
        return line

    def remove_level(self, line: pg.InfiniteLine) -> None:
        self.price_plot.removeItem(line)

    def set_markers(self, markers: list[ChartMarker]) -> None:
        """Replace the markers drawn on the price plot (one item, reused)."""
        self.markers.setData(
            [{"pos": (m.time, m.price), "brush": pg.mkBrush(m.colour), "pen": None, "data": m.text} for m in markers]
        )

    # --- Painting ---------------------------------------------------------------------

    def refresh(self) -> None:
        state = self._feed.symbol_state(self._symbol) if self._feed and self._symbol else None
        if state is None:
            return
        seconds = INTERVALS[self.interval]
        left, right = self.price_plot.viewRange()[0]
        # Only the bars in and around the view are drawn: redraw when the data or the view moved.
        shown = "follow" if self.follow else (int(left // seconds), int(right // seconds))
        key = (state.version, self._feed.downtime.version, self.mode, self.interval, shown)
        if key == self._painted:
            return
        self._painted = key
        view = state.candles[self.interval].view()
        if self.follow:
            first, end = max(0, len(view.time) - BARS_SHOWN * 3 // 2), len(view.time)
        else:
            span = right - left
            first, end = np.searchsorted(view.time, (left - span, right + span))
        candles = CandleView(*(array[first:end].copy() for array in view))
        drawable = _drawable(candles.open) & _drawable(candles.high) & _drawable(candles.low) & _drawable(candles.close)
        self.undrawn = len(drawable) - int(drawable.sum())
        if self.undrawn:  # prices no market prints (e.g. 1.7e308): not drawn, and said in the readout
            candles = CandleView(*(array[drawable] for array in candles))
        candles = self._candles = candles._replace(volume=np.where(_drawable(candles.volume), candles.volume, 0.0))
        if not len(candles.time):
            self.candles_item.set_candles(candles, seconds)
            self.volume_bars.setOpts(x=candles.time, height=candles.volume, width=seconds * 0.8)
            return
        if self.mode == "line":
            times, prices = state.prices.view()
            self.curve.setData(times.copy(), np.where(_drawable(prices), prices, np.nan), connect="finite")
        else:
            self.candles_item.set_candles(candles, seconds)
        self.volume_bars.setOpts(x=candles.time + seconds / 2, height=candles.volume, width=seconds * 0.8)
        decimals = self._feed.decimals(self._symbol)
        self.last_line.setPos(float(candles.close[-1]))
        self.last_line.label.setFormat(f"{{value:,.{decimals}f}}")
        self._shade_downtime()
        if self.follow:
            last = float(candles.time[-1]) + seconds
            # Room on the right for the last-price label.
            self.price_plot.setXRange(last - BARS_SHOWN * seconds, last + BARS_SHOWN * seconds / 4, padding=0)
        if not self.cross_v.isVisible():
            self._show_readout(len(candles.time) - 1)
        self.repaints += 1

    def _shade_downtime(self) -> None:
        periods = list(self._feed.downtime.periods) if self._feed else []
        while len(self._downtime_items) < len(periods):
            region = pg.LinearRegionItem(movable=False, brush=pg.mkBrush(self._theme.downtime), pen=pg.mkPen(None))
            region.setZValue(-10)
            self.price_plot.addItem(region, ignoreBounds=True)
            self._downtime_items.append(region)
        now = time.time()
        for index, region in enumerate(self._downtime_items):
            if index < len(periods):
                start, end = periods[index]
                region.setRegion((start, end if end is not None else now))
                region.show()
            else:
                region.hide()

    # --- Crosshair --------------------------------------------------------------------

    def _mouse_moved(self, position: QPointF) -> None:
        inside = None
        for plot in (self.price_plot, self.volume_plot):
            if plot.sceneBoundingRect().contains(position):
                inside = plot
        visible = inside is not None and self._candles is not None and len(self._candles.time) > 0
        for line in (self.cross_v, self.cross_h, self.cross_v_volume):
            line.setVisible(visible)
        if not visible:
            if self._candles is not None and len(self._candles.time):
                self._show_readout(len(self._candles.time) - 1)
            return
        point = inside.getViewBox().mapSceneToView(position)
        self.cross_v.setPos(point.x())
        self.cross_v_volume.setPos(point.x())
        self.cross_h.setVisible(inside is self.price_plot)
        self.cross_h.setPos(point.y())
        index = int(np.searchsorted(self._candles.time, point.x(), side="right")) - 1
        self._show_readout(max(0, index), point.y() if inside is self.price_plot else None)

    def _show_readout(self, index: int, cursor_price: float | None = None) -> None:
        candles = self._candles
        if candles is None or not len(candles.time) or self._feed is None or self._symbol is None:
            self.readout.clear()
            return
        decimals = self._feed.decimals(self._symbol)
        colour = self._theme.up if candles.close[index] >= candles.open[index] else self._theme.down
        moment = datetime.fromtimestamp(float(candles.time[index]))
        when = moment.strftime("%H:%M:%S" if moment.date() == datetime.now().date() else "%Y-%m-%d&nbsp;%H:%M:%S")
        parts = [f'<span style="color:{self._theme.muted}">{when}</span>']
        for name, values in (("O", candles.open), ("H", candles.high), ("L", candles.low), ("C", candles.close)):
            parts.append(f'{name}&nbsp;<span style="color:{colour}">{format_price(float(values[index]), decimals)}</span>')
        parts.append(f"V&nbsp;{format_volume(float(candles.volume[index]))}")
        if cursor_price is not None:
            parts.append(f'<span style="color:{self._theme.muted}">@&nbsp;{format_price(cursor_price, decimals)}</span>')
        if self.undrawn:
            parts.append(f'<span style="color:{self._theme.warning}">⚠&nbsp;{self.undrawn}&nbsp;bars&nbsp;out&nbsp;of&nbsp;range&nbsp;not&nbsp;drawn</span>')
        self.readout.setText("&nbsp; ".join(parts))  # breaks only between the parts
