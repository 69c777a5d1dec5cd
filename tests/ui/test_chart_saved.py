"""The chart's settings (interval, scale, indicators) are saved in the config file and restored at start."""

from __future__ import annotations

from tradedash.app import AppOptions, Dashboard
from tradedash.config import load_config
from tradedash.core.chart.chart_state import ChartState, IndicatorState

CONFIG = """\
[[feeds]]
name = "demo"
symbols = ["BTC-USD"]
channels = ["ticker", "trades"]
"""


def test_indicators_and_scale_survive_a_restart_through_the_config_file(qt_async, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    options = AppOptions(config_path=config, log_path=tmp_path / "tradedash.log")

    async def first_run():
        dashboard = Dashboard(options)
        await dashboard.start(show=False)
        try:
            chart = dashboard.window.chart
            chart.set_interval("5m")
            chart.add_indicator(IndicatorState.of("ema", {"period": 9, "colour": "#123456"}))
            chart.set_scale("log")
        finally:
            await dashboard.stop()

    async def second_run():
        dashboard = Dashboard(options)
        await dashboard.start(show=False)
        try:
            return dashboard.window.chart.state()
        finally:
            await dashboard.stop()

    qt_async.run(first_run())
    saved = ChartState.from_dict(load_config(config).config.chart)
    assert (saved.interval, saved.scale, saved.indicators) == ("5m", "log", (IndicatorState.of("ema", {"period": 9, "colour": "#123456"}),))
    restored = qt_async.run(second_run())
    assert (restored.interval, restored.scale, restored.indicators) == (saved.interval, saved.scale, saved.indicators)
    assert qt_async.errors == []


def test_a_bad_chart_table_in_the_config_falls_back_to_the_default_chart(qt_async, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(CONFIG + '\n[chart]\ninterval = "7m"\n')
    dashboard = Dashboard(AppOptions(config_path=config, log_path=tmp_path / "tradedash.log"))

    async def run():
        await dashboard.start(show=False)
        try:
            return dashboard.window.chart.state()
        finally:
            await dashboard.stop()

    assert qt_async.run(run()).with_changes(feed=None, symbol=None) == ChartState()
