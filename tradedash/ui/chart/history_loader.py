"""Fills a chart's :class:`~tradedash.core.chart.bar_history.BarHistory`: cached bars at once, the missing
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
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from tradedash.core.chart.bar_history import BarHistory
from tradedash.core.chart.candle_store import CandleStore, SeriesKey
from tradedash.core.market.candles import CandleView
from tradedash.core.wire import INTERVAL_NS

if TYPE_CHECKING:
    from tradedash.ui.running_feed import RunningFeed

__all__ = [
    "HistoryFetch", "HistoryPage", "HistoryLoader", "history_fetch_of", "feed_history_loader", "bars_view", "PAGE_BARS",
    "RETRY_AFTER",
]

log = logging.getLogger(__name__)

#: ``await fetch(symbol, interval, end, count)``: one page, a :class:`HistoryPage` of up to ``count`` bars that
#: start before ``end`` (ns; None: the newest, the bar in progress included), as the feed client's
#: ``fetch_history`` gives them. Raises on a refusal or a lost connection.
HistoryFetch = Callable[[str, str, "int | None", int], Awaitable["HistoryPage"]]

#: Bars asked for in one history request (the protocol's most).
PAGE_BARS = 1000
#: Seconds after a failed fill (e.g. the feed was not connected yet) before :meth:`HistoryLoader.retry` asks again.
RETRY_AFTER = 5.0


class HistoryPage(NamedTuple):
    """One page of past bars: ``bars`` oldest first, ``next_end`` the ``end`` of the page just older
    (None: nothing older), ``ts`` the server's time when it was cut (a bar is final if it ended by then)."""

    bars: CandleView
    next_end: int | None
    ts: int


def history_fetch_of(client: Any) -> HistoryFetch | None:
    """The feed client's ``fetch_history`` as a :data:`HistoryFetch`, or None if it has none."""
    fetch = getattr(client, "fetch_history", None)
    if fetch is None:
        return None

    async def fetch_page(symbol: str, interval: str, end: int | None, count: int) -> HistoryPage:
        page = await fetch(symbol, interval, end=end, count=count)
        return HistoryPage(bars_view(page.bars), page.next_end, page.ts)

    return fetch_page


def feed_history_loader(
    feed: RunningFeed, symbol: str, interval: str, history: BarHistory, store: CandleStore | None
) -> HistoryLoader:
    """The loader of ``feed``'s ``symbol`` at ``interval`` into ``history``: cached in ``store`` under the
    feed's :attr:`~tradedash.ui.running_feed.RunningFeed.cache_name` (its name and address), or not on
    disk at all when it has none (a market made anew at this start, whose past the next start's would not join)."""
    cache = feed.cache_name
    key = SeriesKey(cache or feed.name, symbol, interval)
    return HistoryLoader(key, history, store if cache is not None else None, history_fetch_of(feed.client))


def bars_view(bars: Sequence[Sequence[float]]) -> CandleView:
    """Bars as ``(start_ns, open, high, low, close, volume)`` rows as a :class:`CandleView` (all closed)."""
    table = np.array(bars, dtype=np.float64).reshape(len(bars), 6)
    start = np.array([int(row[0]) for row in bars], dtype=np.int64)
    return CandleView(start, start / 1e9, *(table[:, i].copy() for i in range(1, 6)), np.ones(len(bars), bool))


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
    - :meth:`retry` starts :meth:`fill_recent` again once :data:`RETRY_AFTER`
      seconds passed since a fill that failed (the chart calls it on each repaint).
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
        self._live = 0  # start of the bar in progress by the local clock, when the last fill began
        self._failed_at: float | None = None

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
        """Start fetching the uncovered ranges of the last ``bars`` intervals; False if nothing started.
        The newest range is asked for without an ``end`` (the server's clock decides what "now" is)."""
        if self.fetch is None:
            return False
        now = int(self.clock() * 1e9)
        since = max(0, now - bars * self.step)
        live = now - now % self.step
        gaps = self.store.missing(self.key, since, now) if self.store is not None else [(since - since % self.step, live)]
        if not gaps:
            return False
        self._live = live
        requests = [(first, None if end >= live else end) for first, end in reversed(gaps)]
        return self._start(self._fill(requests))

    def retry(self, bars: int) -> bool:
        """After a failed fill, :meth:`fill_recent` again once :data:`RETRY_AFTER` seconds passed; True if started."""
        if self._failed_at is None or self.busy or self.clock() - self._failed_at < RETRY_AFTER:
            return False
        self._failed_at = None
        self.error = None
        return self.fill_recent(bars)

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

    async def _fill(self, requests: list[tuple[int, int | None]], older: bool = False) -> None:
        try:
            for first, end in requests:
                await self._fill_gap(first, end, older)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a refused or lost request must not reach the window
            self.error = f"history of {self.key}: {error}"
            self._failed_at = self.clock()
            log.warning("%s", self.error)

    async def _fill_gap(self, first: int, end: int | None, older: bool) -> None:
        """Page backwards from ``end`` (None: from the newest bar) until ``first`` is passed or nothing is older.
        Bars still in progress when the page was cut are left to the live stream."""
        while end is None or end > first:
            # Without an end the page also holds the bar in progress: one more than the gap.
            top = self._live + self.step if end is None else end
            count = min(PAGE_BARS, max(1, -(-(top - first) // self.step)))
            self.requests += 1
            page = await self.fetch(self.key.symbol, self.key.interval, end, count)
            final = page.bars.start + self.step <= page.ts
            bars = CandleView(*(column[final] for column in page.bars))
            if end is None and not final.all():  # the bar in progress: joined with the live one, never stored
                self.history.set_partial(CandleView(*(column[~final] for column in page.bars)))
            top = end if end is not None else page.ts - page.ts % self.step
            bottom = first if page.next_end is None else page.next_end
            if self.store is not None:
                columns = (bars.start, bars.open, bars.high, bars.low, bars.close, bars.volume)
                self.store.save_bars(self.key, zip(*(c.tolist() for c in columns)), covered=(bottom, top))
            self.history.add(bars)
            if page.next_end is None:
                self.exhausted = self.exhausted or older
                return
            end = page.next_end
