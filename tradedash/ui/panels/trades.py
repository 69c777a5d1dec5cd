"""The trades panel: the latest trades of the shown symbol, newest first, buys and sells coloured."""

from __future__ import annotations

from itertools import islice

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QTableView

from tradedash.core.wire import Trade
from tradedash.ui.formatting import format_price, format_size, format_time
from tradedash.ui.running_feed import RunningFeed
from tradedash.ui.table_model import ALIGN_LEFT, ALIGN_RIGHT, ColumnTableModel, ModelIndex
from tradedash.ui.theme import Theme

__all__ = ["TradesModel", "TradesPanel", "TRADE_ROWS"]

#: The trades panel never holds more rows than this.
TRADE_ROWS = 200
COLUMNS = ("Time", "Side", "Price", "Size")


class TradesModel(ColumnTableModel):
    """At most :data:`TRADE_ROWS` rows, newest trade first.

    Contract: ``refresh()`` reads the shown symbol's trade deque when its state
    changed; rows are inserted only until the table is full, and each tick emits
    at most one ``dataChanged`` over the rows it rewrote.
    """

    columns = COLUMNS

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self._theme = theme
        self._feed: RunningFeed | None = None
        self._symbol: str | None = None
        self._trades: list[Trade] = []
        self._painted = -1

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self._painted = -1

    def set_symbol(self, feed: RunningFeed, symbol: str) -> None:
        self._feed, self._symbol, self._painted = feed, symbol, -1
        self.beginResetModel()
        self._trades = []
        self.endResetModel()
        self.refresh()

    def row_count(self) -> int:
        return len(self._trades)

    def alignment(self, column: int) -> int:
        return ALIGN_LEFT if column < 2 else ALIGN_RIGHT

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        trade = self._trades[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return format_time(trade.ts)
            if column == 1:
                return trade.side
            if column == 2:
                return format_price(trade.price, self._feed.decimals(trade.symbol) if self._feed else 2)
            return format_size(trade.size, self._feed.size_decimals(trade.symbol) if self._feed else 4)
        if role == Qt.ItemDataRole.ForegroundRole and column in (1, 2):
            return self._theme.color("up" if trade.side == "buy" else "down")
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self.alignment(column)
        return None

    def refresh(self) -> None:
        state = self._feed.symbol_state(self._symbol) if self._feed and self._symbol else None
        if state is None or state.version == self._painted:
            return
        self._painted = state.version
        newest = list(islice(reversed(state.trades), TRADE_ROWS))
        if newest == self._trades:
            return
        grown = len(newest) - len(self._trades)
        if grown > 0:
            self.beginInsertRows(QModelIndex(), len(self._trades), len(newest) - 1)
            self._trades = newest
            self.endInsertRows()
        else:
            self._trades = newest
        if self._trades:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._trades) - 1, len(COLUMNS) - 1))


class TradesPanel(QTableView):
    """A compact, monospaced table over a :class:`TradesModel`.

    Contract: ``set_symbol()`` shows another symbol, ``set_theme()`` recolours,
    ``refresh()`` (on the window's repaint timer) repaints from market state.
    """

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.trades_model = TradesModel(theme)
        self.setModel(self.trades_model)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(20)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setSelectionMode(QTableView.SelectionMode.NoSelection)
        self.horizontalHeader().setResizeContentsPrecision(0)  # fit_columns() measures the visible rows only
        self.horizontalHeader().setStretchLastSection(True)

    def set_symbol(self, feed: RunningFeed, symbol: str) -> None:
        self.trades_model.set_symbol(feed, symbol)

    def set_theme(self, theme: Theme) -> None:
        self.trades_model.set_theme(theme)

    def refresh(self) -> None:
        self.trades_model.refresh()
