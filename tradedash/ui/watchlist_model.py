"""The watchlist: one row per symbol, painted from market state on the repaint timer."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from tradedash.core.market import MarketState

from .formatting import format_change_pct, format_price

__all__ = ["WatchlistModel", "COLUMNS"]

COLUMNS = ("Symbol", "Last", "Change", "Change %", "Bid", "Ask")
_UP, _DOWN = QColor("#26a69a"), QColor("#ef5350")
_Index = QModelIndex | QPersistentModelIndex


class WatchlistModel(QAbstractTableModel):
    """A read-only table of every symbol in a :class:`MarketState`.

    Contract: the model never reacts to single messages. ``refresh()`` (called by
    the repaint timer) appends rows for new symbols and emits at most one
    ``dataChanged`` covering the rows whose state changed since the last call.
    ``decimals(symbol)`` tells how to format that symbol's prices.
    """

    def __init__(self, market: MarketState, decimals: Callable[[str], int]) -> None:
        super().__init__()
        self._market = market
        self._decimals = decimals
        self._symbols: list[str] = []
        self._painted_versions: dict[str, int] = {}

    def symbol_at(self, row: int) -> str:
        return self._symbols[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._symbols)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        symbol = self._symbols[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.TextAlignmentRole:
            align = Qt.AlignmentFlag.AlignLeft if column == 0 else Qt.AlignmentFlag.AlignRight
            return int(align | Qt.AlignmentFlag.AlignVCenter)
        ticker = self._market.symbols[symbol].ticker
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return symbol
            if ticker is None:
                return "—"
            decimals = self._decimals(symbol)
            values = (ticker.last, ticker.change_24h, None, ticker.bid, ticker.ask)
            if column == 3:
                return format_change_pct(ticker.change_24h, ticker.open_24h)
            text = format_price(values[column - 1], decimals)
            return f"+{text}" if column == 2 and ticker.change_24h > 0 else text
        if role == Qt.ItemDataRole.ForegroundRole and column in (2, 3) and ticker is not None:
            return _UP if ticker.change_24h >= 0 else _DOWN
        return None

    def refresh(self) -> None:
        symbols = self._market.symbols
        if len(symbols) > len(self._symbols):
            new = [s for s in symbols if s not in self._painted_versions]
            self.beginInsertRows(QModelIndex(), len(self._symbols), len(self._symbols) + len(new) - 1)
            self._symbols.extend(new)
            for symbol in new:
                self._painted_versions[symbol] = -1
            self.endInsertRows()
        changed = [
            row
            for row, symbol in enumerate(self._symbols)
            if symbols[symbol].version != self._painted_versions[symbol]
        ]
        if changed:
            for row in changed:
                symbol = self._symbols[row]
                self._painted_versions[symbol] = symbols[symbol].version
            self.dataChanged.emit(
                self.index(changed[0], 0),
                self.index(changed[-1], len(COLUMNS) - 1),
                [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole],
            )
