"""The composition root: config, embedded exchange (if any), feeds, market state and the window."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes.util
import logging
import logging.handlers
import os
import signal
import sys
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import msgspec
from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from mock_exchange.server import ExchangeConfig, ExchangeServer
from mock_exchange.market import DEFAULT_SPECS
from tradedash.config import EMBEDDED, Config, FeedConfig, LoadedConfig, load_config, save_config
from tradedash.core import wire
from tradedash.core.alerts.store import AlertStore
from tradedash.core.chart.workspaces import WorkspaceStore
from tradedash.core.alerts.engine import ALERT_MESSAGE_TYPES
from tradedash.core.feed.backoff import ReconnectPolicy
from tradedash.core.chart.candle_store import CandleStore
from tradedash.core.chart.chart_state import ChartState
from tradedash.core.market.state import MarketState
from tradedash.core.feed.redact import RedactingFilter, redact
from tradedash.core.venues.registry import DEFAULT_VENUE, venue_of
from tradedash.crash_report import enable_fault_log
from tradedash.desktop_entry import ENTRY_ID
from tradedash.net.feed_client import FatalFeedError, FeedClient
from tradedash.net.sharded_feed import ShardedFeed
from tradedash.ui.alerts.center import AlertCenter
from tradedash.ui.dialogs.crash import ExceptionReporter, forward_to_excepthook
from tradedash.ui.main_window import MainWindow
from tradedash.ui.running_feed import RunningFeed
from tradedash.ui.single_instance import SingleInstance, bring_to_front
from tradedash.ui.theme import resolve_theme
from tradedash.ui.workspace_menu import WorkspaceMenu

__all__ = [
    "AppOptions",
    "Dashboard",
    "run_dashboard",
    "default_paths",
    "setup_logging",
    "usage_error",
    "command_line_feed",
    "missing_display",
    "APP_NAME",
]

log = logging.getLogger("tradedash")

APP_NAME = "tradedash"


def default_paths() -> tuple[Path, Path]:
    """(config file, log file) in the platform's config and data directories.

    On Linux: ``~/.config/tradedash/config.toml`` and ``~/.local/share/tradedash/tradedash.log``;
    ``QStandardPaths`` gives the macOS and Windows equivalents.
    """
    config_dir = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppConfigLocation)
    data_dir = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    return Path(config_dir) / "config.toml", Path(data_dir) / "tradedash.log"


def setup_logging(log_path: Path) -> None:
    """Log INFO and above to stderr and to a rotating file (1 MB x 3) at ``log_path``, secrets redacted."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handlers: list[logging.Handler] = [
        logging.StreamHandler(),
        logging.handlers.RotatingFileHandler(log_path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"),
    ]
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(RedactingFilter())
        root.addHandler(handler)


@dataclass
class AppOptions:
    """How to start: which config file, and command-line overrides of its feeds.

    With ``url`` or ``symbols`` set, the file's feeds are replaced by one feed for
    this run only, and the file is not written.
    """

    url: str | None = None
    symbols: list[str] | None = None
    #: The command line's feed's venue and REST base (``--venue``, ``--rest-url``).
    venue: str | None = None
    rest_url: str | None = None
    config_path: Path | None = None
    log_path: Path | None = None
    #: Where window layout is kept (QSettings, INI); default: next to the config file.
    settings_path: Path | None = None
    exchange_rate: float = 5.0
    #: Start even if another TradeDash runs with this config (otherwise that one is raised instead).
    new_instance: bool = False


@dataclass
class _FeedTask:
    feed: RunningFeed
    task: asyncio.Task[None]


