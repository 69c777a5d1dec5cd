"""The chart panel: one symbol's candles or line over its volume, with history, indicators, compared
symbols, price scales, a crosshair, follow-live and shaded outages.

:class:`PriceChart` holds what the chart shows and its public API; its parts are in
:mod:`tradedash.ui.chart` (plots, toolbar, readout, crosshair, menus, drawing, history loading).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import QApplication, QLabel, QMenu, QVBoxLayout, QWidget

from tradedash.core.chart.bar_history import EMPTY_VIEW, BarHistory
from tradedash.core.chart.candle_store import CandleStore
from tradedash.core.chart.chart_state import SCALES, ChartState, IndicatorState
from tradedash.core.chart.indicators import Placement, indicator_spec
from tradedash.core.chart.price_scale import PriceScale
from tradedash.core.market.candles import CandleView
from tradedash.core.wire import INTERVAL_NS
from tradedash.ui.chart.comparison import Comparison
from tradedash.ui.chart.crosshair import Crosshair
from tradedash.ui.chart.drawing import BARS_SHOWN, WARMUP_BARS, ChartDrawing, DowntimeShading, select_bars
from tradedash.ui.chart.history_loader import HistoryLoader, feed_history_loader
from tradedash.ui.chart.indicator_dialog import IndicatorDialog
from tradedash.ui.chart.indicator_layer import IndicatorLayer
from tradedash.ui.chart.menus import add_chart_actions, context_menu
from tradedash.ui.chart.plots import ChartPlots
from tradedash.ui.chart.readout import Readout, readout_html
from tradedash.ui.chart.toolbar import ChartToolbar
from tradedash.ui.running_feed import RunningFeed, SymbolRef
from tradedash.ui.theme import Theme

__all__ = ["PriceChart", "ChartMarker", "BARS_SHOWN", "INTERVALS", "HISTORY_BARS", "WARMUP_BARS"]

#: Interval name -> seconds, in the order the chart offers them.
INTERVALS: dict[str, int] = {name: ns // 1_000_000_000 for name, ns in INTERVAL_NS.items()}
#: A readout narrower than this (pixels; a chart of the 2x2 grid) is written compactly (see readout_html).
COMPACT_READOUT_BELOW = 520
#: Bars loaded from the cache and fetched when a series opens, and again each time the view passes the oldest.
HISTORY_BARS = 3000
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

        self.toolbar = ChartToolbar(INTERVALS)
        self.toolbar.mode_chosen.connect(self.set_mode)
        self.toolbar.interval_chosen.connect(self.set_interval)
        self.toolbar.follow_chosen.connect(self.set_follow)
        self.toolbar.indicator_menu.aboutToShow.connect(self._fill_indicator_menu)
        self.readout = Readout()
        self.plots = ChartPlots(theme, self._manual_range)
        self.graphics = self.plots.graphics
        self.price_plot = self.plots.price_plot
        self.volume_plot = self.plots.volume_plot
        self.drawing = ChartDrawing(self.plots)
        self.downtime = DowntimeShading(self.price_plot, theme.downtime)
        self.crosshair = Crosshair(self.plots, theme.muted, theme.base, self.hide_crosshair)
        self.graphics.scene().sigMouseMoved.connect(self._mouse_moved)
        self.graphics.scene().sigMouseClicked.connect(self._clicked)

        self.placeholder = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.readout)
        layout.addWidget(self.graphics)
        layout.addWidget(self.placeholder)
        self.set_theme(theme)
        self._show_mode()
        self._show_waiting()

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.toolbar.set_theme(theme)
        self.placeholder.setStyleSheet(f"color: {theme.muted}; background: {theme.base}; font-size: 15px;")
        self.plots.set_theme(theme)
        self.crosshair.set_colours(theme.muted, theme.base)
        self.downtime.set_colour(theme.downtime)
        for layer in self.layers:
            layer.set_colours(theme.muted, theme.up, theme.down, backdrop=theme.base)
        self._painted = None
        self.refresh()

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
            self.toolbar.show_symbol(feed.label(symbol))
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
        self.toolbar.show_mode(mode)
        self._show_mode()
        if changed:
            self.state_changed.emit()
        self.refresh()

    def _show_mode(self) -> None:
        self.plots.curve.setVisible(self.mode == "line")
        self.plots.candles.setVisible(self.mode == "candles")

    def set_interval(self, interval: str) -> None:
        if interval not in INTERVALS:
            raise ValueError(f"unknown interval {interval!r}; known: {list(INTERVALS)}")
        changed = interval != self.interval
        self.interval = interval
        self.toolbar.show_interval(interval)
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
            self.plots.price_axis.price_scale = self.scale
            self.plots.price_axis.relabel()
            self._painted = None
            self.state_changed.emit()
            self.refresh()

    def set_follow(self, on: bool) -> None:
        if on != self.follow:
            self.follow = on
            self.toolbar.show_follow(on)
            self.follow_changed.emit(on)
        if on:
            self._painted = None
            self.refresh()

    def _manual_range(self) -> None:
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
        self._changed()

    def _changed(self) -> None:
        """What the chart shows changed: say so and draw it again."""
        self._painted = None
        self.state_changed.emit()
        self.refresh()

    # --- Indicators ---------------------------------------------------------------------

    @property
    def indicators(self) -> list[IndicatorState]:
        return [layer.state for layer in self.layers]

    def add_indicator(self, indicator: IndicatorState) -> None:
        self._add_layer(indicator)
        self._changed()

    def replace_indicator(self, index: int, indicator: IndicatorState) -> None:
        self._remove_layer(index)
        self._add_layer(indicator, index)
        self._changed()

    def remove_indicator(self, index: int) -> None:
        self._remove_layer(index)
        self._changed()

    def _add_layer(self, indicator: IndicatorState, index: int | None = None) -> None:
        pane = self.plots.add_pane() if indicator_spec(indicator.name).placement is Placement.PANE else None
        layer = IndicatorLayer(indicator, self.price_plot, pane, None if pane is not None else self.plots.legend)
        layer.set_colours(self._theme.muted, self._theme.up, self._theme.down, backdrop=self._theme.base)
        self.layers.insert(len(self.layers) if index is None else index, layer)
        self.crosshair.sync_panes()

    def _remove_layer(self, index: int) -> None:
        layer = self.layers.pop(index)
        layer.remove()
        if layer.pane is not None:
            self.plots.remove_pane(layer.pane)
            self.crosshair.sync_panes()

    def edit_indicator(self, index: int | None, name: str | None = None) -> IndicatorDialog:
        """Open the settings of indicator ``index`` (or of a new ``name``); OK applies them."""
        adding = index is None
        state = IndicatorState.of(name) if adding else self.layers[index].state
        dialog = IndicatorDialog(state, self, adding=adding)
        dialog.chosen.connect(self.add_indicator if adding else (lambda new: self.replace_indicator(index, new)))
        self.dialog = dialog
        dialog.open()
        return dialog

    # --- Compared symbols ---------------------------------------------------------------

    def _compare(self, symbol: str) -> None:
        colour = COMPARE_COLOURS[len(self.comparisons) % len(COMPARE_COLOURS)]
        comparison = Comparison(symbol, self._feed, self.interval, self.store, self.price_plot, colour, HISTORY_BARS)
        self.plots.legend.addItem(comparison.curve, symbol)
        self.comparisons.append(comparison)

    def add_comparison(self, symbol: str) -> None:
        """Draw ``symbol`` (of the shown feed) over the chart, both in percent from the first bar in view."""
        if self._feed is None or symbol == self._symbol or symbol in (c.symbol for c in self.comparisons):
            return
        self._compare(symbol)
        self.set_scale("percent")
        self._changed()

    def remove_comparison(self, symbol: str) -> None:
        for comparison in [c for c in self.comparisons if c.symbol == symbol]:
            self.plots.legend.removeItem(comparison.curve)
            comparison.close()
            self.comparisons.remove(comparison)
        self._changed()

    def _close_comparisons(self) -> list[str]:
        symbols = [comparison.symbol for comparison in self.comparisons]
        for comparison in self.comparisons:
            self.plots.legend.removeItem(comparison.curve)
            comparison.close()
        self.comparisons = []
        return symbols

    # --- Menus --------------------------------------------------------------------------

    def _fill_indicator_menu(self) -> None:
        menu = self.toolbar.indicator_menu
        menu.clear()
        self.hide_crosshair()
        self.add_chart_actions(menu)

    def add_chart_actions(self, menu: QMenu) -> None:
        """Add the chart's own submenus to ``menu`` (see :func:`~tradedash.ui.chart.menus.add_chart_actions`)."""
        add_chart_actions(self, menu)

    def context_menu(self, price: float | None) -> QMenu:
        """The right-click menu at ``price`` (None: not over the price plot); see :func:`~tradedash.ui.chart.menus.context_menu`."""
        return context_menu(self, self, price)

    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.RightButton or event.isAccepted():
            return
        inside = next((plot for plot in self.plots.plots if plot.sceneBoundingRect().contains(event.scenePos())), None)
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
        self.plots.markers.setData(
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
        self.loader = feed_history_loader(self._feed, self._symbol, self.interval, self.history, self.store)
        self.loader.load_cached(HISTORY_BARS)
        self.loader.fill_recent(HISTORY_BARS)
        for symbol in compared:
            if symbol != self._symbol:
                self._compare(symbol)

    def release(self) -> None:
        """Stop loading history (the chart is about to go)."""
        if self.loader is not None:
            self.loader.close()
        self._close_comparisons()

    def _maybe_load_older(self, left: float, live: CandleView) -> None:
        """Past the oldest bar (by pan or zoom): ask for older ones."""
        if self.loader is None or self.follow:
            return
        oldest = self.history.oldest
        first = oldest / 1e9 if oldest is not None else (float(live.time[0]) if len(live.time) else None)
        if first is not None and left < first and oldest is not None:
            self.loader.load_older(HISTORY_BARS)

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
        if self.crosshair.isVisible() and QApplication.activePopupWidget() is not None:
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
        pixels = int(self.price_plot.getViewBox().width())  # a wider or narrower chart may merge bars otherwise
        downtime = self._feed.downtime if self._feed else None
        key = (series.version if series is not None else -1, self.history.version, DowntimeShading.key(downtime), self.mode, self.interval, self.scale.kind, shown, pixels, len(self.layers), tuple(c.key() for c in self.comparisons))
        if key == self._painted:
            return
        self._painted = key
        selection = select_bars(self.history, live, self.follow, left, right)
        self.undrawn = selection.undrawn
        candles = self._candles = selection.candles
        if not len(candles.time):
            self._show_waiting()
            self._maybe_load_older(left, live)
            return
        self._show_placeholder(False)
        self.drawing.draw(
            selection, seconds=seconds, follow=self.follow, mode=self.mode, scale=self.scale, layers=self.layers,
            comparisons=self.comparisons, decimals=self._feed.decimals(self._symbol),
        )
        self.downtime.show(downtime)
        if not self.crosshair.isVisible():
            self._show_readout(len(candles.time) - 1)
        self._maybe_load_older(left, live)
        self.repaints += 1

    # --- Crosshair and readout --------------------------------------------------------

    def hide_crosshair(self) -> None:
        """Hide the crosshair, its price label and the readout's cursor part (the mouse left, a menu opened)."""
        was_visible = self.crosshair.isVisible()
        self.crosshair.hide()
        if self._candles is not None and len(self._candles.time):
            self._show_readout(len(self._candles.time) - 1)
        if was_visible:
            self.crosshair_moved.emit(float("nan"))

    def show_crosshair_at(self, seconds: float | None) -> None:
        """Show the vertical crosshair at ``seconds`` (a linked chart's cursor), or hide it for None/NaN."""
        if seconds is None or seconds != seconds or self._candles is None or not len(self._candles.time):
            self.crosshair.hide()
            return
        self.crosshair.show_at(seconds)
        index = int(np.searchsorted(self._candles.time, seconds, side="right")) - 1
        self._show_readout(max(0, index))

    def _mouse_moved(self, position: QPointF) -> None:
        if self._candles is None or not len(self._candles.time):
            if self.crosshair.isVisible():
                self.hide_crosshair()
            return
        was_visible = self.crosshair.isVisible()
        found = self.crosshair.point(position, self.plots.price_axis.label_of)
        if found is None:
            if was_visible:
                self.hide_crosshair()
            return
        inside, point = found
        price = float(self.scale.from_axis(point.y())) if inside is self.price_plot else None
        index = int(np.searchsorted(self._candles.time, point.x(), side="right")) - 1
        self._show_readout(max(0, index), price if price is not None and np.isfinite(price) else None)
        self.crosshair_moved.emit(float(point.x()))

    def _show_readout(self, index: int, cursor_price: float | None = None) -> None:
        candles = self._candles
        if candles is None or not len(candles.time) or self._feed is None or self._symbol is None:
            self.readout.clear()
            return
        decimals = self._feed.decimals(self._symbol)
        html = readout_html(
            candles, index, decimals, self._theme, cursor_price=cursor_price, undrawn=self.undrawn,
            bar_seconds=INTERVALS[self.interval], compact=self.readout.width() < COMPACT_READOUT_BELOW,
        )
        self.readout.show_text(html)
