"""End to end: the app on its embedded exchange (port 0) fills the chart's history through the protocol's
history op, joins it to the live bars without a seam, keeps it on disk, and after a restart asks only for
what is new."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tests.support.waiting import wait_for as until

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


def _dashboard(tmp_path: Path) -> Dashboard:
    config = tmp_path / "config.toml"
    if not config.exists():
        config.write_text(CONFIG)
    return Dashboard(AppOptions(config_path=config, log_path=tmp_path / "tradedash.log", exchange_rate=20.0))


def test_the_chart_fills_its_history_from_the_exchange_and_a_restart_asks_only_for_what_is_new(qt_async, tmp_path):
    async def first_run():
        dashboard = _dashboard(tmp_path)
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
            stored = dashboard.candles.load(SeriesKey("demo", "BTC-USD", "1m"), 10_000)
            assert len(stored.start) >= HISTORY_BARS - 2
            return chart.loader.requests
        finally:
            await dashboard.stop()

    async def second_run():
        dashboard = _dashboard(tmp_path)
        await dashboard.start(show=False)
        try:
            chart = dashboard.window.chart
            await until(lambda: chart.symbol is not None and chart.loader is not None)
            assert len(chart.history) >= HISTORY_BARS - 2  # at once, from the file
            await until(lambda: dashboard.feeds[0].client.state is FeedState.LIVE and not chart.loader.busy)
            return chart.loader.requests
        finally:
            await dashboard.stop()

    assert qt_async.run(first_run(), timeout=60) >= HISTORY_BARS // 1000  # pages of at most 1,000 bars
    assert (tmp_path / CANDLE_FILE).exists()
    assert qt_async.run(second_run(), timeout=60) <= 1  # at most one page: the minutes since the first run
    assert qt_async.errors == []


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
