"""The watchlist panel: a filter box over a sortable table of the watchlist model."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPointF, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QLineEdit, QStyledItemDelegate, QStyleOptionViewItem, QTableView, QVBoxLayout, QWidget

from tradedash.ui.guard import shielded
from tradedash.ui.panels.watchlist_model import SORT_ROLE, TREND_COLUMN, TREND_ROLE, WatchlistModel
from tradedash.ui.running_feed import SymbolRef

__all__ = ["WatchlistPanel"]


class _SparklineDelegate(QStyledItemDelegate):
    """Paints a cell's ``TREND_ROLE`` points as a line in its foreground colour."""

    @shielded()
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        super().paint(painter, option, index)
        points = index.data(TREND_ROLE)
        colour = index.data(Qt.ItemDataRole.ForegroundRole)
        if points is None or len(points) < 2 or colour is None:
            return
        rect = option.rect.adjusted(4, 4, -4, -4)
        step = rect.width() / (len(points) - 1)
        line = QPolygonF([QPointF(rect.left() + i * step, rect.bottom() - y * rect.height()) for i, y in enumerate(points)])
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(colour, 1.2))
        painter.drawPolyline(line)
        painter.restore()


class WatchlistPanel(QWidget):
    """Shows a :class:`WatchlistModel` through a sorting, filtering proxy.

    Emits ``symbol_activated(SymbolRef)`` when a row is double-clicked or Enter
    is pressed on it, and ``symbol_selected(SymbolRef)`` when the current row changes.
    The selected symbol survives the model's resets (a subscription change, a
    feed restarted under the same name): its row is selected again when it is back.
    """

    symbol_activated = Signal(object)
    symbol_selected = Signal(object)

    def __init__(self, model: WatchlistModel) -> None:
        super().__init__()
        self.model = model
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterKeyColumn(0)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

        self.filter = QLineEdit(placeholderText="Filter symbols (Ctrl+F)")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)

        self.table = QTableView()
        # A stretched last section short of room keeps the size it was created with: keep the sparkline's small.
        self.table.horizontalHeader().setDefaultSectionSize(48)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self._sparkline = _SparklineDelegate()
        self.table.setItemDelegateForColumn(TREND_COLUMN, self._sparkline)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setResizeContentsPrecision(-1)  # fit_columns() measures every row (a watchlist is short)
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(48)
        self.table.doubleClicked.connect(self._activate)
        self.table.activated.connect(self._activate)
        self.table.selectionModel().currentRowChanged.connect(self._select)
        self._chosen: SymbolRef | None = None
        self.proxy.modelReset.connect(self._restore_selection)
        self.proxy.rowsInserted.connect(self._restore_selection)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addWidget(self.filter)
        layout.addWidget(self.table)

    def _ref(self, proxy_index: QModelIndex) -> SymbolRef:
        return self.model.ref_at(self.proxy.mapToSource(proxy_index).row())

    def _activate(self, index: QModelIndex) -> None:
        if index.isValid():
            self.symbol_activated.emit(self._ref(index))

    def _select(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self._chosen = self._ref(current)
            self.symbol_selected.emit(self._chosen)

    def _restore_selection(self, *_args) -> None:
        if self._chosen is not None and not self.table.selectionModel().hasSelection() and self.model.row_of(self._chosen) >= 0:
            self.select(self._chosen)

    def select(self, ref: SymbolRef) -> None:
        """Make ``ref``'s row current (without emitting ``symbol_activated``)."""
        self._chosen = ref
        row = self.proxy.mapFromSource(self.model.index(self.model.row_of(ref), 0)).row()
        self.table.selectRow(row)
