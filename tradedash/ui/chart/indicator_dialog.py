"""The settings form of one indicator (period, source, colour, ...), built from its spec."""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, Signal
from PySide6.QtGui import QColor, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from tradedash.core.chart.chart_state import IndicatorState
from tradedash.core.chart.indicators import Setting, SettingKind, Source, indicator_spec

__all__ = ["IndicatorDialog"]


class _ColourField(QWidget):
    """A ``#rrggbb`` text field with a swatch button that opens a colour picker."""

    def __init__(self, value: str) -> None:
        super().__init__()
        self.edit = QLineEdit(value)
        self.edit.setValidator(QRegularExpressionValidator(QRegularExpression("#[0-9a-fA-F]{6}"), self.edit))
        self.swatch = QPushButton(toolTip="Choose a colour")
        self.swatch.setFixedWidth(28)
        self.swatch.clicked.connect(self._pick)
        self.edit.textChanged.connect(self._paint)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)
        layout.addWidget(self.swatch)
        self._paint(value)
        self._picker: QColorDialog | None = None

    def _paint(self, text: str) -> None:
        self.swatch.setStyleSheet(f"background: {text};" if QColor(text).isValid() else "")

    def _pick(self) -> None:
        self._picker = QColorDialog(QColor(self.edit.text()), self)
        self._picker.colorSelected.connect(lambda colour: self.edit.setText(colour.name()))
        self._picker.open()  # not exec(): no nested event loop

    def value(self) -> str:
        return self.edit.text()


class IndicatorDialog(QDialog):
    """Edits the settings of one indicator; ``chosen(IndicatorState)`` on OK.

    Contract: one field per :class:`Setting` of the indicator's spec, filled from
    ``state``; OK checks the values (:meth:`IndicatorState.of`) and emits
    :attr:`chosen` with the new state, or shows why not and stays open.
    Open it with ``open()``.
    """

    chosen = Signal(object)

    def __init__(self, state: IndicatorState, parent: QWidget | None = None, *, adding: bool = False) -> None:
        super().__init__(parent)
        self.spec = indicator_spec(state.name)
        self.setWindowTitle(f"{'Add' if adding else 'Edit'} {self.spec.title}")
        self.fields: dict[str, QWidget] = {}
        form = QFormLayout(self)
        for setting in self.spec.settings:
            field = self._field(setting, state.settings.get(setting.name, setting.default))
            self.fields[setting.name] = field
            form.addRow(setting.label or setting.name, field)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.hide()
        form.addRow(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._ok)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _field(self, setting: Setting, value) -> QWidget:
        kind = setting.kind
        if kind is SettingKind.INT:
            box = QSpinBox()
            box.setRange(int(setting.minimum), int(setting.maximum))
            box.setValue(int(value))
            return box
        if kind is SettingKind.FLOAT:
            box = QDoubleSpinBox()
            box.setRange(setting.minimum, setting.maximum)
            box.setSingleStep(0.1)
            box.setValue(float(value))
            return box
        if kind is SettingKind.COLOUR:
            return _ColourField(str(value))
        box = QComboBox()
        choices = [source.value for source in Source] if kind is SettingKind.SOURCE else list(setting.choices)
        box.addItems(choices)
        box.setCurrentText(value.value if isinstance(value, Source) else str(value))
        return box

    def values(self) -> dict:
        result = {}
        for name, field in self.fields.items():
            if isinstance(field, (QSpinBox, QDoubleSpinBox)):
                result[name] = field.value()
            elif isinstance(field, _ColourField):
                result[name] = field.value()
            else:
                result[name] = field.currentText()
        return result

    def _ok(self) -> None:
        try:
            state = IndicatorState.of(self.spec.name, self.values())
        except ValueError as error:
            self.problem.setText(str(error))
            self.problem.show()
            return
        self.chosen.emit(state)
        self.accept()
