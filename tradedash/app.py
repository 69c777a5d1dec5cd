"""The composition root: builds the exchange (if embedded), the feed, the state and the window."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QApplication

from mock_exchange.server import ExchangeConfig, ExchangeServer
from tradedash.core import wire
from tradedash.core.alert_store import AlertStore
from tradedash.core.market import MarketState
from tradedash.net.feed_client import FatalFeedError, FeedClient

__all__ = ["AppOptions", "Dashboard", "run_dashboard"]

log = logging.getLogger("tradedash")

DEFAULT_SYMBOLS = ["BTC-USD", "ETH-USD", "SOL-USD"]
DEFAULT_CHANNELS = ["ticker", "trades"]


@dataclass
class AppOptions:
    """What to connect to: an exchange URL, or None to start an embedded mock exchange."""

    url: str | None = None
    symbols: list[str] = field(default_factory=lambda: list(DEFAULT_SYMBOLS))
    channels: list[str] = field(default_factory=lambda: list(DEFAULT_CHANNELS))
    #: Where rules, alert history and settings live; None: the platform's config directory.
    config_dir: Path | None = None


class Dashboard:
    """The running app: embedded exchange (optional), feed client, market state and main window.

    Contract: ``await start()`` makes everything and shows the window;
    ``await stop()`` closes the feed, then the embedded exchange, and leaves no
    task running.
    """

    def __init__(self, options: AppOptions) -> None:
        self.options = options
        self.market = MarketState()
        self.exchange: ExchangeServer | None = None
        self.feed: FeedClient | None = None
        self.window = None
        self.alerts = None
        self._feed_task: asyncio.Task[None] | None = None

    async def start(self, show: bool = True) -> None:
        from tradedash.ui.alert_center import AlertCenter
        from tradedash.ui.main_window import MainWindow

        url = self.options.url
        if url is None:
            self.exchange = ExchangeServer(ExchangeConfig(port=0, symbols=list(self.options.symbols)))
            await self.exchange.start()
            url = self.exchange.url
        self.feed = FeedClient(
            url,
            subscriptions=[wire.Subscription(c, s) for c in self.options.channels for s in self.options.symbols],
            on_message=self._on_message,
        )
        self.window = MainWindow(self.market, self.feed)
        # Alerts: one engine fed every message; its panel, banner and chart layer go into the window.
        config_dir = self.options.config_dir or Path(
            QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppConfigLocation)
        )
        self.alerts = AlertCenter(AlertStore(config_dir))
        self.alerts.attach_feed("", self.feed.lifecycle, lambda: self.feed.symbols, self.market)
        chart = self.window.chart
        self.alerts.install(self.window, chart.getPlotItem(), lambda: ("", chart.symbol) if chart.symbol else None)
        self._feed_task = asyncio.create_task(self._run_feed(), name=f"feed {url}")
        if show:
            self.window.show()

    def _on_message(self, message: wire.MarketMessage) -> None:
        self.market.apply(message)
        self.alerts.observe(message)

    async def _run_feed(self) -> None:
        assert self.feed is not None
        try:
            await self.feed.run()
        except FatalFeedError as exc:
            if self.window is not None:
                self.window.statusBar().showMessage(f"Feed stopped: {exc}")

    async def stop(self) -> None:
        if self.window is not None:
            self.window.repaint_timer.stop()
        if self.alerts is not None:
            self.alerts.close()
        if self.feed is not None:
            await self.feed.close()
        if self._feed_task is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._feed_task, 2.0)
        if self.exchange is not None:
            await self.exchange.stop()


async def run_dashboard(options: AppOptions) -> int:
    """Run the app until its window closes (or Ctrl+C), then shut down in order."""
    app = QApplication.instance()
    assert app is not None
    quitting = asyncio.Event()
    app.aboutToQuit.connect(quitting.set)
    app.lastWindowClosed.connect(quitting.set)
    with contextlib.suppress(NotImplementedError, RuntimeError):
        asyncio.get_running_loop().add_signal_handler(signal.SIGINT, quitting.set)
    dashboard = Dashboard(options)
    await dashboard.start()
    await quitting.wait()
    await dashboard.stop()
    return 0
