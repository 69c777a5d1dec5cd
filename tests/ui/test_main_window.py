"""The main window: docks, layout memory and reset, themes, shortcuts, symbol selection, extension dock."""

from __future__ import annotations

import msgspec
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence, QPalette
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel
from ui_helpers import make_binance_feed, make_feed

from tests.support.builders import ticker, trade
from tradedash.config import Config
from tradedash.core import wire
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
    assert set(window.docks) == {"watchlist", "chart", "book", "trades", "depth", "health"}
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


def test_the_status_bar_counts_the_watchlist_rows_after_a_symbol_is_removed(qtbot, feed, tmp_path):
    window = _window(qtbot, feed, tmp_path)
    feed.market.apply(ticker("BTC-USD", 100.0))
    feed.market.apply(ticker("SOL-USD", 20.0))
    window.refresh()
    window._refresh_status()
    assert window.watchlist_model.rowCount() == 2 and "2 symbols" in window.status_text.text()
    feed.config = msgspec.structs.replace(feed.config, symbols=["BTC-USD"])  # what Apply does; market state keeps SOL-USD
    feed.client.set_subscriptions(wire.subscriptions_of(feed.config.channels, feed.config.symbols))
    window.refresh()
    window._refresh_status()
    assert window.watchlist_model.rowCount() == 1 and "1 symbols" not in window.status_text.text()
    assert "1 symbol " in window.status_text.text() + " "


def test_the_watchlist_selection_survives_apply_and_a_feed_restart(qtbot, feed, tmp_path):
    window = _window(qtbot, feed, tmp_path)
    feed.market.apply(ticker("BTC-USD", 100.0))
    feed.market.apply(ticker("SOL-USD", 20.0))
    window.refresh()
    window.watchlist.select(SymbolRef("demo", "SOL-USD"))
    feed.config = msgspec.structs.replace(feed.config, symbols=["SOL-USD"])  # Apply removed BTC-USD: the model resets
    feed.client.set_subscriptions(wire.subscriptions_of(feed.config.channels, feed.config.symbols))
    window.refresh()
    assert _selected(window) == [SymbolRef("demo", "SOL-USD")] and window.chart.symbol == ("demo", "SOL-USD")
    restarted = make_feed("demo")  # Apply changed the URL: the app runs a new feed under the same name
    window.feeds[:] = [restarted]
    window.refresh()
    restarted.market.apply(ticker("BTC-USD", 100.0))
    restarted.market.apply(ticker("SOL-USD", 21.0))
    window.refresh()
    assert _selected(window) == [SymbolRef("demo", "SOL-USD")]
    assert window.chart.symbol == ("demo", "SOL-USD") and window.book.model.rowCount() >= 0
    assert window._shown_feed is restarted


def test_a_restarted_feed_keeps_the_chart_while_another_feed_has_rows(qtbot, tmp_path):
    """Apply of a new URL restarts the charted feed: until its first message the other feed's rows are
    the only ones, and the chart must wait for its own symbol, not jump to the first of them."""
    demo, other = make_feed("demo"), make_feed("other")
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    window = MainWindow([demo, other], Config(feeds=[demo.config, other.config]), settings)
    qtbot.addWidget(window)
    demo.market.apply(ticker("BTC-USD", 100.0))
    other.market.apply(ticker("SOL-USD", 20.0))
    window.refresh()
    window.watchlist.select(SymbolRef("other", "SOL-USD"))
    assert window.chart.symbol == ("other", "SOL-USD")
    restarted = make_feed("other")
    window.feeds[:] = [demo, restarted]
    window.refresh()
    assert window.chart.symbol == ("other", "SOL-USD") and window.chart.feed is restarted
    assert window.book.model.symbol == "SOL-USD"
    restarted.market.apply(ticker("SOL-USD", 21.0))
    window.refresh()
    assert _selected(window) == [SymbolRef("other", "SOL-USD")]


