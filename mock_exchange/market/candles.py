"""Candles (OHLCV) and rolling 24-hour statistics built from trades, after a seeded past. Pure: time is passed in.

A candle closes at its interval's end: on the clock (:meth:`CandleBuilder.close_until`)
or, at the latest, on the first trade after it, which yields the closed candle
(``closed=True``) and then the new open one.
"""

from __future__ import annotations

import bisect
from collections import deque
from dataclasses import dataclass

from tradedash.core.wire import INTERVAL_NS, Bar

from .past import Bars

__all__ = ["CandleState", "CandleBuilder", "Rolling24h"]


@dataclass(slots=True)
class CandleState:
    """One interval's OHLCV so far; ``start`` in ns since the epoch."""

    start: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    closed: bool = False


class CandleBuilder:
    """One interval's bars: a seeded past, the bars closed live since, and the one in progress.

    Contract:

    - ``add(ts, price, size)`` returns the candles to publish: the closed previous one
      first when ``ts`` is past its interval (and it was not closed on the clock), then
      the current one. The newest bar of ``past`` (the one containing the start) is
      continued, not restarted.
    - ``close_until(ts)`` closes the current bar if its interval ended by ``ts`` and
      returns it (once), else None.
    - ``page(end, count)``: the newest ``count`` bars starting before ``end`` (None: all,
      the current one included), oldest first, with the ``end`` of the next older page
      (None when the oldest bar is in the page).
    - At most about ``max_closed`` bars closed live are kept: past that, the oldest tenth
      and the seeded past are forgotten together, so what is kept never has a gap.
    """

    def __init__(self, interval: str, past: Bars | None = None, max_closed: int = 200_000) -> None:
        self._max_closed = max_closed
        self.interval = interval
        self._length = INTERVAL_NS[interval]
        self.current: CandleState | None = None
        self._past_start: list[int] = []
        self._past: list = []  # numpy columns: open, high, low, close, volume
        if past is not None and len(past):
            self._past_start = past.start[:-1].tolist()
            self._past = [past.open[:-1], past.high[:-1], past.low[:-1], past.close[:-1], past.volume[:-1]]
            self.current = CandleState(
                int(past.start[-1]), float(past.open[-1]), float(past.high[-1]), float(past.low[-1]),
                float(past.close[-1]), float(past.volume[-1]),
            )
        #: Bars closed since the start (after the past), oldest first, and their starts.
        self._closed: list[Bar] = []
        self._closed_starts: list[int] = []

    def _close(self, candle: CandleState) -> None:
        candle.closed = True
        self._closed.append((candle.start, candle.open, candle.high, candle.low, candle.close, round(candle.volume, 8)))
        self._closed_starts.append(candle.start)
        if len(self._closed) > self._max_closed:
            dropped = max(1, self._max_closed // 10)
            del self._closed[:dropped], self._closed_starts[:dropped]
            self._past_start, self._past = [], []

    def close_until(self, ts: int) -> CandleState | None:
        candle = self.current
        if candle is None or ts < candle.start + self._length:
            return None
        self._close(candle)
        self.current = None
        return candle

    def next_close(self) -> int | None:
        """When the current bar's interval ends (ns), or None without one."""
        return None if self.current is None else self.current.start + self._length

    def add(self, ts: int, price: float, size: float) -> list[CandleState]:
        start = ts - ts % self._length
        out: list[CandleState] = []
        candle = self.current
        if candle is not None and start > candle.start:
            self._close(candle)
            out.append(candle)
            candle = None
        if candle is None:
            candle = self.current = CandleState(start, price, price, price, price, 0.0)
        candle.high = max(candle.high, price)
        candle.low = min(candle.low, price)
        candle.close = price
        candle.volume += size
        out.append(candle)
        return out

    def page(self, end: int | None, count: int) -> tuple[list[Bar], int | None]:
        # The bars in order are past, closed, current; those before ``end`` are a prefix of each.
        past_end = len(self._past_start) if end is None else bisect.bisect_left(self._past_start, end)
        closed_end = len(self._closed) if end is None else bisect.bisect_left(self._closed_starts, end)
        current = self.current
        newest: list[Bar] = []
        if current is not None and (end is None or current.start < end):
            newest.append((current.start, current.open, current.high, current.low, current.close, round(current.volume, 8)))
        first = max(0, past_end + closed_end + len(newest) - count)
        bars: list[Bar] = []
        if first < past_end:
            columns = (c[first:past_end].tolist() for c in self._past)
            bars = list(zip(self._past_start[first:past_end], *columns))
        bars += self._closed[max(0, first - past_end) : closed_end] + newest
        return bars, (bars[0][0] if first > 0 and bars else None)


class Rolling24h:
    """Open, high, low and volume of the last 24 hours, kept in one-minute buckets.

    Contract: ``add(ts, price, size)`` returns ``(open, high, low, volume)`` over the
    trades of the 24 hours up to ``ts``, counting ``past_minutes`` (the seeded past's
    1 m bars, the newest one in progress) as trades; without a past, ``open`` is the
    start price until a day has passed.
    """

    _MINUTE = 60 * 10**9
    _DAY_MINUTES = 24 * 60

    def __init__(self, start_price: float, past_minutes: Bars | None = None) -> None:
        self._start_price = start_price
        self._buckets: deque[list[float]] = deque()  # [minute, open, high, low, volume]
        self._closed = (float("-inf"), float("inf"), 0.0)
        self._expired = False
        if past_minutes is not None and len(past_minutes):
            self._seed(past_minutes)

    def _seed(self, minutes: Bars) -> None:
        """Start from the last day of a seeded past (1 m bars, the newest one in progress)."""
        newest = int(minutes.start[-1]) // self._MINUTE
        keep = minutes.start // self._MINUTE > newest - self._DAY_MINUTES
        columns = [(minutes.start[keep] // self._MINUTE).tolist()] + [
            getattr(minutes, name)[keep].tolist() for name in ("open", "high", "low", "volume")
        ]
        self._buckets.extend(map(list, zip(*columns)))
        closed = list(self._buckets)[:-1]
        self._closed = (
            max((b[2] for b in closed), default=float("-inf")),
            min((b[3] for b in closed), default=float("inf")),
            sum(b[4] for b in closed),
        )
        self._expired = True  # the day's open is the oldest bucket's, not the start price

    def add(self, ts: int, price: float, size: float) -> tuple[float, float, float, float]:
        minute = ts // self._MINUTE
        buckets = self._buckets
        if not buckets or buckets[-1][0] != minute:
            buckets.append([minute, price, price, price, 0.0])
            while buckets[0][0] <= minute - self._DAY_MINUTES:
                buckets.popleft()
                self._expired = True
            closed = list(buckets)[:-1]
            self._closed = (
                max((b[2] for b in closed), default=float("-inf")),
                min((b[3] for b in closed), default=float("inf")),
                sum(b[4] for b in closed),
            )
        bucket = buckets[-1]
        bucket[2] = max(bucket[2], price)
        bucket[3] = min(bucket[3], price)
        bucket[4] += size
        open_ = buckets[0][1] if self._expired else self._start_price
        high = max(self._closed[0], bucket[2], open_)
        low = min(self._closed[1], bucket[3], open_)
        return open_, high, low, self._closed[2] + bucket[4]
