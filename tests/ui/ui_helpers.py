"""Helpers for UI tests: feeds with real market state, to fill with messages from tests.support.builders.

A feed built here has a real FeedClient that is never run (so no socket is
opened), subscribed to its config's symbols and channels as the app's are, and
a real MarketState to which the test applies wire messages.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from tests.support.builders import ticker, trade
from tradedash.config import Config, FeedConfig
from tradedash.core import wire
from tradedash.core.market.state import MarketState
from tradedash.core.venues.registry import venue_of
from tradedash.net.feed_client import FeedClient
from tradedash.ui.main_window import MainWindow
from tradedash.ui.running_feed import RunningFeed


def make_feed(name: str = "demo") -> RunningFeed:
    market = MarketState()
    config = FeedConfig(name=name, symbols=["BTC-USD", "SOL-USD"])
    client = FeedClient("ws://127.0.0.1:9", market=market, subscriptions=wire.subscriptions_of(config.channels, config.symbols))
    client.session.symbols = [wire.SymbolInfo("BTC-USD", 0.01, 0.0001), wire.SymbolInfo("SOL-USD", 0.001, 0.01)]
    return RunningFeed(config, client, market)


def make_binance_feed(name: str = "binance") -> RunningFeed:
    """A feed of the Binance venue (its real session, never run) listing BTCUSDT and ETHUSDT."""
    market = MarketState()
    config = FeedConfig(name=name, venue="binance", url="ws://127.0.0.1:9", symbols=["BTCUSDT", "ETHUSDT"])
    symbols = [wire.SymbolInfo("BTCUSDT", 0.01, 0.00001), wire.SymbolInfo("ETHUSDT", 0.01, 0.0001)]
    session = venue_of("binance").session(
        market, rest_url="http://127.0.0.1:9", subscriptions=wire.subscriptions_of(config.channels, config.symbols),
        symbols=symbols,
    )
    return RunningFeed(config, FeedClient(config.url, session=session), market)


def priced_window(qtbot, feed: RunningFeed, tmp_path: Path) -> MainWindow:
    """A main window on ``feed`` (its layout kept in ``tmp_path``) with a ticker and a trade for
    BTC-USD and SOL-USD applied and painted."""
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    window = MainWindow([feed], Config(feeds=[feed.config]), settings)
    qtbot.addWidget(window)
    for symbol, price in (("BTC-USD", 64000.0), ("SOL-USD", 145.0)):
        feed.market.apply(ticker(symbol, price))
        feed.market.apply(trade(symbol, price))
    window.refresh()
    return window
