"""The alerts panel's buttons: edit, duplicate, delete the selected rule; export the history to CSV."""

from __future__ import annotations

import csv
import time

from tests.ui.alert_window import alert_window
from tradedash.core.alerts.rules import LargeTrade, PriceCross
from tradedash.core.alerts.store import AlertStore
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
            alerts.observer("")(Trade("BTC-USD", 1, 0, 1, 100.0, size, "buy"))
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


def test_rules_are_suspended_while_the_market_rebuilds_their_book(qtbot, tmp_path):
    from tradedash.core.feed.lifecycle import FeedEvent, FeedLifecycle, FeedState
    from tradedash.core.market.state import MarketState
    from tradedash.core.wire import Book, SymbolInfo, Ticker

    alerts = alert_window(qtbot, tmp_path, current=lambda: ("demo", "BTC-USD"))
    try:
        market, lifecycle = MarketState(), FeedLifecycle(lambda: 0.0)
        alerts.attach_feed("demo", lifecycle, lambda: [SymbolInfo("BTC-USD", 0.01, 0.0001)], market)
        lifecycle.handle(FeedEvent.CONNECT)
        alerts.put_rule(PriceCross(id="x", feed="demo", symbol="BTC-USD", direction="above", level=100.0))
        lifecycle.handle(FeedEvent.DATA)
        assert lifecycle.state is FeedState.LIVE

        def price(last: float) -> None:
            message = Ticker("BTC-USD", 1, 0, last, 1.0, last, 1.0, last, last, last, last, 0.0, 0.0)
            market.apply(message)
            alerts.observer("demo")(message)

        price(99.0)
        market.apply(Book("BTC-USD", 5, 0, "update", [(99.0, 1.0)], [], prev_seq=4))  # an update before any snapshot
        assert market.resyncing_symbols() == {"BTC-USD"}
        alerts.tick()
        assert alerts.engine.status("x") == "suspended: BTC-USD book resyncing"
        row = alerts.rules_model.row_of("x")
        assert alerts.rules_model.index(row, 5).data() == "suspended: BTC-USD book resyncing"
        price(101.0)
        alerts.tick()
        assert alerts.history_model.rowCount() == 0  # the crossing came while the book was resyncing
        market.apply(Book("BTC-USD", 6, 0, "snapshot", [(99.0, 1.0)], [(101.0, 1.0)]))
        alerts.tick()
        assert alerts.engine.status("x") == "armed"  # the last trusted price, 99, is below the level
        price(101.5)  # trusted again: the crossing since 99 is reported now, with the price of now
        alerts.tick()
        assert alerts.history_model.firing_at(0).value == 101.5
        alerts.detach_feed("demo")
        assert alerts.feed_names() == [""] and alerts.engine.status("x") == "suspended: feed disconnected"
        lifecycle.handle(FeedEvent.QUIET)  # news from the stopped client (it went stale) changes nothing any more
        assert alerts.engine.status("x") == "suspended: feed disconnected"
    finally:
        alerts.close()


def test_keys_on_the_rules_table_duplicate_and_delete(qtbot, tmp_path):
    from PySide6.QtCore import Qt

    alerts = alert_window(qtbot, tmp_path, current=lambda: None)
    try:
        alerts.window.show()
        alerts.window.activateWindow()
        qtbot.waitActive(alerts.window)
        alerts.put_rule(PriceCross(id="a", symbol="BTC-USD", direction="above", level=5.0))
        table = alerts.panel.rules_table
        table.setFocus()
        qtbot.waitUntil(table.hasFocus)
        assert [a.text() for a in table.actions()] == ["Edit…", "Duplicate", "Delete"]
        qtbot.keyClick(table, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
        assert len(alerts.engine.rules) == 2
        qtbot.keyClick(table, Qt.Key.Key_Delete)
        assert [r.id for r in alerts.engine.rules] == ["a"]
    finally:
        alerts.close()


def test_a_long_banner_message_never_widens_the_window(qtbot, tmp_path):
    alerts = alert_window(qtbot, tmp_path, current=lambda: None)
    try:
        before = alerts.window.minimumSizeHint().width()
        alerts.banner.show_text("x" * 2000)
        assert alerts.window.minimumSizeHint().width() <= max(before, 800)
        assert alerts.banner.label.toolTip() == "x" * 2000
    finally:
        alerts.close()


def test_a_switched_off_rule_shows_an_empty_box_in_the_dark_theme(qtbot, tmp_path):
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from tradedash.config import Config
    from tradedash.ui.alerts.center import AlertCenter
    from tradedash.ui.main_window import MainWindow

    app = QApplication.instance()
    palette = app.palette()
    window = MainWindow([], Config(theme="light"), QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat))
    window.repaint_timer.stop()
    qtbot.addWidget(window)
    alerts = AlertCenter(AlertStore(tmp_path), window, symbol_of=lambda _chart: None)
    try:
        alerts.put_rule(PriceCross(id="off", symbol="BTC-USD", direction="above", level=1.0, enabled=False))
        table = alerts.panel.rules_table
        table.clearSelection()
        window.show()
        qtbot.waitExposed(window)
        window.choose_theme("dark")  # switched while running: the table follows
        qtbot.wait(20)
        image = table.grab(table.visualRect(alerts.rules_model.index(0, 0)).translated(table.viewport().pos())).toImage()
        background = image.pixelColor(1, 1)
        assert background.lightness() < 80  # the dark theme's table
        drawn = sum(
            1 for x in range(image.width()) for y in range(image.height())
            if abs(image.pixelColor(x, y).lightness() - background.lightness()) > 12
        )
        assert drawn > 20  # the box's outline
    finally:
        alerts.close()
        app.setPalette(palette)


