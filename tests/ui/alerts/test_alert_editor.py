"""The alert editor refuses what the engine would refuse, says why, and keeps a rule's id when editing."""

from __future__ import annotations

import time
import typing

import pytest
from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import QDialogButtonBox, QWidget

from tradedash.core.alerts.kinds import ALERT_KINDS
from tradedash.core.alerts.rules import AlertRule, FeedCondition, PercentChange, PriceRange
from tradedash.ui.alerts.editor import AlertEditor

SYMBOLS = ["BTC-USD", "ETH-USD"]


@pytest.fixture
def editor(qtbot):
    dialog = AlertEditor(symbols=SYMBOLS)
    qtbot.addWidget(dialog)
    dialog.symbol.setCurrentText("BTC-USD")
    return dialog


def ok_enabled(editor: AlertEditor) -> bool:
    return editor.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()


def choose(editor: AlertEditor, kind: str) -> None:
    editor.kind.setCurrentIndex(editor.kind.findData(kind))


def test_the_form_offers_every_kind_the_engine_knows(editor):
    offered = [editor.kind.itemData(i) for i in range(editor.kind.count())]
    assert offered == list(ALERT_KINDS)
    assert {kind.rule for kind in ALERT_KINDS.values()} == set(typing.get_args(AlertRule))
    for tag, kind in ALERT_KINDS.items():
        assert list(editor.inputs[tag]) == [field.name for field in kind.fields]
        assert all(field.name in kind.rule.__struct_fields__ for field in kind.fields)


def test_an_empty_level_is_refused_then_a_number_accepted(editor, qtbot):
    assert not ok_enabled(editor) and editor.error.text() == ""  # nothing typed yet: not an error
    editor.inputs["price_cross"]["level"].setText("abc")
    assert not ok_enabled(editor) and "'abc' is not a number" in editor.error.text()
    editor.inputs["price_cross"]["level"].setText("0")
    assert not ok_enabled(editor) and "level" in editor.error.text()
    editor.inputs["price_cross"]["level"].setText("65,000.5")
    assert ok_enabled(editor) and editor.error.text() == ""
    with qtbot.waitSignal(editor.rule_accepted) as accepted:
        editor.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    rule = accepted.args[0]
    assert (rule.symbol, rule.direction, rule.level, rule.mode, rule.cooldown) == ("BTC-USD", "above", 65000.5, "every", 60.0)


def test_a_new_rule_starts_at_the_last_price_on_its_tick_until_the_user_types(qtbot):
    quotes = {"BTC-USD": (64_123.456, 0.01), "ETH-USD": (3_302.088785, 0.1)}
    dialog = AlertEditor(symbols=SYMBOLS, quote=lambda _feed, symbol: quotes.get(symbol))
    qtbot.addWidget(dialog)
    dialog.symbol.setCurrentText("BTC-USD")
    level = dialog.inputs["price_cross"]["level"]
    assert level.text() == "64123.46" and ok_enabled(dialog) and dialog.error.text() == ""
    assert (dialog.inputs["price_range"]["low"].value(), dialog.inputs["price_range"]["high"].value()) == (63482.22, 64764.69)
    dialog.symbol.setCurrentText("ETH-USD")
    assert level.text() == "3302.1"
    qtbot.keyClicks(level, "5")  # typed: the field is the user's now
    dialog.symbol.setCurrentText("BTC-USD")
    assert level.text() == "3302.15"


def test_every_field_of_every_kind_lines_up_in_one_column(qtbot):
    dialog = AlertEditor(symbols=SYMBOLS)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    for kind in ALERT_KINDS:
        choose(dialog, kind)
        qtbot.wait(1)
        shown = [w for w in dialog.findChildren(QWidget) if w.parent() is dialog and w.isVisible()
                 and dialog.form.labelForField(w) is not None]
        assert len({w.x() for w in shown}) == 1, kind
        assert all(w.isVisible() for w in dialog.inputs[kind].values())
        assert not any(w.isVisible() for other, fields in dialog.inputs.items() if other != kind for w in fields.values())


def test_unknown_symbols_negative_cooldowns_and_past_expiry_are_refused(editor):
    editor.inputs["price_cross"]["level"].setText("100")
    editor.symbol.setCurrentText("NOPE-USD")
    assert not ok_enabled(editor) and "NOPE-USD is not listed" in editor.error.text()
    editor.symbol.setCurrentText("")
    assert not ok_enabled(editor) and "symbol" in editor.error.text()
    editor.symbol.setCurrentText("ETH-USD")
    editor.cooldown.setText("-5")
    assert not ok_enabled(editor) and "cooldown" in editor.error.text()
    editor.cooldown.setText("5")
    editor.expires.setChecked(True)
    editor.expires_at.setDateTime(QDateTime.fromSecsSinceEpoch(int(time.time()) - 60))
    assert not ok_enabled(editor) and "expiry" in editor.error.text()
    editor.expires_at.setDateTime(QDateTime.fromSecsSinceEpoch(int(time.time()) + 3600))
    assert ok_enabled(editor)


def test_a_range_needs_low_below_high_and_room_for_its_hysteresis(editor):
    choose(editor, "price_range")
    fields = editor.inputs["price_range"]
    fields["low"].setText("110")
    fields["high"].setText("100")
    assert not ok_enabled(editor) and "low must be below" in editor.error.text()
    fields["low"].setText("90")
    fields["event"].setCurrentText("leaves")
    editor.hysteresis.setText("6")
    assert not ok_enabled(editor) and "hysteresis" in editor.error.text()
    editor.hysteresis.setText("2")
    assert ok_enabled(editor)
    assert editor.build() == PriceRange(id=editor.build().id, symbol="BTC-USD", event="leaves", low=90.0, high=100.0,
                                        hysteresis=2.0)


def test_large_trades_take_no_hysteresis_and_feed_rules_no_symbol(editor):
    choose(editor, "large_trade")
    assert not editor.hysteresis.isEnabled()
    editor.inputs["large_trade"]["size"].setText("2.5")
    assert ok_enabled(editor)
    choose(editor, "feed")
    assert not editor.symbol.isEnabled()
    editor.inputs["feed"]["seconds"].setText("30")
    editor.inputs["feed"]["condition"].setCurrentText("disconnected")
    assert isinstance(editor.build(), FeedCondition) and editor.build().condition == "disconnected"


def test_editing_fills_the_form_and_keeps_the_id(qtbot):
    rule = PercentChange(id="abc123", name="fast move", symbol="ETH-USD", percent=1.5, window=300.0,
                         direction="down", mode="once", hysteresis=0.25, expires_at=float(int(time.time()) + 7200))
    dialog = AlertEditor(rule, symbols=SYMBOLS)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Edit alert" and dialog.current_kind() == "percent_change"
    assert dialog.build() == rule
    dialog.inputs["percent_change"]["percent"].setText("2")
    assert dialog.build().percent == 2.0 and dialog.build().id == "abc123"
