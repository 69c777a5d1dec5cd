"""Candles (OHLCV) and rolling 24-hour statistics built from trades. Pure: time is passed in.

A candle closes on the first trade at or after its interval's end: that trade yields
the closed candle (``closed=True``) and then the new open one.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from tradedash.core.wire import INTERVAL_NS

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
    """Aggregates trades into candles of one interval.

    Contract: ``add(ts, price, size)`` returns the candles to publish: the closed
    previous one first when ``ts`` is past its interval, then the current one.
    """

    def __init__(self, interval: str) -> None:
        self.interval = interval
        self._length = INTERVAL_NS[interval]
        self.current: CandleState | None = None

    def add(self, ts: int, price: float, size: float) -> list[CandleState]:
        start = ts - ts % self._length
        out: list[CandleState] = []
        candle = self.current
        if candle is not None and start > candle.start:
            candle.closed = True
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


class Rolling24h:
    """Open, high, low and volume of the last 24 hours, kept in one-minute buckets.

    Contract: ``add(ts, price, size)`` returns ``(open, high, low, volume)`` over the
    trades of the 24 hours up to ``ts``; ``open`` is the start price until a day has passed.
    """

    _MINUTE = 60 * 10**9
    _DAY_MINUTES = 24 * 60

    def __init__(self, start_price: float) -> None:
        self._start_price = start_price
        self._buckets: deque[list[float]] = deque()  # [minute, open, high, low, volume]
        self._closed = (float("-inf"), float("inf"), 0.0)
        self._expired = False

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
