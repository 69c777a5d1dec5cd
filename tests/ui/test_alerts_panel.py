"""The alerts panel's buttons: edit, duplicate, delete the selected rule; export the history to CSV."""

from __future__ import annotations

import csv

from tests.ui.alert_window import alert_window
from tradedash.core.alert_rules import LargeTrade, PriceCross
from tradedash.core.alert_store import AlertStore
from tradedash.core.wire import Trade


def test_panel_buttons_act_on_the_selected_rule_and_history_exports(qtbot, tmp_path):
    (tmp_path / "config").mkdir()
    alerts = alert_window(qtbot, tmp_path / "config", current=lambda: None)
    window = alerts.window
    try:
        panel = alerts.panel
        assert not panel.edit_button.isEnabled()
        alerts.put_rule(PriceCross(id="a", symbol="BTC-USD", direction="above", level=5.0, name="five"))
        assert panel.selected_rule().id == "a" and panel.duplicate_button.isEnabled()
        panel.duplicate_button.click()
        assert [r.name for r in alerts.engine.rules] == ["five", "five (copy)"]
        copy = panel.selected_rule()
        assert copy.id != "a" and copy.level == 5.0
        panel.delete_button.click()
        assert [r.id for r in alerts.engine.rules] == ["a"]
        panel.select_rule("a")
        panel.edit_button.click()
        assert alerts.editor.build() == alerts.engine.rule("a")
        alerts.editor.reject()

        alerts.put_rule(LargeTrade(id="t", symbol="BTC-USD", size=1.0, cooldown=0))
        for size in (2.0, 3.0):
            alerts.observe(Trade("BTC-USD", 1, 0, 1, 100.0, size, "buy"))
        alerts.tick()
        assert panel.history_model.rowCount() == 2 and alerts.banner.unseen == 2
        path = tmp_path / "out.csv"
        alerts.export_history(str(path))
        rows = list(csv.reader(path.open(encoding="utf-8")))
        assert [row[4] for row in rows[1:]] == ["2.0", "3.0"]
        assert "Exported 2" in window.statusBar().currentMessage()
        panel.sound.setChecked(False)
        assert AlertStore(tmp_path / "config").load().settings.sound is False
    finally:
        alerts.close()
