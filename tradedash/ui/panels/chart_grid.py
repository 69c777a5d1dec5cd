"""The chart area: 1, 2 or 4 price charts side by side, one of them focused, optionally linked."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QVBoxLayout, QWidget

from tradedash.core.chart.chart_state import ChartState
from tradedash.ui.chart.linking import ChartLink
from tradedash.ui.panels.chart import PriceChart
from tradedash.ui.running_feed import RunningFeed
from tradedash.ui.theme import Theme

__all__ = ["ChartGrid", "GRIDS"]

#: Charts shown -> (rows, columns) of the grid.
GRIDS: dict[int, tuple[int, int]] = {1: (1, 1), 2: (1, 2), 4: (2, 2)}


class ChartGrid(QWidget):
    """Up to four :class:`PriceChart` s in a 1, 2 or 2x2 grid; each keeps its own symbol, interval and indicators.

    Contract: ``charts[0]`` is the chart given at construction and always shown;
    more are made with ``make_chart`` the first time the grid grows and kept
    (hidden, with their state) when it shrinks. Exactly one shown chart is
    ``focused`` (framed in the accent colour): a mouse press anywhere in a chart
    focuses it and emits ``focus_changed(PriceChart)``. ``set_links()`` links the
    crosshair and/or the time range of the shown charts with a :class:`ChartLink`.
    A repaint tick repaints the focused chart (``refresh_focused()``) and one
    other shown chart (``refresh_other()``, the others in turn; ``refresh()``
    does both): the focused one is drawn on every tick and every shown chart at
    least every third tick (with four charts: 30 and 10 times a second at the
    app's 30 Hz).
    ``chart_added(PriceChart)`` is emitted for each chart made after the first,
    before it is shown, so a part that decorates every chart (the alert levels)
    takes ``charts`` once and then follows this signal.
    """

    focus_changed = Signal(object)
    chart_added = Signal(object)

    def __init__(self, first: PriceChart, make_chart: Callable[[], PriceChart], theme: Theme) -> None:
        super().__init__()
        self._make_chart = make_chart
        self._theme = theme
        self.charts: list[PriceChart] = []
        self._frames: list[QFrame] = []
        self.count = 1
        self.focused = first
        self.link: ChartLink | None = None
        self.link_crosshair = False
        self.link_time_range = False
        self._turn = 0  # which of the unfocused shown charts the next refresh repaints
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(2)
        self._adopt(first)
        self._place()

    @property
    def shown(self) -> list[PriceChart]:
        """The charts on screen, in reading order (left to right, top to bottom)."""
        return self.charts[: self.count]

    def _adopt(self, chart: PriceChart) -> None:
        frame = QFrame()
        frame.setObjectName("chart-frame")
        layout = QVBoxLayout(frame)
        layout.setContentsMargins(1, 1, 1, 1)
        layout.addWidget(chart)
        self.charts.append(chart)
        self._frames.append(frame)
        for widget in [chart, *chart.findChildren(QWidget)]:
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.MouseButtonPress:
            chart = next((c for c in self.shown if watched is c or c.isAncestorOf(watched)), None)
            if chart is not None:
                self.set_focused(chart)
        return False

    def set_count(self, count: int) -> list[PriceChart]:
        """Show ``count`` charts (1, 2 or 4); returns the charts made for it (new, without a symbol)."""
        if count not in GRIDS:
            raise ValueError(f"a chart grid shows 1, 2 or 4 charts, not {count!r}")
        made = []
        while len(self.charts) < count:
            chart = self._make_chart()
            self._adopt(chart)
            made.append(chart)
            self.chart_added.emit(chart)
        self.count = count
        self._place()
        if self.focused not in self.shown:
            self.set_focused(self.charts[0])
        self.set_links(self.link_crosshair, self.link_time_range)
        return made

    def _place(self) -> None:
        for frame in self._frames:
            self._grid.removeWidget(frame)
            frame.hide()
        rows, columns = GRIDS[self.count]
        for index, frame in enumerate(self._frames[: self.count]):
            self._grid.addWidget(frame, index // columns, index % columns)
            frame.show()
        for row in range(2):
            self._grid.setRowStretch(row, 1 if row < rows else 0)
        for column in range(2):
            self._grid.setColumnStretch(column, 1 if column < columns else 0)
        self._frame_focus()

    def set_focused(self, chart: PriceChart) -> None:
        """Make ``chart`` (one of the shown charts) the one menus, the watchlist and the symbol search act on."""
        if chart not in self.shown:
            raise ValueError("only a shown chart can be focused")
        if chart is not self.focused:
            self.focused = chart
            self._frame_focus()
            self.focus_changed.emit(chart)

    def focus_next(self) -> None:
        """Focus the next shown chart (after the last, the first)."""
        shown = self.shown
        self.set_focused(shown[(shown.index(self.focused) + 1) % len(shown)])

    def _frame_focus(self) -> None:
        for chart, frame in zip(self.charts, self._frames):
            colour = self._theme.accent if chart is self.focused and self.count > 1 else "transparent"
            frame.setStyleSheet(f"QFrame#chart-frame {{ border: 1px solid {colour}; }}")

    def set_links(self, crosshair: bool, time_range: bool) -> None:
        """Link the shown charts' crosshair and/or time range (both False: unlinked)."""
        self.link_crosshair, self.link_time_range = crosshair, time_range
        if self.link is not None:
            self.link.unlink()
            self.link = None
        if (crosshair or time_range) and self.count > 1:
            self.link = ChartLink(self.shown, crosshair=crosshair, time_range=time_range)

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        for chart in self.charts:
            chart.set_theme(theme)
        self._frame_focus()

    def states(self) -> list[ChartState]:
        """The state of each shown chart, in reading order."""
        return [chart.state() for chart in self.shown]

    def rebind(self, feeds: list[RunningFeed]) -> None:
        """Point charts whose feed was restarted at the running feed of the same name."""
        by_name = {feed.name: feed for feed in feeds}
        for chart in self.charts:
            ref, feed = chart.symbol, chart.feed
            if ref is not None and feed is not None and by_name.get(ref.feed) not in (None, feed):
                chart.set_symbol(by_name[ref.feed], ref.symbol)

    def refresh(self) -> None:
        """A whole tick's charts: :meth:`refresh_focused`, then :meth:`refresh_other`."""
        self.refresh_focused()
        self.refresh_other()

    def refresh_focused(self) -> None:
        self.focused.refresh()

    def refresh_other(self) -> None:
        """The next shown chart after the last one refreshed here, skipping the focused one."""
        others = [chart for chart in self.shown if chart is not self.focused]
        if others:
            self._turn = (self._turn + 1) % len(others)
            others[self._turn].refresh()

    def release(self) -> None:
        """Stop every chart's history loading (the window is about to go)."""
        for chart in self.charts:
            chart.release()
