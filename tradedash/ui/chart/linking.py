"""Charts that move together: a linked crosshair (the same time in every chart) and a linked time range."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tradedash.ui.panels.chart import PriceChart

__all__ = ["ChartLink"]


class ChartLink:
    """Links the crosshair and/or the time range of ``charts``.

    Contract: while linked, moving the mouse over one chart shows the vertical
    crosshair at the same time in the others (and hides it there when it
    leaves); panning or zooming one by hand shows the same time range in the
    others (they stop following live). :meth:`unlink` disconnects everything;
    a chart may be in one link at a time per kind.
    """

    def __init__(self, charts: Iterable[PriceChart], *, crosshair: bool = True, time_range: bool = True) -> None:
        self.charts = list(charts)
        self.crosshair = crosshair
        self.time_range = time_range
        self._connections: list[tuple[object, object]] = []
        for chart in self.charts:
            if crosshair:
                slot = lambda seconds, source=chart: self._crosshair(source, seconds)
                chart.crosshair_moved.connect(slot)
                self._connections.append((chart.crosshair_moved, slot))
            if time_range:
                slot = lambda left, right, source=chart: self._range(source, left, right)
                chart.view_range_changed.connect(slot)
                self._connections.append((chart.view_range_changed, slot))

    def _crosshair(self, source: PriceChart, seconds: float) -> None:
        for chart in self.charts:
            if chart is not source:
                chart.show_crosshair_at(seconds)

    def _range(self, source: PriceChart, left: float, right: float) -> None:
        for chart in self.charts:
            if chart is not source:
                chart.set_view_range(left, right)

    def unlink(self) -> None:
        for signal, slot in self._connections:
            signal.disconnect(slot)
        self._connections.clear()
