"""Binance klines (candlesticks) of every documented interval, built from trades. Pure: times passed in.

Intervals as "Kline/Candlestick chart intervals" lists them: ``1s``, ``1m``, ``3m``, ``5m``,
``15m``, ``30m``, ``1h``, ``2h``, ``4h``, ``6h``, ``8h``, ``12h``, ``1d``, ``3d``, ``1w``
(weeks start on Monday 00:00 UTC) and ``1M`` (calendar months, UTC). Times are
milliseconds since the epoch; a bar's close time is its next bar's open time less 1 ms.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace
from datetime import datetime, timezone

__all__ = ["INTERVALS", "KlineBar", "KlineBuilder", "bar_start", "bar_end"]

_SECOND = 1000
_MINUTE = 60 * _SECOND
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
#: Fixed-length intervals in ms (``1w`` is offset to Mondays, ``1M`` is not fixed).
_FIXED = {
    "1s": _SECOND, "1m": _MINUTE, "3m": 3 * _MINUTE, "5m": 5 * _MINUTE, "15m": 15 * _MINUTE,
    "30m": 30 * _MINUTE, "1h": _HOUR, "2h": 2 * _HOUR, "4h": 4 * _HOUR, "6h": 6 * _HOUR,
    "8h": 8 * _HOUR, "12h": 12 * _HOUR, "1d": _DAY, "3d": 3 * _DAY, "1w": 7 * _DAY,
}
#: Every interval Binance documents, shortest first.
INTERVALS: tuple[str, ...] = (*_FIXED, "1M")
#: 1970-01-05, the first Monday after the epoch.
_FIRST_MONDAY = 4 * _DAY


def bar_start(interval: str, ms: int) -> int:
    """Open time of the ``interval`` bar holding ``ms``."""
    if interval == "1M":
        day = datetime.fromtimestamp(ms / 1000, timezone.utc)
        return int(datetime(day.year, day.month, 1, tzinfo=timezone.utc).timestamp()) * 1000
    length = _FIXED[interval]
    offset = _FIRST_MONDAY if interval == "1w" else 0
    return ms - (ms - offset) % length


def bar_end(interval: str, start: int) -> int:
    """Open time of the bar after the one opening at ``start``."""
    if interval == "1M":
        day = datetime.fromtimestamp(start / 1000, timezone.utc)
        year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
        return int(datetime(year, month, 1, tzinfo=timezone.utc).timestamp()) * 1000
    return start + _FIXED[interval]


@dataclass(slots=True)
class KlineBar:
    """One bar: OHLC, base and quote volume, trade count and ids, taker buy volumes; ``closed`` once final."""

    start: int
    end: int  # close time: next open - 1 ms
    open: float
    high: float
    low: float
    close: float
    volume: float = 0.0
    quote_volume: float = 0.0
    trades: int = 0
    first_trade_id: int = -1
    last_trade_id: int = -1
    taker_buy_volume: float = 0.0
    taker_buy_quote_volume: float = 0.0
    closed: bool = False

    @property
    def empty(self) -> bool:
        """No trade counted (a seeded past bar has volume but no trade count)."""
        return not self.trades and not self.volume


class KlineBuilder:
    """One symbol's bars of one interval, and the last ``keep`` closed ones.

    Contract:

    - :meth:`add` counts a trade into the bar of its time (closing the bar before, if any);
    - :meth:`add_bar` counts a closed bar of a finer interval that divides this one (1 m bars
      into 5 m, ... 1M bars: every interval from 1 m up is made of whole minutes), so that a
      trade is counted into two builders (1 s and 1 m) instead of sixteen;
    - :meth:`roll` closes the current bar once ``now`` is past it and opens the next at the
      last close with no trades (Binance sends such bars too), returning the bars it closed;
      :meth:`take_closed` returns every bar closed since it was last called, however closed;
    - :attr:`history` holds closed bars, oldest first; :meth:`bars` adds the open one, and
      :meth:`view` is the open one with a finer bar still open (the live minute) counted in.
    """

    def __init__(self, interval: str, keep: int = 1000) -> None:
        self.interval = interval
        self.current: KlineBar | None = None
        self.history: deque[KlineBar] = deque(maxlen=keep)
        self._unsent: deque[KlineBar] = deque(maxlen=keep)

    def _open(self, ms: int, price: float) -> KlineBar:
        start = bar_start(self.interval, ms)
        return KlineBar(start, bar_end(self.interval, start) - 1, price, price, price, price)

    def roll(self, now_ms: int) -> list[KlineBar]:
        closed: list[KlineBar] = []
        bar = self.current
        while bar is not None and now_ms > bar.end:
            bar.closed = True
            self.history.append(bar)
            self._unsent.append(bar)
            closed.append(bar)
            # Bars with no trades fill a quiet spell, as many as history keeps; then skip to now.
            at = bar.end + 1 if len(closed) < (self.history.maxlen or 1) else now_ms
            bar = self.current = self._open(at, bar.close)
        return closed

    def add(self, ms: int, price: float, size: float, trade_id: int, taker_buys: bool) -> list[KlineBar]:
        closed = self.roll(ms)
        bar = self.current
        if bar is None:
            bar = self.current = self._open(ms, price)
        if bar.empty:
            bar.open = bar.high = bar.low = price
            bar.first_trade_id = trade_id
        bar.high = max(bar.high, price)
        bar.low = min(bar.low, price)
        bar.close = price
        bar.volume += size
        bar.quote_volume += price * size
        bar.trades += 1
        bar.last_trade_id = trade_id
        if taker_buys:
            bar.taker_buy_volume += size
            bar.taker_buy_quote_volume += price * size
        return closed

    def seed(self, bars: list[KlineBar], now_ms: int) -> None:
        """Start from a past (oldest first): bars that ended by ``now_ms`` are history, a later one is the open bar."""
        for bar in bars:
            if bar.end < now_ms:
                bar.closed = True
                self.history.append(bar)
            else:
                self.current = bar

    def take_closed(self) -> list[KlineBar]:
        """The bars closed since the last call (by a trade, a finer bar or :meth:`roll`), oldest first."""
        out = list(self._unsent)
        self._unsent.clear()
        return out

    def add_bar(self, bar: KlineBar) -> list[KlineBar]:
        closed = self.roll(bar.start)
        if self.current is None:
            self.current = self._open(bar.start, bar.open)
        _merge(self.current, bar)
        return closed

    def view(self, live: KlineBar | None) -> KlineBar | None:
        """The open bar with ``live`` (an open finer bar inside it) counted in; a copy when it is."""
        bar = self.current
        if live is None:
            return bar
        if bar is None:  # no minute has closed yet: the live one opens this bar
            bar = self._open(live.start, live.open)
        elif not bar.start <= live.start <= bar.end:
            return bar
        out = replace(bar)
        _merge(out, live)
        return out

    def bars(self, live: KlineBar | None = None) -> list[KlineBar]:
        """Closed bars then the open one (its :meth:`view` with ``live``), oldest first."""
        current = self.view(live)
        return [*self.history, *([current] if current is not None else [])]


def _merge(target: KlineBar, bar: KlineBar) -> None:
    """Count ``bar``'s trades into ``target`` (a bar without trades changes nothing)."""
    if bar.empty:
        return
    if target.empty:
        target.open, target.high, target.low = bar.open, bar.high, bar.low
        target.first_trade_id = bar.first_trade_id
    target.high = max(target.high, bar.high)
    target.low = min(target.low, bar.low)
    target.close = bar.close
    target.volume += bar.volume
    target.quote_volume += bar.quote_volume
    target.trades += bar.trades
    target.last_trade_id = bar.last_trade_id
    target.taker_buy_volume += bar.taker_buy_volume
    target.taker_buy_quote_volume += bar.taker_buy_quote_volume
