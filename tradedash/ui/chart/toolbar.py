"""The chart's toolbar: its symbol, line or candles, the bar interval, the indicators menu, follow live."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QButtonGroup, QComboBox, QHBoxLayout, QLabel, QMenu, QToolButton, QWidget

from tradedash.ui.icons import icon
from tradedash.ui.theme import Theme

__all__ = ["ChartToolbar"]


class ChartToolbar(QWidget):
    """The row of controls over a chart.

    Contract: it shows what the chart tells it (:meth:`show_symbol`,
    :meth:`show_mode`, :meth:`show_interval`, :meth:`show_follow`) without
    emitting; a user's choice emits ``mode_chosen(str)``,
    ``interval_chosen(str)`` or ``follow_chosen(bool)``. ``indicator_menu``
    is the indicators button's menu: it emits ``aboutToShow`` for the chart
    to fill it.
    """

    mode_chosen = Signal(str)
    interval_chosen = Signal(str)
    follow_chosen = Signal(bool)

    def __init__(self, intervals: Iterable[str]) -> None:
        super().__init__()
        self.title = QLabel("—")
        self.line_button = QToolButton(checkable=True, toolTip="Line chart (L)")
        self.candle_button = QToolButton(checkable=True, checked=True, toolTip="Candlesticks (C)")
        self._modes = QButtonGroup(self)
        self._modes.addButton(self.line_button)
        self._modes.addButton(self.candle_button)
        self.line_button.toggled.connect(lambda on: self._emit(self.mode_chosen, "line" if on else "candles"))
        self.interval_box = QComboBox(toolTip="Bar interval")
        self.interval_box.addItems(list(intervals))
        self.interval_box.currentTextChanged.connect(lambda text: self._emit(self.interval_chosen, text))
        self.indicator_button = QToolButton(toolTip="Indicators and price scale (also on a right click in the chart)")
        self.indicator_button.setText("Indicators")
        self.indicator_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.indicator_menu = QMenu(self.indicator_button)
        self.indicator_button.setMenu(self.indicator_menu)
        self.follow_button = QToolButton(checkable=True, checked=True, toolTip="Follow live (End)")
        self.follow_button.setText("Follow live")
        self.follow_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.follow_button.toggled.connect(lambda on: self._emit(self.follow_chosen, on))
        self._showing = False
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        for widget in (self.title, self.line_button, self.candle_button, self.interval_box, self.indicator_button, self.follow_button):
            layout.addWidget(widget)
        layout.addStretch(1)

    def _emit(self, signal, value) -> None:
        if not self._showing:
            signal.emit(value)

    def _show(self, change) -> None:
        self._showing = True
        try:
            change()
        finally:
            self._showing = False

    def show_symbol(self, symbol: str) -> None:
        self.title.setText(symbol)

    def show_mode(self, mode: str) -> None:
        self._show(lambda: (self.line_button if mode == "line" else self.candle_button).setChecked(True))

    def show_interval(self, interval: str) -> None:
        self._show(lambda: self.interval_box.setCurrentText(interval))

    def show_follow(self, on: bool) -> None:
        self._show(lambda: self.follow_button.setChecked(on))

    def set_theme(self, theme: Theme) -> None:
        self.title.setStyleSheet(f"font-weight: bold; padding: 0 8px; color: {theme.text};")
        self.line_button.setIcon(icon("line-chart", theme.text))
        self.candle_button.setIcon(icon("candles", theme.text))
        self.follow_button.setIcon(icon("follow", theme.text))
