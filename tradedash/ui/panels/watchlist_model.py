"""The watchlist: one row per symbol of every feed, painted from market state on the repaint timer."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor

from tradedash.core.market.state import SymbolState
from tradedash.ui.formatting import HUGE, format_change_pct, format_price, format_volume
from tradedash.ui.running_feed import RunningFeed, SymbolRef
from tradedash.ui.table_model import ALIGN_LEFT, ALIGN_RIGHT, ColumnTableModel, ModelIndex
from tradedash.ui.theme import Theme

__all__ = ["WatchlistModel", "COLUMNS", "SORT_ROLE", "TREND_ROLE", "TREND_COLUMN", "FLASH_SECONDS"]

COLUMNS = ("Symbol", "Last", "Chg", "Chg %", "Bid", "Ask", "Spread", "Vol 24h", "Trend")
#: The column drawn as a sparkline of the last price over :data:`TREND_SECONDS`.
TREND_COLUMN = len(COLUMNS) - 1
#: How far back the sparkline reaches, and how many points it keeps at most.
TREND_SECONDS = 120.0
TREND_POINTS = 60
#: The role that gives the sparkline: a float array of prices scaled to 0..1, oldest first (or None).
TREND_ROLE = Qt.ItemDataRole.UserRole + 3
#: The role a QSortFilterProxyModel sorts by: the raw number (or the symbol's name).
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: How long the Last cell stays tinted after the price moves.
FLASH_SECONDS = 0.6


class _Cells(NamedTuple):
    """One row as painted: display texts, raw values for sorting, the colour of the change
    columns and of the sparkline, and the sparkline's points."""

    texts: tuple[str, ...]
    values: tuple[str | float, ...]
    change_colour: QColor | None
    trend: np.ndarray | None = None
    trend_colour: QColor | None = None

_HEADER_TIPS = {
    "Chg": "Change over 24 hours",
    "Chg %": "Change over 24 hours, in percent of the price 24 hours ago",
    "Vol 24h": "Volume traded over 24 hours",
    "Trend": f"The last price over the last {TREND_SECONDS:.0f} seconds",
}
_NO_VALUES = ("—",) * (len(COLUMNS) - 2) + ("",)


