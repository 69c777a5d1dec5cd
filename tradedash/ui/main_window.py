"""The main window: dockable panels repainted from state on one timer, menus, shortcuts, layout memory."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import msgspec
from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QActionGroup, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel, QMainWindow, QMenu, QWidget

import logging

from tradedash.config import Config
from tradedash.core.chart.candle_store import CandleStore
from tradedash.core.chart.chart_state import ChartState
from tradedash.core.chart.depth import DEPTH_CHOICES, LADDER_CHOICES, LADDER_DEFAULT
from tradedash.core.chart.workspaces import Workspace
from tradedash.core.feed.lifecycle import FeedState
from tradedash.net.symbol_list import fetch_symbol_list
from tradedash.ui.dialogs.about import AboutDialog
from tradedash.ui.dialogs.subscriptions import SubscriptionDialog
from tradedash.ui.dialogs.symbol_search import SymbolSearchPopup, searchable_symbols
from tradedash.ui.icons import icon
from tradedash.ui.panels.book import BookPanel
from tradedash.ui.panels.chart import INTERVALS, PriceChart
from tradedash.ui.panels.chart_grid import GRIDS, ChartGrid
from tradedash.ui.panels.depth import DepthPanel
from tradedash.ui.panels.health import COLUMNS as HEALTH_COLUMNS
from tradedash.ui.panels.health import FeedHealthPanel, StatusLight, state_colour, status_summary
from tradedash.ui.panels.trades import TradesPanel
from tradedash.ui.panels.watchlist import WatchlistPanel
from tradedash.ui.panels.watchlist_model import COLUMNS, WatchlistModel
from tradedash.ui.running_feed import RunningFeed, SymbolRef
from tradedash.ui.table_fit import fit_columns
from tradedash.ui.theme import Theme, apply_theme, resolve_theme

__all__ = ["MainWindow", "LAYOUT_VERSION"]

#: Bumped when the set of panels changes, so an old saved layout is ignored.
LAYOUT_VERSION = 3
#: How often feed health and the status line repaint (their numbers change slowly).
HEALTH_HZ = 5
#: The least height of a dock added with a height share in the default layout (title, buttons, header, four rows).
MIN_STRIP_HEIGHT = 210
#: Columns hidden first when a panel is too narrow for all of them (see table_fit.fit_columns).
WATCHLIST_DROP_ORDER = (COLUMNS.index("Chg"), COLUMNS.index("Bid"), COLUMNS.index("Ask"), COLUMNS.index("Vol 24h"), COLUMNS.index("Spread"))
TRADES_DROP_ORDER = (1,)  # Side: the price's colour says it too
HEALTH_DROP_ORDER = tuple(HEALTH_COLUMNS.index(name) for name in ("Last error", "Resyncs", "Gaps", "Last msg", "Reconnects", "Msgs/s"))
#: How long a status-bar message said before the window showed stays once it shows.
STARTUP_MESSAGE_MS = 30_000


class MainWindow(QMainWindow):
    """Every panel of the dashboard as a dock: watchlist, charts, order book, depth chart, trades, feed health.

    Contract: widgets read the feeds' market state, lifecycle and statistics on
    a timer (``repaint_timer``, ``repaint_hz``); nothing repaints per message.
    A tick's work is done in steps (:meth:`tick_steps`) spread over the tick
    (``step_timer``), so one Qt paint draws one part of the window (a list, the
    book, the trades, one chart), never all of it at once; steps the event loop
    came too late for are done at the next tick, before its own, so every part
    is repainted on every tick. :meth:`refresh` does a whole tick at once.
    The dock arrangement and window geometry are saved to ``settings`` on close
    and restored on start; *Reset layout* brings back the default arrangement.
    The window never touches the network: subscription changes leave as
    ``config_applied(Config)`` and theme changes as ``theme_chosen(str)``, for
    the app to apply and save. ``add_dock()`` and ``add_menu()`` let another
    part (e.g. alerts) add its panel and menu; ``menu(key)`` finds a menu.
    The chart dock holds a :class:`ChartGrid` of 1, 2 or 4 charts (``chart`` is
    the first, always shown); the Chart menu, the watchlist and the symbol
    search act on ``focused_chart``, and the book, trades and depth chart follow
    its symbol. :meth:`workspace` and :meth:`apply_workspace` give and take the
    grid, each chart's state, the panel layout and the book depths as one value.
    The levels a side the ladder and the depth chart show (when on screen) of
    their symbol's book leave as ``book_depths_wanted(feed name, {symbol: levels}``
    or ``{}`` for the venue's default) whenever that changes, for the app to ask
    the feed for; the depths chosen are saved with the layout.
    """

    config_applied = Signal(object)
    theme_chosen = Signal(str)
    book_depths_wanted = Signal(str, object)

    def __init__(
        self,
        feeds: list[RunningFeed],
        config: Config,
        settings: QSettings,
        *,
        config_path: str = "",
        log_path: str = "",
        candle_store: CandleStore | None = None,
        rest_budgets: dict[tuple[str, str], object] | None = None,
    ) -> None:
        super().__init__()
        #: The feeds' REST request-weight budgets: the Subscriptions dialog's symbol-list reads spend from them too.
        self._rest_budgets = rest_budgets
        self.feeds = feeds
        self.config = config
        self._settings = settings
        self._config_path = config_path
        self._log_path = log_path
        self.theme: Theme = resolve_theme(config.theme)
        self.setWindowTitle("TradeDash")
        self.setDockNestingEnabled(True)
        self._fit_default_size(1440, 860)
        self.dialogs: list[QWidget] = []
        self._shown_feed: RunningFeed | None = None
        self._book_wish: tuple[str, dict[str, int]] = ("", {})

        self.watchlist_model = WatchlistModel(feeds, self.theme)
        self.watchlist = WatchlistPanel(self.watchlist_model)
        self.candle_store = candle_store
        #: The first chart (its state is the config's ``chart``); the grid may show up to three more.
        self.chart = PriceChart(self.theme, store=candle_store)
        self._restore_chart_state(config)
        self.chart_grid = ChartGrid(self.chart, lambda: PriceChart(self.theme, store=self.candle_store), self.theme)
        self.chart_grid.focus_changed.connect(self._chart_focused)
        self.book = BookPanel(self.theme)
        self.trades = TradesPanel(self.theme)
        self.depth = DepthPanel(self.theme)
        self.health = FeedHealthPanel(feeds, self.theme)
        self.watchlist.symbol_selected.connect(self.show_symbol)
        self.watchlist.symbol_activated.connect(self._open_in_chart)

        central = QWidget()
        central.setMaximumSize(0, 0)
        self.setCentralWidget(central)
        self.docks: dict[str, QDockWidget] = {}
        self._height_shares: dict[str, float] = {}
        self.menus: dict[str, QMenu] = {}
        self._build_menus()
        for name, title, widget in (
            ("watchlist", "Watchlist", self.watchlist),
            ("chart", "Chart", self.chart_grid),
            ("book", "Order book", self.book),
            ("trades", "Trades", self.trades),
            ("depth", "Depth", self.depth),
            ("health", "Feed health", self.health),
        ):
            self.docks[name] = self._make_dock(name, title, widget)
        self._arrange_default()
        self._default_state = self.saveState(LAYOUT_VERSION)
        self._layout_restored = self._restore_layout()
        self._restore_book_depths()

        self.status_light = StatusLight()
        self.status_text = QLabel()
        self.statusBar().addWidget(self.status_light)
        self.statusBar().addWidget(self.status_text, 1)

        self.repaints = 0
        self.repaint_timer = QTimer(self, timerType=Qt.TimerType.PreciseTimer)
        repaint_hz = max(10, min(60, config.repaint_hz))
        self.repaint_timer.setInterval(round(1000 / repaint_hz))
        steps = len(self.tick_steps())
        self.step_timer = QTimer(self, singleShot=True, timerType=Qt.TimerType.PreciseTimer, interval=round(1000 / repaint_hz / steps))
        self.step_timer.timeout.connect(self._next_step)
        self._steps_left: list[Callable[[], None]] = []  # the rest of this tick's steps
        #: Feed health and the status line change slowly: repainted about 5 times a second.
        self._health_every = max(1, repaint_hz // HEALTH_HZ)
        self._fit_every = repaint_hz
        self.repaint_timer.timeout.connect(self._tick)
        self.repaint_timer.start()
        self.apply_theme(self.theme)
        self.refresh()

    # --- Panels and layout ------------------------------------------------------------

    def _make_dock(self, name: str, title: str, widget: QWidget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{name}")
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.menus["panels"].addAction(dock.toggleViewAction())
        return dock

    def add_dock(
        self,
        key: str,
        title: str,
        widget: QWidget,
        area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea,
        *,
        height_share: float | None = None,
    ) -> QDockWidget:
        """Dock another panel under ``key`` (listed in View ▸ Panels); its place is saved and
        restored like the built-in ones. ``height_share``: the part of the window's height
        it takes in the default layout (None: Qt decides)."""
        dock = self._make_dock(key, title, widget)
        self.addDockWidget(area, dock)
        self.docks[key] = dock
        if height_share is not None:
            self._height_shares[key] = height_share
        self.restoreDockWidget(dock)
        return dock

    def _arrange_default(self) -> None:
        d = self.docks
        for dock in d.values():
            dock.setFloating(False)
            dock.show()
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, d["watchlist"])
        self.splitDockWidget(d["watchlist"], d["chart"], Qt.Orientation.Horizontal)
        self.splitDockWidget(d["chart"], d["book"], Qt.Orientation.Horizontal)
        self.splitDockWidget(d["book"], d["trades"], Qt.Orientation.Vertical)
        self.tabifyDockWidget(d["book"], d["depth"])
        d["book"].raise_()
        self.splitDockWidget(d["watchlist"], d["health"], Qt.Orientation.Vertical)
        self._size_default_docks()

    def _fit_default_size(self, width: int, height: int) -> None:
        """Start at ``width`` x ``height``, shrunk to fit the screen's free area when it is smaller."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is not None:
            free = screen.availableGeometry()
            width, height = min(width, free.width()), min(height, free.height())
        self.resize(width, height)

    def _size_default_docks(self) -> None:
        """Proportions of the default layout (they take effect once the window has a size)."""
        d = self.docks
        width, height = max(self.width(), 800), max(self.height(), 500)
        # The book and trades need about 270 px for their columns, the watchlist about 340 for its own;
        # the chart, what the user came for, takes the rest: over half the width of a 1440 px window.
        book = max(270, int(width * 0.2))
        watchlist = max(340, int(width * 0.25))
        chart = width - book - watchlist
        self.resizeDocks([d["watchlist"], d["chart"], d["book"]], [watchlist, chart, book], Qt.Orientation.Horizontal)
        self.resizeDocks([d["watchlist"], d["health"]], [int(height * 0.62), int(height * 0.38)], Qt.Orientation.Vertical)
        self.resizeDocks([d["book"], d["trades"]], [int(height * 0.62), int(height * 0.38)], Qt.Orientation.Vertical)
        for key, share in self._height_shares.items():  # strips of added docks: never shorter than a header and four rows
            strip = max(MIN_STRIP_HEIGHT, int(height * share))
            self.resizeDocks([d["watchlist"], d[key]], [int((height - strip) * 0.55), strip], Qt.Orientation.Vertical)

    def _restore_layout(self) -> bool:
        """Restore the saved geometry and dock arrangement; False when there was none."""
        geometry = self._settings.value("window/geometry")
        state = self._settings.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        return isinstance(state, QByteArray) and self.restoreState(state, LAYOUT_VERSION)

    def _restore_book_depths(self) -> None:
        """The ladder's and the depth chart's levels as last saved (anything else saved: the defaults stay)."""
        book = _saved_choice(self._settings.value("panels/book_depth"), LADDER_CHOICES)
        depth = _saved_choice(self._settings.value("panels/depth_chart_depth"), tuple(c or 0 for c in DEPTH_CHOICES))
        if book is not None:
            self.book.set_depth(book)
        if depth is not None:
            self.depth.set_depth(depth or None)

    def reset_layout(self) -> None:
        self.restoreState(self._default_state, LAYOUT_VERSION)
        for dock in self.docks.values():
            dock.show()
        self._size_default_docks()

    def save_layout(self) -> None:
        self._settings.setValue("window/geometry", self.saveGeometry())
        self._settings.setValue("window/state", self.saveState(LAYOUT_VERSION))
        self._settings.setValue("panels/book_depth", self.book.depth)
        self._settings.setValue("panels/depth_chart_depth", self.depth.depth or 0)  # 0: every level
        self._settings.sync()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        QTimer.singleShot(0, self.fit_columns)  # after the docks took their new sizes

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._layout_restored:  # no saved layout: the default proportions, once the window has its size
            self._layout_restored = True
            QTimer.singleShot(0, self._size_default_docks)
        message = self.statusBar().currentMessage()
        if message:  # said before the window showed: Qt would draw it over the feeds' summary
            self.statusBar().clearMessage()  # (the same text again would be ignored)
            self.statusBar().showMessage(message, STARTUP_MESSAGE_MS)

    def closeEvent(self, event) -> None:
        self.save_layout()
        self.repaint_timer.stop()
        self.step_timer.stop()
        for dialog in self.dialogs:
            dialog.close()
        super().closeEvent(event)

    # --- Menus and shortcuts ----------------------------------------------------------

    def _action(self, text: str, slot, shortcut: QKeySequence | str | None = None, icon_name: str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        if icon_name:
            action.setData(icon_name)
        self.addAction(action)
        return action

    def add_menu(self, key: str, title: str, *, before: str | None = "help") -> QMenu:
        """A new menu in the menu bar under ``key``, placed before the menu ``before`` (Help stays last)."""
        menu = QMenu(title, self)
        anchor = self.menus.get(before) if before else None
        if anchor is not None:
            self.menuBar().insertMenu(anchor.menuAction(), menu)
        else:
            self.menuBar().addMenu(menu)
        self.menus[key] = menu
        return menu

    def menu(self, key: str) -> QMenu:
        """The menu under ``key``: "file", "feeds", "chart", "view", "panels", "help", or one added with :meth:`add_menu`."""
        return self.menus[key]

    def _build_menus(self) -> None:
        file_menu = self.add_menu("file", "&File", before=None)
        self.quit_action = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit, "quit")
        file_menu.addAction(self.quit_action)

        feeds_menu = self.add_menu("feeds", "F&eeds", before=None)
        self.subscriptions_action = self._action("&Subscriptions…", self.open_subscriptions, "Ctrl+Shift+S", "subscriptions")
        feeds_menu.addAction(self.subscriptions_action)

        self._build_chart_menu()

        view_menu = self.add_menu("view", "&View", before=None)
        self.filter_action = self._action("Find symbol", self._focus_filter, QKeySequence.StandardKey.Find)
        view_menu.addAction(self.filter_action)
        self.symbol_search_action = self._action("&Open symbol…", self.open_symbol_search, "Ctrl+K")
        view_menu.addAction(self.symbol_search_action)
        self.reset_layout_action = self._action("&Reset layout", self.reset_layout, "Ctrl+Shift+R", "layout-reset")
        view_menu.addAction(self.reset_layout_action)
        self._build_grid_menu(view_menu)
        theme_menu = view_menu.addMenu("&Theme")
        self.theme_actions = QActionGroup(self)
        for choice in ("system", "dark", "light"):
            action = QAction(choice.capitalize(), self, checkable=True, checked=choice == self.config.theme)
            action.triggered.connect(lambda _=False, c=choice: self.choose_theme(c))
            self.theme_actions.addAction(action)
            theme_menu.addAction(action)
        self.toggle_theme_action = self._action("Toggle dark/light", self._toggle_theme, "Ctrl+Shift+T", "theme")
        theme_menu.addAction(self.toggle_theme_action)
        view_menu.addSeparator()
        self.menus["panels"] = view_menu.addMenu("&Panels")

        help_menu = self.add_menu("help", "&Help", before=None)
        self.log_action = self._action("Open &log folder", self._open_log_folder, None, "log")
        help_menu.addAction(self.log_action)
        self.about_action = self._action("&About TradeDash", self.open_about, QKeySequence.StandardKey.HelpContents, "about")
        help_menu.addAction(self.about_action)

    def _build_chart_menu(self) -> None:
        """The Chart menu, acting on the focused chart: its mode, interval and price scale (checked as that
        chart has them when the menu opens) and its indicators (the chart's own menu, made when opened)."""
        chart_menu = self.add_menu("chart", "&Chart", before=None)
        self.follow_action = self._action("&Follow live", lambda: self.focused_chart.set_follow(True), "End", "follow")
        chart_menu.addAction(self.follow_action)
        #: The Chart menu's checkable choices by what they choose: ("mode", "line"), ("interval", "1m"), ("scale", "log").
        self.chart_choices: dict[tuple[str, str], QAction] = {}
        choices = (
            ("mode", [("line", "&Line", "L", "line-chart"), ("candles", "&Candlesticks", "C", "candles")]),
            ("interval", [(i, f"Interval {i}", f"Ctrl+{n}", None) for n, i in enumerate(INTERVALS, start=1)]),
            ("scale", [("linear", "Linear price scale", None, None), ("log", "Logarithmic price scale", None, None),
                       ("percent", "Percent price scale", None, None)]),
        )
        setters = {"mode": "set_mode", "interval": "set_interval", "scale": "set_scale"}
        for kind, entries in choices:
            chart_menu.addSeparator()
            group = QActionGroup(self)
            for value, label, shortcut, icon_name in entries:
                slot = lambda _=False, k=kind, v=value: getattr(self.focused_chart, setters[k])(v)  # noqa: E731
                action = self._action(label, slot, shortcut, icon_name)
                action.setCheckable(True)
                group.addAction(action)
                chart_menu.addAction(action)
                self.chart_choices[(kind, value)] = action
        chart_menu.addSeparator()
        self.chart_indicators_menu = chart_menu.addMenu("&Indicators")
        self.chart_indicators_menu.aboutToShow.connect(self._fill_chart_indicators)
        chart_menu.aboutToShow.connect(self._check_chart_choices)

    def _check_chart_choices(self) -> None:
        chart = self.focused_chart
        for key in (("mode", chart.mode), ("interval", chart.interval), ("scale", chart.scale.kind)):
            if key in self.chart_choices:
                self.chart_choices[key].setChecked(True)

    def _fill_chart_indicators(self) -> None:
        self.chart_indicators_menu.clear()
        self.focused_chart.add_chart_actions(self.chart_indicators_menu)

    def _build_grid_menu(self, view_menu: QMenu) -> None:
        charts_menu = view_menu.addMenu("C&harts")
        self.grid_actions: dict[int, QAction] = {}
        group = QActionGroup(self)
        for count, label in ((1, "&One chart"), (2, "&Two charts"), (4, "&Four charts (2x2)")):
            action = self._action(label, lambda _=False, n=count: self.set_chart_count(n), f"Alt+{count}")
            action.setCheckable(True)
            action.setChecked(count == 1)
            group.addAction(action)
            charts_menu.addAction(action)
            self.grid_actions[count] = action
        self.next_chart_action = self._action("Focus &next chart", lambda: self.chart_grid.focus_next(), "F6")
        charts_menu.addAction(self.next_chart_action)
        charts_menu.addSeparator()
        self.link_crosshair_action = self._action("Link &crosshair", self._apply_links)
        self.link_range_action = self._action("Link time &range", self._apply_links)
        for action in (self.link_crosshair_action, self.link_range_action):
            action.setCheckable(True)
            charts_menu.addAction(action)

    def _focus_filter(self) -> None:
        self.docks["watchlist"].show()
        self.docks["watchlist"].raise_()
        self.watchlist.filter.setFocus()
        self.watchlist.filter.selectAll()

    def _open_log_folder(self) -> None:
        if self._log_path:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(self._log_path).parent)))

    # --- Dialogs (opened with open(), never exec(), so the asyncio loop keeps running) ---

    def open_subscriptions(self) -> SubscriptionDialog:
        dialog = SubscriptionDialog(
            self.config, self._listed_symbols, self, fetch_symbols=partial(fetch_symbol_list, budgets=self._rest_budgets)
        )
        dialog.applied.connect(self._apply_config)
        self.open_dialog(dialog)
        return dialog

    def open_symbol_search(self) -> SymbolSearchPopup:
        """The quick symbol search over every feed's symbols; the one chosen opens in the focused chart
        (see :meth:`open_searched_symbol`)."""
        popup = SymbolSearchPopup(lambda: searchable_symbols(self.feeds), self, label=self._label)
        popup.chosen.connect(self.open_searched_symbol)
        geometry = self.geometry()
        popup.move(geometry.center().x() - popup.width() // 2, geometry.top() + 80)
        self.open_dialog(popup)
        return popup

    def open_searched_symbol(self, ref: SymbolRef) -> None:
        """Open ``ref`` in the focused chart. A symbol its feed lists but is not subscribed to is added
        to that feed's symbols first, as the Subscriptions dialog would: ``config_applied`` (the app
        subscribes it live and saves the config), so the chart gets live bars and the watchlist a row."""
        feed = next((f for f in self.feeds if f.name == ref.feed), None)
        if feed is None:
            return
        subscribed = {subscription.symbol for subscription in feed.client.subscriptions}
        if ref.symbol not in subscribed and ref.symbol not in feed.config.symbols:
            feeds = [
                msgspec.structs.replace(config, symbols=[*config.symbols, ref.symbol]) if config.name == ref.feed else config
                for config in self.config.feeds
            ]
            self._apply_config(msgspec.structs.replace(self.config, feeds=feeds))
            self.statusBar().showMessage(
                f"Subscribed to {ref.symbol} on {ref.feed} (kept in the config; Feeds ▸ Subscriptions removes it)", 10_000
            )
        self._open_in_chart(ref)
        down = _down_reason(feed)
        if down is not None:
            self.statusBar().showMessage(f"{ref.symbol}: feed {ref.feed} {down}; no live data until it is live", 15_000)

    def open_about(self) -> AboutDialog:
        dialog = AboutDialog(self._config_path, self._log_path, self)
        self.open_dialog(dialog)
        return dialog

    def open_dialog(self, dialog: QWidget) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialogs.append(dialog)
        dialog.destroyed.connect(lambda _=None, d=dialog: self.dialogs.remove(d) if d in self.dialogs else None)
        dialog.open()

    def _listed_symbols(self, feed_name: str) -> list[str] | None:
        feed = next((f for f in self.feeds if f.name == feed_name), None)
        if feed is None or not feed.client.symbols:
            return None
        return [info.symbol for info in feed.client.symbols]

    def _apply_config(self, config: Config) -> None:
        self.config = config
        self.config_applied.emit(config)

    # --- Theme ------------------------------------------------------------------------

    def choose_theme(self, choice: str) -> None:
        self.config = msgspec.structs.replace(self.config, theme=choice)
        for action in self.theme_actions.actions():
            action.setChecked(action.text().lower() == choice)
        self.apply_theme(resolve_theme(choice))
        self.theme_chosen.emit(choice)

    def _toggle_theme(self) -> None:
        self.choose_theme("light" if self.theme.name == "dark" else "dark")

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, theme)
        self.watchlist_model.set_theme(theme)
        self.chart_grid.set_theme(theme)
        self.book.set_theme(theme)
        self.trades.set_theme(theme)
        self.depth.set_theme(theme)
        self.health.model.set_theme(theme)
        for action in self.findChildren(QAction):
            if isinstance(action.data(), str):
                action.setIcon(icon(action.data(), theme.text))
        self.setWindowIcon(icon("app", theme.accent))

    # --- Painting ---------------------------------------------------------------------

    def show_symbol(self, ref: SymbolRef) -> None:
        feed = next((f for f in self.feeds if f.name == ref.feed), None)
        if feed is None:
            return
        self._shown_feed = feed
        self.focused_chart.set_symbol(feed, ref.symbol)
        self.book.set_symbol(feed, ref.symbol)
        self.trades.set_symbol(feed, ref.symbol)
        self.depth.set_symbol(feed, ref.symbol)

    def _show_again_or_first(self) -> None:
        """The shown (or saved) symbol again if a feed of that name runs and subscribes to it, even
        before its first message (a restarted or slower feed: another feed's rows may come first),
        else the first row."""
        shown = self.focused_chart.symbol or self._wanted_symbol
        if shown is not None and (self.watchlist_model.row_of(shown) >= 0 or self._subscribed(shown)):
            ref = shown
        elif self.watchlist_model.rowCount():
            ref = self.watchlist_model.ref_at(0)
        else:
            return
        self.watchlist.select(ref)
        self.show_symbol(ref)

    def _label(self, ref: SymbolRef) -> str:
        return self.symbol_label(ref.feed, ref.symbol)

    def symbol_label(self, feed_name: str, symbol: str) -> str:
        """``symbol`` of the feed ``feed_name`` as the window shows it (:meth:`RunningFeed.label`);
        as it is when no such feed runs."""
        feed = next((f for f in self.feeds if f.name == feed_name), None)
        return feed.label(symbol) if feed is not None else symbol

    def _subscribed(self, ref: SymbolRef) -> bool:
        return any(feed.name == ref.feed and ref.symbol in feed.config.symbols for feed in self.feeds)

    def _restore_chart_state(self, config: Config) -> None:
        """Show the chart as the config left it (interval, mode, scale, indicators; its symbol once listed)."""
        try:
            state = ChartState.from_dict(config.chart)
        except ValueError as error:
            logging.getLogger(__name__).warning("config: chart settings not restored: %s", error)
            state = ChartState()
        self.chart.apply_state(state)
        self._wanted_symbol = SymbolRef(state.feed, state.symbol) if state.feed and state.symbol else None

    @property
    def focused_chart(self) -> PriceChart:
        """The chart the Chart menu, the watchlist and the symbol search act on."""
        return self.chart_grid.focused

    def set_chart_count(self, count: int) -> None:
        """Split the chart area into ``count`` charts (1, 2 or 4); a new chart opens a symbol not shown yet."""
        if count not in GRIDS:
            raise ValueError(f"the chart area shows 1, 2 or 4 charts, not {count!r}")
        made = self.chart_grid.set_count(count)
        self.grid_actions[count].setChecked(True)
        shown = {chart.symbol for chart in self.chart_grid.charts}
        rows = [self.watchlist_model.ref_at(row) for row in range(self.watchlist_model.rowCount())]
        free = [ref for ref in rows if ref not in shown] or rows
        for chart, ref in zip(made, free * len(made)):
            feed = next((f for f in self.feeds if f.name == ref.feed), None)
            if feed is not None:
                chart.set_symbol(feed, ref.symbol)

    def workspace(self, name: str) -> Workspace:
        """What the window shows now, as a workspace called ``name``: its charts, focus, links and panel layout."""
        grid = self.chart_grid
        return Workspace(
            name, tuple(grid.states()), grid.shown.index(grid.focused),
            grid.link_crosshair, grid.link_time_range, bytes(self.saveState(LAYOUT_VERSION).data()),
            self.book.depth, self.depth.depth,
        )

    def apply_workspace(self, workspace: Workspace) -> None:
        """Show ``workspace``: its grid, each chart's state (a symbol whose feed is not running is left
        as it was), the focused chart, the links, the book depths and the panel layout (kept as it is if
        it does not fit)."""
        self.set_chart_count(len(workspace.charts))
        feeds = {feed.name: feed for feed in self.feeds}
        for chart, state in zip(self.chart_grid.shown, workspace.charts):
            chart.apply_state(state, feeds.get(state.feed or ""))
        self.link_crosshair_action.setChecked(workspace.link_crosshair)
        self.link_range_action.setChecked(workspace.link_time_range)
        self._apply_links()
        self.chart_grid.set_focused(self.chart_grid.shown[workspace.focused])
        self._chart_focused(self.focused_chart)
        self.book.set_depth(workspace.book_depth)
        self.depth.set_depth(workspace.depth_chart_depth)
        if workspace.layout:
            self.restoreState(QByteArray(workspace.layout), LAYOUT_VERSION)

    def _apply_links(self) -> None:
        self.chart_grid.set_links(self.link_crosshair_action.isChecked(), self.link_range_action.isChecked())

    def _chart_focused(self, chart: PriceChart) -> None:
        """The book, trades, depth and the watchlist's selection follow the focused chart's symbol."""
        ref, feed = chart.symbol, chart.feed
        if ref is None or feed is None:
            return
        self._shown_feed = feed
        self.watchlist.select(ref)
        self.book.set_symbol(feed, ref.symbol)
        self.trades.set_symbol(feed, ref.symbol)
        self.depth.set_symbol(feed, ref.symbol)

    def _open_in_chart(self, ref: SymbolRef) -> None:
        self.show_symbol(ref)
        self.docks["chart"].show()
        self.docks["chart"].raise_()

    def refresh(self) -> None:
        """A whole repaint tick at once (the timer spreads :meth:`tick_steps` over the tick)."""
        for step in self.tick_steps():
            step()

    def tick_steps(self) -> list[Callable[[], None]]:
        """A repaint tick's work in the order the timer does it: the lists (watchlist, feed health),
        the charted symbol's book (or depth chart), its trades, the focused chart, one other chart."""
        return [self.refresh_lists, self.refresh_book, self.trades.refresh, self.chart_grid.refresh_focused, self.chart_grid.refresh_other]

    def _tick(self) -> None:
        for step in self._steps_left:  # the loop was too late for the last tick's steps: now, before this tick's
            step()
        self._steps_left = self.tick_steps()
        self._next_step()

    def _next_step(self) -> None:
        if self._steps_left:
            self._steps_left.pop(0)()
        if self._steps_left:
            self.step_timer.start()

    def refresh_lists(self) -> None:
        """The watchlist and (a few times a second) feed health and the status line; counts the tick in
        :attr:`repaints`."""
        self.watchlist_model.refresh()
        if not any(feed is self._shown_feed for feed in self.feeds):  # none yet, or its feed stopped or restarted
            self._show_again_or_first()
            self.chart_grid.rebind(self.feeds)
        if self.repaints % self._health_every == 0:
            self.health.refresh()
            self._refresh_status()
        if self.repaints % self._fit_every == 0:
            self.fit_columns()
        elif self.watchlist_model.widened:  # a longer number than before: fit now, not within a second
            fit_columns(self.watchlist.table, WATCHLIST_DROP_ORDER)
        self.watchlist_model.widened = False
        self.repaints += 1

    def refresh_book(self) -> None:
        """The charted symbol's book and (when on screen) depth chart."""
        self._want_book_depth()
        self.book.refresh()
        if not self.depth.visibleRegion().isEmpty():  # behind the book's tab Qt still calls it visible: not drawn
            self.depth.refresh()

    def _want_book_depth(self) -> None:
        """Emit ``book_depths_wanted`` when the levels the ladder and the depth chart need of their
        symbol's book changed: the most either shows while on screen (the depth chart's "every level":
        the most the ladder offers); no more than the ladder's default: no wish."""
        feed, symbol = self._shown_feed, self.book.model.symbol
        # On screen: a dock behind another's tab is still "visible" to Qt, only moved out of sight.
        needs = [self.book.depth] if not self.book.visibleRegion().isEmpty() else []
        if not self.depth.visibleRegion().isEmpty():
            needs.append(self.depth.depth or LADDER_CHOICES[-1])
        levels = max(needs, default=LADDER_DEFAULT)
        name = feed.name if feed is not None else ""
        wish = (name, {symbol: levels}) if symbol is not None and levels > LADDER_DEFAULT else (name, {})
        if wish != self._book_wish:
            self._book_wish = wish
            self.book_depths_wanted.emit(*wish)

    def fit_columns(self) -> None:
        """Size table columns to what they show, hiding the least needed ones where a panel is too
        narrow for all (once a second and on resizes, not on every change: it measures text)."""
        fit_columns(self.watchlist.table, WATCHLIST_DROP_ORDER)
        fit_columns(self.trades, TRADES_DROP_ORDER)
        fit_columns(self.health.table, HEALTH_DROP_ORDER)

    def _refresh_status(self) -> None:
        states = [feed.client.state for feed in self.feeds]
        worst = max(states, key=_severity) if states else None
        self.status_light.set_colour(state_colour(worst, self.theme) if worst else self.theme.muted)
        self.status_text.setText(status_summary(self.feeds))


def _down_reason(feed: RunningFeed) -> str | None:
    """Why ``feed`` gives no live data now, in words for the status bar (None: it is live or catching up)."""
    client = feed.client
    if client.fatal_reason is not None:
        return f"stopped: {client.fatal_reason}"
    if client.state in (FeedState.LIVE, FeedState.STALE, FeedState.RESYNCING):
        return None
    error = client.stats.last_error
    return f"is {client.state.value}" + (f" ({error})" if error else "")


_SEVERITY = [FeedState.LIVE, FeedState.STALE, FeedState.RESYNCING, FeedState.CONNECTING, FeedState.CLOSED, FeedState.BACKING_OFF]


def _severity(state: FeedState) -> int:
    return _SEVERITY.index(state)


def _saved_choice(value: object, choices: tuple[int, ...]) -> int | None:
    """A number saved in the layout file (QSettings gives text) if it is one of ``choices``, else None."""
    try:
        number = int(str(value))
    except ValueError:
        return None
    return number if number in choices else None
