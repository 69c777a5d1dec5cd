"""The main window: docks, layout memory and reset, themes, shortcuts, symbol selection, extension dock."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence, QPalette
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel
from ui_helpers import ticker, trade

from tradedash.config import Config
from tradedash.ui.dialogs.about import AboutDialog
from tradedash.ui.dialogs.subscriptions import SubscriptionDialog
from tradedash.ui.main_window import MainWindow
from tradedash.ui.running_feed import SymbolRef
from tradedash.ui.theme import DARK, LIGHT


def _window(qtbot, feed, tmp_path, theme: str = "dark") -> MainWindow:
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    window = MainWindow([feed], Config(theme=theme, feeds=[feed.config]), settings, config_path="c.toml", log_path="t.log")
    qtbot.addWidget(window)
    return window


def _fill(feed) -> None:
    for symbol, price in (("BTC-USD", 64000.0), ("SOL-USD", 145.0)):
        feed.market.apply(ticker(symbol, price))
        feed.market.apply(trade(symbol, price))


def test_every_panel_is_a_movable_dock(qtbot, feed, tmp_path):
    window = _window(qtbot, feed, tmp_path)
    assert set(window.docks) == {"watchlist", "chart", "book", "trades", "health"}
    for dock in window.docks.values():
        assert dock.features() & QDockWidget.DockWidgetFeature.DockWidgetMovable
        assert dock.toggleViewAction() in window.menu("panels").actions()


def test_layout_is_saved_restored_and_reset(qtbot, feed, tmp_path):
    window = _window(qtbot, feed, tmp_path)
    window.show()
    window.docks["trades"].setFloating(True)
    window.docks["health"].hide()
    window.close()  # saves
    again = _window(qtbot, feed, tmp_path)
    again.show()
    assert again.docks["trades"].isFloating() and not again.docks["health"].isVisible()
    again.reset_layout_action.trigger()
    assert not again.docks["trades"].isFloating()
    assert all(dock.isVisible() for dock in again.docks.values())


def test_first_symbol_shown_and_double_click_opens_another(qtbot, feed, tmp_path):
    window = _window(qtbot, feed, tmp_path)
    _fill(feed)
    window.refresh()
    assert window.chart.symbol == SymbolRef("demo", "BTC-USD")
    assert window.book.model.symbol == "BTC-USD"
    proxy_index = window.watchlist.proxy.index(1, 0)
    with qtbot.waitSignal(window.watchlist.symbol_activated):
        window.watchlist.table.doubleClicked.emit(proxy_index)
    assert window.chart.symbol == SymbolRef("demo", "SOL-USD")
    assert window.trades.trades_model.rowCount() == 1


def test_theme_switch_and_system_default(qtbot, feed, tmp_path):
    window = _window(qtbot, feed, tmp_path, theme="dark")
    app = QApplication.instance()
    assert app.palette().color(QPalette.ColorRole.Window).name() == DARK.window
    chosen = []
    window.theme_chosen.connect(chosen.append)
    window.toggle_theme_action.trigger()
    assert window.theme is LIGHT and chosen == ["light"] and window.config.theme == "light"
    assert app.palette().color(QPalette.ColorRole.Window).name() == LIGHT.window
    checked = [a.text() for a in window.theme_actions.actions() if a.isChecked()]
    assert checked == ["Light"]


def test_shortcuts_for_common_actions(qtbot, feed, tmp_path):
    window = _window(qtbot, feed, tmp_path)
    shortcuts = {a.text(): a.shortcut() for a in window.actions()}
    assert shortcuts["&Quit"] == QKeySequence(QKeySequence.StandardKey.Quit)
    assert shortcuts["&Subscriptions…"] == QKeySequence("Ctrl+Shift+S")
    assert shortcuts["&Follow live"] == QKeySequence("End")
    assert shortcuts["&Reset layout"] == QKeySequence("Ctrl+Shift+R")
    assert shortcuts["Interval 1m"] == QKeySequence("Ctrl+2")
    _fill(feed)
    window.refresh()
    window.chart.set_follow(False)
    window.follow_action.trigger()
    assert window.chart.follow
    window.actions()[[a.text() for a in window.actions()].index("&Line")].trigger()
    assert window.chart.mode == "line"


def test_dialogs_open_without_blocking(qtbot, feed, tmp_path):
    window = _window(qtbot, feed, tmp_path)
    window.subscriptions_action.trigger()
    window.about_action.trigger()
    kinds = {type(d) for d in window.dialogs}
    assert kinds == {SubscriptionDialog, AboutDialog}
    assert all(d.isVisible() for d in window.dialogs)
    applied = []
    window.config_applied.connect(applied.append)
    subscriptions = next(d for d in window.dialogs if isinstance(d, SubscriptionDialog))
    assert subscriptions.apply()
    assert applied and applied[0].feeds[0].name == "demo"
    window.close()
    qtbot.waitUntil(lambda: not window.dialogs)


def test_another_panel_can_be_docked(qtbot, feed, tmp_path):
    window = _window(qtbot, feed, tmp_path)
    dock = window.add_dock("extra", "Extra", QLabel("extra here"), Qt.DockWidgetArea.BottomDockWidgetArea)
    assert window.docks["extra"] is dock and dock.objectName() == "dock-extra"
    assert dock.toggleViewAction() in window.menu("panels").actions()


def test_a_menu_can_be_added_before_help(qtbot, feed, tmp_path):
    window = _window(qtbot, feed, tmp_path)
    menu = window.add_menu("extra", "E&xtra")
    titles = [action.text() for action in window.menuBar().actions()]
    assert titles[-2:] == ["E&xtra", "&Help"]
    assert window.menu("extra") is menu and window.menu("help").title() == "&Help"
