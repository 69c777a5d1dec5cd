"""The quick symbol search (Ctrl+K): every feed's symbols, filtering, keyboard navigation, Enter opens, Esc closes."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence
from ui_helpers import make_feed

from tradedash.config import Config
from tradedash.core import wire
from tradedash.ui.dialogs.symbol_search import SymbolSearchPopup, searchable_symbols
from tradedash.ui.main_window import MainWindow
from tradedash.ui.running_feed import SymbolRef


def _feeds():
    demo, other = make_feed("demo"), make_feed("binance")
    other.client.session.symbols = [wire.SymbolInfo("BTCUSDT", 0.01, 0.0001), wire.SymbolInfo("ETHUSDT", 0.01, 0.0001)]
    return [demo, other]


def test_lists_every_feeds_symbols_once():
    refs = searchable_symbols(_feeds())
    assert refs == [SymbolRef("demo", "BTC-USD"), SymbolRef("demo", "SOL-USD"), SymbolRef("binance", "BTCUSDT"), SymbolRef("binance", "ETHUSDT")]


def test_filters_navigates_and_enter_chooses(qtbot, qtmodeltester):
    feeds = _feeds()
    popup = SymbolSearchPopup(lambda: searchable_symbols(feeds))
    qtbot.addWidget(popup)
    popup.show()
    qtmodeltester.check(popup.model)
    assert len(popup.model.matches) == 4
    qtbot.keyClicks(popup.filter, "btc")
    qtmodeltester.check(popup.model)
    assert [ref.symbol for ref in popup.model.matches] == ["BTC-USD", "BTCUSDT"]
    assert popup.current() == SymbolRef("demo", "BTC-USD")
    qtbot.keyClick(popup.filter, Qt.Key.Key_Down)
    assert popup.current() == SymbolRef("binance", "BTCUSDT")
    qtbot.keyClick(popup.filter, Qt.Key.Key_Down)  # stays on the last row
    assert popup.current() == SymbolRef("binance", "BTCUSDT")
    with qtbot.waitSignal(popup.chosen) as chosen:
        qtbot.keyClick(popup.filter, Qt.Key.Key_Return)
    assert chosen.args == [SymbolRef("binance", "BTCUSDT")] and not popup.isVisible()


def test_fuzzy_filter_and_no_match(qtbot):
    feeds = _feeds()
    popup = SymbolSearchPopup(lambda: searchable_symbols(feeds))
    qtbot.addWidget(popup)
    popup.show()
    qtbot.keyClicks(popup.filter, "ethusd")
    assert popup.current() == SymbolRef("binance", "ETHUSDT")
    popup.filter.setText("zzz")
    assert popup.current() is None and popup.model.rowCount() == 0
    qtbot.keyClick(popup.filter, Qt.Key.Key_Return)  # nothing to open: stays open
    assert popup.isVisible()


def test_escape_closes_without_choosing(qtbot):
    popup = SymbolSearchPopup(lambda: searchable_symbols(_feeds()))
    qtbot.addWidget(popup)
    popup.show()
    chosen = []
    popup.chosen.connect(chosen.append)
    qtbot.keyClick(popup.filter, Qt.Key.Key_Escape)
    assert not popup.isVisible() and chosen == []


def test_ctrl_k_opens_the_chosen_symbol_in_the_chart(qtbot, tmp_path):
    feeds = _feeds()
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    window = MainWindow(feeds, Config(feeds=[f.config for f in feeds]), settings)
    qtbot.addWidget(window)
    assert window.symbol_search_action.shortcut() == QKeySequence("Ctrl+K")
    window.symbol_search_action.trigger()
    popup = next(d for d in window.dialogs if isinstance(d, SymbolSearchPopup))
    qtbot.keyClicks(popup.filter, "ETHUSDT")
    qtbot.keyClick(popup.filter, Qt.Key.Key_Return)
    assert window.chart.symbol == SymbolRef("binance", "ETHUSDT")


def test_no_match_and_no_symbols_at_all_are_said_under_the_filter(qtbot):
    feeds = _feeds()
    popup = SymbolSearchPopup(lambda: searchable_symbols(feeds))
    qtbot.addWidget(popup)
    popup.show()
    assert not popup.note.isVisible()
    popup.filter.setText("zzz")
    assert popup.note.isVisible() and "No symbol of any feed matches “zzz”" in popup.note.text()
    popup.filter.setText("")
    assert not popup.note.isVisible()

    empty = SymbolSearchPopup(lambda: [])  # Ctrl+K before any feed listed a symbol, nothing typed
    qtbot.addWidget(empty)
    empty.show()
    assert empty.note.isVisible() and "No feed lists a symbol yet" in empty.note.text()


def test_ctrl_k_on_a_symbol_of_a_feed_that_is_down_says_so_in_the_status_bar(qtbot, tmp_path):
    feeds = _feeds()
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    window = MainWindow(feeds, Config(feeds=[f.config for f in feeds]), settings)
    qtbot.addWidget(window)
    session = feeds[1].client.session
    session.connect_started()
    session.connection_lost(error="cannot connect: Connection refused")
    session.backoff_started(1.0)
    window.open_searched_symbol(SymbolRef("binance", "ETHUSDT"))
    assert window.chart.symbol == SymbolRef("binance", "ETHUSDT")
    message = window.statusBar().currentMessage()
    assert message == "ETHUSDT: feed binance is backing off (cannot connect: Connection refused); no live data until it is live"

    session.fail("the server refused the connection: HTTP 404 Not Found")
    window.open_searched_symbol(SymbolRef("binance", "BTCUSDT"))
    assert "feed binance stopped: the server refused the connection: HTTP 404" in window.statusBar().currentMessage()
