"""End to end: the app fills the chart's history through the protocol's history op, joins it to the live
bars without a seam, keeps it on disk, and after a restart asks only for what is new; the embedded
exchange's bars (a new market each start) are not kept."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tests.support.waiting import wait_for as until

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


def test_the_embedded_exchange_makes_a_new_market_each_start_so_its_bars_are_not_kept_on_disk(qt_async, tmp_path):
    async def run():
        dashboard = _dashboard(tmp_path)
        await dashboard.start(show=False)
        try:
            chart = dashboard.window.chart
            await until(lambda: chart.symbol is not None and chart.loader is not None)
            await until(lambda: len(chart.history) >= HISTORY_BARS - 2 and not chart.loader.busy, timeout=30)
            assert dashboard.feeds[0].cache_name is None and chart.loader.store is None
            chart.loader.save_closed(dashboard.feeds[0].market.symbols["BTC-USD"].candles["1m"].view())
            return dashboard.candles.load(SeriesKey("demo", "BTC-USD", "1m"), 10_000)
        finally:
            await dashboard.stop()

    stored = qt_async.run(run(), timeout=60)
    assert len(stored.start) == 0  # the next start's market has another past: its bars would not join these


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