class WatchlistModel(ColumnTableModel):
    """A read-only table of every symbol of every feed.

    Contract: the model never reacts to single messages. ``refresh()`` (called by
    the repaint timer) adds rows for symbols with data that the feed's config
    subscribes to (in the feeds' and their configs' order, whichever symbol has data
    first), drops rows of removed feeds and unsubscribed symbols, and emits at most one ``dataChanged`` covering the rows whose state changed
    (or whose price flash is fading) since the last call. ``SORT_ROLE`` gives raw
    values for sorting. ``clock`` is monotonic seconds, injected for tests.
    """

    columns = COLUMNS
    header_tips = _HEADER_TIPS

    def __init__(self, feeds: list[RunningFeed], theme: Theme, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._feeds = feeds
        self._theme = theme
        self._clock = clock
        self._rows: list[SymbolRef] = []
        self._painted: dict[SymbolRef, int] = {}
        self._last_price: dict[SymbolRef, float] = {}
        self._flash: dict[SymbolRef, tuple[float, bool]] = {}
        self._flash_colours: dict[SymbolRef, QColor] = {}
        self._cells: dict[SymbolRef, _Cells] = {}
        #: Per column, the longest text shown so far; ``widened`` is set when one grows (the
        #: window then fits the columns at once, so a number is never shown cut off for long).
        self._longest = [0] * len(COLUMNS)
        self.widened = False

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self._painted = dict.fromkeys(self._painted, -1)  # recompute every row's colours
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(COLUMNS) - 1))

    def ref_at(self, row: int) -> SymbolRef:
        return self._rows[row]

    def row_of(self, ref: SymbolRef) -> int:
        """``ref``'s row, or -1 when it has none."""
        return self._rows.index(ref) if ref in self._rows else -1

    def row_count(self) -> int:
        return len(self._rows)

    def alignment(self, column: int) -> int:
        return ALIGN_LEFT if column == 0 else ALIGN_RIGHT

    def _feed(self, name: str) -> RunningFeed | None:
        return next((f for f in self._feeds if f.name == name), None)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        ref = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cells[ref].texts[column]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self.alignment(column)
        if role == SORT_ROLE:
            return self._cells[ref].values[column]
        if role == Qt.ItemDataRole.ForegroundRole and column in (2, 3):
            return self._cells[ref].change_colour
        if role == Qt.ItemDataRole.ForegroundRole and column == TREND_COLUMN:
            return self._cells[ref].trend_colour
        if role == TREND_ROLE and column == TREND_COLUMN:
            return self._cells[ref].trend
        if role == Qt.ItemDataRole.BackgroundRole and column == 1:
            return self._flash_colours.get(ref)
        if role == Qt.ItemDataRole.ToolTipRole and column == 0:
            return f"{ref.symbol} on feed {ref.feed}"
        return None

    def _row_cells(self, ref: SymbolRef, feed: RunningFeed, state: SymbolState) -> _Cells:
        shown = feed.label(ref.symbol)
        name = shown if len(self._feeds) < 2 else f"{shown}  ·  {ref.feed}"
        ticker = state.ticker
        if ticker is None:
            return _Cells((name,) + _NO_VALUES, (ref.symbol,) + (0.0,) * len(_NO_VALUES), None)
        decimals = feed.decimals(ref.symbol)
        change = ticker.change_24h
        values = (
            ref.symbol,
            ticker.last,
            change,
            100.0 * change / ticker.open_24h if ticker.open_24h else 0.0,
            ticker.bid,
            ticker.ask,
            ticker.ask - ticker.bid,
            ticker.volume_24h,
        )
        texts = (
            name,
            format_price(ticker.last, decimals),
            _signed(format_price(change, decimals), change),
            _signed(format_change_pct(change, ticker.open_24h), change),
            format_price(ticker.bid, decimals),
            format_price(ticker.ask, decimals),
            format_price(ticker.ask - ticker.bid, decimals),
            format_volume(ticker.volume_24h),
            "",
        )
        trend, move = _trend(state)
        return _Cells(
            texts,
            values + (move,),
            self._theme.color("up" if change >= 0 else "down"),
            trend,
            self._theme.color("up" if move >= 0 else "down"),
        )

    def _flash_colour(self, ref: SymbolRef, now: float) -> QColor | None:
        flash = self._flash.get(ref)
        if flash is None:
            return None
        started, up = flash
        left = 1.0 - (now - started) / FLASH_SECONDS
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
            if feed is None or state is None:
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
                cells = self._cells[ref] = self._row_cells(ref, feed, state)
                for column, text in enumerate(cells.texts):
                    if len(text) > self._longest[column]:
                        self._longest[column], self.widened = len(text), True
            elif ref in self._flash:
                changed.append(row)
                if now - self._flash[ref][0] > FLASH_SECONDS:
                    del self._flash[ref]
            colour = self._flash_colour(ref, now)
            if colour is None:
                self._flash_colours.pop(ref, None)
            else:
                self._flash_colours[ref] = colour
        if changed:
            self.dataChanged.emit(self.index(changed[0], 0), self.index(changed[-1], len(COLUMNS) - 1))

    def _sync_rows(self) -> None:
        wanted = [SymbolRef(feed.name, symbol) for feed in self._feeds for symbol in feed.shown_symbols()]
        gone = set(self._rows) - set(wanted)
        if gone:
            self.beginResetModel()
            self._rows = [ref for ref in self._rows if ref not in gone]
            for ref in gone:
                self._painted.pop(ref, None)
                self._cells.pop(ref, None)
                self._flash_colours.pop(ref, None)
                self._last_price.pop(ref, None)
                self._flash.pop(ref, None)
            self.endResetModel()
        new = [ref for ref in wanted if ref not in self._painted]
        if not new:
            return
        for ref in new:
            self._painted[ref] = -1
            self._cells[ref] = _Cells((ref.symbol,) + _NO_VALUES, (ref.symbol,) + (0.0,) * len(_NO_VALUES), None)
        shown = set(self._rows)
        if [ref for ref in wanted if ref in shown] != self._rows:  # (not in the feeds' order: new ones go last)
            self._insert(len(self._rows), new)
            return
        row, run = 0, []  # each run of new rows goes to its place in the feeds' order (config order)
        for ref in wanted:
            if ref in shown:
                if run:
                    self._insert(row, run)
                    row, run = row + len(run), []
                row += 1
            else:
                run.append(ref)
        if run:
            self._insert(row, run)

    def _insert(self, row: int, refs: list[SymbolRef]) -> None:
        self.beginInsertRows(QModelIndex(), row, row + len(refs) - 1)
        self._rows[row:row] = refs
        self.endInsertRows()


def _trend(state: SymbolState) -> tuple[np.ndarray | None, float]:
    """The last price over the last :data:`TREND_SECONDS`, at most :data:`TREND_POINTS` points
    scaled to 0..1, and the relative move over that time (for sorting)."""
    times, prices = state.prices.view()
    if len(times) < 2:
        return None, 0.0
    recent = prices[np.searchsorted(times, times[-1] - TREND_SECONDS) :]
    if len(recent) > TREND_POINTS:
        recent = recent[np.linspace(0, len(recent) - 1, TREND_POINTS).astype(int)]
    low, high = float(recent.min()), float(recent.max())
    if not (abs(low) < HUGE and abs(high) < HUGE):  # prices no market prints: no trend rather than overflow
        return None, 0.0
    scaled = (recent - low) / (high - low) if high > low else np.full(len(recent), 0.5)
    return scaled, (float(recent[-1]) - float(recent[0])) / float(recent[0]) if recent[0] else 0.0


def _signed(text: str, value: float) -> str:
    """``text`` with a plus sign, or a true minus sign (as wide as the plus, so a column's width
    does not change when the sign flips)."""
    if value > 0 and not text.startswith(("+", "—")):
        return "+" + text
    return text.replace("-", "\u2212", 1) if value < 0 else text
