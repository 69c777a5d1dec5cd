"""End to end: the whole app on a real mock exchange (port 0) inside a qasync loop."""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path

import msgspec
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from tests.support.waiting import wait_for as until
from tradedash.app import AppOptions, Dashboard, run_dashboard
from tradedash.config import load_config
from tradedash.core import wire
from tradedash.core.feed.lifecycle import FeedState
from tradedash.ui.main_window import MainWindow

CONFIG = """\
theme = "dark"

[[feeds]]
name = "demo"
symbols = ["BTC-USD", "ETH-USD", "SOL-USD"]
channels = ["ticker", "trades", "book", "candles:1s"]
"""


def _dashboard(tmp_path: Path, text: str | None = CONFIG) -> Dashboard:
    config = tmp_path / "config.toml"
    if text is not None:
        config.write_text(text)
    return Dashboard(AppOptions(config_path=config, log_path=tmp_path / "tradedash.log", exchange_rate=50.0))


def test_every_panel_fills_with_live_data(qt_async, qtmodeltester, tmp_path):
    dashboard = _dashboard(tmp_path)

    async def scenario():
        await dashboard.start(show=False)
        try:
            window = dashboard.window
            model = window.watchlist_model
            await until(lambda: model.rowCount() == 3 and dashboard.feeds[0].client.state is FeedState.LIVE)
            await until(lambda: all(model.index(r, 1).data() != "—" for r in range(3)))
            first = [model.index(r, 1).data() for r in range(3)]
            await until(lambda: [model.index(r, 1).data() for r in range(3)] != first)
            await until(lambda: window.trades.trades_model.rowCount() > 3 and window.chart.repaints > 2)
            await until(lambda: window.book.model.has_book and window.book.model.index(0, 0).data() is not None)
            for checked in (model, window.trades.trades_model, window.health.model, window.book.model):
                qtmodeltester.check(checked)
            assert window.chart.symbol is not None and window.chart.symbol.symbol in {"BTC-USD", "ETH-USD", "SOL-USD"}
            await until(lambda: "demo: live" in window.status_text.text())
            assert window.health.model.index(0, 1).data() == "live"
            assert window.status_light.colour == window.theme.up
            return {model.index(r, 0).data() for r in range(3)}
        finally:
            await dashboard.stop()

    assert qt_async.run(scenario()) == {"BTC-USD", "ETH-USD", "SOL-USD"}


def test_subscription_changes_apply_live_and_are_saved(qt_async, tmp_path):
    dashboard = _dashboard(tmp_path, CONFIG + "reconnect_max_delay = 2.5\n")

    async def scenario():
        await dashboard.start(show=False)
        try:
            window = dashboard.window
            assert dashboard.feeds[0].client.policy.cap == 2.5  # from the file
            await until(lambda: window.watchlist_model.rowCount() == 3)
            dialog = window.open_subscriptions()
            await until(lambda: dialog.symbol_list.count() >= 5)  # the exchange lists five symbols
            for i in range(dialog.symbol_list.count()):
                item = dialog.symbol_list.item(i)
                checked = item.text() in ("BTC-USD", "DOGE-USD")
                item.setCheckState(item.checkState().Checked if checked else item.checkState().Unchecked)
            assert dialog.apply(), dialog.message.text()
            await until(lambda: {r.symbol for r in map(window.watchlist_model.ref_at, range(window.watchlist_model.rowCount()))} == {"BTC-USD", "DOGE-USD"})
            assert dashboard.feeds[0].client.state is FeedState.LIVE  # same connection, no restart
            assert dashboard.feeds[0].client.stats.reconnects == 0
            assert list(dashboard.feeds[0].client.stats.last_errors) == []  # no request refused or limited
            dialog.close()
        finally:
            await dashboard.stop()

    qt_async.run(scenario())
    saved = load_config(tmp_path / "config.toml")
    assert saved.error is None and saved.config.feeds[0].symbols == ["BTC-USD", "DOGE-USD"]
    assert saved.config.feeds[0].reconnect_max_delay == 2.5  # the dialog keeps what it does not show


