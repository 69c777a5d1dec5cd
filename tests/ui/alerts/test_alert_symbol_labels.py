"""The alerts UI writes a real venue's symbol as the rest of the window does (``BTC-USDT · Binance``),
while the rules it keeps on disk name it as the venue does (``BTCUSDT``)."""

from __future__ import annotations

import json
import time

from PySide6.QtCore import QSettings

from tests.support.builders import ticker
from tests.ui.ui_helpers import make_binance_feed
from tradedash.config import Config
from tradedash.core.alerts.rules import PriceCross
from tradedash.core.alerts.store import AlertStore
from tradedash.core.feed.lifecycle import FeedEvent
from tradedash.ui.alerts.center import AlertCenter
from tradedash.ui.main_window import MainWindow

SHOWN = "BTC-USDT · Binance"


def test_rules_firings_and_the_editor_show_the_symbol_as_the_window_does_and_store_the_venues_name(qtbot, tmp_path):
    feed = make_binance_feed()
    window = MainWindow([feed], Config(feeds=[feed.config]), QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat))
    window.repaint_timer.stop()
    qtbot.addWidget(window)
    alerts = AlertCenter(AlertStore(tmp_path), window, symbol_of=lambda _chart: ("binance", "BTCUSDT"))
    try:
        alerts.attach_feed("binance", feed.client.lifecycle, lambda: feed.client.symbols, feed.market)
        for event in (FeedEvent.CONNECT, FeedEvent.DATA):
            feed.client.lifecycle.handle(event)
        alerts.put_rule(PriceCross(id="x", feed="binance", symbol="BTCUSDT", direction="above", level=100.0))
        rules = alerts.rules_model
        assert rules.index(0, 1).data() == f"{SHOWN} crosses above 100"  # the name, when the rule has none
        assert rules.index(0, 2).data() == f"{SHOWN} crosses above 100"  # the condition

        editor = alerts.open_editor(alerts.engine.rules[0])
        assert editor.symbol.currentText() == SHOWN
        assert [editor.symbol.itemText(i) for i in range(editor.symbol.count())] == [SHOWN, "ETH-USDT · Binance"]
        editor.symbol.setCurrentIndex(1)
        assert editor.build().symbol == "ETHUSDT"  # chosen as shown, kept as the venue names it
        editor.symbol.setCurrentText("BTCUSDT")  # the venue's name typed still works
        assert editor.build().symbol == "BTCUSDT"
        editor.reject()

        for last in (99.0, 101.0):
            message = ticker("BTCUSDT", last, ts=time.time_ns())
            feed.market.apply(message)
            alerts.observer("binance")(message)
        alerts.tick()
        firing = alerts.history_model.firing_at(0)
        assert firing.symbol == "BTCUSDT"
        assert alerts.history_model.index(0, 1).data() == f"{SHOWN} crosses above 100"
        assert alerts.history_model.index(0, 2).data() == SHOWN
        assert alerts.history_model.index(0, 4).data().startswith(f"{SHOWN} crossed above 100")
        assert f"{SHOWN} crossed above 100" in alerts.banner.label.text()
    finally:
        alerts.close()
    stored = json.loads((tmp_path / "alerts.json").read_text())
    assert '"BTCUSDT"' in json.dumps(stored) and "BTC-USDT" not in json.dumps(stored)
