"""Take the README's screenshots: the whole window on live data, dark and light, at two sizes; and the chart's.

    Xvfb :99 -screen 0 1440x900x24 & DISPLAY=:99 .venv/bin/python docs/screenshots.py [seconds]
    DISPLAY=:99 .venv/bin/python docs/screenshots.py charts
    DISPLAY=:99 .venv/bin/python docs/screenshots.py views

``charts`` takes only the chart's screenshots, in the default 1440x900 window
(dark): ``docs/chart-history-1m.png`` (two days of 1 m bars, filled from the
exchange's history when the chart opened), ``docs/chart-history-1h.png`` (the
1 h bars of the same past) and ``docs/chart-indicators.png`` (1 m bars with an
EMA and Bollinger bands over the price and an RSI pane).

``views`` takes the 2x2 chart grid, four symbols at 1 m with an SMA and an RSI
pane each and the crosshair linked (``docs/chart-grid.png``, the whole window),
and the depth chart next to the book at 50 levels with the mouse over the 30th
bid (``docs/depth-chart.png``).

Starts the app on its embedded mock exchange with a throw-away config, waits
``seconds`` (default 95) for every panel to have live data, and saves with
``QWidget.grab()``, in the default layout for each size:
``docs/screenshot-dark.png`` and ``docs/screenshot-light.png`` at 1440x900 (a
common laptop), and ``docs/screenshot-1024x700-dark.png`` at 1024x700 (the
smallest window the layout is made for).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import qasync  # noqa: E402
from PySide6.QtCore import QPointF  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from tradedash.app import AppOptions, Dashboard  # noqa: E402


async def take(seconds: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.toml"
        config.write_text('theme = "dark"\n[[feeds]]\nname = "demo"\nsymbols = ["BTC-USD", "ETH-USD", "SOL-USD", "DOGE-USD", "ADA-USD"]\n'
                          'channels = ["ticker", "trades", "book", "candles:1s"]\n')
        dashboard = Dashboard(AppOptions(config_path=config, log_path=Path(tmp) / "log.txt", exchange_rate=5.0))
        await dashboard.start(show=False)
        window = dashboard.window
        window.resize(1440, 900)
        window.show()
        try:
            await asyncio.sleep(seconds)
            for size, themes, name in (((1440, 900), ("dark", "light"), "screenshot-{theme}.png"), ((1024, 700), ("dark",), "screenshot-1024x700-{theme}.png")):
                window.resize(*size)
                await asyncio.sleep(0.5)
                window.reset_layout()
                for theme in themes:
                    window.choose_theme(theme)
                    await asyncio.sleep(1.5)
                    path = ROOT / "docs" / name.format(theme=theme)
                    window.grab().save(str(path))
                    print("saved", path, window.width(), "x", window.height())
        finally:
            await dashboard.stop()


async def _until(condition, timeout: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise SystemExit("the chart did not fill in time")
        await asyncio.sleep(0.1)


async def take_charts() -> None:
    from tradedash.core.chart.chart_state import ChartState, IndicatorState

    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.toml"
        config.write_text('theme = "dark"\n[chart]\ninterval = "1m"\n[[feeds]]\nname = "demo"\n'
                          'symbols = ["BTC-USD", "ETH-USD", "SOL-USD", "DOGE-USD", "ADA-USD"]\n'
                          'channels = ["ticker", "trades", "book", "candles:1m"]\n')
        dashboard = Dashboard(AppOptions(config_path=config, log_path=Path(tmp) / "log.txt", exchange_rate=5.0))
        await dashboard.start(show=False)
        window = dashboard.window
        window.resize(1440, 900)
        window.show()
        chart = window.chart
        try:
            await _until(lambda: chart.symbol is not None and chart.loader is not None, 30)
            await _until(lambda: len(chart.history) > 2000 and not chart.loader.busy, 60)
            await asyncio.sleep(3)
            newest = float(chart._candles.time[-1])
            chart.set_view_range(newest - 2 * 86_400, newest + 3_600)  # two days of 1 m bars
            await asyncio.sleep(1.5)
            _save(window, chart, "chart-history-1m.png")
            chart.set_interval("1h")
            await _until(lambda: len(chart.history) > 40 and not chart.loader.busy, 30)
            await asyncio.sleep(1.5)
            _save(window, chart, "chart-history-1h.png")
            chart.apply_state(ChartState(
                interval="1m",
                indicators=(IndicatorState.of("ema", {"period": 21}), IndicatorState.of("bollinger"), IndicatorState.of("rsi")),
            ))
            await _until(lambda: len(chart.history) > 200 and not chart.loader.busy, 30)
            await asyncio.sleep(1.5)
            _save(window, chart, "chart-indicators.png")
        finally:
            await dashboard.stop()


async def take_views() -> None:
    from tradedash.core.chart.chart_state import IndicatorState

    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.toml"
        config.write_text('theme = "dark"\n[chart]\ninterval = "1m"\n[[feeds]]\nname = "demo"\n'
                          'symbols = ["BTC-USD", "ETH-USD", "SOL-USD", "DOGE-USD", "ADA-USD"]\n'
                          'channels = ["ticker", "trades", "book", "candles:1m"]\n')
        dashboard = Dashboard(AppOptions(config_path=config, log_path=Path(tmp) / "log.txt", exchange_rate=5.0))
        await dashboard.start(show=False)
        window = dashboard.window
        window.resize(1440, 900)
        window.show()
        try:
            await _until(lambda: window.watchlist_model.rowCount() >= 4, 30)
            window.set_chart_count(4)
            window.link_crosshair_action.trigger()
            for chart in window.chart_grid.shown:
                chart.set_interval("1m")
                chart.add_indicator(IndicatorState.of("sma", {"period": 20}))
                chart.add_indicator(IndicatorState.of("rsi"))
            for chart in window.chart_grid.shown:
                await _until(lambda c=chart: c.loader is not None and len(c.history) > 200 and not c.loader.busy, 60)
            await asyncio.sleep(3)
            _save(window, window, "chart-grid.png")
            window.set_chart_count(1)
            window.docks["depth"].show()
            window.docks["depth"].raise_()
            await asyncio.sleep(2)
            depth = window.depth
            if depth.curve is not None and len(depth.curve.bid_price) > 30:  # the mouse over the 30th bid: what selling down to it meets
                view = depth.plot.getPlotItem().getViewBox()
                depth.plot.scene().sigMouseMoved.emit(view.mapViewToScene(QPointF(float(depth.curve.bid_price[29]), float(depth.curve.bid_total[-1]) / 2)))
            _save(window, window.docks["depth"], "depth-chart.png")
        finally:
            await dashboard.stop()


def _save(window, chart, name: str) -> None:
    path = ROOT / "docs" / name
    chart.grab().save(str(path))
    print("saved", path, chart.width(), "x", chart.height(), "in a", window.width(), "x", window.height(), "window")


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("tradedash-screenshots")
    app.setQuitOnLastWindowClosed(False)
    if sys.argv[1:] == ["views"]:
        qasync.run(take_views())
        return
    if sys.argv[1:] == ["charts"]:
        qasync.run(take_charts())
        return
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 95.0
    qasync.run(take(seconds))


if __name__ == "__main__":
    main()
