"""The quick symbol search (Ctrl+K): type a few letters of any feed's symbol, Enter opens it in the focused chart."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QTableView, QVBoxLayout, QWidget

from tradedash.core.chart.symbol_search import search
from tradedash.ui.running_feed import RunningFeed, SymbolRef
from tradedash.ui.table_model import ColumnTableModel, ModelIndex

__all__ = ["SymbolSearchModel", "SymbolSearchPopup", "searchable_symbols"]

#: Rows the popup lists at most (the best matches).
MAX_RESULTS = 50


def searchable_symbols(feeds: list[RunningFeed]) -> list[SymbolRef]:
    """Every symbol of every feed once: those the exchange listed, then those shown without a listing."""
    refs: list[SymbolRef] = []
    for feed in feeds:
        names = [info.symbol for info in feed.client.symbols]
        names += [symbol for symbol in feed.shown_symbols() if symbol not in names]
        refs += [SymbolRef(feed.name, symbol) for symbol in dict.fromkeys(names)]
    return refs


class SymbolSearchModel(ColumnTableModel):
    """The matches of ``query`` among ``symbols()`` (read at each new query), best first: symbol (as
    ``label`` names it, e.g. with its venue) and feed."""

    columns = ("Symbol", "Feed")

    def __init__(self, symbols: Callable[[], list[SymbolRef]], label: Callable[[SymbolRef], str] | None = None) -> None:
        super().__init__()
        self._symbols = symbols
        self._label = label or (lambda ref: ref.symbol)
        self.matches: list[SymbolRef] = []

    def set_query(self, query: str) -> None:
        self.beginResetModel()
        self.matches = search(query, self._symbols(), key=lambda ref: ref.symbol, limit=MAX_RESULTS)
        self.endResetModel()

    def row_count(self) -> int:
        return len(self.matches)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        ref = self.matches[index.row()]
        return self._label(ref) if index.column() == 0 else ref.feed


class SymbolSearchPopup(QDialog):
    """A small popup: a filter line over the matching symbols.

    Contract: typing filters (prefix, substring, then fuzzy matches; see
    :mod:`tradedash.core.chart.symbol_search`); Up/Down (and Page keys) move the
    selection while the focus stays in the filter; Enter or a double click
    emits ``chosen(SymbolRef)`` and closes; Esc closes without choosing. When nothing
    matches, a line under the filter says so (:attr:`note`), and says when no feed has a symbol yet.
    """

    chosen = Signal(object)

    def __init__(
        self, symbols: Callable[[], list[SymbolRef]], parent: QWidget | None = None,
        label: Callable[[SymbolRef], str] | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setWindowTitle("Open symbol")
        self.model = SymbolSearchModel(symbols, label)
        self.filter = QLineEdit(placeholderText="Symbol…  (Enter opens, Esc closes)")
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setShowGrid(False)
        self.table.doubleClicked.connect(lambda index: self._choose(index.row()))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.note = QLabel()
        self.note.setWordWrap(True)
        layout.addWidget(self.filter)
        layout.addWidget(self.note)
        layout.addWidget(self.table)
        self.resize(360, 320)
        self.filter.textChanged.connect(self._filter)
        self.filter.installEventFilter(self)
        self._filter("")

    def _filter(self, text: str) -> None:
        self.model.set_query(text)
        if self.model.matches:
            self.table.selectRow(0)
            self.note.hide()
            return
        if text.strip():
            self.note.setText(f"No symbol of any feed matches “{text.strip()}”.")
        else:
            self.note.setText("No feed lists a symbol yet: a feed's symbols appear once it connects.")
        self.note.show()

    def current(self) -> SymbolRef | None:
        """The selected match (None when nothing matches)."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.matches[rows[0].row()] if rows else None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.filter and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if key in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
                self._move(key)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                rows = self.table.selectionModel().selectedRows()
                if rows:
                    self._choose(rows[0].row())
                return True
        return super().eventFilter(watched, event)

    def _move(self, key: int) -> None:
        count = len(self.model.matches)
        if not count:
            return
        rows = self.table.selectionModel().selectedRows()
        row = rows[0].row() if rows else 0
        step = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1, Qt.Key.Key_PageUp: -10, Qt.Key.Key_PageDown: 10}[Qt.Key(key)]
        self.table.selectRow(max(0, min(count - 1, row + step)))

    def _choose(self, row: int) -> None:
        self.chosen.emit(self.model.matches[row])
        self.accept()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.filter.setFocus()