class Dashboard:
    """The running app: config, embedded exchange (optional), feeds and the main window.

    Contract: ``await start()`` loads the config (a bad file: defaults, a message
    naming the file and line, the file kept), starts every feed and shows the
    window; ``await apply_config(config)`` changes feeds and subscriptions live
    and saves the file; ``await stop()`` closes every feed, then the embedded
    exchange, and leaves no task running.
    """

    def __init__(self, options: AppOptions) -> None:
        self.options = options
        default_config_path, default_log_path = default_paths()
        self.config_path = options.config_path or default_config_path
        self.log_path = options.log_path or default_log_path
        self.loaded: LoadedConfig = LoadedConfig(self.config_path, Config())
        self.exchange: ExchangeServer | None = None
        self.feeds: list[RunningFeed] = []  # shared with the window's models
        self._running: dict[str, _FeedTask] = {}
        self.window: MainWindow | None = None
        self.alerts: AlertCenter | None = None
        self.workspaces: WorkspaceMenu | None = None
        self.candles: CandleStore | None = None
        #: The REST request-weight budget of each (venue, REST host): every feed on it shares what this address may spend.
        self._rest_budgets: dict[tuple[str, str], object] = {}
        #: The feed and {symbol: levels} the window's book panels last asked for (see MainWindow.book_depths_wanted).
        self._book_depths: tuple[str, dict[str, int]] = ("", {})

    @property
    def config(self) -> Config:
        return self.loaded.config

    async def start(self, show: bool = True) -> None:
        self.loaded = load_config(self.config_path)
        if self.loaded.error:
            log.error("config: %s. Starting with the default settings; the file is left as it is.", self.loaded.error)
        notice = self._missing_config_notice()
        if notice:
            log.warning("%s", notice)
        if self.options.url or self.options.symbols or self.options.venue:
            feed = command_line_feed(self.options)
            overridden = msgspec.structs.replace(self.loaded.config, feeds=[feed])
            self.loaded = LoadedConfig(self.config_path, overridden, self.loaded.error, writable=False)
        settings_path = self.options.settings_path or self.config_path.with_name("layout.ini")
        settings = QSettings(str(settings_path), QSettings.Format.IniFormat)
        # Closed candles on disk next to the config: a chart shows its history at once after a restart.
        self.candles = CandleStore.beside(self.config_path)
        for problem in self.candles.problems:
            log.warning("%s", problem)
        self.window = MainWindow(
            self.feeds,
            self.config,
            settings,
            config_path=str(self.config_path),
            log_path=str(self.log_path),
            candle_store=self.candles,
            rest_budgets=self._rest_budgets,
        )
        self.window.chart.state_changed.connect(self._chart_changed)
        self.window.config_applied.connect(self._config_applied)
        self.window.theme_chosen.connect(lambda _choice: self.save())
        self.window.book_depths_wanted.connect(self._book_depths_wanted)
        # Alerts: rules and history live next to the config file; every feed's messages reach the engine.
        self.alerts = AlertCenter(AlertStore(self.config_path.parent), self.window)
        for feed_config in self.config.feeds:
            await self._start_feed(feed_config)
        # Workspaces (charts and panel layout by name) live next to the config file; the last one comes back.
        self.workspaces = WorkspaceMenu(WorkspaceStore(self.config_path.parent), self.window)
        self.workspaces.restore()
        if self.options.url or self.options.symbols:
            self.alerts.explain_absent_feeds("this run's only feed, 'command line', comes from --url/--symbols")
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._system_scheme_changed)
        if show:
            self.window.show()
        if self.loaded.error:
            self._report_config_error(self.loaded.error)
        elif notice:
            self.window.statusBar().showMessage(notice, 30_000)
        log.info("window %s: %d feed(s), config %s", "shown" if show else "made", len(self.feeds), self.config_path)

    def _missing_config_notice(self) -> str | None:
        """What to say when the config file named on the command line does not exist."""
        if self.options.config_path is None or self.config_path.exists():
            return None
        return (
            f"{self.config_path} does not exist: starting with the default settings; the file is written"
            " when you change subscriptions or the theme, and the window layout is kept beside it"
        )

    def _report_config_error(self, error: str) -> None:
        self.window.statusBar().showMessage(f"Config not loaded, using the defaults: {error}", 30_000)
        box = QMessageBox(QMessageBox.Icon.Warning, "Configuration not loaded", f"{error}.", parent=self.window)
        box.setInformativeText("TradeDash started with the default settings. Your file was left as it is: fix it and restart.")
        self.window.open_dialog(box)

    def _chart_changed(self) -> None:
        """Save when the chart's settings (interval, mode, scale, indicators) changed, not on every symbol shown."""
        if self.window is None:
            return
        saved = {key: value for key, value in self.config.chart.items() if key not in ("feed", "symbol")}
        now = {key: value for key, value in self.window.chart.state().to_dict().items() if key not in ("feed", "symbol")}
        if saved != now and (saved or now != ChartState().to_dict()):
            self.save()

    def _book_depths_wanted(self, feed_name: str, depths: dict[str, int]) -> None:
        """The book panels need ``depths`` of ``feed_name``'s books: ask that feed, and every other for its default."""
        self._book_depths = (feed_name, depths)
        for name, running in self._running.items():
            running.feed.client.set_book_depths(depths if name == feed_name else {})

    def _system_scheme_changed(self, *_args) -> None:
        if self.window is not None and self.window.config.theme == "system":
            self.window.apply_theme(resolve_theme("system"))

    # --- Feeds ------------------------------------------------------------------------

    async def _embedded_url(self) -> str:
        if self.exchange is None:
            self.exchange = ExchangeServer(ExchangeConfig(port=0, symbols=list(DEFAULT_SPECS), rate=self.options.exchange_rate))
            await self.exchange.start()
        return self.exchange.url

    async def _start_feed(self, feed_config: FeedConfig) -> None:
        venue = venue_of(feed_config.venue)
        url, rest_url = feed_config.url, feed_config.rest_url
        if url == EMBEDDED:
            url, embedded_rest = venue.mock_urls(await self._embedded_url())
            rest_url = rest_url or embedded_rest
        market = MarketState()
        make_session = partial(
            venue.session,
            rest_url=rest_url,
            budgets=self._rest_budgets,
            on_message=self.alerts.observer(feed_config.name),
            on_message_types=ALERT_MESSAGE_TYPES,
            name=redact(url),
        )
        options = dict(
            token=feed_config.token or None,
            ca_file=feed_config.ca_file or None,
            policy=ReconnectPolicy(cap=feed_config.reconnect_max_delay),
            compression=feed_config.compression,
        )
        client: FeedClient | ShardedFeed
        if venue.max_streams is not None:  # as many connections as the subscriptions need
            client = ShardedFeed(
                url, market=market, make_session=make_session, subscriptions=_subscriptions(feed_config),
                max_streams=venue.max_streams, **options,
            )
        else:
            client = FeedClient(url, session=make_session(market, subscriptions=_subscriptions(feed_config)), **options)
        self.alerts.attach_feed(feed_config.name, client.lifecycle, lambda: client.symbols, market)
        if self._book_depths[0] == feed_config.name:  # a restarted feed: the book panels' wish still holds
            client.set_book_depths(self._book_depths[1])
        view = RunningFeed(feed_config, client, market, fresh_market=feed_config.url == EMBEDDED)
        self.feeds.append(view)
        task = asyncio.create_task(self._run_feed(view), name=f"feed {feed_config.name} {url}")
        self._running[feed_config.name] = _FeedTask(view, task)

    async def _run_feed(self, view: RunningFeed) -> None:
        try:
            await view.client.run()
        except FatalFeedError as exc:
            log.error("feed %s stopped: %s", view.name, exc)

    async def _stop_feed(self, name: str) -> None:
        running = self._running.pop(name)
        self.feeds.remove(running.feed)
        self.alerts.detach_feed(name)
        await running.feed.client.close()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(running.task, 2.0)
        if not running.task.done():
            running.task.cancel()
            await asyncio.gather(running.task, return_exceptions=True)

    def _config_applied(self, config: Config) -> None:
        task = asyncio.ensure_future(self.apply_config(config))
        task.add_done_callback(_log_failure)

    async def apply_config(self, config: Config) -> None:
        """Make the running feeds match ``config`` (restart a feed whose connection settings changed), then save."""
        old = {feed.name: feed for feed in self.config.feeds}
        new = {feed.name: feed for feed in config.feeds}
        self.loaded.config = config
        for name, feed in old.items():
            changed = name in new and _connection_settings(new[name]) != _connection_settings(feed)
            if name not in new or changed:
                await self._stop_feed(name)
        for name, feed in new.items():
            if name not in self._running:
                await self._start_feed(feed)
                continue
            view = self._running[name].feed
            view.config = feed
            view.client.set_subscriptions(_subscriptions(feed))
        self.save()

    def save(self) -> None:
        """Write the config file (unless it failed to load, or the feeds came from the command line)."""
        if self.window is not None:
            self.loaded.config = msgspec.structs.replace(
                self.loaded.config, theme=self.window.config.theme, chart=self.window.chart.state().to_dict()
            )
        if save_config(self.loaded, self.loaded.config):
            log.info("config saved to %s", self.config_path)

    async def stop(self) -> None:
        if self.window is not None:
            QGuiApplication.styleHints().colorSchemeChanged.disconnect(self._system_scheme_changed)
            if self.workspaces is not None:
                self.workspaces.save()
            self.window.chart_grid.release()
            self.window.close()
            self.window.deleteLater()
        if self.alerts is not None:
            self.alerts.close()
        for name in list(self._running):
            await self._stop_feed(name)
        if self.exchange is not None:
            await self.exchange.stop()
            self.exchange = None
        if self.candles is not None:
            self.candles.close()
            self.candles = None