def test_the_saved_symbol_of_a_feed_slower_to_start_is_shown_at_start(qtbot, tmp_path):
    """The config names the chart's symbol; the first rows to come are another feed's."""
    demo, other = make_feed("demo"), make_feed("other")
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    config = Config(feeds=[demo.config, other.config], chart={"feed": "other", "symbol": "SOL-USD"})
    window = MainWindow([demo, other], config, settings)
    qtbot.addWidget(window)
    demo.market.apply(ticker("BTC-USD", 100.0))
    window.refresh()
    assert window.chart.symbol == ("other", "SOL-USD")
    other.market.apply(ticker("SOL-USD", 20.0))
    window.refresh()
    assert _selected(window) == [SymbolRef("other", "SOL-USD")]


def test_a_saved_symbol_no_longer_subscribed_gives_way_to_the_first_row(qtbot, tmp_path):
    demo = make_feed("demo")
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    window = MainWindow([demo], Config(feeds=[demo.config], chart={"feed": "gone", "symbol": "X"}), settings)
    qtbot.addWidget(window)
    demo.market.apply(ticker("BTC-USD", 100.0))
    window.refresh()
    assert window.chart.symbol == ("demo", "BTC-USD")


def test_a_binance_symbol_is_named_alike_in_every_panel_and_the_search(qtbot, feed, tmp_path):
    """The watchlist's form (``BTC-USDT · Binance``) in the chart's title, the book's and the depth
    chart's captions and the symbol search, not the venue's ``BTCUSDT`` beside it."""
    binance = make_binance_feed()
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    window = MainWindow([feed, binance], Config(feeds=[feed.config, binance.config]), settings)
    qtbot.addWidget(window)
    binance.market.apply(ticker("BTCUSDT", 64000.0))
    window.refresh()
    window.show_symbol(SymbolRef("binance", "BTCUSDT"))
    window.refresh()
    assert window.watchlist_model.index(0, 0).data().startswith("BTC-USDT · Binance")
    assert window.chart.toolbar.title.text() == "BTC-USDT · Binance"
    assert window.book.caption.text().startswith("<b>BTC-USDT · Binance</b>")
    window.depth.refresh()
    assert window.depth.caption.text().startswith("BTC-USDT · Binance")
    popup = window.open_symbol_search()
    popup.filter.setText("btcusdt")
    assert popup.model.index(0, 0).data() == "BTC-USDT · Binance" and popup.current() == ("binance", "BTCUSDT")
    popup.close()
    window.show_symbol(SymbolRef("demo", "BTC-USD"))  # protocol v1's names as they are
    window.refresh()
    assert window.chart.toolbar.title.text() == "BTC-USD"


def _selected(window: MainWindow) -> list[SymbolRef]:
    rows = window.watchlist.table.selectionModel().selectedRows()
    return [window.watchlist._ref(index) for index in rows]


def test_a_number_longer_than_before_is_fitted_at_once_not_shown_cut_off(qtbot, feed, tmp_path):
    window = _window(qtbot, feed, tmp_path)
    window.show()
    qtbot.waitExposed(window)
    feed.market.apply(ticker("BTC-USD", 100.0, open_24h=99.0))
    window.refresh()  # the first tick fits every table
    header = window.watchlist.table.horizontalHeader()
    narrow = header.sectionSize(1)
    feed.market.apply(ticker("BTC-USD", 1_000_000.0, open_24h=64_000.0))  # Last "1,000,000.00"
    window.refresh()  # not a once-a-second tick
    assert header.sectionSize(1) > narrow
    assert header.sectionSize(1) >= window.watchlist.table.sizeHintForColumn(1)


