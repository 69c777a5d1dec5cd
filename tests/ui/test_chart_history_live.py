"""End to end: the app fills the chart's history through the protocol's history op, joins it to the live
bars without a seam, keeps it on disk, and after a restart asks only for what is new; the embedded
exchange's bars (a new market each start) are not kept."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import numpy as np
from tests.support.waiting import wait_for as until

from mock_exchange.market import Market
from mock_exchange.server import ExchangeConfig, ExchangeServer
from tradedash.app import AppOptions, Dashboard
from tradedash.core.chart.candle_store import CANDLE_FILE, SeriesKey
from tradedash.core.feed.lifecycle import FeedState
from tradedash.ui.panels.chart import HISTORY_BARS

CONFIG = """\
theme = "dark"

[chart]
interval = "1m"

[[feeds]]
name = "demo"
symbols = ["BTC-USD"]
channels = ["ticker", "trades", "candles:1m"]
"""


def _dashboard(tmp_path: Path, url: str | None = None) -> Dashboard:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG + (f'url = "{url}"\n' if url else ""))
    return Dashboard(AppOptions(config_path=config, log_path=tmp_path / "tradedash.log", exchange_rate=20.0))


def test_the_chart_fills_its_history_from_the_exchange_and_a_restart_asks_only_for_what_is_new(qt_async, tmp_path):
    """Against an exchange that outlives the app (one market across both runs)."""

    async def first_run(url: str):
        dashboard = _dashboard(tmp_path, url)
        await dashboard.start(show=False)
        try:
            chart = dashboard.window.chart
            await until(lambda: chart.symbol is not None and chart.loader is not None)
            assert chart.interval == "1m"  # from the config's [chart]
            await until(lambda: len(chart.history) >= HISTORY_BARS - 2 and not chart.loader.busy, timeout=30)
            assert chart.loader.error is None
            series = dashboard.feeds[0].market.symbols["BTC-USD"].candles["1m"]
            await until(lambda: len(series.view().start) >= 1)
            live = series.view()
            joined = chart.history.tail(live, 200)
            assert np.all(np.diff(joined.start) == 60_000_000_000)  # no seam between history and live bars
            assert joined.start[-1] == live.start[-1]
            assert dashboard.feeds[0].cache_name == f"demo {url}"
            stored = dashboard.candles.load(SeriesKey(f"demo {url}", "BTC-USD", "1m"), 10_000)
            assert len(stored.start) >= HISTORY_BARS - 2
            return chart.loader.requests
        finally:
            await dashboard.stop()

    async def second_run(url: str):
        dashboard = _dashboard(tmp_path, url)
        await dashboard.start(show=False)
        try:
            chart = dashboard.window.chart
            await until(lambda: chart.symbol is not None and chart.loader is not None)
            assert len(chart.history) >= HISTORY_BARS - 2  # at once, from the file
            await until(lambda: dashboard.feeds[0].client.state is FeedState.LIVE and not chart.loader.busy)
            return chart.loader.requests
        finally:
            await dashboard.stop()

    async def scenario():
        server = ExchangeServer(ExchangeConfig(port=0, rate=20.0, symbols=["BTC-USD"]))
        await server.start()
        try:
            return await first_run(server.url), await second_run(server.url)
        finally:
            await server.stop()

    first, second = qt_async.run(scenario(), timeout=120)
    assert first >= HISTORY_BARS // 1000  # pages of at most 1,000 bars
    assert (tmp_path / CANDLE_FILE).exists()
    assert second <= 1  # at most one page: the minutes since the first run
    assert qt_async.errors == []


def _foreign_bars(chart, market: Market) -> int:
    """How many of the chart's past BTC-USD bars are not ``market``'s own bars at their start
    (another market's, from the cache)."""
    own = {start: bar for start, *bar in market.history("BTC-USD", "1m", None, 2 * HISTORY_BARS)[0][:-1]}  # not the bar in progress
    held = chart.history.bars
    rows = zip(held.start.tolist(), held.open.tolist(), held.high.tolist(), held.low.tolist(), held.close.tolist())
    return sum(own.get(start, [None])[:4] != [open_, high, low, close] for start, open_, high, low, close in rows)


async def _run_until_filled(dashboard: Dashboard, market_of) -> tuple[int, int]:
    """Start ``dashboard``, wait for its chart's history, stop it; (bars held, how many are not ``market_of(dashboard)``'s)."""
    await dashboard.start(show=False)
    try:
        chart = dashboard.window.chart
        await until(lambda: chart.symbol is not None and chart.loader is not None)
        await until(lambda: dashboard.feeds[0].client.state is FeedState.LIVE, timeout=30)
        await until(lambda: len(chart.history) >= HISTORY_BARS - 2 and not chart.loader.busy, timeout=30)
        assert chart.loader.error is None
        return len(chart.history), _foreign_bars(chart, market_of(dashboard))
    finally:
        await dashboard.stop()


def test_a_feed_of_the_same_name_pointed_at_another_market_shows_none_of_the_old_markets_bars(qt_async, tmp_path):
    """The config's feed "demo" reads one exchange, then (config edited) another one: the second run's chart
    holds the second market's bars only, none cached from the first."""

    async def scenario():
        first = ExchangeServer(ExchangeConfig(port=0, rate=20.0, symbols=["BTC-USD"], seed=1))
        second = ExchangeServer(ExchangeConfig(port=0, rate=20.0, symbols=["BTC-USD"], seed=2))
        await first.start()
        await second.start()
        try:
            before = await _run_until_filled(_dashboard(tmp_path, first.url), lambda _d: first.market)
            after = await _run_until_filled(_dashboard(tmp_path, second.url), lambda _d: second.market)
            return before, after
        finally:
            await first.stop()
            await second.stop()

    before, after = qt_async.run(scenario(), timeout=120)
    assert before[0] >= HISTORY_BARS - 2 and before[1] == 0
    assert (tmp_path / CANDLE_FILE).exists()  # the first market's bars are on disk, under the first address
    assert after[0] >= HISTORY_BARS - 2 and after[1] == 0
    assert qt_async.errors == []


def test_the_embedded_exchange_is_a_new_market_each_start_and_a_restart_shows_none_of_the_last_ones_bars(qt_async, tmp_path):
    """The embedded exchange draws a new random past at each start: the last run's bars would not join this
    run's, so they are not kept on disk and a restart shows only the new market's."""

    async def second_run():
        dashboard = _dashboard(tmp_path)
        await dashboard.start(show=False)
        try:
            chart = dashboard.window.chart
            await until(lambda: chart.symbol is not None and chart.loader is not None)
            cached = chart.loader.load_cached(HISTORY_BARS)  # what a restart shows before the exchange answers
            await until(lambda: len(chart.history) >= HISTORY_BARS - 2 and not chart.loader.busy, timeout=30)
            return cached, _foreign_bars(chart, dashboard.exchange.market)
        finally:
            await dashboard.stop()

    first = qt_async.run(_run_until_filled(_dashboard(tmp_path), lambda d: d.exchange.market), timeout=60)
    assert first[0] >= HISTORY_BARS - 2 and first[1] == 0
    assert _stored_bars(tmp_path / CANDLE_FILE) == 0
    assert qt_async.run(second_run(), timeout=60) == (0, 0)  # nothing of the last run's market, at once or after the fill


def _stored_bars(path: Path) -> int:
    """Bars of any series in the candle file (0 without one)."""
    if not path.exists():
        return 0
    with closing(sqlite3.connect(path)) as db:
        return db.execute("SELECT count(*) FROM candles").fetchone()[0]


BINANCE_CONFIG = """\
theme = "dark"

[chart]
interval = "1m"

[[feeds]]
name = "binance"
venue = "binance"
symbols = ["BTCUSD"]
channels = ["ticker", "trades", "candles:1m"]
"""


def test_a_binance_feeds_chart_pages_back_through_days_of_klines(qt_async, tmp_path):
    """The chart of a Binance feed fills and extends its history from GET /api/v3/klines (endTime paging)
    past the bars the mock keeps for its streams (1,500 minutes), a whole page of 1,000 at a time."""
    config = tmp_path / "config.toml"
    config.write_text(BINANCE_CONFIG)

    async def run():
        dashboard = Dashboard(AppOptions(config_path=config, log_path=tmp_path / "tradedash.log", exchange_rate=20.0))
        await dashboard.start(show=False)
        try:
            chart = dashboard.window.chart
            await until(lambda: chart.symbol is not None and chart.loader is not None)
            assert chart.symbol.symbol == "BTCUSD"
            await until(lambda: len(chart.history) >= HISTORY_BARS - 2 and not chart.loader.busy, timeout=30)
            assert chart.loader.error is None
            for _ in range(2):  # older on demand, as scrolling left asks: two more days of minutes
                assert chart.loader.load_older(1440)
                await until(lambda: not chart.loader.busy, timeout=30)
            assert chart.loader.error is None and not chart.loader.exhausted
            assert len(chart.history) >= HISTORY_BARS + 2 * 1440 - 2
            starts = chart.history.bars.start
            assert np.all(np.diff(starts) == 60_000_000_000)  # every minute, no gap, no repeat
        finally:
            await dashboard.stop()

    qt_async.run(run(), timeout=90)
    assert qt_async.errors == []
