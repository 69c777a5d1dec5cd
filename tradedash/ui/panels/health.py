"""Feed health: per feed state, latency, rates and counters, the last errors, and the status line."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QSplitter, QTableView

from tradedash.core.feed.lifecycle import FeedState
from tradedash.core.feed.stats import FeedStats
from tradedash.ui.formatting import format_age
from tradedash.ui.running_feed import RunningFeed
from tradedash.ui.table_model import ALIGN_LEFT, ALIGN_RIGHT, ColumnTableModel, ModelIndex
from tradedash.ui.theme import Theme

__all__ = [
    "FeedHealthModel", "FeedHealthPanel", "StatusLight", "state_text", "state_colour", "status_summary", "connections_text",
]

COLUMNS = ("Feed", "State", "Latency", "Msgs/s", "Gaps", "Resyncs", "Reconnects", "Last msg", "Last error")
HEADER_TIPS = {
    "Latency": (
        "How old the freshest data was when applied: from the exchange's timestamp of the newest message"
        " of each read to its being applied here; median / 99th percentile"
    ),
    "Msgs/s": "Messages a second over the last few seconds",
    "Gaps": "Sequence gaps seen (each one resyncs that symbol's book)",
    "Resyncs": "Order-book resyncs from a fresh snapshot",
    "Reconnects": "Connections made again after a drop",
    "Last msg": "Time since the last message from the exchange",
}
_NUMERIC = range(2, 8)


def state_text(feed: RunningFeed) -> str:
    """The lifecycle state as shown to the user: a retry after a drop reads "reconnecting",
    backing off says when the next attempt comes, a fatal stop says why."""
    client = feed.client
    state = client.state
    if state is FeedState.CONNECTING and client.stats.reconnects:
        return "reconnecting"
    if state is FeedState.BACKING_OFF and client.retry_delay is not None:
        left = max(0.0, client.lifecycle.since + client.retry_delay - time.monotonic())
        return f"backing off, retry in {left:.1f} s"
    if state is FeedState.CLOSED and client.fatal_reason:
        return f"stopped: {client.fatal_reason}"
    text = state.value
    if client.refused:
        text = f"{text}, refused: {', '.join(sorted({s.symbol for s in client.refused}))}"
    connections = len(client.connections)
    return f"{text} · {connections} connections" if connections > 1 else text


def connections_text(feed: RunningFeed) -> str | None:
    """Each connection of a feed that has several: its state and how many streams it carries."""
    connections = feed.client.connections
    if len(connections) < 2:
        return None
    return "\n".join(
        f"connection {i}: {c.state.value}, {len(c.subscriptions):,} streams" for i, c in enumerate(connections, 1)
    )


def _reconnects_text(stats: FeedStats) -> str:
    """Outages, and the attempts they took when that is more: "1 (14 attempts)"."""
    if stats.reconnects == stats.outages:
        return f"{stats.outages:,}"
    return f"{stats.outages:,} ({stats.reconnects:,} attempts)"


def state_colour(state: FeedState, theme: Theme) -> str:
    if state is FeedState.LIVE:
        return theme.up
    if state is FeedState.BACKING_OFF:
        return theme.down
    if state is FeedState.CLOSED:
        return theme.muted
    return theme.warning


def _latency_text(stats: FeedStats) -> str:
    """Server-stamp-to-applied latency of each read's newest message, ``p50 / p99`` in milliseconds."""
    p50, p99 = stats.latencies((0.5, 0.99))
    if p50 is None or p99 is None:
        return "—"
    return f"{1000 * p50:,.1f} / {1000 * p99:,.1f} ms"