def _subscriptions(feed: FeedConfig) -> list[wire.Subscription]:
    """The feed's subscriptions, its symbols in its venue's names (``BTC-USD`` -> ``BTCUSD`` on Binance)."""
    venue = venue_of(feed.venue)
    return list(wire.subscriptions_of(feed.channels, [venue.symbol(s) for s in feed.symbols]))


def _connection_settings(feed: FeedConfig) -> tuple[object, ...]:
    """What a running feed cannot change without reconnecting."""
    return feed.venue, feed.url, feed.rest_url, feed.compression, feed.token, feed.ca_file, feed.reconnect_max_delay


def _log_failure(task: asyncio.Future) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("applying the configuration failed", exc_info=task.exception())


async def run_dashboard(options: AppOptions, instance: SingleInstance | None = None) -> int:
    """Run the app until its window closes (or Ctrl+C), then shut down in order."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    # Closing the window ends this coroutine, which shuts the feeds down in order; Qt must not
    # stop the event loop under it first.
    app.setQuitOnLastWindowClosed(False)
    quitting = asyncio.Event()
    app.aboutToQuit.connect(quitting.set)
    app.lastWindowClosed.connect(quitting.set)
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(forward_to_excepthook)
    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGINT, quitting.set)
    dashboard = Dashboard(options)
    try:
        await dashboard.start()
        if instance is not None:  # a later start with this config raises this window
            instance.activation_requested.connect(lambda: bring_to_front(dashboard.window))
            instance.listen()
        await quitting.wait()
    finally:
        await dashboard.stop()
        app.aboutToQuit.disconnect(quitting.set)
        app.lastWindowClosed.disconnect(quitting.set)
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGINT)
    return 0


def command_line_feed(options: AppOptions) -> FeedConfig:
    """The one feed of ``--venue``, ``--url``, ``--rest-url`` and ``--symbols`` (symbols in the venue's form;
    without ``--symbols``, the venue's defaults at that URL: ``BTCUSDT``... on Binance's own endpoint)."""
    venue = venue_of(options.venue or DEFAULT_VENUE)
    feed = FeedConfig(name="command line", venue=venue.key, url=options.url or venue.ws_url or EMBEDDED)
    feed.rest_url = options.rest_url or ""
    if options.symbols:
        feed.symbols = [venue.symbol(symbol) for symbol in options.symbols]
    else:
        feed.symbols = venue.default_symbols_at(feed.url)
    return feed


def usage_error(options: AppOptions) -> str | None:
    """What is wrong with the command line before anything starts (as ``tape`` checks it), or None."""
    if options.url is not None and options.url != EMBEDDED and not options.url.startswith(("ws://", "wss://")):
        return f"--url must start with ws:// or wss://, not {options.url!r}"
    if options.rest_url is not None:
        if not venue_of(options.venue or DEFAULT_VENUE).rest_url:
            return f"--rest-url is for a venue with a REST API (--venue binance), not {options.venue or DEFAULT_VENUE}"
        if not options.rest_url.startswith(("http://", "https://")):
            return f"--rest-url must start with http:// or https://, not {options.rest_url!r}"
    if options.symbols is not None and not options.symbols:
        return "--symbols needs at least one symbol"
    return None


def missing_display() -> str | None:
    """On Linux, what Qt will lack to open a window (no display, no xcb-cursor library), or None.

    Qt itself aborts with a long message and exit code 250 in these cases.
    ``QT_QPA_PLATFORM`` set by the user (e.g. ``offscreen``) skips the check.
    """
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        return "no display to open a window on: DISPLAY and WAYLAND_DISPLAY are not set (start it from a desktop session)"
    if not os.environ.get("WAYLAND_DISPLAY") and ctypes.util.find_library("xcb-cursor") is None:
        return "Qt needs the system library libxcb-cursor0 to open a window on X11 (Debian/Ubuntu: apt install libxcb-cursor0; see the README)"
    return None


def main(options: AppOptions) -> int:
    """Check the options and the display, make the QApplication, set up logging, and run the
    dashboard on a qasync loop. Returns 2 on a usage error and 1 when no window can open,
    each with one line on stderr."""
    import qasync

    problem = usage_error(options)
    if problem:
        print(f"tradedash: error: {problem}", file=sys.stderr)
        return 2
    problem = missing_display()
    if problem:
        print(f"tradedash: cannot start: {problem}", file=sys.stderr)
        return 1
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName("TradeDash")
    app.setOrganizationName("")
    app.setDesktopFileName(ENTRY_ID)
    instance = None if options.new_instance else SingleInstance(options.config_path or default_paths()[0])
    if instance is not None and not instance.claim():
        return instance.hand_over()
    log_path = options.log_path or default_paths()[1]
    setup_logging(log_path)
    enable_fault_log(log_path.parent)
    ExceptionReporter(log_path).install()
    try:
        return qasync.run(run_dashboard(options, instance))
    finally:
        if instance is not None:
            instance.release()
