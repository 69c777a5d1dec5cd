"""The order book panel: a ladder of the top levels (10, 20, 50 or 100 a side) with size bars and the spread."""

from __future__ import annotations

import math

from PySide6.QtCore import QModelIndex, QRect, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from tradedash.core.chart.depth import LADDER_CHOICES, LADDER_DEFAULT
from tradedash.core.feed.lifecycle import FeedState
from tradedash.core.wire import Level, Subscription
from tradedash.ui.formatting import HUGE, format_price, format_size
from tradedash.ui.guard import shielded
from tradedash.ui.running_feed import RunningFeed
from tradedash.ui.table_model import ALIGN_RIGHT, ColumnTableModel, ModelIndex
from tradedash.ui.theme import Theme

__all__ = ["BookModel", "BookPanel", "DEFAULT_DEPTH", "BAR_ROLE"]

#: Levels shown on each side until the user picks another depth (one of ``LADDER_CHOICES``).
DEFAULT_DEPTH = LADDER_DEFAULT
#: The role that gives a size cell's bar: ``(fraction of the largest size shown, "bid" or "ask")``.
BAR_ROLE = Qt.ItemDataRole.UserRole + 2
COLUMNS = ("Price", "Size", "Total")


class BookModel(ColumnTableModel):
    """``2 * depth + 1`` fixed rows: asks (worst at the top, best just above the middle),
    the spread, then bids (best first).

    Contract: ``refresh()`` copies the top ``depth`` levels of the shown symbol's book
    when its state changed, and emits one ``dataChanged`` over the whole ladder;
    :meth:`set_depth` (one of ``LADDER_CHOICES``) resets the model to the new row
    count. A book that is resyncing is shown in the muted colour (``resyncing`` is True), and so
    is the book of a feed that is not connected or has gone quiet (``feed_down``: its state).
    """

    columns = COLUMNS

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self._theme = theme
        self._feed: RunningFeed | None = None
        self._symbol: str | None = None
        self._bids: list[Level] = []
        self._asks: list[Level] = []
        self._painted = -1
        self.depth = DEFAULT_DEPTH
        self.resyncing = False
        self.has_book = False
        self.feed_down: FeedState | None = None

    @property
    def symbol(self) -> str | None:
        return self._symbol

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self._painted = -1

    def book_subscribed(self) -> bool:
        """Whether the shown symbol's feed subscribes to its book (it may still wait for it)."""
        return bool(self._feed and self._symbol) and Subscription("book", self._symbol) in self._feed.client.subscriptions

    def snapshot_error(self) -> str | None:
        """The shown symbol's failed book snapshot (Binance's REST depth) if it is its latest error and no
        error of another kind (about no symbol) came since (the books of several symbols fail in turn)."""
        error = self._feed.client.stats.symbol_error(self._symbol) if self._feed and self._symbol else None
        return error if error is not None and error.startswith(f"{self._symbol} snapshot: ") else None

    @property
    def label(self) -> str | None:
        """The shown symbol as the window names it (:meth:`RunningFeed.label`)."""
        return self._feed.label(self._symbol) if self._feed and self._symbol else None

    def set_symbol(self, feed: RunningFeed, symbol: str) -> None:
        self._feed, self._symbol, self._painted = feed, symbol, -1
        self.refresh()

    def set_depth(self, depth: int) -> None:
        """Show ``depth`` levels a side (one of ``LADDER_CHOICES``)."""
        if depth not in LADDER_CHOICES:
            raise ValueError(f"the book shows one of {LADDER_CHOICES} levels a side, not {depth!r}")
        if depth != self.depth:
            self.beginResetModel()
            self.depth, self._painted = depth, -1
            self.endResetModel()
            self.refresh()

    def row_count(self) -> int:
        return 2 * self.depth + 1

    def alignment(self, column: int) -> int:
        return ALIGN_RIGHT

    def _level(self, row: int) -> tuple[str, int] | None:
        """("ask" or "bid", depth index) of a ladder row; None for the spread row."""
        depth = self.depth
        if row < depth:
            return "ask", depth - 1 - row
        if row > depth:
            return "bid", row - depth - 1
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return ALIGN_RIGHT
        decimals = self._feed.decimals(self._symbol) if self._feed and self._symbol else 2
        size_decimals = self._feed.size_decimals(self._symbol) if self._feed and self._symbol else 4
        level = self._level(row)
        if level is None:
            return self._spread_data(column, role, decimals)
        side, depth = level
        levels = self._asks if side == "ask" else self._bids
        if depth >= len(levels):
            return None
        price, size = levels[depth]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return format_price(price, decimals)
            if column == 1:
                return format_size(size, size_decimals)
            return format_size(sum(s for _, s in levels[: depth + 1]), size_decimals)
        if role == Qt.ItemDataRole.ForegroundRole:
            if self.resyncing or self.feed_down:
                return self._theme.color("muted")
            if column == 0:
                return self._theme.color("down" if side == "ask" else "up")
        if role == BAR_ROLE and column == 1:
            largest = max((s for _, s in self._asks + self._bids), default=0.0)
            fraction = size / largest if largest else 0.0
            return (fraction if math.isfinite(fraction) else 0.0, side)
        return None

    def _spread_data(self, column: int, role: int, decimals: int):
        if not (self._bids and self._asks):
            return None
        spread = self._asks[0][0] - self._bids[0][0]
        mid = (self._asks[0][0] + self._bids[0][0]) / 2
        if role == Qt.ItemDataRole.DisplayRole:
            basis_points = 1e4 * spread / mid if mid else math.nan
            bp = f"{basis_points:.1f} bp" if abs(basis_points) < HUGE else "—"
            return (format_price(spread, decimals), "spread", bp)[column]
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._theme.color("muted")
        return None

    def refresh(self) -> None:
        state = self._feed.symbol_state(self._symbol) if self._feed and self._symbol else None
        version = state.version if state is not None else -2
        down = self._feed.down_state() if self._feed else None
        if version == self._painted and down is self.feed_down:
            return
        self._painted, self.feed_down = version, down
        book = state.book if state is not None else None
        self._bids = book.bids(self.depth) if book is not None else []
        self._asks = book.asks(self.depth) if book is not None else []
        self.has_book = bool(self._bids or self._asks)
        self.resyncing = bool(book is not None and book.resyncing)
        self.dataChanged.emit(self.index(0, 0), self.index(2 * self.depth, len(COLUMNS) - 1))


