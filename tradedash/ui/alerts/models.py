"""Table models of the alert engine: its rules (with live status) and its history of firings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor

from tradedash.core.alerts.kinds import describe_rule
from tradedash.core.alerts.rules import AlertRule, Firing
from tradedash.core.alerts.engine import AlertEngine
from tradedash.ui.table_model import ColumnTableModel, ModelIndex

__all__ = ["RulesModel", "HistoryModel", "RULE_COLUMNS", "HISTORY_COLUMNS"]

RULE_COLUMNS = ("On", "Name", "Condition", "Trigger", "Expires", "Status")
HISTORY_COLUMNS = ("Time", "Rule", "Symbol", "Value", "Message")
_MUTED, _WARN, _FIRED = QColor("#90a4ae"), QColor("#ffb300"), QColor("#ffca28")


def _trigger_text(rule: AlertRule) -> str:
    if rule.mode == "once":
        return "once"
    return f"repeat, {rule.cooldown:g} s cooldown" if rule.cooldown else "repeat"


def _time_text(epoch: float) -> str:
    return datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S")


class RulesModel(ColumnTableModel):
    """One row per rule of an :class:`AlertEngine`, in the engine's order.

    Contract: ``refresh()`` (on the repaint timer) resets the model when the
    engine's rules changed and otherwise emits one ``dataChanged`` for the status
    column. The "On" column is checkable: checking it calls ``set_enabled(rule_id, on)``.
    """

    columns = RULE_COLUMNS

    def __init__(self, engine: AlertEngine, set_enabled: Callable[[str, bool], None]) -> None:
        super().__init__()
        self._engine = engine
        self._set_enabled = set_enabled
        self._rules: list[AlertRule] = list(engine.rules)
        self._painted_version = engine.rules_version

    def rule_at(self, row: int) -> AlertRule:
        return self._rules[row]

    def row_of(self, rule_id: str) -> int:
        return next((row for row, rule in enumerate(self._rules) if rule.id == rule_id), -1)

    def row_count(self) -> int:
        return len(self._rules)

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() == 0:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        rule, column = self._rules[index.row()], index.column()
        if column == 0:
            if role == Qt.ItemDataRole.CheckStateRole:
                return Qt.CheckState.Checked if rule.enabled else Qt.CheckState.Unchecked
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 1:
                return rule.name or describe_rule(rule, self._engine.label)
            if column == 2:
                return describe_rule(rule, self._engine.label)
            if column == 3:
                return _trigger_text(rule)
            if column == 4:
                return "never" if rule.expires_at is None else _time_text(rule.expires_at)
            return self._engine.status(rule.id)
        if role == Qt.ItemDataRole.ForegroundRole and column == 5:
            status = self._engine.status(rule.id)
            if status.startswith("suspended"):
                return _WARN
            if status in ("disabled", "expired"):
                return _MUTED
        if role == Qt.ItemDataRole.ToolTipRole:
            feed = f"feed {rule.feed}: " if rule.feed else ""
            return f"{feed}{describe_rule(rule, self._engine.label)} — {self._engine.status(rule.id)}"
        return None

    def setData(self, index: ModelIndex, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or index.column() != 0 or role != Qt.ItemDataRole.CheckStateRole:
            return False
        on = Qt.CheckState(value) == Qt.CheckState.Checked
        self._set_enabled(self._rules[index.row()].id, on)
        self.refresh()
        return True

    def refresh(self) -> None:
        if self._engine.rules_version != self._painted_version:
            self.beginResetModel()
            self._rules = list(self._engine.rules)
            self._painted_version = self._engine.rules_version
            self.endResetModel()
        elif self._rules:
            last = len(self._rules) - 1
            self.dataChanged.emit(
                self.index(0, 5),
                self.index(last, 5),
                [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.ToolTipRole],
            )


class HistoryModel(ColumnTableModel):
    """The engine's firings, newest first.

    Contract: ``refresh()`` inserts rows at the top for firings since the last
    call and removes the rows the bounded history dropped at the bottom; it never
    resets, so a selection survives new firings.
    """

    columns = HISTORY_COLUMNS

    def __init__(self, engine: AlertEngine) -> None:
        super().__init__()
        self._engine = engine
        self._firings: list[Firing] = list(reversed(engine.history))
        self._painted_count = engine.fired_count

    def firing_at(self, row: int) -> Firing:
        return self._firings[row]

    def firings(self) -> list[Firing]:
        """Every firing shown, oldest first (the order a CSV export writes)."""
        return list(reversed(self._firings))

    def row_count(self) -> int:
        return len(self._firings)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        firing, column = self._firings[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return _time_text(firing.at)
            if column == 1:
                return firing.rule_name
            if column == 2:
                return self._engine.label(firing.feed, firing.symbol) if firing.symbol else f"feed {firing.feed}".strip()
            if column == 3:
                return f"{firing.value:,.2f}" if abs(firing.value) >= 100 else f"{firing.value:,.6g}"
            return firing.message
        if role == Qt.ItemDataRole.ToolTipRole and column == 4:
            return firing.message
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and index.row() == 0 and column == 0:
            return _FIRED
        return None

    def refresh(self) -> None:
        new = self._engine.fired_count - self._painted_count
        if new <= 0:
            return
        self._painted_count = self._engine.fired_count
        history = self._engine.history
        added = min(new, len(history))
        dropped = len(self._firings) + added - len(history)
        if dropped > 0:
            self.beginRemoveRows(QModelIndex(), len(self._firings) - dropped, len(self._firings) - 1)
            del self._firings[len(self._firings) - dropped :]
            self.endRemoveRows()
        self.beginInsertRows(QModelIndex(), 0, added - 1)
        self._firings[:0] = reversed(list(history)[len(history) - added :])
        self.endInsertRows()
        if len(self._firings) > 1:
            self.dataChanged.emit(self.index(1, 0), self.index(1, 0), [Qt.ItemDataRole.ForegroundRole])
