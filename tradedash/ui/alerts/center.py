"""Alerts in the app: the engine fed by the feeds, the panel, banner, tray, sound and chart, kept on disk.

This is the one place the alert parts meet; the composition root only creates
it (on the window, in one step) and feeds it messages.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import msgspec
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QToolBar, QVBoxLayout, QWidget

from tradedash.core import wire
from tradedash.core.alerts.rules import AlertRule, Firing, PriceCross, new_rule_id
from tradedash.core.alerts.store import AlertStore, export_csv
from tradedash.core.alerts.engine import AlertEngine
from tradedash.core.feed.lifecycle import FeedState, LifecycleView
from tradedash.core.market.state import MarketState
from tradedash.ui.alerts.chart_layer import ChartAlerts
from tradedash.ui.alerts.editor import AlertEditor
from tradedash.ui.alerts.models import HistoryModel, RulesModel
from tradedash.ui.alerts.notifications import AlertBanner, Notifier
from tradedash.ui.alerts.panel import AlertsPanel
from tradedash.ui.formatting import decimals_for_tick, round_to_tick
from tradedash.ui.main_window import MainWindow
from tradedash.ui.panels.chart import PriceChart

__all__ = ["AlertCenter", "TICK_MS", "HISTORY_SAVE_INTERVAL"]

log = logging.getLogger("tradedash.alerts")

#: How often time-driven rules are judged, notifications go out and the views repaint.
TICK_MS = 250
#: The history file is written at most this often (seconds): a burst of firings is one write.
HISTORY_SAVE_INTERVAL = 2.0


class _Feed:
    """One attached feed: its lifecycle, its listed symbols and its market (for resyncing books)."""

    def __init__(self, lifecycle: LifecycleView, symbols: Callable[[], list[wire.SymbolInfo]], market: MarketState) -> None:
        self.lifecycle = lifecycle
        self.symbols = symbols
        self.market = market
        self.resyncing: frozenset[str] = frozenset()


class AlertCenter(QObject):
    """Owns the alert engine and everything that shows or keeps its rules and firings.

    Contract: made on a window in one step: it loads rules, settings and history
    from ``store`` (problems are in :attr:`problems` and shown in the banner),
    and adds to ``window`` a banner across the top, the Alerts panel as a dock,
    an Alerts menu and a layer (:class:`ChartAlerts`) on every chart of the
    window's grid, made now or later: each draws the levels and firings of the
    symbol its own chart shows and offers rules at that symbol in its menu.
    ``symbol_of(chart)`` says which (feed, symbol) a chart shows (default: its
    ``symbol``); the editor opened from the Alerts menu starts on the focused
    chart's. Rules are
    written back within one tick of every change, the history at most every
    ``HISTORY_SAVE_INTERVAL`` seconds, both on :meth:`close`. A feed attached with
    :meth:`attach_feed` passes every market message to the callable :meth:`observer`
    gives for it.
    Firings are announced (banner, tray, sound) and painted on a ``TICK_MS``
    timer, never per message; ``fired`` is emitted for each.
    """

    fired = Signal(object)

    def __init__(
        self,
        store: AlertStore,
        window: MainWindow,
        *,
        symbol_of: Callable[[PriceChart], tuple[str, str] | None] | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        loaded = store.load()
        self.problems = loaded.problems
        for problem in self.problems:
            log.warning("alerts: %s", problem)
        self.settings = loaded.settings
        self._feeds: dict[str, _Feed] = {}
        # A rule made now is judged against the last price the window shows (the one the user saw).
        # Symbols are written as the window shows them (``BTC-USDT · Binance``); rules keep the venue's name.
        self.engine = AlertEngine(
            loaded.rules, loaded.history, history_limit=store.history_limit, last_price=self.last_price, label=window.symbol_label
        )
        self._pending: list[Firing] = []
        self.engine.add_listener(self._pending.append)
        self._saved_rules, self._saved_fired = self.engine.rules_version, self.engine.fired_count
        self._history_saved_at = float("-inf")
        self.rules_model = RulesModel(self.engine, self.set_enabled)
        self.history_model = HistoryModel(self.engine)
        self.window = window
        self._symbol_of: Callable[[PriceChart], tuple[str, str] | None] = symbol_of or (lambda chart: chart.symbol)
        #: The alert layer of each chart of the window's grid (shown or hidden), in the grid's order.
        self.layers: dict[PriceChart, ChartAlerts] = {}
        self.editor: AlertEditor | None = None

        self.banner = AlertBanner()
        self._add_banner_bar(window)
        self.panel = AlertsPanel(self.rules_model, self.history_model, self, sound=self.settings.sound)
        dock = window.add_dock("alerts", "Alerts", self.panel, Qt.DockWidgetArea.LeftDockWidgetArea, height_share=0.24)
        self.banner.clicked_history.connect(lambda: (dock.show(), dock.raise_()))
        menu = window.add_menu("alerts", "&Alerts")
        new_action = QAction("&New alert…", window)
        new_action.triggered.connect(lambda: self.open_editor())
        menu.addAction(new_action)
        menu.addAction(dock.toggleViewAction())
        self.notifier = Notifier(window, sound=self.settings.sound)
        for chart in window.chart_grid.charts:
            self._add_layer(chart)
        window.chart_grid.chart_added.connect(self._add_layer)
        if self.problems:
            self.banner.show_text("Alert files had problems: " + " | ".join(self.problems))

        self.timer = QTimer(self, interval=TICK_MS)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        self.tick()

    # --- Charts ---------------------------------------------------------------------------

    def _add_layer(self, chart: PriceChart) -> None:
        """Draw the alerts of whatever ``chart`` shows on it, and add the alert actions to its menu."""
        layer = ChartAlerts(
            chart.price_plot, self.engine, lambda: self._symbol_of(chart), self.decimals, self.round_price, lambda: chart.scale
        )
        layer.level_moved.connect(self.move_level)
        layer.rule_requested.connect(self.rule_from_chart)
        chart.menu_layers.append(layer.add_to_menu)
        chart.symbol_changed.connect(lambda _ref: layer.refresh())  # the new symbol's levels at once, not at the next tick
        self.layers[chart] = layer

    @property
    def chart(self) -> ChartAlerts:
        """The alert layer of the focused chart."""
        return self.layers[self.window.focused_chart]

    def _current(self) -> tuple[str, str] | None:
        """The (feed, symbol) the focused chart shows, or None."""
        return self._symbol_of(self.window.focused_chart)

    def _add_banner_bar(self, window: MainWindow) -> None:
        """The banner in a fixed tool bar across the top of the window, shown only while it has news."""
        bar = QToolBar("Alert banner", window)
        bar.setObjectName("alertBannerBar")
        bar.setMovable(False)
        bar.setFloatable(False)
        bar.toggleViewAction().setVisible(False)
        bar.setStyleSheet("QToolBar { border: 0; padding: 0; spacing: 0; }")
        holder = QWidget()  # the bar controls the visibility of a widget added to it; the holder's child is free
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.banner)
        bar.addWidget(holder)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.banner.visibility_changed.connect(bar.setVisible)
        bar.setVisible(False)

    # --- Feeds ----------------------------------------------------------------------------

    def attach_feed(
        self, name: str, lifecycle: LifecycleView, symbols: Callable[[], list[wire.SymbolInfo]], market: MarketState
    ) -> None:
        """Follow a feed's state and its market's resyncing books (a feed of the same name is replaced).

        ``lifecycle`` is the whole feed's: for a feed of several connections (a
        :class:`~tradedash.net.sharded_feed.ShardedFeed`) its
        :class:`~tradedash.core.feed.lifecycle.CombinedLifecycle`, the worst connection's state, so that
        every rule of the feed is suspended while any one connection is down, stale or resyncing, as for
        a feed of one connection. ``market`` is the feed's one market: its resyncing books suspend the
        rules of their symbols."""
        self._feeds[name] = _Feed(lifecycle, symbols, market)
        lifecycle.add_listener(lambda _old, new: self._feed_state_changed(name, lifecycle, new))
        self.engine.set_feed_state(lifecycle.state, name)

    def detach_feed(self, name: str) -> None:
        """Forget a stopped feed: its rules stay, suspended, until a feed of that name is attached."""
        if self._feeds.pop(name, None) is not None:
            self.engine.set_feed_state(FeedState.CLOSED, name)

    def _feed_state_changed(self, name: str, lifecycle: LifecycleView, state: FeedState) -> None:
        feed = self._feeds.get(name)
        if feed is not None and feed.lifecycle is lifecycle:  # not a replaced or stopped client's late news
            self.engine.set_feed_state(state, name)

    def explain_absent_feeds(self, why: str) -> str | None:
        """Tell the user (banner, log) which rules watch a feed that is not running, and ``why``
        it is not (e.g. the feeds came from the command line). Returns the text, or None when
        every rule's feed runs."""
        absent = sorted({rule.feed for rule in self.engine.rules} - set(self._feeds))
        if not absent:
            return None
        count = sum(rule.feed in absent for rule in self.engine.rules)
        names = ", ".join(repr(name) for name in absent)
        text = (
            f"{count} alert rule{'s' if count != 1 else ''} watch{'' if count != 1 else 'es'} the feed {names}, which is not"
            f" running: {why}. They wait until it runs again."
        )
        log.info("alerts: %s", text)
        self.banner.show_text(" | ".join([*self.problems, text]) if self.problems else text)
        return text

    def observer(self, feed: str) -> Callable[[wire.MarketMessage], object]:
        """What a feed calls with each market message it applied: the engine's ``on_message`` for ``feed``."""
        on_message = self.engine.on_message
        return lambda message: on_message(message, feed)  # half the cost of a partial with a keyword

    def _poll_resyncing(self) -> None:
        for name, feed in self._feeds.items():
            now = frozenset(feed.market.resyncing_symbols())
            if now != feed.resyncing:
                feed.resyncing = now
                self.engine.set_resyncing(now, name)

    def feed_names(self) -> list[str]:
        return list(self._feeds) or [""]

    def symbols(self, feed: str | None = None) -> list[str]:
        names = [feed] if feed is not None else list(self._feeds)
        found: list[str] = []
        for name in names:
            if name in self._feeds:
                found += [info.symbol for info in self._feeds[name].symbols() if info.symbol not in found]
        return found

    def tick_size(self, feed: str, symbol: str) -> float | None:
        """``symbol``'s tick size as ``feed``'s exchange lists it, or None before it is listed."""
        if feed in self._feeds:
            for info in self._feeds[feed].symbols():
                if info.symbol == symbol:
                    return info.tick_size
        return None

    def decimals(self, feed: str, symbol: str) -> int:
        tick = self.tick_size(feed, symbol)
        return decimals_for_tick(tick) if tick else 2

    def round_price(self, feed: str, symbol: str, price: float) -> float:
        """``price`` on ``symbol``'s tick grid (a level picked on the chart is a price the exchange can print)."""
        return round_to_tick(price, self.tick_size(feed, symbol))

    def last_price(self, feed: str, symbol: str) -> float | None:
        """The last price of ``symbol`` on ``feed`` as the window shows it, or None while it has none."""
        quote = self.quote(feed, symbol)
        return None if quote is None else quote[0]

    def quote(self, feed: str, symbol: str) -> tuple[float, float] | None:
        """(last price, tick size) of ``symbol`` on ``feed``, or None while it has no price."""
        state = self._feeds[feed].market.symbols.get(symbol) if feed in self._feeds else None
        if state is None or state.ticker is None:
            return None
        return state.ticker.last, self.tick_size(feed, symbol) or 0.01

    # --- Rules ----------------------------------------------------------------------------

    def put_rule(self, rule: AlertRule) -> None:
        self.engine.put(rule)
        self.tick()
        self.panel.select_rule(rule.id)

    def set_enabled(self, rule_id: str, on: bool) -> None:
        self.engine.set_enabled(rule_id, on)

    def duplicate_rule(self, rule_id: str) -> None:
        rule = self.engine.rule(rule_id)
        name = f"{rule.name} (copy)" if rule.name else ""
        self.put_rule(msgspec.structs.replace(rule, id=new_rule_id(), name=name))

    def remove_rule(self, rule_id: str) -> None:
        self.engine.remove(rule_id)
        self.tick()

    def move_level(self, rule_id: str, field: str, value: float) -> None:
        """A level dragged on the chart: change that rule, or put the line back if the value is refused."""
        try:
            self.engine.put(msgspec.structs.replace(self.engine.rule(rule_id), **{field: value}))
        except ValueError as exc:
            self.window.statusBar().showMessage(f"Alert level not changed: {exc}", 8000)
            for layer in self.layers.values():  # the line dragged may be on any chart showing that symbol
                layer.invalidate()
        self.tick()

    def open_editor(
        self, rule: AlertRule | None = None, *, price: float | None = None, symbol: tuple[str, str] | None = None
    ) -> AlertEditor:
        """Open the editor (non-modal, ``open()``) on ``rule``, or on a new rule at ``price`` on ``symbol``
        ((feed, symbol); default: the focused chart's)."""
        current = symbol or self._current()
        feed = current[0] if current else self.feed_names()[0]
        if rule is not None:
            feed = rule.feed
        editor = AlertEditor(
            rule,
            symbols=self.symbols(feed),
            feeds=self.feed_names(),
            quote=self.quote,
            shown=lambda symbol: self.window.symbol_label(feed, symbol),
            parent=self.window,
        )
        if rule is None and current is not None:
            editor.feed.setCurrentIndex(max(0, editor.feed.findData(current[0])))
            editor.set_symbol(current[1])
        if price is not None:
            editor.set_number("level", price)
        editor.rule_accepted.connect(self.put_rule)
        editor.finished.connect(lambda _result: self._editor_closed(editor))
        self.editor = editor
        editor.open()
        return editor

    def _editor_closed(self, editor: AlertEditor) -> None:
        if self.editor is editor:
            self.editor = None
        editor.deleteLater()

    def rule_from_chart(self, request: str, feed: str, symbol: str, price: float) -> None:
        """A rule asked for in a chart's menu: ``above``/``below`` ``price`` on ``symbol``, or the editor there."""
        level = self.round_price(feed, symbol, price)
        if request == "editor":
            self.open_editor(price=level, symbol=(feed, symbol))
        else:
            self.put_rule(PriceCross(id=new_rule_id(), feed=feed, symbol=symbol, direction=request, level=level))

    # --- Settings and history -------------------------------------------------------------

    def set_sound(self, on: bool) -> None:
        self.settings.sound = on
        self.notifier.sound = on
        self.store.save_rules(self.engine.rules, self.settings)

    def export_history(self, path: str) -> None:
        count = export_csv(self.engine.history, path)
        self.window.statusBar().showMessage(f"Exported {count} alert firings to {path}", 8000)

    # --- The tick -------------------------------------------------------------------------

    def tick(self) -> None:
        self._poll_resyncing()
        self.engine.tick()
        pending, self._pending[:] = list(self._pending), []
        for firing in pending:
            self.banner.show_firing(firing)
            self.fired.emit(firing)
        if pending:
            self.notifier.notify(pending[-1])
        self.rules_model.refresh()
        self.history_model.refresh()
        for layer in self.layers.values():
            layer.refresh()
        self._save_if_changed()

    def _save_if_changed(self, *, now: bool = False) -> None:
        """Write the rules when they changed; the history too, at most every ``HISTORY_SAVE_INTERVAL`` unless ``now``."""
        rules_version, fired_count = self.engine.rules_version, self.engine.fired_count
        history_due = now or time.monotonic() - self._history_saved_at >= HISTORY_SAVE_INTERVAL
        try:
            if rules_version != self._saved_rules:
                self._saved_rules = rules_version  # a failing disk is reported once per change, not every tick
                self.store.save_rules(self.engine.rules, self.settings)
            if fired_count != self._saved_fired and history_due:
                self._saved_fired, self._history_saved_at = fired_count, time.monotonic()
                self.store.save_history(self.engine.history)
        except OSError as exc:
            log.error("alerts: cannot save to %s: %s", self.store.directory, exc)
            self.window.statusBar().showMessage(f"Alerts not saved: {exc}", 8000)

    def close(self) -> None:
        """Stop the timer, save what changed, and take the tray icon away."""
        self.timer.stop()
        self._save_if_changed(now=True)
        self.notifier.close()
        if self.editor is not None:
            self.editor.close()
