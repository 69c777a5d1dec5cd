"""The depth chart panel: cumulative bids and asks around the mid of the shown symbol's book."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from tradedash.core.chart.depth import DEPTH_CHART_DEFAULT, DEPTH_CHOICES, DepthCurve, depth_curve
from tradedash.ui.formatting import format_price, format_size
from tradedash.ui.running_feed import RunningFeed
from tradedash.ui.theme import Theme

__all__ = ["DEFAULT_DEPTH", "DepthPanel"]

#: The depth shown before the user picks one (levels per side).
DEFAULT_DEPTH = DEPTH_CHART_DEFAULT


class _ThousandsAxis(pg.AxisItem):
    """An axis whose labels have thousands separators, as every other price in the window."""

    def tickStrings(self, values, scale, spacing):
        decimals = max(0, -int(np.floor(np.log10(spacing * scale)))) if spacing > 0 else 0
        return [format_price(value * scale, decimals) for value in values]


class DepthPanel(QWidget):
    """A step chart of the cumulative size on each side of one symbol's order book.

    Contract: ``refresh()`` (called on the window's repaint timer) recomputes the
    curve with :func:`~tradedash.core.chart.depth.depth_curve` only when the symbol's
    state version or the chosen depth moved, and sets it on two step lines made
    once (bids left of the mid in the "up" colour, asks right in the "down"
    colour). The depth (levels per side, from ``DEPTH_CHOICES``; None for every
    level) is chosen in the panel's combo box or with :meth:`set_depth`. A book
    waiting for a snapshot is drawn in the muted colour. ``curve`` is the last
    curve drawn (None before any book). With the mouse over the chart a dotted
    line marks its price and ``hover`` says what a market order reaching it
    would meet (:meth:`hover_text`), across the top of the plot; both go when
    the mouse leaves.
    """

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self._theme = theme
        self._feed: RunningFeed | None = None
        self._symbol: str | None = None
        self._painted: tuple = ()
        self.depth: int | None = DEFAULT_DEPTH
        self.curve: DepthCurve | None = None

        self.caption = QLabel("No symbol")
        self.depth_box = QComboBox()
        for choice in DEPTH_CHOICES:
            self.depth_box.addItem("All levels" if choice is None else f"{choice} levels", choice)
        self.depth_box.setCurrentIndex(DEPTH_CHOICES.index(DEFAULT_DEPTH))
        self.depth_box.currentIndexChanged.connect(lambda i: self.set_depth(self.depth_box.itemData(i)))
        top = QHBoxLayout()
        top.addWidget(self.caption, 1)
        top.addWidget(self.depth_box)

        self.plot = pg.PlotWidget(axisItems={"bottom": _ThousandsAxis("bottom"), "left": _ThousandsAxis("left")})
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.bid_line = self.plot.plot([], [], fillLevel=0)
        self.ask_line = self.plot.plot([], [], fillLevel=0)
        self.mid_line = pg.InfiniteLine(angle=90, movable=False)
        self.mid_line.hide()
        self.plot.addItem(self.mid_line)
        self.cursor_line = pg.InfiniteLine(angle=90, movable=False)
        self.cursor_line.hide()
        self.plot.addItem(self.cursor_line, ignoreBounds=True)
        #: What the mouse points at, across the top of the plot (a box of the background, hidden without text).
        self.hover = pg.TextItem(anchor=(0.5, 0.0))
        view = self.plot.getPlotItem().getViewBox()
        self.hover.setParentItem(view)
        view.sigResized.connect(lambda box: self.hover.setPos(box.width() / 2, 2))
        self.hover.hide()
        self.plot.scene().sigMouseMoved.connect(self._mouse_moved)
        self.plot.viewport().installEventFilter(self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.plot, 1)
        self.set_theme(theme)

    @property
    def symbol(self) -> str | None:
        return self._symbol

    def set_symbol(self, feed: RunningFeed, symbol: str) -> None:
        self._feed, self._symbol, self._painted = feed, symbol, ()
        self.refresh()

    def set_depth(self, depth: int | None) -> None:
        """Show ``depth`` levels per side (None: every level); one of ``DEPTH_CHOICES``."""
        if depth not in DEPTH_CHOICES:
            raise ValueError(f"depth must be one of {DEPTH_CHOICES}, not {depth!r}")
        self.depth = depth
        index = DEPTH_CHOICES.index(depth)
        if self.depth_box.currentIndex() != index:
            self.depth_box.setCurrentIndex(index)
        self._painted = ()
        self.refresh()

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.plot.setBackground(theme.base)
        self.cursor_line.setPen(pg.mkPen(theme.text, style=Qt.PenStyle.DotLine))
        fill = QColor(theme.base)
        fill.setAlpha(210)
        self.hover.fill = pg.mkBrush(fill)
        self.hover.setColor(theme.text)
        self._painted = ()
        self.refresh()

    def hover_text(self, price: float) -> str:
        """What a market order reaching ``price`` meets, as the panel says it (empty off the curve)."""
        total = self.curve.total_at(price) if self.curve is not None and self._feed and self._symbol else None
        if total is None:
            return ""
        side, size = total
        where = "bids ≥" if side == "bid" else "asks ≤"
        size_text = format_size(size, self._feed.size_decimals(self._symbol))
        return f"{where} {format_price(price, self._feed.decimals(self._symbol))}: {size_text}"

    def _mouse_moved(self, position: QPointF) -> None:
        view = self.plot.getPlotItem().getViewBox()
        if not view.sceneBoundingRect().contains(position):
            self._hide_hover()
            return
        price = float(view.mapSceneToView(position).x())
        self.cursor_line.setValue(price)
        self.cursor_line.show()
        text = self.hover_text(price)
        self.hover.setText(text)
        self.hover.setVisible(bool(text))

    def _hide_hover(self) -> None:
        self.cursor_line.hide()
        self.hover.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Leave:
            self._hide_hover()
        return False

    def _style(self, synced: bool) -> None:
        up, down = (self._theme.up, self._theme.down) if synced else (self._theme.muted, self._theme.muted)
        for line, colour in ((self.bid_line, up), (self.ask_line, down)):
            fill = QColor(colour)
            fill.setAlpha(60)
            line.setPen(pg.mkPen(colour, width=2))
            line.setBrush(fill)
        self.mid_line.setPen(pg.mkPen(self._theme.muted, style=Qt.PenStyle.DashLine))

    def refresh(self) -> None:
        state = self._feed.symbol_state(self._symbol) if self._feed and self._symbol else None
        down = self._feed.down_state() if self._feed else None
        key = (state.version if state is not None else None, self.depth, self._symbol, down)
        if key == self._painted:
            return
        self._painted = key
        book = state.book if state is not None else None
        if book is None:
            self.curve = None
            self.bid_line.setData([], [])
            self.ask_line.setData([], [])
            self.mid_line.hide()
            self.caption.setText(f"{self._feed.label(self._symbol)}: no book" if self._feed and self._symbol else "No symbol")
            return
        curve = self.curve = depth_curve(book, self.depth)
        self._style(curve.synced and down is None)
        for line, side in ((self.bid_line, "bid"), (self.ask_line, "ask")):
            x, y = curve.step_line(side)
            line.setData(x, y)
        if np.isnan(curve.mid):
            self.mid_line.hide()
            mid = "—"
        else:
            self.mid_line.setValue(curve.mid)
            self.mid_line.show()
            mid = format_price(curve.mid, self._feed.decimals(self._symbol))
        state_text = " (resyncing)" if not curve.synced else f" (feed {down.value})" if down else ""
        self.caption.setText(f"{self._feed.label(self._symbol)}  mid {mid}{state_text}")
