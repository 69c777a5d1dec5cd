"""The dialog that creates or edits one alert rule, refusing anything the engine would refuse."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import msgspec
from PySide6.QtCore import QDateTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from tradedash.core.alerts.kinds import ALERT_KINDS, kind_of
from tradedash.core.alerts.rules import AlertRule, check_rule, new_rule_id
from tradedash.ui.formatting import round_to_tick

__all__ = ["AlertEditor"]


#: (feed, symbol) -> (last price, tick size), or None when the symbol has no price yet.
Quote = Callable[[str, str], tuple[float, float] | None]


class _Incomplete(ValueError):
    """A number field is still empty: the form is not finished, which is not an error."""


class _NumberField(QLineEdit):
    """A line edit holding a number; ``value()`` is None while the text is not one."""

    def value(self) -> float | None:
        try:
            return float(self.text().replace(",", "").strip())
        except ValueError:
            return None

    def set_value(self, value: float) -> None:
        self.setText(f"{value:.10g}")


class AlertEditor(QDialog):
    """Edits one rule. ``rule_accepted(rule)`` is emitted on OK with a rule that passed :func:`check_rule`.

    Contract: OK stays disabled and :attr:`error` says why while the form does
    not make a valid rule (a number that is not one, an unknown symbol, low not
    below high, an expiry in the past...); an empty field is not an error, just
    not finished. A new rule's price fields start near the symbol's last price
    (``quote(feed, symbol)``), on its tick, until the user types in them. Open it
    with ``open()`` (never ``exec()`` inside the event loop). Editing keeps the
    rule's id; a new rule gets a fresh one.
    """

    rule_accepted = Signal(object)

    def __init__(
        self,
        rule: AlertRule | None = None,
        *,
        symbols: Sequence[str] = (),
        feeds: Sequence[str] = ("",),
        quote: Quote = lambda _feed, _symbol: None,
        shown: Callable[[str], str] = str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit alert" if rule else "New alert")
        self.setMinimumWidth(420)
        self._rule_id = rule.id if rule else new_rule_id()
        self._symbols = list(symbols)
        self._quote = quote
        self._shown = shown
        #: Number fields the user typed in (a new rule's price fields follow the symbol until then).
        self._typed: set[_NumberField] = set()

        self.kind = QComboBox()
        for kind in ALERT_KINDS.values():
            self.kind.addItem(kind.label, kind.tag)
        self.feed = QComboBox()
        for feed in feeds:
            self.feed.addItem(feed or "default", feed)
        self.symbol = QComboBox(editable=True)
        for symbol in self._symbols:  # shown as the window shows it; the rule keeps the venue's name
            self.symbol.addItem(shown(symbol), symbol)
        self.name = QLineEdit(placeholderText="optional; the condition is shown otherwise")

        self.inputs: dict[str, dict[str, QComboBox | _NumberField]] = {}
        self._near_last: dict[_NumberField, float] = {}
        for kind in ALERT_KINDS.values():
            inputs = {}
            for field in kind.fields:
                if field.choices:
                    widget: QComboBox | _NumberField = QComboBox()
                    widget.addItems(field.choices)
                    widget.currentIndexChanged.connect(self._validate)
                else:
                    widget = _NumberField()
                    widget.textChanged.connect(self._validate)
                    widget.textEdited.connect(lambda _text, w=widget: self._typed.add(w))
                    if field.near_last is not None:
                        self._near_last[widget] = field.near_last
                inputs[field.name] = widget
            self.inputs[kind.tag] = inputs
        self.mode = QComboBox()
        self.mode.addItem("Every time", "every")
        self.mode.addItem("Only once", "once")
        self.cooldown = _NumberField("60")
        self.hysteresis = _NumberField("0")
        self.expires = QCheckBox("Expires")
        self.expires_at = QDateTimeEdit(QDateTime.currentDateTime().addDays(1), calendarPopup=True)
        self.expires_at.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.enabled = QCheckBox("Enabled", checked=True)
        self.error = QLabel(wordWrap=True)
        self.error.setStyleSheet("color: #ef5350;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)

        # One form, one label column: every kind's fields are rows of it, shown for their kind only.
        self.form = form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Alert when", self.kind)
        form.addRow("Feed", self.feed)
        form.setRowVisible(self.feed, len(feeds) > 1)
        form.addRow("Symbol", self.symbol)
        for kind in ALERT_KINDS.values():
            for field in kind.fields:
                form.addRow(field.label, self.inputs[kind.tag][field.name])
        form.addRow("Name", self.name)
        form.addRow("Trigger", self.mode)
        form.addRow("Cooldown (s)", self.cooldown)
        form.addRow("Hysteresis", self.hysteresis)
        expiry = QHBoxLayout()
        expiry.addWidget(self.expires)
        expiry.addWidget(self.expires_at, 1)
        form.addRow(expiry)
        form.addRow(self.enabled)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        for signal in (self.kind.currentIndexChanged, self.mode.currentIndexChanged, self.feed.currentIndexChanged):
            signal.connect(self._validate)
        for edit in (self.cooldown, self.hysteresis, self.name):
            edit.textChanged.connect(self._validate)
        self.symbol.currentTextChanged.connect(self._validate)
        self.expires.toggled.connect(self._validate)
        self.expires_at.dateTimeChanged.connect(self._validate)
        if rule is not None:
            self._fill(rule)
            self._typed.update(self._near_last)  # an edited rule keeps its levels
        else:
            self.feed.currentIndexChanged.connect(self._follow_last_price)
            self.symbol.currentTextChanged.connect(self._follow_last_price)
            self._follow_last_price()
        self._validate()

    def _follow_last_price(self, *_args) -> None:
        """Start a new rule's untyped price fields near the symbol's last price, on its tick."""
        quote = self._quote(self.feed.currentData() or "", self.chosen_symbol())
        if quote is None:
            return
        last, tick = quote
        for widget, offset in self._near_last.items():
            if widget not in self._typed:
                widget.set_value(round_to_tick(last * (1 + offset), tick))

    # --- Form <-> rule --------------------------------------------------------------------

    def _fill(self, rule: AlertRule) -> None:
        kind = kind_of(rule)
        self.kind.setCurrentIndex(self.kind.findData(kind.tag))
        self.feed.setCurrentIndex(max(0, self.feed.findData(rule.feed)))
        if hasattr(rule, "symbol"):
            self.set_symbol(rule.symbol)
        self.name.setText(rule.name)
        self.mode.setCurrentIndex(self.mode.findData(rule.mode))
        self.cooldown.set_value(rule.cooldown)
        self.hysteresis.set_value(rule.hysteresis)
        self.expires.setChecked(rule.expires_at is not None)
        if rule.expires_at is not None:
            self.expires_at.setDateTime(QDateTime.fromSecsSinceEpoch(int(rule.expires_at)))
        self.enabled.setChecked(rule.enabled)
        for field, widget in self.inputs[kind.tag].items():
            value = getattr(rule, field)
            if isinstance(widget, QComboBox):
                widget.setCurrentText(value)
            else:
                widget.set_value(value)

    def set_number(self, field: str, value: float) -> None:
        """Prefill a number of the current kind (e.g. the level a chart was clicked at); it stays put."""
        widget = self.inputs[self.current_kind()][field]
        assert isinstance(widget, _NumberField)
        widget.set_value(value)
        self._typed.add(widget)

    def set_symbol(self, symbol: str) -> None:
        """Choose ``symbol`` (the venue's name), shown as the window shows it when the feed lists it."""
        index = self.symbol.findData(symbol)
        if index >= 0:
            self.symbol.setCurrentIndex(index)
        else:
            self.symbol.setCurrentText(symbol)

    def chosen_symbol(self) -> str:
        """The venue's name of the symbol chosen: a listed one picked or typed as shown, else the text typed."""
        text = self.symbol.currentText().strip()
        index = self.symbol.findText(text)
        return self.symbol.itemData(index) if index >= 0 and text else text

    def current_kind(self) -> str:
        return self.kind.currentData()

    def build(self) -> AlertRule:
        """The rule the form describes; raises ``ValueError`` saying what is wrong."""
        kind = self.current_kind()
        values: dict[str, object] = {}
        for field, widget in self.inputs[kind].items():
            if isinstance(widget, QComboBox):
                values[field] = widget.currentText()
            else:
                number = widget.value()
                if number is None and not widget.text().strip():
                    raise _Incomplete(f"{field}: fill it in")
                if number is None:
                    raise ValueError(f"{field}: {widget.text()!r} is not a number")
                values[field] = number
        for field, edit in (("cooldown", self.cooldown), ("hysteresis", self.hysteresis)):
            number = edit.value()
            if number is None:
                raise ValueError(f"{field}: {edit.text()!r} is not a number")
            values[field] = number
        if ALERT_KINDS[kind].has_symbol:
            symbol = self.chosen_symbol()
            if self._symbols and symbol and symbol not in self._symbols:
                listed = ", ".join(self._shown(listed) for listed in self._symbols)
                raise ValueError(f"symbol: {symbol} is not listed by the feed ({listed})")
            values["symbol"] = symbol
        expires_at = None
        if self.expires.isChecked():
            expires_at = float(self.expires_at.dateTime().toSecsSinceEpoch())
            if expires_at <= time.time():
                raise ValueError("expiry: the time is already past")
        rule_class = ALERT_KINDS[kind].rule
        try:
            rule = rule_class(
                id=self._rule_id,
                name=self.name.text().strip(),
                feed=self.feed.currentData() or "",
                enabled=self.enabled.isChecked(),
                mode=self.mode.currentData(),
                expires_at=expires_at,
                **values,
            )
        except TypeError as exc:  # a kind and its fields out of step: a bug, say it plainly
            raise ValueError(str(exc)) from None
        return check_rule(rule)

    def _validate(self) -> None:
        kind = ALERT_KINDS[self.current_kind()]
        for other in ALERT_KINDS.values():
            for widget in self.inputs[other.tag].values():
                self.form.setRowVisible(widget, other is kind)
        self.form.setRowVisible(self.symbol, kind.has_symbol)
        self.symbol.setEnabled(kind.has_symbol)
        self.hysteresis.setEnabled(kind.has_hysteresis)
        if not kind.has_hysteresis:
            self.hysteresis.setText("0")
        self.cooldown.setEnabled(self.mode.currentData() == "every")
        self.expires_at.setEnabled(self.expires.isChecked())
        try:
            self.build()
        except _Incomplete:  # nothing typed yet is not an error: OK waits, the form says nothing
            self.error.clear()
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        except (ValueError, msgspec.ValidationError) as exc:
            self.error.setText(str(exc))
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        else:
            self.error.clear()
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)

    def _accept(self) -> None:
        try:
            rule = self.build()
        except ValueError as exc:
            self.error.setText(str(exc))
            return
        self.rule_accepted.emit(rule)
        self.accept()