class _SizeBarDelegate(QStyledItemDelegate):
    """Paints a size cell's bar (from ``BAR_ROLE``) behind its text, growing from the right."""

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.theme = theme

    @shielded()
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        bar = index.data(BAR_ROLE)
        if bar:
            fraction, side = bar
            rect: QRect = option.rect
            width = int(rect.width() * max(0.0, min(1.0, fraction)))
            colour = QColor(self.theme.bid_bar if side == "bid" else self.theme.ask_bar)
            painter.fillRect(QRect(rect.right() - width + 1, rect.top() + 2, width, rect.height() - 4), colour)
        super().paint(painter, option, index)


class BookPanel(QWidget):
    """The ladder view of a :class:`BookModel`, with a line saying whose book it is and its state,
    and a box choosing how many levels a side it shows (:meth:`set_depth`, :attr:`depth`)."""

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.model = BookModel(theme)
        self.caption = QLabel("No symbol")
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        self.depth_box = QComboBox()
        self.depth_box.setToolTip("Levels shown on each side of the book")
        for choice in LADDER_CHOICES:
            self.depth_box.addItem(f"{choice} levels", choice)
        self.depth_box.setCurrentIndex(LADDER_CHOICES.index(DEFAULT_DEPTH))
        self.depth_box.currentIndexChanged.connect(lambda i: self.set_depth(self.depth_box.itemData(i)))
        self.table = QTableView()
        self.table.setModel(self.model)
        self._delegate = _SizeBarDelegate(theme)
        self.table.setItemDelegateForColumn(1, self._delegate)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(19)
        self.table.setShowGrid(False)
        self.table.setSelectionMode(QTableView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        top = QHBoxLayout()
        top.addWidget(self.caption, 1)
        top.addWidget(self.depth_box)
        layout.addLayout(top)
        layout.addWidget(self.table)
        self._theme = theme
        self._caption_key: tuple = ()

    def set_theme(self, theme: Theme) -> None:
        self._theme = self._delegate.theme = theme
        self.model.set_theme(theme)
        self._caption_key = ()

    def set_symbol(self, feed: RunningFeed, symbol: str) -> None:
        self.model.set_symbol(feed, symbol)
        self._update_caption()

    @property
    def depth(self) -> int:
        """Levels shown on each side."""
        return self.model.depth

    def set_depth(self, depth: int) -> None:
        """Show ``depth`` levels a side (one of ``LADDER_CHOICES``); the next :meth:`refresh` centres the spread."""
        self.model.set_depth(depth)
        index = LADDER_CHOICES.index(depth)
        if self.depth_box.currentIndex() != index:
            self.depth_box.setCurrentIndex(index)

    def refresh(self) -> None:
        self.model.refresh()
        self._update_caption()
        self._centre_spread()

    def _centre_spread(self) -> None:
        """Keep the spread row in the middle when the ladder is taller than the panel."""
        bar = self.table.verticalScrollBar()
        if bar.maximum() > 0:
            self.table.scrollTo(self.model.index(self.model.depth, 0), QTableView.ScrollHint.PositionAtCenter)

    def _update_caption(self) -> None:
        model = self.model
        waiting = not model.has_book and model.book_subscribed()
        failure = model.snapshot_error() if waiting else None
        key = (model.label, model.resyncing, model.has_book, waiting, failure, model.feed_down)
        if key == self._caption_key:
            return
        self._caption_key = key
        if model.symbol is None:
            text = "No symbol"
        elif model.resyncing:
            text = f'<b>{model.label}</b> <span style="color:{self._theme.warning}">resyncing…</span>'
        elif model.feed_down and model.has_book:  # the last levels, greyed: not live
            text = f'<b>{model.label}</b> <span style="color:{self._theme.warning}">feed {model.feed_down.value}…</span>'
        elif failure:  # the reason, long, in the tooltip (and in feed health)
            text = f'<b>{model.label}</b> <span style="color:{self._theme.warning}">snapshot failed, retrying…</span>'
        elif waiting:
            text = f'<b>{model.label}</b> <span style="color:{self._theme.muted}">waiting for the book…</span>'
        elif not model.has_book:
            text = f'<b>{model.label}</b> <span style="color:{self._theme.muted}">no book (subscribe to "book")</span>'
        else:
            text = f"<b>{model.label}</b>"
        self.caption.setText(text)
        self.caption.setToolTip(failure or "")
        self.table.setEnabled(not (model.resyncing or model.feed_down))