def test_corrupt_config_starts_with_defaults_and_keeps_the_file(qt_async, tmp_path):
    corrupt = 'theme = "dark"\n[[feeds]]\nname = "demo"\nsymbols = ["BTC-USD",\n'
    dashboard = _dashboard(tmp_path, corrupt)

    async def scenario():
        await dashboard.start(show=False)
        try:
            window = dashboard.window
            error = dashboard.loaded.error
            assert str(tmp_path / "config.toml") in error and "line" in error
            assert any(error in getattr(d, "text", lambda: "")() for d in window.dialogs)
            assert "Config not loaded" in window.statusBar().currentMessage()
            await until(lambda: window.watchlist_model.rowCount() >= 3)  # defaults: three symbols, live
            window.choose_theme("light")  # would save the config...
        finally:
            await dashboard.stop()

    qt_async.run(scenario())
    assert (tmp_path / "config.toml").read_text() == corrupt  # ...but the bad file is kept


def test_window_closed_while_backing_off_exits_cleanly(qt_async, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once closed
    text = f'[[feeds]]\nname = "down"\nurl = "ws://127.0.0.1:{port}"\nsymbols = ["BTC-USD"]\nchannels = ["ticker"]\n'
    dashboard = _dashboard(tmp_path, text)

    async def scenario():
        await dashboard.start(show=False)
        client = dashboard.feeds[0].client
        await until(lambda: client.stats.reconnects >= 2)
        await until(lambda: "down: " in dashboard.window.status_text.text())
        started = time.monotonic()
        await dashboard.stop()
        return time.monotonic() - started

    assert qt_async.run(scenario()) < 2.0
    assert dashboard.feeds == [] and dashboard.exchange is None


def test_config_round_trip_keeps_feeds(tmp_path):
    config_path = tmp_path / "config.toml"
    config_path.write_text(CONFIG)
    loaded = load_config(config_path)
    assert msgspec.to_builtins(loaded.config)["feeds"][0]["channels"] == ["ticker", "trades", "book", "candles:1s"]


def test_closing_the_window_while_reconnecting_ends_run_dashboard_cleanly(qt_async, tmp_path, qtlog, caplog):
    """Scenario 22 as a user does it: the window's close button, while the feed backs off."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = tmp_path / "config.toml"
    config.write_text(f'[[feeds]]\nname = "down"\nurl = "ws://127.0.0.1:{port}"\nsymbols = ["BTC-USD"]\n')

    async def scenario():
        task = asyncio.ensure_future(run_dashboard(AppOptions(config_path=config, log_path=tmp_path / "log")))
        await until(lambda: any(isinstance(w, MainWindow) and w.isVisible() for w in QApplication.topLevelWidgets()))
        window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible())
        await until(lambda: window.feeds[0].client.stats.reconnects >= 2)
        started = time.monotonic()
        window.close()
        code = await asyncio.wait_for(task, 10)
        return code, time.monotonic() - started

    code, seconds = qt_async.run(scenario())
    assert code == 0 and seconds < 2.0
    assert (tmp_path / "layout.ini").exists()  # the layout was saved on the way out
    qt_warnings = [r.message for r in qtlog.records if "propagateSizeHints" not in r.message]  # offscreen plugin noise
    assert qt_warnings == []
    asyncio_errors = [r.getMessage() for r in caplog.records if r.name == "asyncio" or "Event loop is closed" in r.getMessage()]
    assert asyncio_errors == []


BINANCE_CONFIG = """\
[[feeds]]
name = "binance (mock)"
venue = "binance"
symbols = ["BTC-USD", "ETH-USD"]
channels = ["ticker", "trades", "book"]
"""


def test_a_binance_feed_on_the_embedded_mock_fills_the_watchlist_and_book(qt_async, tmp_path):
    dashboard = _dashboard(tmp_path, BINANCE_CONFIG)

    async def scenario():
        await dashboard.start(show=False)
        try:
            window = dashboard.window
            model = window.watchlist_model
            client = dashboard.feeds[0].client
            await until(lambda: model.rowCount() == 2 and client.state is FeedState.LIVE)
            await until(lambda: all(model.index(r, 1).data() != "—" for r in range(2)))
            await until(lambda: window.book.model.has_book and window.book.model.index(0, 0).data() is not None)
            assert client.url.endswith("/binance") and type(client.connections[0].session).__name__ == "BinanceSession"
            return {model.index(r, 0).data() for r in range(2)}
        finally:
            await dashboard.stop()

    assert qt_async.run(scenario()) == {"BTC-USD · Binance", "ETH-USD · Binance"}  # the venue beside the symbol


def test_the_command_line_watches_a_binance_feed_and_writes_no_config(qt_async, tmp_path):
    """``tradedash --venue binance --url embedded --symbols btc-usd``: the embedded mock's Binance dialect."""
    config = tmp_path / "config.toml"
    options = AppOptions(
        config_path=config, log_path=tmp_path / "tradedash.log", exchange_rate=50.0,
        venue="binance", url="embedded", symbols=["btc-usd"],
    )
    dashboard = Dashboard(options)

    async def scenario():
        await dashboard.start(show=False)
        try:
            [feed] = dashboard.feeds
            assert (feed.config.venue, feed.config.symbols) == ("binance", ["BTCUSD"])
            model = dashboard.window.watchlist_model
            await until(lambda: model.rowCount() == 1 and feed.client.state is FeedState.LIVE)
            return model.index(0, 0).data()
        finally:
            await dashboard.stop()

    assert qt_async.run(scenario()) == "BTC-USD · Binance"
    assert not config.exists()  # the command line's feed is for this run only


def test_the_command_line_without_symbols_watches_the_venues_own_defaults():
    """``tradedash --venue binance`` watches symbols Binance lists (not the mock's ``BTCUSD``); at the
    embedded mock's Binance dialect, the mock's own symbols in Binance's names."""
    from tradedash.app import command_line_feed

    assert command_line_feed(AppOptions(venue="binance")).symbols == ["BTCUSDT", "ETHUSDT", "SOLUSDT"]
    given = AppOptions(venue="binance", url="wss://stream.binance.com:9443/stream")
    assert command_line_feed(given).symbols == ["BTCUSDT", "ETHUSDT", "SOLUSDT"]
    assert command_line_feed(AppOptions(venue="binance", url="embedded")).symbols == ["BTCUSD", "ETHUSD", "SOLUSD"]
    assert command_line_feed(AppOptions(venue="binance", url="ws://127.0.0.1:8765/binance")).symbols == ["BTCUSD", "ETHUSD", "SOLUSD"]
    assert command_line_feed(AppOptions(url="embedded")).symbols == ["BTC-USD", "ETH-USD", "SOL-USD"]
    assert command_line_feed(AppOptions(venue="binance", symbols=["eth/usdt"])).symbols == ["ETHUSDT"]


def test_ctrl_k_on_a_symbol_not_subscribed_subscribes_it_live_and_saves_it(qt_async, tmp_path):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from tradedash.ui.dialogs.symbol_search import SymbolSearchPopup
    from tradedash.ui.running_feed import SymbolRef

    dashboard = _dashboard(tmp_path, CONFIG.replace('["BTC-USD", "ETH-USD", "SOL-USD"]', '["BTC-USD"]'))

    async def scenario():
        await dashboard.start(show=False)
        try:
            window, feed = dashboard.window, dashboard.feeds[0]
            model = window.watchlist_model
            await until(lambda: model.rowCount() == 1 and any(info.symbol == "ETH-USD" for info in feed.client.symbols))
            window.symbol_search_action.trigger()
            popup = next(d for d in window.dialogs if isinstance(d, SymbolSearchPopup))
            popup.filter.setText("ETH-USD")
            QTest.keyClick(popup.filter, Qt.Key.Key_Return)
            assert window.focused_chart.symbol == SymbolRef("demo", "ETH-USD")
            assert "Subscribed to ETH-USD on demo" in window.statusBar().currentMessage()
            await until(lambda: model.row_of(SymbolRef("demo", "ETH-USD")) >= 0)  # a watchlist row, with prices
            live = lambda: feed.market.symbols["ETH-USD"].candles["1s"].view()  # noqa: E731
            await until(lambda: len(live().start) >= 2)  # live bars keep coming...
            painted = window.chart.repaints
            await until(lambda: not window.chart.waiting and window.chart.repaints > painted + 1)  # ...onto the chart
            assert {s.symbol for s in feed.client.subscriptions} == {"BTC-USD", "ETH-USD"}
            assert feed.client.stats.reconnects == 0 and list(feed.client.stats.last_errors) == []
        finally:
            await dashboard.stop()

    qt_async.run(scenario())
    saved = load_config(tmp_path / "config.toml")
    assert saved.error is None and saved.config.feeds[0].symbols == ["BTC-USD", "ETH-USD"]


def test_a_deeper_book_ladder_asks_the_feed_for_that_depth_and_back(qt_async, tmp_path):
    dashboard = _dashboard(tmp_path)

    async def scenario():
        await dashboard.start(show=False)
        window, feed = dashboard.window, dashboard.feeds[0]
        window.show()  # only panels on screen ask for depth
        try:
            ladder = window.book
            await until(lambda: ladder.model.has_book and window.focused_chart.symbol is not None)
            symbol = ladder.model.symbol
            levels = lambda: len(feed.market.symbols[symbol].book.bids(1000))  # noqa: E731
            await until(lambda: levels() == 10)  # the protocol's default depth
            ladder.depth_box.setCurrentIndex(ladder.depth_box.findData(50))
            await until(lambda: levels() == 50)  # subscribed again at 50: a snapshot that deep
            await until(lambda: ladder.model.index(0, 0).data() is not None)  # the 50th ask, at the top
            assert ladder.model.rowCount() == 101
            ladder.set_depth(100)  # past what protocol v1 sends (50): the most it has, the rows above it empty
            await until(lambda: ladder.model.index(50, 0).data() is not None)
            assert levels() == 50 and ladder.model.index(49, 0).data() is None
            window.show_symbol(window.watchlist_model.ref_at(next(
                row for row in range(window.watchlist_model.rowCount()) if window.watchlist_model.ref_at(row).symbol != symbol
            )))  # another symbol: its book goes deep, the one left goes back to the default
            other = ladder.model.symbol
            await until(lambda: levels() == 10 and len(feed.market.symbols[other].book.bids(1000)) == 50)
            ladder.set_depth(10)
            await until(lambda: len(feed.market.symbols[other].book.bids(1000)) == 10)
            window.docks["depth"].raise_()  # the depth chart's tab in front: its 50 levels are asked for
            await until(lambda: len(feed.market.symbols[other].book.bids(1000)) == 50)
            window.docks["book"].raise_()
            await until(lambda: len(feed.market.symbols[other].book.bids(1000)) == 10)
            assert feed.client.stats.reconnects == 0 and list(feed.client.stats.last_errors) == []
            assert feed.client.state is FeedState.LIVE
            ladder.set_depth(20)  # kept beside the config for the next start
        finally:
            window.hide()  # closing the last shown window would end the test's event loop
            await dashboard.stop()

    qt_async.run(scenario())
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    assert settings.value("panels/book_depth") in (20, "20")


def test_ctrl_k_subscribes_a_binance_symbol_in_the_venues_name(qt_async, tmp_path):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from tradedash.ui.dialogs.symbol_search import SymbolSearchPopup
    from tradedash.ui.running_feed import SymbolRef

    dashboard = _dashboard(tmp_path, BINANCE_CONFIG)

    async def scenario():
        await dashboard.start(show=False)
        try:
            window, feed = dashboard.window, dashboard.feeds[0]
            await until(lambda: window.watchlist_model.rowCount() == 2 and any(i.symbol == "SOLUSD" for i in feed.client.symbols))
            window.symbol_search_action.trigger()
            popup = next(d for d in window.dialogs if isinstance(d, SymbolSearchPopup))
            popup.filter.setText("SOLUSD")
            QTest.keyClick(popup.filter, Qt.Key.Key_Return)
            ref = SymbolRef("binance (mock)", "SOLUSD")
            assert window.focused_chart.symbol == ref
            await until(lambda: window.watchlist_model.row_of(ref) >= 0)
            await until(lambda: feed.market.symbols["SOLUSD"].ticker is not None)
            assert list(feed.client.stats.last_errors) == []
        finally:
            await dashboard.stop()

    qt_async.run(scenario())
    assert load_config(tmp_path / "config.toml").config.feeds[0].symbols == ["BTC-USD", "ETH-USD", "SOLUSD"]
