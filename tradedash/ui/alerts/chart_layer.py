"""Alerts on the price chart: markers where they fired, draggable lines at active levels, a context menu."""

from __future__ import annotations

from collections.abc import Callable

import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from tradedash.core.alerts.kinds import SymbolLabel, describe_rule
from tradedash.core.alerts.rules import AlertRule, PriceCross, PriceRange
from tradedash.core.alerts.engine import AlertEngine
from tradedash.core.chart.price_scale import PriceScale

__all__ = ["ChartAlerts", "LEVEL_COLOUR", "MARKER_COLOUR"]

LEVEL_COLOUR = "#ffb300"
MARKER_COLOUR = "#ffca28"
#: (feed, symbol) the chart shows, or None.
Current = Callable[[], tuple[str, str] | None]


class ChartAlerts(QObject):
    """Draws one engine's alerts on one price plot for whatever symbol the chart shows.

    Contract: ``refresh()`` (on the repaint timer) redraws only when the rules,
    the firings or the shown symbol changed. Each enabled price-cross rule of the
    shown symbol is a horizontal line (a range rule two) that the user can drag;
    letting go emits ``level_moved(rule_id, field, value)`` (``field`` is
    ``level``, ``low`` or ``high``; the value on the symbol's tick grid).
    Firings of the shown symbol are star markers at (time fired, price then).
    The chart's right-click menu (through :meth:`add_to_menu`) offers rules at the clicked price, rounded to the
    tick; choosing one emits ``rule_requested(request, feed, symbol, price)`` with the request
    ``above``, ``below`` or ``editor`` and the symbol this chart shows. Lines and markers are drawn on the chart's
    price scale (``scale()``, linear by default), and a dragged level is read back through it.
    """

    level_moved = Signal(str, str, float)
    rule_requested = Signal(str, str, str, float)

    def __init__(
        self,
        plot: pg.PlotItem,
        engine: AlertEngine,
        current: Current,
        decimals: Callable[[str, str], int],
        round_price: Callable[[str, str, float], float],
        scale: Callable[[], PriceScale] = PriceScale,
    ) -> None:
        super().__init__()
        self._plot = plot
        self._engine = engine
        self._current = current
        self._decimals = decimals
        self._round = round_price
        self._scale = scale
        self._painted: tuple[int, int, tuple[str, str] | None] | None = None
        self._menu: QMenu | None = None
        self.lines: dict[tuple[str, str], pg.InfiniteLine] = {}
        self.markers = pg.ScatterPlotItem(
            size=17, symbol="star", pxMode=True, brush=pg.mkBrush(MARKER_COLOUR), pen=pg.mkPen("#3e2723", width=1)
        )
        self.markers.setZValue(20)
        plot.addItem(self.markers)

    # --- Painting -------------------------------------------------------------------------

    def refresh(self) -> None:
        current = self._current()
        scale = self._scale()
        key = (self._engine.rules_version, self._engine.fired_count, current, scale.kind, scale.base)
        if key == self._painted:
            return
        self._painted = key
        self._draw_levels(current)
        self._draw_markers(current)

    def invalidate(self) -> None:
        """Redraw everything on the next ``refresh()`` (e.g. to put back a line whose drag was refused)."""
        self._painted = None

    def _draw_levels(self, current: tuple[str, str] | None) -> None:
        wanted: dict[tuple[str, str], tuple[float, tuple[str, str]]] = {}
        if current is not None:
            for rule in self._engine.rules:
                active = self._engine.status(rule.id) not in ("disabled", "expired")
                if active and (rule.feed, getattr(rule, "symbol", None)) == current:
                    wanted.update(_levels_of(rule, self._engine.label))
        for key in list(self.lines):
            if key not in wanted:
                self._plot.removeItem(self.lines.pop(key))
        decimals = self._decimals(*current) if current is not None else 2
        scale = self._scale()
        for index, (key, (value, text)) in enumerate(wanted.items()):
            line = self.lines.get(key)
            if line is None:
                line = pg.InfiniteLine(
                    angle=0,
                    movable=True,
                    pen=pg.mkPen(LEVEL_COLOUR, width=1, style=Qt.PenStyle.DashLine),
                    hoverPen=pg.mkPen(LEVEL_COLOUR, width=3),
                    labelOpts={"position": 0.03, "color": LEVEL_COLOUR, "anchors": [(0, 1), (0, 1)]},
                    label="",
                )
                line.setZValue(15)
                line.sigPositionChangeFinished.connect(lambda moved, key=key: self._moved(key, moved))
                self._plot.addItem(line, ignoreBounds=True)
                self.lines[key] = line
            name, arrow = text
            # On a log or percent scale the line's position is not the price: the label shows the level as set.
            shown = f"{{value:,.{decimals}f}}" if scale.kind == "linear" else f"{value:,.{decimals}f}"
            line.label.setFormat(f"{arrow} {shown}")
            line.label.setPosition((0.02, 0.22, 0.42)[index % 3])  # labels of nearby levels side by side, not on top
            line.setToolTip(f"{name}: drag to change the level")
            line.setValue(float(scale.to_axis(value)))  # drawn on the chart's price scale

    def _draw_markers(self, current: tuple[str, str] | None) -> None:
        spots = []
        scale = self._scale()
        if current is not None:
            for firing in self._engine.history:
                if (firing.feed, firing.symbol) == current and firing.price is not None:
                    spots.append({"pos": (firing.at, float(scale.to_axis(firing.price))), "data": firing.message})
        self.markers.setData(spots)

    def _moved(self, key: tuple[str, str], line: pg.InfiniteLine) -> None:
        rule_id, field = key
        current = self._current()
        value = float(self._scale().from_axis(line.value()))
        self.level_moved.emit(rule_id, field, self._round(*current, value) if current is not None else value)

    # --- Context menu ---------------------------------------------------------------------

    def menu_at(self, price: float) -> QMenu:
        """The alert actions for a right click at ``price``, in a menu of their own (empty when no symbol is shown)."""
        menu = QMenu()
        self.add_to_menu(menu, price)
        return menu

    def add_to_menu(self, menu: QMenu, price: float) -> None:
        """Add the alert actions for a right click at ``price`` to ``menu`` (the chart's right-click menu,
        which calls this as one of its ``menu_layers``); nothing when no symbol is shown."""
        self._menu = menu
        current = self._current()
        if current is None:
            return
        price = self._round(*current, price)  # what the menu says is what the rule gets
        text = f"{price:,.{self._decimals(*current)}f}"
        for request, label in (
            ("above", f"Alert when {current[1]} crosses above {text}"),
            ("below", f"Alert when {current[1]} crosses below {text}"),
            ("editor", f"New alert at {text}…"),
        ):
            action = QAction(label, menu)
            action.triggered.connect(
                lambda _checked=False, request=request: self.rule_requested.emit(request, *current, price)
            )
            menu.addAction(action)


def _levels_of(rule: AlertRule, label: SymbolLabel) -> dict[tuple[str, str], tuple[float, tuple[str, str]]]:
    """The horizontal levels a rule has: (rule id, field) -> (price, (rule's name, mark before the price))."""
    name = rule.name or describe_rule(rule, label)
    if isinstance(rule, PriceCross):
        return {(rule.id, "level"): (rule.level, (name, "alert ▲" if rule.direction == "above" else "alert ▼"))}
    if isinstance(rule, PriceRange):
        return {(rule.id, "low"): (rule.low, (name, f"{rule.event} ⤓")), (rule.id, "high"): (rule.high, (name, f"{rule.event} ⤒"))}
    return {}