def status_summary(feeds: list[RunningFeed]) -> str:
    """One line for the status bar: each feed's state and the total message rate."""
    if not feeds:
        return "No feeds — add one with Feeds ▸ Subscriptions…"
    parts = [f"{feed.name}: {state_text(feed)}" for feed in feeds]
    rate = sum(feed.client.stats.message_rate() for feed in feeds)
    symbols = sum(len(feed.shown_symbols()) for feed in feeds)  # the watchlist's rows
    return f"{' · '.join(parts)}   |   {symbols} symbol{'' if symbols == 1 else 's'}   |   {rate:,.0f} msg/s"


class FeedHealthModel(ColumnTableModel):
    """One row per feed. ``refresh()`` emits one ``dataChanged`` over every row (the ages move every tick)."""

    columns = COLUMNS
    header_tips = HEADER_TIPS

    def __init__(self, feeds: list[RunningFeed], theme: Theme) -> None:
        super().__init__()
        self._feeds = feeds
        self._theme = theme
        self._rows = 0

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme

    def feed_at(self, row: int) -> RunningFeed:
        return self._feeds[row]

    def row_count(self) -> int:
        return self._rows

    def alignment(self, column: int) -> int:
        return ALIGN_RIGHT if column in _NUMERIC else ALIGN_LEFT

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._feeds):
            return None
        feed = self._feeds[index.row()]
        stats = feed.client.stats
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            values = (
                feed.name,
                state_text(feed),
                _latency_text(stats),
                f"{stats.message_rate():,.0f}",
                f"{stats.gaps:,}",
                f"{stats.resyncs:,}",
                _reconnects_text(stats),
                format_age(stats.last_message_age()),
                stats.last_errors[-1] if stats.last_errors else "",
            )
            return values[column]
        if role == Qt.ItemDataRole.ForegroundRole and column == 1:
            return self._theme.color("up") if feed.client.state is FeedState.LIVE else None
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 0:
                return feed.client.url
            if column == 1:
                return connections_text(feed) or "\n".join(stats.last_errors) or None
            if column == 2:
                return f"clock skew {stats.clock_skew():+.3f} s, clock jumps {stats.clock_jumps}"
            if column == 4:
                return f"{stats.duplicates:,} duplicates ignored, {stats.dropped:,} dropped, {stats.malformed:,} malformed"
            return "\n".join(stats.last_errors) or None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self.alignment(column)
        return None

    def refresh(self) -> None:
        if len(self._feeds) != self._rows:
            self.beginResetModel()
            self._rows = len(self._feeds)
            self.endResetModel()
        elif self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(self._rows - 1, len(COLUMNS) - 1))


class FeedHealthPanel(QSplitter):
    """The health table above the selected feed's last errors."""

    def __init__(self, feeds: list[RunningFeed], theme: Theme) -> None:
        super().__init__(Qt.Orientation.Vertical)
        self.model = FeedHealthModel(feeds, theme)
        self.table = QTableView()
        # A stretched last section short of room keeps the size it was created with: keep "Last error" small.
        self.table.horizontalHeader().setDefaultSectionSize(60)
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        self.errors = QPlainTextEdit(readOnly=True, placeholderText="No errors on this feed")
        self.errors.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.errors.setMaximumBlockCount(50)
        self.addWidget(self.table)
        self.addWidget(self.errors)
        self.setSizes([120, 60])
        self._errors_shown: list[str] = []

    def refresh(self) -> None:
        self.model.refresh()
        rows = self.model.rowCount()
        if not rows:
            errors: list[str] = []
        else:
            current = self.table.currentIndex()
            errors = list(self.model.feed_at(current.row() if current.isValid() else 0).client.stats.last_errors)
        if errors != self._errors_shown:
            self._errors_shown = errors
            self.errors.setPlainText("\n".join(errors))


class StatusLight(QLabel):
    """A small filled circle in the colour of a feed state."""

    def __init__(self) -> None:
        super().__init__()
        self.setFixedSize(14, 14)
        self.colour = ""

    def set_colour(self, colour: str) -> None:
        if colour != self.colour:
            self.colour = colour
            self.setStyleSheet(f"background: {colour}; border-radius: 7px;")
