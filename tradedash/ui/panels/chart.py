"""The chart panel: candles or a line over volume, with history, indicators, price scales, a crosshair,
follow-live and shaded outages."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QComboBox,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from tradedash.core.chart.bar_history import EMPTY_VIEW, BarHistory, slice_view
from tradedash.core.chart.candle_store import CandleStore, SeriesKey
from tradedash.core.market.candles import CandleView
from tradedash.core.chart.chart_state import SCALES, ChartState, IndicatorState
from tradedash.core.chart.indicators import INDICATORS, Placement, indicator_spec
from tradedash.core.chart.price_scale import PriceScale
from tradedash.core.wire import INTERVAL_NS
from tradedash.ui.chart.axis import AxisLabel, PaneAxis, PriceAxis, VolumeAxis
from tradedash.ui.chart.comparison import Comparison
from tradedash.ui.chart.history_loader import HistoryLoader, history_fetch_of
from tradedash.ui.chart.indicator_dialog import IndicatorDialog
from tradedash.ui.chart.indicator_layer import IndicatorLayer, describe, style_legend
from tradedash.ui.formatting import HUGE, format_price, format_volume
from tradedash.ui.icons import icon
from tradedash.ui.panels.candle_item import CandleItem
from tradedash.ui.running_feed import RunningFeed, SymbolRef
from tradedash.ui.theme import Theme

__all__ = ["PriceChart", "ChartMarker", "BARS_SHOWN", "INTERVALS", "HISTORY_BARS", "WARMUP_BARS"]


def _drawable(values: np.ndarray) -> np.ndarray:
    """Which values a chart can draw: finite and below :data:`~tradedash.ui.formatting.HUGE`
    (pyqtgraph's ranges overflow to NaN near the float maximum)."""
    return np.abs(values) < HUGE


#: How many bars of the chosen interval "follow live" keeps in view.
BARS_SHOWN = 90
#: Interval name -> seconds, in the order the chart offers them.
INTERVALS: dict[str, int] = {name: ns // 1_000_000_000 for name, ns in INTERVAL_NS.items()}
#: Bars loaded from the cache and fetched when a series opens, and again each time the view passes the oldest.
HISTORY_BARS = 3000
#: Bars before the first drawn one that indicators are computed over, so their first drawn values are settled.
WARMUP_BARS = 300
#: Closed live bars are written to the candle cache at most this often (seconds).
SAVE_EVERY = 5.0
#: Line colours of compared symbols, in the order they are added.
COMPARE_COLOURS = ("#ff9800", "#00bcd4", "#e91e63", "#8bc34a", "#ffeb3b")


class ChartMarker(NamedTuple):
    """A point drawn on the price plot (e.g. where an alert fired); ``text`` is its tooltip."""

    time: float
    price: float
    text: str
    colour: str


class _CrosshairGuard(QObject):
    """Hides the chart's crosshair when the mouse leaves the plots or the window loses focus."""

    def __init__(self, chart: PriceChart) -> None:
        super().__init__(chart)
        self._chart = chart

    def eventFilter(self, _watched, event) -> bool:
        if event.type() in (QEvent.Type.Leave, QEvent.Type.WindowDeactivate):
            self._chart.hide_crosshair()
        return False


class PriceChart(QWidget):
    """Charts one symbol of one feed: candles or a line, volume and indicator panes, a time axis.

    Contract:

    - Plot items are created once; :meth:`refresh` (on the repaint timer)
      redraws only when the live bars, the history, the view or the settings
      changed, with the bars in and around the view, and keeps the newest bar
      in view while ``follow`` is on. Panning or zooming by hand turns
      ``follow`` off; :meth:`set_follow` turns it back on.
    - History: with a ``store`` (the candle cache) the bars of a newly shown
      series come from it at once, the range it misses is fetched through the
      feed's ``fetch_history`` in the background, and panning or zooming past
      the oldest bar loads older ones; closed live bars are written back.
    - What it shows is a :class:`ChartState` (:meth:`state`,
      :meth:`apply_state`); :attr:`state_changed` is emitted when it changes.
      Several charts may exist at once, each with its own state.
    - Linking: :attr:`crosshair_moved` (time in seconds, NaN when the crosshair
      hides) and :attr:`view_range_changed` (left, right, on a pan or zoom by
      hand) go out; :meth:`show_crosshair_at` and :meth:`set_view_range` come
      in (see :mod:`tradedash.ui.chart.linking`).
    - The price axis fits the bars in view (and the overlays drawn over
      them), on the chosen price scale; the crosshair and its price label on
      the axis hide when the mouse leaves or a menu opens; down periods of the
      feed are shaded, the current one while it lasts; with no bars the chart
      says it is waiting for data.
    - Others add to it: horizontal levels (:meth:`add_level`), markers
      (:meth:`set_markers`), and actions in the right-click menu
      (:attr:`menu_layers`: each is called with the menu and the price clicked).
    """

    symbol_changed = Signal(object)
    follow_changed = Signal(bool)
    state_changed = Signal()
    crosshair_moved = Signal(float)
    view_range_changed = Signal(float, float)

    def __init__(self, theme: Theme, *, store: CandleStore | None = None) -> None:
        super().__init__()
        self._theme = theme
        self.store = store
        self._feed: RunningFeed | None = None
        self._symbol: str | None = None
        self._painted = None
        self._candles: CandleView | None = None
        self._downtime_items: list[pg.LinearRegionItem] = []
        self.follow = True
        self.mode = "candles"
        self.interval = "1s"
        self.scale = PriceScale()
        self.history = BarHistory()
        self.loader: HistoryLoader | None = None
        self.layers: list[IndicatorLayer] = []
        self.comparisons: list[Comparison] = []
        self.menu_layers: list[Callable[[QMenu, float], None]] = []
        self.menu: QMenu | None = None
        self.dialog: IndicatorDialog | None = None
        self.repaints = 0
        self._saved_at = 0.0
        self._linking = False
        #: Bars in the drawn span whose prices are out of any chartable range (shown in the readout).
        self.undrawn = 0

        self._build_toolbar()
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.ci.setContentsMargins(2, 2, 2, 2)
        self.graphics.ci.setSpacing(0)
        self.price_axis = PriceAxis("right")
        self.price_plot: pg.PlotItem = self.graphics.addPlot(row=0, col=0, axisItems={"right": self.price_axis})
        self.volume_plot: pg.PlotItem = self._add_pane(VolumeAxis("right"))
        self.graphics.ci.layout.setRowStretchFactor(0, 4)
        self._setup_plot(self.price_plot)
        self.price_plot.hideAxis("bottom")
        self.price_axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

        self.curve = self.price_plot.plot()
        self.curve.setClipToView(True)
        self.curve.setDownsampling(auto=True, method="peak")
        self.candles_item = CandleItem(theme.up, theme.down)
        self.price_plot.addItem(self.candles_item)
        self.volume_bars = pg.BarGraphItem(x=[0.0], height=[0.0], width=1.0)
        self.volume_plot.addItem(self.volume_bars)
        self.last_line = pg.InfiniteLine(angle=0, movable=False, label="", labelOpts={"position": 1.0, "anchors": [(1, 1), (1, 1)]})
        self.price_plot.addItem(self.last_line, ignoreBounds=True)
        self.legend = pg.LegendItem(offset=(4, 2))  # the overlays' names
        self.legend.setParentItem(self.price_plot.getViewBox())
        self.markers = pg.ScatterPlotItem(size=11, symbol="t1", pxMode=True)
        self.price_plot.addItem(self.markers)
        self.cross_v = pg.InfiniteLine(angle=90, movable=False)
        self.cross_h = pg.InfiniteLine(angle=0, movable=False)
        self.price_plot.addItem(self.cross_v, ignoreBounds=True)
        self.price_plot.addItem(self.cross_h, ignoreBounds=True)
        self.cross_v.hide()
        self.cross_h.hide()
        self.cross_v_volume = self._pane_cross(self.volume_plot)
        self.cross_label = AxisLabel(self.price_axis, self.price_plot.getViewBox())
        self.graphics.scene().sigMouseMoved.connect(self._mouse_moved)
        self.graphics.scene().sigMouseClicked.connect(self._clicked)
        guard = _CrosshairGuard(self)
        self.graphics.viewport().installEventFilter(guard)
        self.graphics.installEventFilter(guard)

        self.placeholder = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(self._toolbar)
        layout.addWidget(self.readout)
        layout.addWidget(self.graphics)
        layout.addWidget(self.placeholder)
        self.set_theme(theme)
        self._show_mode()
        self._show_waiting()

    # --- Building ---------------------------------------------------------------------

    def _setup_plot(self, plot: pg.PlotItem) -> None:
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.showAxis("right")
        plot.hideAxis("left")
        plot.getAxis("right").setWidth(78)
        plot.setMouseEnabled(x=True, y=False)
        plot.enableAutoRange(x=False, y=False)
        plot.getViewBox().sigRangeChangedManually.connect(self._manual_range)

    def _add_pane(self, axis: pg.AxisItem) -> pg.PlotItem:
        """A plot below the others, sharing their time axis, with the date axis moved to it."""
        row = self.graphics.ci.layout.rowCount()
        pane = self.graphics.addPlot(row=row, col=0, axisItems={"right": axis, "bottom": pg.DateAxisItem(orientation="bottom")})
        self._setup_plot(pane)
        pane.setXLink(self.price_plot)
        self.graphics.ci.layout.setRowStretchFactor(row, 1)
        for name in ("right", "bottom"):
            # Axis text is most of a paint; cached, an axis is drawn again only when its ticks change.
            pane.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._place_date_axis()
        if hasattr(self, "_theme"):
            self._style_plot(pane)
        return pane

    def _panes(self) -> list[pg.PlotItem]:
        return [self.volume_plot, *(layer.pane for layer in self.layers if layer.pane is not None)]

    def _place_date_axis(self) -> None:
        panes = [item for item in self.graphics.ci.items if isinstance(item, pg.PlotItem) and item is not getattr(self, "price_plot", None)]
        for index, pane in enumerate(panes):
            pane.showAxis("bottom") if index == len(panes) - 1 else pane.hideAxis("bottom")

    def _pane_cross(self, pane: pg.PlotItem) -> pg.InfiniteLine:
        line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(self._theme.muted, style=Qt.PenStyle.DotLine))
        pane.addItem(line, ignoreBounds=True)
        line.hide()
        return line

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
        self.indicator_button = QToolButton(toolTip="Indicators and price scale (also on a right click in the chart)")
        self.indicator_button.setText("Indicators")
        self.indicator_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.indicator_button.setMenu(QMenu(self.indicator_button))
        self.indicator_button.menu().aboutToShow.connect(self._fill_button_menu)
        self.follow_button = QToolButton(checkable=True, checked=True, toolTip="Follow live (End)")
        self.follow_button.setText("Follow live")
        self.follow_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.follow_button.toggled.connect(self.set_follow)
        self.readout = QLabel()
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setWordWrap(False)
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._toolbar = QHBoxLayout()
        self._toolbar.setContentsMargins(4, 2, 4, 2)
        for widget in (self.title, self.line_button, self.candle_button, self.interval_box, self.indicator_button, self.follow_button):
            self._toolbar.addWidget(widget)
        self._toolbar.addStretch(1)
        self.readout.setContentsMargins(8, 0, 4, 0)

    def _style_plot(self, plot: pg.PlotItem) -> None:
        theme = self._theme
        for name in ("right", "bottom"):
            axis = plot.getAxis(name)
            axis.setPen(pg.mkPen(theme.grid))
            axis.setTextPen(pg.mkPen(theme.muted))

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.graphics.setBackground(theme.base)
        self.title.setStyleSheet(f"font-weight: bold; padding: 0 8px; color: {theme.text};")
        self.placeholder.setStyleSheet(f"color: {theme.muted}; background: {theme.base}; font-size: 15px;")
        # Horizontal price grid only: pyqtgraph's grid costs several ms a paint per axis.
        self.price_plot.showGrid(x=False, y=True, alpha=0.3)
        for plot in (self.price_plot, *self._panes()):
            self._style_plot(plot)
        self.curve.setPen(pg.mkPen(theme.accent, width=1.5))
        self.candles_item.set_colours(theme.up, theme.down)
        self.volume_bars.setOpts(brush=pg.mkBrush(theme.grid), pen=pg.mkPen(None))
        self.last_line.setPen(pg.mkPen(theme.accent, style=Qt.PenStyle.DashLine))
        self.last_line.label.setColor(theme.accent)
        self.cross_label.set_colours(theme.muted, theme.base)
        cross = pg.mkPen(theme.muted, style=Qt.PenStyle.DotLine)
        for line in self._cross_lines():
            line.setPen(cross)
        for region in self._downtime_items:
            region.setBrush(pg.mkBrush(theme.downtime))
        style_legend(self.legend, theme.muted, theme.base)
        for layer in self.layers:
            layer.set_colours(theme.muted, theme.up, theme.down, backdrop=theme.base)
        self.line_button.setIcon(icon("line-chart", theme.text))
        self.candle_button.setIcon(icon("candles", theme.text))
        self.follow_button.setIcon(icon("follow", theme.text))
        self._painted = None
        self.refresh()

    def _cross_lines(self) -> list[pg.InfiniteLine]:
        panes = [self.cross_v_volume, *(getattr(layer, "cross", None) for layer in self.layers)]
        return [self.cross_v, self.cross_h, *(line for line in panes if line is not None)]

    # --- What is shown ----------------------------------------------------------------

    @property
    def symbol(self) -> SymbolRef | None:
        return SymbolRef(self._feed.name, self._symbol) if self._feed and self._symbol else None

    @property
    def feed(self) -> RunningFeed | None:
        return self._feed

    def set_symbol(self, feed: RunningFeed, symbol: str) -> None:
        if (feed, symbol) != (self._feed, self._symbol):
            self._feed, self._symbol = feed, symbol
            self.title.setText(symbol)
            self._open_series()
            self.set_follow(True)
            self.symbol_changed.emit(SymbolRef(feed.name, symbol))
            self.state_changed.emit()
            self.refresh()

    def set_mode(self, mode: str) -> None:
        if mode not in ("line", "candles"):
            raise ValueError(f"unknown chart mode {mode!r}")
        changed = mode != self.mode
        self.mode = mode
        (self.line_button if mode == "line" else self.candle_button).setChecked(True)
        self._show_mode()
        if changed:
            self.state_changed.emit()
        self.refresh()

    def _show_mode(self) -> None:
        self.curve.setVisible(self.mode == "line")
        self.candles_item.setVisible(self.mode == "candles")

    def set_interval(self, interval: str) -> None:
        if interval not in INTERVALS:
            raise ValueError(f"unknown interval {interval!r}; known: {list(INTERVALS)}")
        changed = interval != self.interval
        self.interval = interval
        self.interval_box.setCurrentText(interval)
        if changed:
            self._open_series()
            self.state_changed.emit()
        self.set_follow(True)
        self.refresh()

    def set_scale(self, kind: str) -> None:
        """Show prices on a linear, log or percent scale (percent: change from the first bar in view)."""
        if kind not in SCALES:
            raise ValueError(f"unknown price scale {kind!r}; known: {list(SCALES)}")
        if kind != self.scale.kind:
            self.scale = PriceScale(kind)
            self.price_axis.price_scale = self.scale
            self.price_axis.relabel()
            self._painted = None
            self.state_changed.emit()
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
        if not self._linking:
            left, right = self.price_plot.viewRange()[0]
            self.view_range_changed.emit(left, right)

    def set_view_range(self, left: float, right: float) -> None:
        """Show times ``left`` to ``right`` (seconds) and stop following (a linked chart's pan or zoom)."""
        self._linking = True
        try:
            self.set_follow(False)
            self.price_plot.setXRange(left, right, padding=0)
        finally:
            self._linking = False
        self.refresh()

    # --- State -------------------------------------------------------------------------

    def state(self) -> ChartState:
        """What this chart shows, to save and to give back to :meth:`apply_state`."""
        ref = self.symbol
        return ChartState(
            feed=ref.feed if ref else None,
            symbol=ref.symbol if ref else None,
            interval=self.interval,
            mode=self.mode,
            scale=self.scale.kind,
            indicators=tuple(layer.state for layer in self.layers),
            compare=tuple(comparison.symbol for comparison in self.comparisons),
        )

    def apply_state(self, state: ChartState, feed: RunningFeed | None = None) -> None:
        """Show ``state``: its interval, mode, scale and indicators, and its symbol on ``feed`` (the running
        feed named ``state.feed``; None leaves the symbol as it is)."""
        for index in reversed(range(len(self.layers))):
            self._remove_layer(index)
        for indicator in state.indicators:
            self._add_layer(indicator)
        self.set_mode(state.mode)
        self.set_scale(state.scale)
        self.set_interval(state.interval)
        if feed is not None and state.symbol is not None:
            self.set_symbol(feed, state.symbol)
        self._close_comparisons()
        for symbol in state.compare:
            self.add_comparison(symbol)
        self._painted = None
        self.state_changed.emit()
        self.refresh()

    # --- Indicators ---------------------------------------------------------------------

    @property
    def indicators(self) -> list[IndicatorState]:
        return [layer.state for layer in self.layers]

    def add_indicator(self, indicator: IndicatorState) -> None:
        self._add_layer(indicator)
        self._painted = None
        self.state_changed.emit()
        self.refresh()

    def replace_indicator(self, index: int, indicator: IndicatorState) -> None:
        self._remove_layer(index)
        self._add_layer(indicator, index)
        self._painted = None
        self.state_changed.emit()
        self.refresh()

    def remove_indicator(self, index: int) -> None:
        self._remove_layer(index)
        self._painted = None
        self.state_changed.emit()
        self.refresh()

    def _add_layer(self, indicator: IndicatorState, index: int | None = None) -> None:
        pane = None
        if indicator_spec(indicator.name).placement is Placement.PANE:
            pane = self._add_pane(PaneAxis("right"))
        layer = IndicatorLayer(indicator, self.price_plot, pane, None if pane is not None else self.legend)
        if pane is not None:
            layer.cross = self._pane_cross(pane)
        layer.set_colours(self._theme.muted, self._theme.up, self._theme.down, backdrop=self._theme.base)
        self.layers.insert(len(self.layers) if index is None else index, layer)

    def _remove_layer(self, index: int) -> None:
        layer = self.layers.pop(index)
        layer.remove()
        if layer.pane is not None:
            self.graphics.ci.removeItem(layer.pane)
            layer.pane.deleteLater()
            self._relayout_panes()

    def _relayout_panes(self) -> None:
        """Rows without gaps after a pane left: price, volume, then the panes in order."""
        ci = self.graphics.ci
        panes = self._panes()
        for pane in panes:
            ci.removeItem(pane)
        for row, pane in enumerate(panes, start=1):
            ci.addItem(pane, row=row, col=0)
            ci.layout.setRowStretchFactor(row, 1)
        self._place_date_axis()

    # --- Compared symbols ---------------------------------------------------------------

    def add_comparison(self, symbol: str) -> None:
        """Draw ``symbol`` (of the shown feed) over the chart, both in percent from the first bar in view."""
        if self._feed is None or symbol == self._symbol or symbol in (c.symbol for c in self.comparisons):
            return
        colour = COMPARE_COLOURS[len(self.comparisons) % len(COMPARE_COLOURS)]
        comparison = Comparison(symbol, self._feed, self.interval, self.store, self.price_plot, colour, HISTORY_BARS)
        self.legend.addItem(comparison.curve, symbol)
        self.comparisons.append(comparison)
        self.set_scale("percent")
        self._painted = None
        self.state_changed.emit()
        self.refresh()

    def remove_comparison(self, symbol: str) -> None:
        for comparison in [c for c in self.comparisons if c.symbol == symbol]:
            self.legend.removeItem(comparison.curve)
            comparison.close()
            self.comparisons.remove(comparison)
        self._painted = None
        self.state_changed.emit()
        self.refresh()

    def _close_comparisons(self) -> list[str]:
        symbols = [comparison.symbol for comparison in self.comparisons]
        for comparison in self.comparisons:
            self.legend.removeItem(comparison.curve)
            comparison.close()
        self.comparisons = []
        return symbols

    def edit_indicator(self, index: int | None, name: str | None = None) -> IndicatorDialog:
        """Open the settings of indicator ``index`` (or of a new ``name``); OK applies them."""
        adding = index is None
        state = IndicatorState.of(name) if adding else self.layers[index].state
        dialog = IndicatorDialog(state, self, adding=adding)
        dialog.chosen.connect(self.add_indicator if adding else (lambda new: self.replace_indicator(index, new)))
        self.dialog = dialog
        dialog.open()
        return dialog

    # --- Menu ---------------------------------------------------------------------------

    def add_chart_actions(self, menu: QMenu) -> None:
        """Add the chart's own submenus: Add indicator, Edit, Remove, Price scale."""
        add = menu.addMenu("Add indicator")
        for name, spec in INDICATORS.items():
            add.addAction(spec.title + "…", lambda n=name: self.edit_indicator(None, n))
        if self.layers:
            edit = menu.addMenu("Edit indicator")
            remove = menu.addMenu("Remove indicator")
            for index, layer in enumerate(self.layers):
                edit.addAction(describe(layer.state) + "…", lambda i=index: self.edit_indicator(i))
                remove.addAction(describe(layer.state), lambda i=index: self.remove_indicator(i))
        if self._feed is not None and self._symbol is not None:
            others = [s for s in self._feed.shown_symbols() if s != self._symbol and s not in (c.symbol for c in self.comparisons)]
            if others:
                compare = menu.addMenu("Compare with")
                for symbol in others:
                    compare.addAction(symbol, lambda s=symbol: self.add_comparison(s))
            if self.comparisons:
                stop = menu.addMenu("Stop comparing")
                for comparison in self.comparisons:
                    stop.addAction(comparison.symbol, lambda s=comparison.symbol: self.remove_comparison(s))
        scales = menu.addMenu("Price scale")
        group = QActionGroup(scales)
        for kind, label in (("linear", "Linear"), ("log", "Logarithmic"), ("percent", "Percent")):
            action = QAction(label, scales, checkable=True, checked=self.scale.kind == kind)
            action.triggered.connect(lambda _=False, k=kind: self.set_scale(k))
            group.addAction(action)
            scales.addAction(action)

    def _fill_button_menu(self) -> None:
        menu = self.indicator_button.menu()
        menu.clear()
        self.hide_crosshair()
        self.add_chart_actions(menu)

    def context_menu(self, price: float | None) -> QMenu:
        """The right-click menu: each of :attr:`menu_layers`' actions (at ``price``, if over the price
        plot), then the chart's own."""
        menu = QMenu(self)
        if price is not None:
            for layer in self.menu_layers:
                layer(menu, price)
        if menu.actions():
            menu.addSeparator()
        self.add_chart_actions(menu)
        return menu

    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.RightButton or event.isAccepted():
            return
        plots = [self.price_plot, *self._panes()]
        inside = next((plot for plot in plots if plot.sceneBoundingRect().contains(event.scenePos())), None)
        if inside is None:
            return
        event.accept()
        view = self.price_plot.getViewBox()
        price = None
        if inside is self.price_plot and view.sceneBoundingRect().contains(event.scenePos()):
            price = float(self.scale.from_axis(view.mapSceneToView(event.scenePos()).y()))
        self.hide_crosshair()
        # popup(), not exec(): no nested event loop under qasync. Kept so it lives while shown.
        self.menu = self.context_menu(price)
        self.menu.popup(event.screenPos().toPoint())

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

    # --- History ------------------------------------------------------------------------

    def _open_series(self) -> None:
        """A new (feed, symbol, interval): the cached bars at once, the missing range in the background."""
        if self.loader is not None:
            self.loader.close()
            self.loader = None
        compared = self._close_comparisons()  # the same symbols again, at the new interval (same feed only)
        self.history = BarHistory()
        self._painted = None
        if self._feed is None or self._symbol is None:
            return
        key = SeriesKey(self._feed.name, self._symbol, self.interval)
        self.loader = HistoryLoader(key, self.history, self.store, history_fetch_of(self._feed.client))
        self.loader.load_cached(HISTORY_BARS)
        self.loader.fill_recent(HISTORY_BARS)
        for symbol in compared:
            if symbol != self._symbol:
                self.comparisons.append(
                    Comparison(symbol, self._feed, self.interval, self.store, self.price_plot,
                               COMPARE_COLOURS[len(self.comparisons) % len(COMPARE_COLOURS)], HISTORY_BARS)
                )
                self.legend.addItem(self.comparisons[-1].curve, symbol)

    def release(self) -> None:
        """Stop loading history (the chart is about to go)."""
        if self.loader is not None:
            self.loader.close()
        self._close_comparisons()

    # --- Painting ---------------------------------------------------------------------

    def _show_waiting(self) -> None:
        if self._symbol is None:
            text = "No symbol: choose one in the watchlist"
        else:
            text = f"Waiting for data: {self._symbol}, {self.interval} bars"
        self.placeholder.setText(text)
        self._show_placeholder(True)
        self.readout.clear()
        self._candles = None

    def _show_placeholder(self, on: bool) -> None:
        self.placeholder.setVisible(on)
        self.graphics.setVisible(not on)

    @property
    def waiting(self) -> bool:
        """True while the chart has no bars to show (the "waiting for data" text is shown instead)."""
        return self.placeholder.isVisibleTo(self)

    def refresh(self) -> None:
        if not hasattr(self, "placeholder"):
            return
        if self.cross_v.isVisible() and QApplication.activePopupWidget() is not None:
            self.hide_crosshair()  # a menu took the mouse: the crosshair would stay where it was
        state = self._feed.symbol_state(self._symbol) if self._feed and self._symbol else None
        series = state.candles[self.interval] if state is not None else None
        live = series.view() if series is not None else EMPTY_VIEW
        if self.loader is not None:
            self.loader.retry(HISTORY_BARS)
        if self.loader is not None and series is not None and time.monotonic() - self._saved_at > SAVE_EVERY:
            self._saved_at = time.monotonic()
            self.loader.save_closed(live)
        seconds = INTERVALS[self.interval]
        left, right = self.price_plot.viewRange()[0]
        # Only the bars in and around the view are drawn: redraw when the data or the view moved.
        shown = "follow" if self.follow else (int(left // seconds), int(right // seconds))
        downtime = self._feed.downtime if self._feed else None
        ongoing = bool(downtime and downtime.periods and downtime.periods[-1][1] is None)
        outage = (downtime.version if downtime else 0, int(time.time()) if ongoing else 0)
        key = (series.version if series is not None else -1, self.history.version, outage, self.mode, self.interval, self.scale.kind, shown, len(self.layers), tuple(c.key() for c in self.comparisons))
        if key == self._painted:
            return
        self._painted = key
        if self.follow:
            total = self.history.length(live)
            want = BARS_SHOWN * 3 // 2
            bars = self.history.range(live, total - want - WARMUP_BARS, total)
            extra = max(0, min(WARMUP_BARS, total - want))
        else:
            span = right - left
            bars, extra = self.history.between(live, left - span, right + span, before=WARMUP_BARS)
        drawable = _drawable(bars.open) & _drawable(bars.high) & _drawable(bars.low) & _drawable(bars.close)
        self.undrawn = int((~drawable[extra:]).sum())
        if self.undrawn or not drawable[:extra].all():  # prices no market prints (e.g. 1.7e308): not drawn, said in the readout
            extra = int(drawable[:extra].sum())
            bars = CandleView(*(array[drawable] for array in bars))
        bars = bars._replace(volume=np.where(_drawable(bars.volume), bars.volume, 0.0))
        candles = self._candles = slice_view(bars, extra, len(bars.start))
        if not len(candles.time):
            self._show_waiting()
            self._maybe_load_older(left, live)
            return
        self._show_placeholder(False)
        half = seconds / 2
        if self.follow:
            last = float(candles.time[-1]) + seconds
            left, right = last - BARS_SHOWN * seconds, last + BARS_SHOWN * seconds / 4  # room for the last-price label
            self.price_plot.setXRange(left, right, padding=0)
        in_view = (candles.time + seconds > left) & (candles.time < right)
        if self.scale.kind == "percent":
            visible = np.flatnonzero(in_view)
            self.scale.base = float(candles.close[visible[0] if len(visible) else 0])
            self.price_axis.relabel()
        to_axis = self.scale.to_axis
        drawn = candles._replace(open=to_axis(candles.open), high=to_axis(candles.high), low=to_axis(candles.low), close=to_axis(candles.close))
        if self.mode == "line":
            self.curve.setData(candles.time + half, drawn.close, connect="finite")
        else:
            self.candles_item.set_candles(drawn, seconds)
        self.volume_bars.setOpts(x=candles.time + half, height=candles.volume, width=seconds * 0.8)
        for layer in self.layers:
            layer.update(bars, extra, candles.time + half, self.scale, seconds)
        for comparison in self.comparisons:  # percent lines: shown on the percent scale only
            comparison.curve.setVisible(self.scale.kind == "percent")
            comparison.update(left, right, float(candles.time[0]), float(candles.time[-1]) + seconds, half)
        decimals = self._feed.decimals(self._symbol)
        self.price_axis.decimals = decimals
        self.last_line.setPos(float(drawn.close[-1]))
        label = format_price(float(candles.close[-1]), decimals).replace("{", "{{").replace("}", "}}")
        if label != self.last_line.label.format:
            self.last_line.label.setFormat(label)
        self._fit_y(drawn, in_view)
        self._shade_downtime()
        if not self.cross_v.isVisible():
            self._show_readout(len(candles.time) - 1)
        self._maybe_load_older(left, live)
        self.repaints += 1

    def _fit_y(self, drawn: CandleView, in_view: np.ndarray) -> None:
        """Fit each axis to what is in view: prices and overlays, volumes, each pane's indicator."""
        if not in_view.any():
            in_view = np.zeros(len(in_view), bool)
            in_view[-1] = True
        lows, highs = drawn.low[in_view], drawn.high[in_view]
        if self.mode == "line":
            lows = highs = drawn.close[in_view]
        ranges = [(float(np.nanmin(lows)), float(np.nanmax(highs)))] if np.isfinite(lows).any() else []
        for layer in self.layers:
            found = layer.visible_range(in_view)
            if found is None:
                continue
            if layer.pane is None:
                ranges.append(found)
            else:
                _set_y(layer.pane, *found)
        left, right = self.price_plot.viewRange()[0]
        for comparison in self.comparisons if self.scale.kind == "percent" else ():
            found = comparison.visible_range(left - INTERVALS[self.interval], right)
            if found is not None:
                ranges.append(found)
        if ranges:
            _set_y(self.price_plot, min(r[0] for r in ranges), max(r[1] for r in ranges))
        volume = drawn.volume[in_view]
        _set_y(self.volume_plot, 0.0, float(volume.max()) if len(volume) and volume.max() > 0 else 1.0, low_pad=False)

    def _maybe_load_older(self, left: float, live: CandleView) -> None:
        """Past the oldest bar (by pan or zoom): ask for older ones."""
        if self.loader is None or self.follow:
            return
        oldest = self.history.oldest
        first = oldest / 1e9 if oldest is not None else (float(live.time[0]) if len(live.time) else None)
        if first is not None and left < first and oldest is not None:
            self.loader.load_older(HISTORY_BARS)

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

    def hide_crosshair(self) -> None:
        """Hide the crosshair, its price label and the readout's cursor part (the mouse left, a menu opened)."""
        was_visible = self.cross_v.isVisible()
        for line in self._cross_lines():
            line.hide()
        self.cross_label.hide()
        if self._candles is not None and len(self._candles.time):
            self._show_readout(len(self._candles.time) - 1)
        if was_visible:
            self.crosshair_moved.emit(float("nan"))

    def show_crosshair_at(self, seconds: float | None) -> None:
        """Show the vertical crosshair at ``seconds`` (a linked chart's cursor), or hide it for None/NaN."""
        if seconds is None or seconds != seconds or self._candles is None or not len(self._candles.time):
            for line in self._cross_lines():
                line.hide()
            return
        for line in self._cross_lines():
            if line is not self.cross_h:
                line.setPos(seconds)
                line.show()
        index = int(np.searchsorted(self._candles.time, seconds, side="right")) - 1
        self._show_readout(max(0, index))

    def _mouse_moved(self, position: QPointF) -> None:
        plots = [self.price_plot, *self._panes()]
        inside = next((plot for plot in plots if plot.sceneBoundingRect().contains(position)), None)
        visible = inside is not None and self._candles is not None and len(self._candles.time) > 0
        if not visible:
            if self.cross_v.isVisible():
                self.hide_crosshair()
            return
        point = inside.getViewBox().mapSceneToView(position)
        for line in self._cross_lines():
            if line is not self.cross_h:
                line.setPos(point.x())
                line.show()
        on_price = inside is self.price_plot
        self.cross_h.setVisible(on_price)
        self.cross_h.setPos(point.y())
        price = float(self.scale.from_axis(point.y())) if on_price else None
        decimals = self._feed.decimals(self._symbol)
        if on_price:
            self.cross_label.place(point.y(), self.price_axis.label_of(point.y()))
        else:
            self.cross_label.hide()
        index = int(np.searchsorted(self._candles.time, point.x(), side="right")) - 1
        self._show_readout(max(0, index), price if price is not None and np.isfinite(price) else None, decimals)
        self.crosshair_moved.emit(float(point.x()))

    def _show_readout(self, index: int, cursor_price: float | None = None, decimals: int | None = None) -> None:
        candles = self._candles
        if candles is None or not len(candles.time) or self._feed is None or self._symbol is None:
            self.readout.clear()
            return
        if decimals is None:
            decimals = self._feed.decimals(self._symbol)
        colour = self._theme.up if candles.close[index] >= candles.open[index] else self._theme.down
        moment = datetime.fromtimestamp(float(candles.time[index]))
        when = moment.strftime("%H:%M:%S" if moment.date() == datetime.now().date() else "%d&nbsp;%b&nbsp;%H:%M")
        parts = [f'<span style="color:{self._theme.muted}">{when}</span>']
        for name, values in (("O", candles.open), ("H", candles.high), ("L", candles.low), ("C", candles.close)):
            parts.append(f'{name}&nbsp;<span style="color:{colour}">{format_price(float(values[index]), decimals)}</span>')
        parts.append(f"V&nbsp;{format_volume(float(candles.volume[index]))}")
        if cursor_price is not None:
            parts.append(f'<span style="color:{self._theme.muted}">@&nbsp;{format_price(cursor_price, decimals)}</span>')
        if self.undrawn:
            parts.append(f'<span style="color:{self._theme.warning}">⚠&nbsp;{self.undrawn}&nbsp;bars&nbsp;out&nbsp;of&nbsp;range&nbsp;not&nbsp;drawn</span>')
        self.readout.setText("&nbsp; ".join(parts))


def _set_y(plot: pg.PlotItem, low: float, high: float, low_pad: bool = True) -> None:
    """Fit ``plot``'s y axis to ``[low, high]`` with a little room, unless it already shows exactly that."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return
    span = high - low or max(abs(high) * 0.001, 1e-9)
    wanted = (low - span * 0.06 if low_pad else low, high + span * 0.06)
    if plot.getViewBox().state["targetRange"][1] != list(wanted):
        plot.setYRange(*wanted, padding=0)