def test_a_feed_of_several_connections_suspends_its_rules_while_any_one_connection_is_down_or_resyncing(qtbot, tmp_path):
    from functools import partial

    from tradedash.core import wire
    from tradedash.core.feed.lifecycle import FeedEvent, FeedState
    from tradedash.core.market.state import MarketState
    from tradedash.core.venues.registry import venue_of
    from tradedash.core.wire import Ticker
    from tradedash.net.sharded_feed import ShardedFeed

    venue = venue_of("binance")
    feed = ShardedFeed(  # never run: its connections' lifecycles are driven here, as their sessions would
        "ws://127.0.0.1:1", market=MarketState(), make_session=partial(venue.session, rest_url="http://127.0.0.1:1"),
        subscriptions=wire.subscriptions_of(["ticker", "trades"], ["BTCUSDT", "ETHUSDT"]), max_streams=2,
    )
    first, second = (client.lifecycle for client in feed.connections)
    assert [c.subscriptions for c in feed.connections][0] == set(wire.subscriptions_of(["ticker", "trades"], ["BTCUSDT"]))
    alerts = alert_window(qtbot, tmp_path, current=lambda: ("binance", "BTCUSDT"))
    try:
        alerts.attach_feed("binance", feed.lifecycle, lambda: feed.symbols, feed.market)
        alerts.put_rule(PriceCross(id="x", feed="binance", symbol="BTCUSDT", direction="above", level=100.0, cooldown=0))

        def price(last: float) -> None:  # BTCUSDT's ticker, which the first connection carries
            message = Ticker("BTCUSDT", 1, 0, last, 1.0, last, 1.0, last, last, last, last, 0.0, 0.0)
            feed.market.apply(message)
            alerts.observer("binance")(message)
            alerts.tick()

        for lifecycle in (first, second):
            lifecycle.handle(FeedEvent.CONNECT)
        first.handle(FeedEvent.DATA)
        assert alerts.engine.status("x") == "suspended: feed disconnected"  # the second one is still connecting
        second.handle(FeedEvent.DATA)
        assert feed.state is FeedState.LIVE
        price(99.0)
        assert alerts.engine.status("x") == "armed"

        second.handle(FeedEvent.GAP)  # a book of the other connection resyncs: the whole feed is resyncing
        assert alerts.engine.status("x") == "suspended: feed resyncing"
        price(101.0)
        assert alerts.history_model.rowCount() == 0
        second.handle(FeedEvent.RESYNCED)
        price(99.0)
        assert alerts.engine.status("x") == "armed"

        second.handle(FeedEvent.DISCONNECTED)  # the other connection drops and backs off
        assert alerts.engine.status("x") == "suspended: feed disconnected"
        price(101.0)
        assert alerts.history_model.rowCount() == 0
        second.handle(FeedEvent.CONNECT)
        second.handle(FeedEvent.DATA)
        price(99.0)
        price(101.0)  # every connection live: the crossing fires
        assert alerts.history_model.rowCount() == 1 and alerts.history_model.firing_at(0).value == 101.0
    finally:
        alerts.close()


def test_a_rule_put_a_tick_from_the_shown_price_fires_on_the_next_price_past_it(qtbot, tmp_path):
    """The rule is judged against the last price the window shows when it is made (the market's), so the
    next trade past its level fires it: no price needs to come first to tell which side it is on."""
    from tradedash.core.feed.lifecycle import FeedEvent, FeedLifecycle
    from tradedash.core.market.state import MarketState
    from tradedash.core.wire import SymbolInfo, Ticker

    alerts = alert_window(qtbot, tmp_path, current=lambda: ("demo", "BTC-USD"))
    try:
        market, lifecycle = MarketState(), FeedLifecycle(lambda: 0.0)
        alerts.attach_feed("demo", lifecycle, lambda: [SymbolInfo("BTC-USD", 0.01, 0.0001)], market)
        lifecycle.handle(FeedEvent.CONNECT)
        lifecycle.handle(FeedEvent.DATA)

        def trade_at(last: float) -> None:
            message = Ticker("BTC-USD", 1, time.time_ns(), last - 2, 1.0, last + 2, 1.0, last, last, last, last, 0.0, 0.0)
            market.apply(message)
            alerts.observer("demo")(message)

        trade_at(64_000.00)
        shown = alerts.quote("demo", "BTC-USD")[0]
        for direction, level in (("above", shown + 0.01), ("below", shown - 0.01)):
            alerts.put_rule(PriceCross(id=direction, feed="demo", symbol="BTC-USD", direction=direction, level=level))
        trade_at(64_003.50)  # the next trade, at the ask: past the level above
        alerts.tick()
        assert alerts.history_model.rowCount() == 1 and alerts.history_model.firing_at(0).rule_id == "above"
        assert alerts.engine.status("below") == "armed"
    finally:
        alerts.close()
