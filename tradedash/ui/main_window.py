"""The main window: watchlist, chart and status bar, repainted from state on a timer."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHeaderView, QLabel, QMainWindow, QSplitter, QTableView

from tradedash.core.lifecycle import FeedState
from tradedash.core.market import MarketState
from tradedash.net.feed_client import FeedClient

from .formatting import decimals_for_tick
from .price_chart import PriceChart
from .watchlist_model import WatchlistModel

__all__ = ["MainWindow", "REPAINT_HZ"]

REPAINT_HZ = 30
_STATE_COLOURS = {
    FeedState.LIVE: "#26a69a",
    FeedState.STALE: "#ffb300",
    FeedState.RESYNCING: "#ffb300",
    FeedState.CONNECTING: "#ffb300",
    FeedState.BACKING_OFF: "#ef5350",
    FeedState.CLOSED: "#78909c",
}


class MainWindow(QMainWindow):
    """Shows one feed's market: a watchlist, the selected symbol's chart and the feed state.

    Contract: widgets read :class:`MarketState` and the :class:`FeedClient`'s
    lifecycle and statistics on a ``REPAINT_HZ`` timer; nothing repaints per message.
    """

    def __init__(self, market: MarketState, feed: FeedClient) -> None:
        super().__init__()
        self._market = market
        self._feed = feed
        self.setWindowTitle("TradeDash")
        self.resize(1200, 700)

        self.watchlist = WatchlistModel(market, self._decimals)
        self.table = QTableView()
        self.table.setModel(self.watchlist)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setAlternatingRowColors(True)
        self.table.clicked.connect(self._show_row)
        self.chart = PriceChart(market)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.chart)
        splitter.setSizes([480, 720])
        self.setCentralWidget(splitter)

        self.state_label = QLabel()
        self.rate_label = QLabel()
        self.statusBar().addWidget(self.state_label)
        self.statusBar().addPermanentWidget(self.rate_label)

        quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit, triggered=self.close)
        self.menuBar().addMenu("&File").addAction(quit_action)

        self.repaint_timer = QTimer(self, interval=1000 // REPAINT_HZ, timerType=Qt.TimerType.PreciseTimer)
        self.repaint_timer.timeout.connect(self.refresh)
        self.repaint_timer.start()
        self.refresh()

    def _decimals(self, symbol: str) -> int:
        for info in self._feed.symbols:
            if info.symbol == symbol:
                return decimals_for_tick(info.tick_size)
        return 2

    def _show_row(self, index: QModelIndex) -> None:
        self.chart.set_symbol(self.watchlist.symbol_at(index.row()))

    def feed_state_text(self) -> str:
        state = self._feed.state
        if state is FeedState.CONNECTING and self._feed.stats.reconnects:
            return "reconnecting"
        return state.value

    def refresh(self) -> None:
        self.watchlist.refresh()
        if self.chart.symbol is None and self.watchlist.rowCount():
            self.table.selectRow(0)
            self.chart.set_symbol(self.watchlist.symbol_at(0))
        self.chart.refresh()
        colour = _STATE_COLOURS[self._feed.state]
        self.state_label.setText(f'<span style="color:{colour}">●</span> {self._feed.url} — {self.feed_state_text()}')
        self.rate_label.setText(f"{self._feed.stats.message_rate():,.0f} msg/s")
