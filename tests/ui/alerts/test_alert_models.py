"""The rules and history table models, checked with qtmodeltester and driven by a real engine."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.core.alerts.alert_helpers import FakeClock, engine_with
from tradedash.core.alerts.rules import FeedCondition, LargeTrade, PriceCross
from tradedash.ui.alerts.models import HISTORY_COLUMNS, RULE_COLUMNS, HistoryModel, RulesModel


def make_engine(**options):
    clock = FakeClock()
    rules = [
        PriceCross(id="x", symbol="BTC-USD", direction="above", level=100.0, name="breakout"),
        LargeTrade(id="t", symbol="BTC-USD", size=1.0, cooldown=0),
        FeedCondition(id="f", condition="stale", seconds=30.0, mode="once"),
    ]
    return engine_with(rules, clock, **options), clock


def test_rules_model_shows_rules_and_their_status(qtmodeltester):
    engine, clock = make_engine()
    model = RulesModel(engine, engine.set_enabled)
    qtmodeltester.check(model)
    assert model.rowCount() == 3 and model.columnCount() == len(RULE_COLUMNS)
    assert model.index(0, 1).data() == "breakout"
    assert model.index(0, 2).data() == "BTC-USD crosses above 100"
    assert model.index(1, 3).data() == "repeat"
    assert model.index(2, 3).data() == "once"
    assert model.index(0, 5).data() == "waiting for data"
    engine.on_message(clock.ticker(99.0))
    model.refresh()
    assert model.index(0, 5).data() == "armed"


def test_unchecking_a_rule_disables_it_in_the_engine(qtmodeltester):
    engine, clock = make_engine()
    model = RulesModel(engine, engine.set_enabled)
    assert model.index(1, 0).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert model.setData(model.index(1, 0), Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    assert not engine.rule("t").enabled
    assert model.index(1, 0).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
    assert model.index(1, 5).data() == "disabled"
    qtmodeltester.check(model)


def test_history_model_inserts_new_firings_on_top_and_drops_the_oldest(qtmodeltester, qtbot):
    engine, clock = make_engine(history_limit=3)
    model = HistoryModel(engine)
    qtmodeltester.check(model)
    for size in (2.0, 3.0):
        clock.now += 1
        engine.on_message(clock.trade(size))
    with qtbot.waitSignal(model.rowsInserted):
        model.refresh()
    assert [model.index(r, 3).data() for r in range(model.rowCount())] == ["3", "2"]
    for size in (4.0, 5.0):
        engine.on_message(clock.trade(size))
    with qtbot.waitSignals([model.rowsRemoved, model.rowsInserted]):
        model.refresh()
    assert [model.index(r, 3).data() for r in range(model.rowCount())] == ["5", "4", "3"]
    assert model.columnCount() == len(HISTORY_COLUMNS)
    assert [f.value for f in model.firings()] == [3.0, 4.0, 5.0]
    assert model.index(0, 2).data() == "BTC-USD"
    qtmodeltester.check(model)
