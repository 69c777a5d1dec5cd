"""The watchlist: one row per symbol of every feed, painted from market state on the repaint timer."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from .feeds import FeedView, SymbolRef
from .formatting import format_change_pct, format_price, format_volume
from .theme import Theme

__all__ = ["WatchlistModel", "COLUMNS", "SORT_ROLE", "FLASH_SECONDS"]

COLUMNS = ("Symbol", "Last", "Change", "Change %", "Bid", "Ask", "Spread", "Volume 24h")
#: The role a QSortFilterProxyModel sorts by: the raw number (or the symbol's name).
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: How long the Last cell stays tinted after the price moves.
FLASH_SECONDS = 0.6
_Index = QModelIndex | QPersistentModelIndex
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


class WatchlistModel(QAbstractTableModel):
    """A read-only table of every symbol of every feed.

    Contract: the model never reacts to single messages. ``refresh()`` (called by
    the repaint timer) appends rows for symbols with data that the feed's config
    subscribes to, drops rows of removed feeds and unsubscribed symbols,
    and emits at most one ``dataChanged`` covering the rows whose state changed
    (or whose price flash is fading) since the last call. ``SORT_ROLE`` gives raw
    values for sorting. ``clock`` is monotonic seconds, injected for tests.
    """

    def __init__(self, feeds: list[FeedView], theme: Theme, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._feeds = feeds
        self._theme = theme
        self._clock = clock
        self._rows: list[SymbolRef] = []
        self._painted: dict[SymbolRef, int] = {}
        self._last_price: dict[SymbolRef, float] = {}
        self._flash: dict[SymbolRef, tuple[float, bool]] = {}

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(COLUMNS) - 1))

    def ref_at(self, row: int) -> SymbolRef:
        return self._rows[row]

    def row_of(self, ref: SymbolRef) -> int:
        return self._rows.index(ref)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _LEFT if section == 0 else _RIGHT
        return None

    def _feed(self, name: str) -> FeedView | None:
        return next((f for f in self._feeds if f.name == name), None)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        ref = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _LEFT if column == 0 else _RIGHT
        feed = self._feed(ref.feed)
        state = feed.symbol_state(ref.symbol) if feed else None
        ticker = state.ticker if state else None
        if role == Qt.ItemDataRole.ToolTipRole and column == 0:
            return f"{ref.symbol} on feed {ref.feed}"
        if column == 0:
            if role == Qt.ItemDataRole.DisplayRole:
                return ref.symbol if len(self._feeds) < 2 else f"{ref.symbol}  ·  {ref.feed}"
            return ref.symbol if role == SORT_ROLE else None
        if ticker is None or feed is None:
            return "—" if role == Qt.ItemDataRole.DisplayRole else None
        values = (
            ticker.last,
            ticker.change_24h,
            100.0 * ticker.change_24h / ticker.open_24h if ticker.open_24h else 0.0,
            ticker.bid,
            ticker.ask,
            ticker.ask - ticker.bid,
            ticker.volume_24h,
        )
        value = values[column - 1]
        if role == SORT_ROLE:
            return value
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 3:
                return format_change_pct(ticker.change_24h, ticker.open_24h)
            if column == 7:
                return format_volume(value)
            text = format_price(value, feed.decimals(ref.symbol))
            return f"+{text}" if column == 2 and value > 0 else text
        if role == Qt.ItemDataRole.ForegroundRole and column in (2, 3):
            return self._theme.color("up" if ticker.change_24h >= 0 else "down")
        if role == Qt.ItemDataRole.BackgroundRole and column == 1:
            return self._flash_colour(ref)
        return None

    def _flash_colour(self, ref: SymbolRef) -> QColor | None:
        flash = self._flash.get(ref)
        if flash is None:
            return None
        started, up = flash
        left = 1.0 - (self._clock() - started) / FLASH_SECONDS
        if left <= 0:
            return None
        colour = self._theme.color("up_flash" if up else "down_flash")
        colour.setAlphaF(min(1.0, left * 1.5))
        return colour

    def refresh(self) -> None:
        self._sync_rows()
        now = self._clock()
        changed: list[int] = []
        for row, ref in enumerate(self._rows):
            feed = self._feed(ref.feed)
            state = feed.symbol_state(ref.symbol) if feed else None
            if state is None:
                continue
            if state.version != self._painted[ref]:
                self._painted[ref] = state.version
                changed.append(row)
                last = state.ticker.last if state.ticker else None
                previous = self._last_price.get(ref)
                if last is not None and previous is not None and last != previous:
                    self._flash[ref] = (now, last > previous)
                if last is not None:
                    self._last_price[ref] = last
            elif ref in self._flash:
                changed.append(row)
                if now - self._flash[ref][0] > FLASH_SECONDS:
                    del self._flash[ref]
        if changed:
            self.dataChanged.emit(self.index(changed[0], 0), self.index(changed[-1], len(COLUMNS) - 1))

    def _sync_rows(self) -> None:
        wanted = [
            SymbolRef(feed.name, symbol)
            for feed in self._feeds
            for symbol in feed.config.symbols
            if symbol in feed.market.symbols
        ]
        gone = set(self._rows) - set(wanted)
        if gone:
            self.beginResetModel()
            self._rows = [ref for ref in self._rows if ref not in gone]
            for ref in gone:
                self._painted.pop(ref, None)
                self._last_price.pop(ref, None)
                self._flash.pop(ref, None)
            self.endResetModel()
        new = [ref for ref in wanted if ref not in self._painted]
        if new:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(new) - 1)
            self._rows.extend(new)
            for ref in new:
                self._painted[ref] = -1
            self.endInsertRows()