def test_depth_chart_is_a_dock_next_to_the_book_and_follows_the_symbol(qtbot, feed, tmp_path):
    window = _window(qtbot, feed, tmp_path)
    window.show()
    _fill(feed)
    window.refresh()
    assert window.depth.symbol == "BTC-USD"
    assert window.depth in [dock.widget() for dock in window.tabifiedDockWidgets(window.docks["book"])]
    window.show_symbol(SymbolRef("demo", "SOL-USD"))
    assert window.depth.symbol == "SOL-USD"


def test_the_depth_chart_behind_the_books_tab_is_drawn_only_once_in_front(qtbot, feed, tmp_path):
    from tradedash.core import wire

    def book(seq: int, size: float) -> wire.Book:
        bids, asks = [(63_999.0, size)], [(64_001.0, size)]
        return wire.Book("BTC-USD", seq, 0, "snapshot", bids, asks, None, wire.book_checksum(bids, asks))

    window = _window(qtbot, feed, tmp_path)
    window.show()
    qtbot.waitExposed(window)
    _fill(feed)
    feed.market.apply(book(1, 1.0))
    window.refresh()
    assert window.depth.symbol == "BTC-USD" and window.depth.isVisible()  # Qt's word, though the book's tab is in front
    drawn = window.depth.curve
    assert drawn is not None and drawn.bid_total[-1] == 1.0
    feed.market.apply(book(2, 5.0))
    window.refresh()
    assert window.depth.curve is drawn  # not drawn behind the tab
    window.docks["depth"].raise_()
    qtbot.waitUntil(lambda: window.refresh() or window.depth.curve is not drawn)
    assert window.depth.curve.bid_total[-1] == 5.0


def test_a_tick_is_done_in_steps_one_part_of_the_window_each(qtbot, feed, tmp_path):
    window = _window(qtbot, feed, tmp_path)
    window.repaint_timer.stop()
    _fill(feed)
    window.set_chart_count(2)
    window.refresh()
    first, second = window.chart_grid.shown
    second.set_symbol(feed, "BTC-USD")
    assert window.repaint_timer.interval() == 33 and window.step_timer.interval() == 7  # five steps in a tick
    books, trades = [], []
    book_refresh, trades_refresh = window.book.refresh, window.trades.refresh
    window.book.refresh = lambda: (books.append(1), book_refresh())
    window.trades.refresh = lambda: (trades.append(1), trades_refresh())

    def drawn() -> tuple[int, int, int, int, int]:
        return (window.repaints, len(books), len(trades), first.repaints, second.repaints)

    def trade_now() -> None:
        feed.market.apply(trade("BTC-USD", first.plots.last_line.value() + 1.0))

    trade_now()
    steps = []
    for fire in [window.repaint_timer] + [window.step_timer] * 4:
        before = drawn()
        window.step_timer.stop()
        fire.timeout.emit()
        steps.append(tuple(now - then for now, then in zip(drawn(), before)))
    # one part each: the lists (and the tick counted), the book, the trades, the focused chart, the other chart
    assert steps == [(1, 0, 0, 0, 0), (0, 1, 0, 0, 0), (0, 0, 1, 0, 0), (0, 0, 0, 1, 0), (0, 0, 0, 0, 1)]
    assert not window.step_timer.isActive()
    trade_now()
    window.repaint_timer.timeout.emit()
    window.step_timer.stop()  # the loop comes too late for this tick's other steps ...
    trade_now()
    before = drawn()
    window.repaint_timer.timeout.emit()  # ... so the next tick does them first, then its own first step
    assert tuple(now - then for now, then in zip(drawn(), before)) == (1, 1, 1, 1, 1)


def test_the_first_show_without_a_saved_layout_gives_the_chart_over_half_the_width(qtbot, feed, tmp_path):
    window = _window(qtbot, feed, tmp_path)
    window.statusBar().showMessage("said before the window shows")  # the other thing the first show does
    window.resize(1440, 900)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.docks["chart"].width() >= 0.5 * window.width())  # no reset_layout() needed
    assert window.statusBar().currentMessage() == "said before the window shows"
