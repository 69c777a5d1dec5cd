"""The chart's crosshair: a vertical line through every plot, a horizontal one on the price plot with
the price labelled on the axis, hidden when the mouse leaves or the window loses focus."""

from __future__ import annotations

from collections.abc import Callable

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt

from tradedash.ui.chart.axis import AxisLabel
from tradedash.ui.chart.plots import ChartPlots

__all__ = ["Crosshair"]


class _LeaveGuard(QObject):
    """Calls ``on_leave`` when the mouse leaves the watched widget or its window loses focus."""

    def __init__(self, parent: QObject, on_leave: Callable[[], None]) -> None:
        super().__init__(parent)
        self._on_leave = on_leave

    def eventFilter(self, _watched, event) -> bool:
        if event.type() in (QEvent.Type.Leave, QEvent.Type.WindowDeactivate):
            self._on_leave()
        return False


class Crosshair:
    """Crosshair lines on a :class:`ChartPlots`, hidden until placed.

    Contract:

    - :meth:`point` places it at a scene position: the vertical line on every
      plot, the horizontal line and the axis label on the price plot only; it
      returns the plot under the position and the position in its view
      (None outside every plot, and the crosshair is hidden).
    - :meth:`show_at` shows the vertical lines alone (a linked chart's time);
      :meth:`hide` hides all of it. ``on_leave`` is called when the mouse
      leaves the plots or the window loses focus.
    - :meth:`sync_panes` gives panes added since a vertical line of their own.
    """

    def __init__(self, plots: ChartPlots, muted: str, base: str, on_leave: Callable[[], None]) -> None:
        self._plots = plots
        self._pen = pg.mkPen(muted, style=Qt.PenStyle.DotLine)
        self.vertical = self._line(plots.price_plot, 90)
        self.horizontal = self._line(plots.price_plot, 0)
        self._pane_lines: dict[pg.PlotItem, pg.InfiniteLine] = {}
        self.label = AxisLabel(plots.price_axis, plots.price_plot.getViewBox())
        self.set_colours(muted, base)
        self.sync_panes()
        guard = _LeaveGuard(plots.graphics, on_leave)
        plots.graphics.viewport().installEventFilter(guard)
        plots.graphics.installEventFilter(guard)

    def _line(self, plot: pg.PlotItem, angle: int) -> pg.InfiniteLine:
        line = pg.InfiniteLine(angle=angle, movable=False, pen=self._pen)
        plot.addItem(line, ignoreBounds=True)
        line.hide()
        return line

    def sync_panes(self) -> None:
        self._pane_lines = {pane: self._pane_lines.get(pane) or self._line(pane, 90) for pane in self._plots.panes}

    @property
    def lines(self) -> list[pg.InfiniteLine]:
        return [self.vertical, self.horizontal, *self._pane_lines.values()]

    def set_colours(self, muted: str, base: str) -> None:
        self._pen = pg.mkPen(muted, style=Qt.PenStyle.DotLine)
        for line in self.lines:
            line.setPen(self._pen)
        self.label.set_colours(muted, base)

    def isVisible(self) -> bool:
        return self.vertical.isVisible()

    def hide(self) -> None:
        for line in self.lines:
            line.hide()
        self.label.hide()

    def show_at(self, x: float) -> None:
        for line in self.lines:
            if line is not self.horizontal:
                line.setPos(x)
                line.show()

    def point(self, position: QPointF, label_of: Callable[[float], str]) -> tuple[pg.PlotItem, QPointF] | None:
        inside = next((plot for plot in self._plots.plots if plot.sceneBoundingRect().contains(position)), None)
        if inside is None:
            self.hide()
            return None
        point = inside.getViewBox().mapSceneToView(position)
        self.show_at(point.x())
        on_price = inside is self._plots.price_plot
        self.horizontal.setVisible(on_price)
        self.horizontal.setPos(point.y())
        if on_price:
            self.label.place(point.y(), label_of(point.y()))
        else:
            self.label.hide()
        return inside, point
