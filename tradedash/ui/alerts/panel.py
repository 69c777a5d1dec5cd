"""The alerts panel: the rules with their live status, and the history of firings."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from tradedash.core.alerts.rules import AlertRule
from tradedash.ui.alerts.models import HistoryModel, RulesModel
from tradedash.ui.check_outline import CheckOutlineDelegate
from tradedash.ui.guard import shielded
from tradedash.ui.table_fit import fit_columns

__all__ = ["AlertsPanel", "AlertActions"]


class AlertActions(Protocol):
    """What the panel asks of whoever owns the rules (the :class:`~.alert_center.AlertCenter`)."""

    def open_editor(self, rule: AlertRule | None = None) -> None: ...
    def duplicate_rule(self, rule_id: str) -> None: ...
    def remove_rule(self, rule_id: str) -> None: ...
    def export_history(self, path: str) -> None: ...
    def set_sound(self, on: bool) -> None: ...


class _HintTable(QTableView):
    """A table that says what would be here while it is empty."""

    def __init__(self, hint: str) -> None:
        super().__init__()
        self.hint = hint

    def fit(self, *_args) -> None:
        """Columns to their contents; the last one (a message, a status) takes what is left,
        elided, with the whole text in its tooltip: never a sideways scrollbar."""
        fit_columns(self)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit()

    @shielded()
    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self.model() is not None and self.model().rowCount() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            margin = self.viewport().rect().adjusted(12, 8, -12, -8)
            painter.drawText(margin, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap), self.hint)
            painter.end()


def _table(model, hint: str) -> QTableView:
    table = _HintTable(hint)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(24)  # compact rows, as in the watchlist: more rules in a short strip
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    # Fit the columns to what they hold whenever rows come or go (not per repaint: that would jitter).
    for signal in (model.modelReset, model.rowsInserted):
        signal.connect(table.fit)
    table.fit()
    return table


class AlertsPanel(QWidget):
    """Rules (new, edit, duplicate, delete, enable) above the history of firings (export to CSV).

    Contract: buttons (and the table's context menu, Return, Ctrl+D and Delete)
    act on the selected rule through ``actions``; double-clicking a rule edits
    it; the "On" checkbox enables or disables it. ``refresh()``
    repaints both tables from the engine (on the caller's timer).
    """

    def __init__(self, rules: RulesModel, history: HistoryModel, actions: AlertActions, *, sound: bool) -> None:
        super().__init__()
        self.rules_model = rules
        self.history_model = history
        self._actions = actions

        self.rules_table = _table(rules, "No rules yet. New… makes one; so does a right click on the chart, at the price clicked.")
        self._check_outline = CheckOutlineDelegate(self.rules_table)
        self.rules_table.setItemDelegateForColumn(0, self._check_outline)  # a switched-off rule's box must show
        self.rules_table.doubleClicked.connect(lambda index: actions.open_editor(rules.rule_at(index.row())))
        self.history_table = _table(history, "Alerts that fire are listed here, newest first.")

        self.new_button = QPushButton("New…")
        self.edit_button = QPushButton("Edit…")
        self.duplicate_button = QPushButton("Duplicate")
        self.delete_button = QPushButton("Delete")
        self.new_button.clicked.connect(lambda: actions.open_editor(None))
        self.edit_button.clicked.connect(lambda: self._with_selected(actions.open_editor))
        self.duplicate_button.clicked.connect(lambda: self._with_selected(lambda r: actions.duplicate_rule(r.id)))
        self.delete_button.clicked.connect(lambda: self._with_selected(lambda r: actions.remove_rule(r.id)))
        # The same, from the table's context menu and keys (while the table has focus).
        self.rules_table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        for text, key, button in (
            ("Edit…", QKeySequence(Qt.Key.Key_Return), self.edit_button),
            ("Duplicate", QKeySequence("Ctrl+D"), self.duplicate_button),
            ("Delete", QKeySequence(QKeySequence.StandardKey.Delete), self.delete_button),
        ):
            action = QAction(text, self.rules_table, shortcut=key)
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(button.click)
            self.rules_table.addAction(action)
        self.sound = QCheckBox("Sound", checked=sound, toolTip="Beep when an alert fires")
        self.sound.toggled.connect(actions.set_sound)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.clicked.connect(self._ask_export_path)
        self._export_dialog: QFileDialog | None = None

        rule_bar = QHBoxLayout()
        rule_bar.addWidget(QLabel("<b>Rules</b>"))
        rule_bar.addStretch(1)
        for button in (self.new_button, self.edit_button, self.duplicate_button, self.delete_button):
            rule_bar.addWidget(button)
        rule_bar.addWidget(self.sound)
        history_bar = QHBoxLayout()
        history_bar.addWidget(QLabel("<b>History</b>"))
        history_bar.addStretch(1)
        history_bar.addWidget(self.export_button)

        top, bottom = QWidget(), QWidget()
        top_layout, bottom_layout = QVBoxLayout(top), QVBoxLayout(bottom)
        for layout, bar, table in ((top_layout, rule_bar, self.rules_table), (bottom_layout, history_bar, self.history_table)):
            layout.setContentsMargins(4, 4, 4, 0)
            layout.addLayout(bar)
            layout.addWidget(table)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        splitter.setSizes([700, 600])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self.rules_table.selectionModel().selectionChanged.connect(self._update_buttons)
        rules.modelReset.connect(self._update_buttons)
        self._update_buttons()

    def selected_rule(self) -> AlertRule | None:
        rows = self.rules_table.selectionModel().selectedRows()
        return self.rules_model.rule_at(rows[0].row()) if rows else None

    def select_rule(self, rule_id: str) -> None:
        row = self.rules_model.row_of(rule_id)
        if row >= 0:
            self.rules_table.selectRow(row)

    def _with_selected(self, action) -> None:
        rule = self.selected_rule()
        if rule is not None:
            action(rule)

    def _update_buttons(self, *_args) -> None:
        selected = self.selected_rule() is not None
        for button in (self.edit_button, self.duplicate_button, self.delete_button):
            button.setEnabled(selected)

    def _ask_export_path(self) -> None:
        dialog = QFileDialog(self, "Export alert history", "alert-history.csv", "CSV files (*.csv)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("csv")
        dialog.fileSelected.connect(self._actions.export_history)
        self._export_dialog = dialog
        dialog.open()

    def refresh(self) -> None:
        self.rules_model.refresh()
        self.history_model.refresh()
