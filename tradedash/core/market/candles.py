"""OHLCV candles built from trades, reconciled with the server's own candles.

One :class:`CandleSeries` per interval keeps its bars in preallocated numpy
arrays (start, open, high, low, close, volume, closed) that a chart reads as
views; nothing allocates a Python object per bar. The newest bar, the one every
trade touches, lives in plain floats and is written to the arrays when a reader
asks for a :meth:`CandleSeries.view` or a newer bar starts, so the hot path
does no numpy scalar writes. A :class:`CandleSet` feeds the series of every
interval of one symbol with one cheap call per trade.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from tradedash.core.wire import INTERVAL_NS, Candle

__all__ = ["CandleView", "CandleSeries", "CandleSet"]


_OPEN, _HIGH, _LOW, _CLOSE, _VOLUME = range(5)
#: Stamps outside [0, _TS_END) do not fit the int64 arrays (they are before 1970 or after 2262).
_TS_END = 2**63


class CandleView(NamedTuple):
    """Read-only numpy views of the kept bars, oldest first, all of the same length.

    ``start`` is in ns since the Unix epoch (int64), ``time`` the same in seconds
    (float64, for a chart's x axis). Valid until the series changes: copy what
    you keep.
    """

    start: np.ndarray
    time: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    closed: np.ndarray


class CandleSeries:
    """The last ``capacity`` bars of one interval, in bar-start order.

    Contract:

    - A bar exists for every interval that had a trade or a server candle; bars
      are never invented for quiet intervals. A bar is ``closed`` once a newer
      bar exists, the server said so, or its interval has passed by the time
      given to :meth:`close_until` or :meth:`view` (``now_ns``): a quiet market's
      newest bar closes on the clock, not at the next trade.
    - :meth:`add_trade` puts a trade into the bar containing its ``ts`` (server
      stamp, ns): the bar's first trade opens it, later ones move high, low,
      close (arrival order) and add to volume. A trade for an older bar updates
      that bar; one older than every kept bar of a full series is counted in
      :attr:`late` and dropped.
    - :meth:`apply_candle`: the server wins. Its values replace the bar with the
      same start (or add it), and a later trade changes that bar only if its
      ``ts`` is after the server candle's ``ts`` (earlier ones are already in it).
      A server candle older than the last one applied to its bar is ignored.
    - A trade or candle stamped before 1970 or after 2262 (outside int64 ns) is
      counted in :attr:`rejected` and changes nothing.
    - :attr:`version` goes up on every change.
    - ``before_read``, if given, is called before every read (:meth:`view`,
      :attr:`version`); a :class:`CandleSet` uses it to hand over the trades it holds.
    """

    def __init__(self, interval: str, capacity: int = 1_000, before_read: Callable[[], None] | None = None) -> None:
        if interval not in INTERVAL_NS:
            raise ValueError(f"unknown interval {interval!r}; known: {list(INTERVAL_NS)}")
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.interval = interval
        self.interval_ns = INTERVAL_NS[interval]
        self.capacity = capacity
        self._version = 0
        self._before_read = before_read
        self.late = 0
        self.rejected = 0
        # Kept bars are the window [_end - _count, _end) of arrays twice the
        # capacity; when _end reaches the end, the window is copied to the front.
        size = 2 * capacity
        self._start = np.zeros(size, dtype=np.int64)
        self._time = np.zeros(size, dtype=np.float64)
        self._ohlcv = np.zeros((5, size), dtype=np.float64)
        self._closed = np.zeros(size, dtype=bool)
        self._asof = np.zeros(size, dtype=np.int64)  # ts of the server candle last applied, 0 if none
        self._end = 0
        self._count = 0
        # The newest bar (at _end - 1), kept in floats while trades change it.
        self._cur_start = -1
        self._cur_end = -1  # _cur_start + interval_ns: the hot path tests the bar without a modulo
        self._o = self._h = self._l = self._c = self._v = 0.0
        self._cur_closed = False
        self._cur_asof = 0
        self._dirty = False

    def __len__(self) -> int:
        return self._count

    @property
    def version(self) -> int:
        if self._before_read is not None:
            self._before_read()
        return self._version

    # --- Writing ----------------------------------------------------------------------

    def add_trade(self, ts: int, price: float, size: float) -> None:
        if self._cur_start <= ts < self._cur_end:  # the newest bar: most trades
            if ts > self._cur_asof:
                self._add_run(1, price, price, price, size)
            return
        if not 0 <= ts < _TS_END:
            self.rejected += 1
            return
        start = ts - ts % self.interval_ns
        if start > self._cur_start:
            self._push(start, price, price, price, price, size, False, 0)
        else:
            self._add_to_older(start, ts, price, size)

    def apply_candle(self, candle: Candle) -> None:
        if not (0 <= candle.start < _TS_END and 0 <= candle.ts < _TS_END):
            self.rejected += 1
            return
        start = candle.start - candle.start % self.interval_ns
        if start == self._cur_start:
            if candle.ts < self._cur_asof:
                return
            self._o, self._h, self._l, self._c, self._v = (
                candle.open, candle.high, candle.low, candle.close, candle.volume
            )
            self._cur_closed, self._cur_asof = candle.closed, candle.ts
            self._dirty = True
            self._version += 1
        elif start > self._cur_start:
            self._push(start, candle.open, candle.high, candle.low, candle.close, candle.volume, candle.closed, candle.ts)
        else:
            self._flush()
            i = self._find(start)
            if i is None:
                i = self._insert(start)
                if i is None:
                    self.late += 1
                    return
            elif candle.ts < self._asof[i]:
                return
            self._ohlcv[:, i] = (candle.open, candle.high, candle.low, candle.close, candle.volume)
            self._closed[i] = True  # an older bar than the newest is over, whatever the message said
            self._asof[i] = candle.ts
            self._version += 1

    def _push(self, start: int, o: float, h: float, low: float, c: float, v: float, closed: bool, asof: int) -> None:
        if self._count:
            self._flush()
            self._closed[self._end - 1] = True
        if self._end == len(self._start):
            self._compact()
        i = self._end
        self._start[i] = start
        self._time[i] = start / 1e9
        self._asof[i] = asof
        self._end += 1
        if self._count < self.capacity:
            self._count += 1
        self._cur_start, self._cur_end = start, start + self.interval_ns
        self._o, self._h, self._l, self._c, self._v = o, h, low, c, v
        self._cur_closed, self._cur_asof = closed, asof
        self._dirty = True
        self._version += 1

    def _add_run(self, trades: int, high: float, low: float, close: float, volume: float) -> None:
        """Add ``trades`` trades, all inside the newest bar and after its server candle, in one step."""
        if high > self._h:
            self._h = high
        if low < self._l:
            self._l = low
        self._c = close
        self._v += volume
        self._dirty = True
        self._version += trades

    def _add_to_older(self, start: int, ts: int, price: float, size: float) -> None:
        self._flush()
        i = self._find(start)
        if i is None:
            i = self._insert(start)
            if i is None:
                self.late += 1
                return
            self._ohlcv[:, i] = (price, price, price, price, size)
            self._closed[i] = True
            self._asof[i] = 0
        else:
            if ts <= self._asof[i]:
                return
            bar = self._ohlcv[:, i]
            bar[_HIGH] = max(bar[_HIGH], price)
            bar[_LOW] = min(bar[_LOW], price)
            bar[_CLOSE] = price
            bar[_VOLUME] += size
        self._version += 1

    def _find(self, start: int) -> int | None:
        """Index of the kept bar that starts at ``start``, or None."""
        first = self._end - self._count
        i = first + int(np.searchsorted(self._start[first : self._end], start))
        return i if i < self._end and self._start[i] == start else None

    def _insert(self, start: int) -> int | None:
        """Make room for a bar older than the newest; its index, or None if too old to keep."""
        if self._end == len(self._start):
            self._compact()
        first, end = self._end - self._count, self._end
        i = first + int(np.searchsorted(self._start[first:end], start))
        if i == first and self._count == self.capacity:
            return None
        for array in (self._start, self._time, self._closed, self._asof):
            array[i + 1 : end + 1] = array[i:end]
        self._ohlcv[:, i + 1 : end + 1] = self._ohlcv[:, i:end]
        self._start[i] = start
        self._time[i] = start / 1e9
        self._end += 1
        if self._count < self.capacity:
            self._count += 1
        return i

    def _compact(self) -> None:
        first, count = self._end - self._count, self._count
        for array in (self._start, self._time, self._closed, self._asof):
            array[:count] = array[first : self._end]
        self._ohlcv[:, :count] = self._ohlcv[:, first : self._end]
        self._end = count

    def _flush(self) -> None:
        if self._dirty:
            i = self._end - 1
            self._ohlcv[:, i] = (self._o, self._h, self._l, self._c, self._v)
            self._closed[i] = self._cur_closed
            self._asof[i] = self._cur_asof
            self._dirty = False

    def close_until(self, now_ns: int) -> bool:
        """Close the newest bar if its interval ended by ``now_ns`` (the server's clock, ns); True if it did."""
        if self._before_read is not None:
            self._before_read()
        if self._count == 0 or self._cur_closed or now_ns < self._cur_end:
            return False
        self._cur_closed = True
        self._dirty = True
        self._version += 1
        return True

    # --- Reading ----------------------------------------------------------------------

    def view(self, now_ns: int | None = None) -> CandleView:
        """Every kept bar, oldest first, as read-only views (see :class:`CandleView`); with
        ``now_ns``, the newest bar is closed first if its interval has passed (:meth:`close_until`)."""
        if self._before_read is not None:
            self._before_read()
        if now_ns is not None:
            self.close_until(now_ns)
        self._flush()
        first, end = self._end - self._count, self._end
        ohlcv = self._ohlcv[:, first:end]
        arrays = [self._start[first:end], self._time[first:end], *ohlcv, self._closed[first:end]]
        for array in arrays:
            array.flags.writeable = False
        return CandleView(*arrays)


class CandleSet:
    """The :class:`CandleSeries` of every interval of :data:`INTERVAL_NS` for one symbol.

    Contract: :meth:`add_trade` and :meth:`apply_candle` leave every series in
    :attr:`series` exactly as feeding that series itself would (volumes to
    within float rounding: a run of trades is summed before it is added).
    The difference is the cost: a trade inside the newest bar of every series,
    and after every series' last server candle (nearly every trade), only
    updates one running high, low, close and volume here. That run is handed
    to the series when a trade or candle falls outside it, or before anyone
    reads a series.
    """

    def __init__(self, capacity: int = 1_000) -> None:
        self.series: dict[str, CandleSeries] = {
            interval: CandleSeries(interval, capacity, before_read=self._hand_over) for interval in INTERVAL_NS
        }
        self._all = tuple(self.series.values())
        # Trades with start <= ts < end fit the newest bar of every series, after its server candle.
        self._start = 0
        self._end = 0
        # The run of such trades not yet handed over.
        self._trades = 0
        self._h = -np.inf
        self._l = np.inf
        self._c = 0.0
        self._v = 0.0

    def add_trade(self, ts: int, price: float, size: float) -> None:
        if self._start <= ts < self._end:
            if price > self._h:
                self._h = price
            if price < self._l:
                self._l = price
            self._c = price
            self._v += size
            self._trades += 1
            return
        self._hand_over()
        for series in self._all:
            series.add_trade(ts, price, size)
        self._fit_window()

    def apply_candle(self, candle: Candle) -> bool:
        """Apply a server candle to the series of its interval; False for an unknown interval."""
        series = self.series.get(candle.interval)
        if series is None:
            return False
        self._hand_over()
        newest = series._cur_start
        series.apply_candle(candle)
        if series._cur_start == newest:  # same newest bar: at most its server candle moved on
            self._start = max(self._start, series._cur_asof + 1)
        else:
            self._fit_window()
        return True

    def _fit_window(self) -> None:
        """Where the next trades can be taken without asking each series (empty if any has no bar)."""
        self._start = max(max(s._cur_start, s._cur_asof + 1) for s in self._all)
        self._end = min(s._cur_end for s in self._all)

    def _hand_over(self) -> None:
        """Add the run to the newest bar of every series (it is inside all of them and after their server candles)."""
        trades = self._trades
        if trades:
            for series in self._all:
                series._add_run(trades, self._h, self._l, self._c, self._v)
            self._trades = 0
            self._h, self._l, self._v = -np.inf, np.inf, 0.0
