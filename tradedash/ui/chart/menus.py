"""The chart's menus: add, edit and remove indicators, compare symbols, choose the price scale; the
right-click menu puts the actions others add (e.g. alerts at a price) before these."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QWidget

from tradedash.core.chart.indicators import INDICATORS
from tradedash.core.chart.price_scale import PriceScale
from tradedash.ui.chart.comparison import Comparison
from tradedash.ui.chart.indicator_layer import IndicatorLayer, describe
from tradedash.ui.running_feed import RunningFeed, SymbolRef

__all__ = ["ChartActions", "add_chart_actions", "context_menu", "SCALE_LABELS"]

#: Price scale kind -> its name in the menu, in menu order.
SCALE_LABELS = {"linear": "Linear", "log": "Logarithmic", "percent": "Percent"}


class ChartActions(Protocol):
    """What the menus read from a chart and call on it (the price chart is one)."""

    layers: list[IndicatorLayer]
    comparisons: list[Comparison]
    scale: PriceScale
    menu_layers: list[Callable[[QMenu, float], None]]

    @property
    def symbol(self) -> SymbolRef | None: ...
    @property
    def feed(self) -> RunningFeed | None: ...
    def edit_indicator(self, index: int | None, name: str | None = None) -> object: ...
    def remove_indicator(self, index: int) -> None: ...
    def add_comparison(self, symbol: str) -> None: ...
    def remove_comparison(self, symbol: str) -> None: ...
    def set_scale(self, kind: str) -> None: ...


def add_chart_actions(chart: ChartActions, menu: QMenu) -> None:
    """Add ``chart``'s own submenus to ``menu``: Add indicator, Edit and Remove (if it has any), Compare
    with and Stop comparing (if it shows a symbol), Price scale."""
    add = menu.addMenu("Add indicator")
    for name, spec in INDICATORS.items():
        add.addAction(spec.title + "…", lambda n=name: chart.edit_indicator(None, n))
    if chart.layers:
        edit = menu.addMenu("Edit indicator")
        remove = menu.addMenu("Remove indicator")
        for index, layer in enumerate(chart.layers):
            edit.addAction(describe(layer.state) + "…", lambda i=index: chart.edit_indicator(i))
            remove.addAction(describe(layer.state), lambda i=index: chart.remove_indicator(i))
    ref, feed = chart.symbol, chart.feed
    if ref is not None and feed is not None:
        compared = [comparison.symbol for comparison in chart.comparisons]
        others = [s for s in feed.shown_symbols() if s != ref.symbol and s not in compared]
        if others:
            compare = menu.addMenu("Compare with")
            for symbol in others:
                compare.addAction(symbol, lambda s=symbol: chart.add_comparison(s))
        if compared:
            stop = menu.addMenu("Stop comparing")
            for symbol in compared:
                stop.addAction(symbol, lambda s=symbol: chart.remove_comparison(s))
    scales = menu.addMenu("Price scale")
    group = QActionGroup(scales)
    for kind, label in SCALE_LABELS.items():
        action = QAction(label, scales, checkable=True, checked=chart.scale.kind == kind)
        action.triggered.connect(lambda _=False, k=kind: chart.set_scale(k))
        group.addAction(action)
        scales.addAction(action)


def context_menu(chart: ChartActions, parent: QWidget, price: float | None) -> QMenu:
    """The right-click menu: each of ``chart.menu_layers``' actions (at ``price``, if the click was over
    the price plot), a separator, then the chart's own (:func:`add_chart_actions`)."""
    menu = QMenu(parent)
    if price is not None:
        for layer in chart.menu_layers:
            layer(menu, price)
    if menu.actions():
        menu.addSeparator()
    add_chart_actions(chart, menu)
    return menu
