"""Fills a chart's :class:`~tradedash.core.bar_history.BarHistory`: cached bars at once, the missing
range from the feed in the background, older bars on demand; closed live bars back to the cache.

No Qt here: the chart calls these methods and repaints from the history's version.
Network pages come through a :data:`HistoryFetch` (the feed client's
``fetch_history``), awaited in tasks on the running asyncio loop (qasync's in the
app), so nothing blocks the window.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import numpy as np

from tradedash.core.bar_history import BarHistory
from tradedash.core.candle_store import CandleStore, SeriesKey
from tradedash.core.candles import CandleView
from tradedash.core.wire import INTERVAL_NS

__all__ = ["HistoryFetch", "HistoryLoader", "history_fetch_of", "bars_view", "PAGE_BARS"]

log = logging.getLogger(__name__)

#: ``await fetch(symbol, interval, end, count)``: up to ``count`` bars starting before ``end`` (ns), the
#: newest ones, oldest first; each bar has ``start`` (ns) and ``open``, ``high``, ``low``, ``close``, ``volume``.
HistoryFetch = Callable[[str, str, int, int], Awaitable[Sequence[Any]]]

#: Bars asked for in one history request.
PAGE_BARS = 1000


def history_fetch_of(client: Any) -> HistoryFetch | None:
    """The feed client's history request as a :data:`HistoryFetch`, or None if it has none."""
    fetch = getattr(client, "fetch_history", None)
    if fetch is None:
        return None

    async def fetch_page(symbol: str, interval: str, end: int, count: int) -> Sequence[Any]:
        return await fetch(symbol, interval, end=end, count=count)

    return fetch_page


def bars_view(bars: Sequence[Any]) -> CandleView:
    """Bars with ``start`` and OHLCV attributes as a :class:`CandleView` (all closed)."""
    start = np.array([bar.start for bar in bars], dtype=np.int64)
    columns = [np.array([getattr(bar, name) for bar in bars], dtype=np.float64) for name in ("open", "high", "low", "close", "volume")]
    return CandleView(start, start / 1e9, *columns, np.ones(len(bars), bool))


class HistoryLoader:
    """Keeps one chart series' history filled. One loader per (venue, symbol, interval) shown.

    Contract:

    - :meth:`load_cached` puts the newest cached bars into the history at once
      (synchronously: this is what the first paint shows).
    - :meth:`fill_recent` asks the feed for the ranges of the last ``bars``
      intervals that the cache does not cover, newest gap first, in pages of
      :data:`PAGE_BARS`; each page goes into the history and the cache (with
      the range it answered marked covered, so a quiet market is not asked
      again). Without a running asyncio loop or a fetch, only the cache is used.
    - :meth:`load_older` extends the history by ``bars`` before its oldest bar:
      from the cache if it has them, else from the feed. One request at a
      time: a call while one runs is ignored. :attr:`exhausted` turns True
      when the feed has nothing older.
    - :meth:`save_closed` writes the closed live bars not yet saved, except the
      first live bar (usually partial: the app started inside it).
    - :meth:`close` cancels what is running. Failures of a request are logged
      and kept in :attr:`error`, never raised into the window.
    """

    def __init__(
        self,
        key: SeriesKey,
        history: BarHistory,
        store: CandleStore | None,
        fetch: HistoryFetch | None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.key = key
        self.history = history
        self.store = store
        self.fetch = fetch
        self.clock = clock
        self.step = INTERVAL_NS[key.interval]
        self.exhausted = False
        self.error: str | None = None
        self.requests = 0
        self._task: asyncio.Task[None] | None = None
        self._saved_until = 0  # bar starts below this were saved

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None

    # --- Cache ------------------------------------------------------------------------

    def load_cached(self, bars: int) -> int:
        """Add up to ``bars`` of the newest cached bars; how many there were."""
        if self.store is None:
            return 0
        view = self.store.load(self.key, bars)
        self.history.add(view)
        return len(view.start)

    def save_closed(self, live: CandleView) -> int:
        """Save the closed live bars after the first not saved yet; how many were saved."""
        if self.store is None or len(live.start) < 2:
            return 0
        pick = np.flatnonzero(live.closed[1:] & (live.start[1:] >= self._saved_until)) + 1
        if not len(pick):
            return 0
        columns = (live.start, live.open, live.high, live.low, live.close, live.volume)
        rows = list(zip(*(column[pick].tolist() for column in columns)))
        if self.store.save_bars(self.key, rows):
            self._saved_until = int(live.start[pick[-1]]) + 1
        return len(rows)

    # --- The feed ---------------------------------------------------------------------

    def _start(self, work: Awaitable[None]) -> bool:
        if self.busy:
            work.close()  # type: ignore[attr-defined]
            return False
        try:
            self._task = asyncio.get_running_loop().create_task(work, name=f"history {self.key}")
        except RuntimeError:  # no running loop (a chart outside the app): the cache is all there is
            work.close()  # type: ignore[attr-defined]
            return False
        return True

    def fill_recent(self, bars: int) -> bool:
        """Start fetching the uncovered ranges of the last ``bars`` intervals; False if nothing started."""
        if self.fetch is None:
            return False
        now = int(self.clock() * 1e9)
        since = now - bars * self.step
        gaps = self.store.missing(self.key, since, now) if self.store is not None else [(since - since % self.step, now - now % self.step)]
        if not gaps:
            return False
        return self._start(self._fill(list(reversed(gaps))))

    def load_older(self, bars: int) -> bool:
        """Extend the history by up to ``bars`` before its oldest bar; False if nothing to do or busy."""
        if self.busy:
            return False
        oldest = self.history.oldest
        if oldest is None:
            return False
        if self.store is not None:
            cached = self.store.load(self.key, bars, end=oldest)
            if len(cached.start):
                self.history.add(cached)
                return True
        if self.fetch is None or self.exhausted:
            return False
        return self._start(self._fill([(oldest - bars * self.step, oldest)], older=True))

    async def _fill(self, gaps: list[tuple[int, int]], older: bool = False) -> None:
        try:
            for first, end in gaps:
                await self._fill_gap(first, end, older)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a failed request must not reach the window
            self.error = f"history of {self.key}: {error}"
            log.warning("%s", self.error)

    async def _fill_gap(self, first: int, end: int, older: bool) -> None:
        """Page backwards from ``end`` until ``first`` is reached or the feed has nothing older."""
        while end > first:
            count = min(PAGE_BARS, max(1, -(-(end - first) // self.step)))
            self.requests += 1
            page = bars_view(await self.fetch(self.key.symbol, self.key.interval, end, count))
            short = len(page.start) < count
            answered_from = first if short else max(first, int(page.start[0]))
            if self.store is not None:
                columns = (page.start, page.open, page.high, page.low, page.close, page.volume)
                self.store.save_bars(self.key, zip(*(c.tolist() for c in columns)), covered=(answered_from, end))
            self.history.add(page)
            if short:
                self.exhausted = self.exhausted or (older and not len(page.start))
                return
            end = int(page.start[0])
