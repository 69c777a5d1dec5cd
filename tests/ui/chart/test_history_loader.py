"""HistoryLoader: cached bars at once, only the missing range fetched (in pages, newest first), older bars on
demand, closed live bars saved; against a real CandleStore file and a fake exchange's pages."""

from __future__ import annotations

import asyncio

import numpy as np

from tradedash.core.chart.bar_history import BarHistory
from tradedash.core.chart.candle_store import CandleStore, SeriesKey
from tradedash.core.market.candles import CandleView
from tradedash.ui.chart.history_loader import PAGE_BARS, RETRY_AFTER, HistoryLoader, HistoryPage, bars_view

MINUTE = 60_000_000_000
NOW_MIN = 30_000_000  # "now", in minutes since the epoch
KEY = SeriesKey("demo", "BTC-USD", "1m")


class Exchange:
    """Pages of 1m bars from minute FIRST to now, the newest in progress, as the protocol's history op answers."""

    FIRST = NOW_MIN - 5000

    def __init__(self) -> None:
        self.asked: list[tuple[int | None, int]] = []

    async def fetch(self, symbol: str, interval: str, end: int | None, count: int) -> HistoryPage:
        self.asked.append((end, count))
        await asyncio.sleep(0)
        top = NOW_MIN + 1 if end is None else end // MINUTE
        starts = list(range(max(self.FIRST, top - count), top))
        rows = [(m * MINUTE, m % 97 + 1.0, m % 97 + 2.0, m % 97 + 0.5, m % 97 + 1.5, 1.0) for m in starts]
        next_end = starts[0] * MINUTE if starts and starts[0] > self.FIRST else None
        return HistoryPage(bars_view(rows), next_end, NOW_MIN * MINUTE + 30_000_000_000)


def loader_for(tmp_path, exchange=None, history=None) -> HistoryLoader:
    store = CandleStore(tmp_path / "candles.sqlite3")
    return HistoryLoader(KEY, history or BarHistory(), store, exchange.fetch if exchange else None, clock=lambda: NOW_MIN * 60 + 30)


async def _done(loader: HistoryLoader) -> None:
    while loader.busy:
        await asyncio.sleep(0.001)


async def test_an_empty_cache_is_filled_from_the_newest_page_back_and_a_restart_fetches_only_what_is_new(tmp_path):
    exchange = Exchange()
    loader = loader_for(tmp_path, exchange)
    assert loader.load_cached(3000) == 0
    assert loader.fill_recent(3000)
    await _done(loader)
    assert exchange.asked[0] == (None, PAGE_BARS)  # the newest page: the server's clock says what "now" is
    starts = loader.history.bars.start // MINUTE
    assert starts[-1] == NOW_MIN - 1  # the bar in progress is not stored: it is joined with the live one
    assert list(loader.history.partial.start) == [NOW_MIN * MINUTE]
    assert starts[0] <= NOW_MIN - 3000 and np.all(np.diff(starts) == 1)
    loader.store.close()

    later = Exchange()
    restarted = HistoryLoader(KEY, BarHistory(), CandleStore(tmp_path / "candles.sqlite3"), later.fetch, clock=lambda: (NOW_MIN + 10) * 60 + 5)
    assert restarted.load_cached(3000) == 3000  # at once, from the file
    assert restarted.fill_recent(3000)
    await _done(restarted)
    assert later.asked == [(None, 11)]  # only the ten minutes since, and the live one


async def test_scrolling_past_the_oldest_bar_loads_older_ones_until_the_exchange_has_none(tmp_path):
    exchange = Exchange()
    loader = loader_for(tmp_path, exchange)
    loader.fill_recent(1000)
    await _done(loader)
    oldest = loader.history.oldest
    assert loader.load_older(3000)
    await _done(loader)
    assert loader.history.oldest == oldest - 3000 * MINUTE
    for _ in range(3):
        loader.load_older(3000)
        await _done(loader)
    assert loader.history.oldest == Exchange.FIRST * MINUTE and loader.exhausted
    assert not loader.load_older(3000)


async def test_a_refused_request_is_kept_as_an_error_not_raised_and_tried_again_later(tmp_path):
    exchange = Exchange()
    failures = [ConnectionError("disconnected")]

    async def flaky(*args):
        if failures:
            raise failures.pop()
        return await exchange.fetch(*args)

    now = [NOW_MIN * 60.0]
    loader = HistoryLoader(KEY, BarHistory(), CandleStore(tmp_path / "c.sqlite3"), flaky, clock=lambda: now[0])
    loader.fill_recent(100)
    await _done(loader)
    assert "disconnected" in loader.error and len(loader.history) == 0
    assert not loader.retry(100)  # not yet
    now[0] += RETRY_AFTER
    assert loader.retry(100)
    await _done(loader)
    assert loader.error is None and len(loader.history) == 100


def test_closed_live_bars_are_saved_once_but_not_the_first_partial_one(tmp_path):
    loader = loader_for(tmp_path)
    starts = np.arange(NOW_MIN - 5, NOW_MIN, dtype=np.int64) * MINUTE
    ones = np.ones(5)
    live = CandleView(starts, starts / 1e9, ones, ones * 2, ones / 2, ones, ones, np.array([True] * 4 + [False]))
    assert loader.save_closed(live) == 3  # bars 2..4 of 5: the first is partial, the last still open
    assert loader.save_closed(live) == 0
    stored = loader.store.load(KEY, 10)
    assert list(stored.start // MINUTE) == [NOW_MIN - 4, NOW_MIN - 3, NOW_MIN - 2]


def test_without_a_running_loop_only_the_cache_is_used(tmp_path):
    loader = loader_for(tmp_path, Exchange())
    assert not loader.fill_recent(100) and not loader.busy
