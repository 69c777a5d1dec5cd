"""The chart a trader expects: history at once from the cache and older on scroll, indicators from the
menu, price scales and axis labels, a fitted axis, a waiting state, a crosshair that never sticks,
outages shaded as they happen, and room in the default layout."""

from __future__ import annotations

import re

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent, QPointF, QSettings
from PySide6.QtWidgets import QApplication, QMenu
from test_price_chart import _fill

from tests.support.builders import T0, trade
from tradedash.config import Config
from tradedash.core.chart.candle_store import CandleStore, SeriesKey
from tradedash.core.chart.chart_state import IndicatorState
from tradedash.core.feed.lifecycle import FeedState
from tradedash.ui.main_window import MainWindow
from tradedash.ui.chart import drawing as drawing_module
from tradedash.ui.panels.chart import BARS_SHOWN, HISTORY_BARS, PriceChart

MINUTE = 60_000_000_000
T0_MIN = T0 // MINUTE


def _cache(tmp_path, feed, count: int, spike_at: int | None = None) -> CandleStore:
    """A candle file with ``count`` 1m bars of ``feed``'s BTC-USD ending at T0 (prices around 64,000)."""
    store = CandleStore(tmp_path / "candles.sqlite3")
    rows = []
    for i, minute in enumerate(range(T0_MIN - count, T0_MIN)):
        close = 64_000.0 + 50 * np.sin(i / 40)
        high = close + (10_000.0 if i == spike_at else 5.0)
        rows.append((minute * MINUTE, close - 2.0, high, close - 5.0, close, 1.0 + i % 5))
    store.save_bars(SeriesKey(feed.cache_name, "BTC-USD", "1m"), rows)
    return store


def _chart(qtbot, theme, store=None, size=(900, 560)) -> PriceChart:
    chart = PriceChart(theme, store=store)
    qtbot.addWidget(chart)
    chart.resize(*size)
    chart.show()
    qtbot.waitExposed(chart)
    return chart


def _action(menu: QMenu, *path: str):
    for action in menu.actions():
        if action.text() == path[0]:
            return action if len(path) == 1 else _action(action.menu(), *path[1:])
    raise AssertionError(f"{path[0]!r} not in {[a.text() for a in menu.actions()]}")


# --- History ------------------------------------------------------------------------------


def test_opening_a_chart_shows_the_cached_history_at_once(feed, theme, qtbot, tmp_path):
    store = _cache(tmp_path, feed, 4 * 1440)  # four days of 1m bars
    chart = _chart(qtbot, theme, store)
    chart.set_interval("1m")
    chart.set_symbol(feed, "BTC-USD")  # no live data at all yet
    assert not chart.waiting
    assert len(chart.history) == HISTORY_BARS
    left, right = chart.price_plot.viewRange()[0]
    assert right - left == pytest.approx(BARS_SHOWN * 60 * 5 / 4)
    assert chart._candles.time[-1] == (T0_MIN - 1) * 60  # the newest cached bar, at the right edge
    assert re.search(r"C&nbsp;<span[^>]*>6\d,\d{3}\.\d{2}<", chart.readout.text()) and "out of range" not in chart.readout.text()


def test_panning_past_the_oldest_bar_loads_older_ones(feed, theme, qtbot, tmp_path):
    store = _cache(tmp_path, feed, 5000)
    chart = _chart(qtbot, theme, store)
    chart.set_interval("1m")
    chart.set_symbol(feed, "BTC-USD")
    oldest = chart.history.oldest
    chart.set_view_range(oldest / 1e9 - 3600, oldest / 1e9 + 3600)
    assert chart.history.oldest == (T0_MIN - 5000) * MINUTE < oldest


def test_closed_live_bars_go_to_the_cache(feed, theme, qtbot, tmp_path, monkeypatch):
    store = CandleStore(tmp_path / "candles.sqlite3")
    chart = _chart(qtbot, theme, store)
    _fill(feed, 10)
    chart.set_symbol(feed, "BTC-USD")
    monkeypatch.setattr(chart, "_saved_at", -1e9)
    chart.refresh()
    saved = store.load(SeriesKey(feed.cache_name, "BTC-USD", "1s"), 100)
    assert list(saved.start) == [T0 + s * 1_000_000_000 for s in range(1, 9)]  # not the first (partial) nor the open one


# --- Indicators ---------------------------------------------------------------------------


def test_indicators_are_added_edited_and_removed_from_the_menu_and_kept_in_the_state(feed, theme, qtbot, tmp_path):
    chart = _chart(qtbot, theme, _cache(tmp_path, feed, 2000))
    chart.set_interval("1m")
    chart.set_symbol(feed, "BTC-USD")
    menu = chart.context_menu(64_000.0)
    _action(menu, "Add indicator", "SMA…").trigger()
    dialog = chart.dialog
    dialog.fields["period"].setValue(10)
    dialog._ok()
    _action(chart.context_menu(64_000.0), "Add indicator", "RSI…").trigger()
    chart.dialog._ok()
    assert [layer.state for layer in chart.layers] == [IndicatorState.of("sma", {"period": 10}), IndicatorState.of("rsi")]
    assert chart.layers[1].pane is not None and chart.layers[1].pane.getAxis("bottom").isVisible()
    assert [label.text for _, label in chart.plots.legend.items] == ["SMA 10"]  # named over the price
    assert [label.text for _, label in chart.layers[1].legend.items] == ["RSI 14"]  # and in its pane
    assert chart.layers[1].pane.viewRange()[1][0] < 0 and chart.layers[1].pane.viewRange()[1][1] > 100
    assert not chart.volume_plot.getAxis("bottom").isVisible()  # the date axis is under the last pane
    _action(chart.context_menu(64_000.0), "Edit indicator", "SMA 10…").trigger()
    chart.dialog.fields["colour"].edit.setText("#ff0000")
    chart.dialog._ok()
    assert chart.state().indicators[0].settings["colour"] == "#ff0000"
    _action(chart.context_menu(None), "Remove indicator", "RSI 14").trigger()
    assert [layer.spec.name for layer in chart.layers] == ["sma"] and chart.plots.panes == [chart.volume_plot]


def _sma(values: np.ndarray, period: int) -> np.ndarray:
    out = np.full(len(values), np.nan)
    out[period - 1 :] = np.convolve(values, np.ones(period) / period, mode="valid")
    return out


def test_overlays_match_a_whole_series_reference_and_follow_the_live_bar_incrementally(feed, theme, qtbot, tmp_path):
    chart = _chart(qtbot, theme)
    _fill(feed, 400)
    chart.set_symbol(feed, "BTC-USD")
    chart.add_indicator(IndicatorState.of("sma", {"period": 20}))
    chart.add_indicator(IndicatorState.of("bollinger"))
    layer = chart.layers[0]
    resets = []
    original = layer.live.computation.reset
    layer.live.computation.reset = lambda view: (resets.append(1), original(view))[1]
    for step in range(5):
        feed.market.apply(trade("BTC-USD", 150.0 + step, ts=T0 + 399 * 1_000_000_000 + 600_000_000 + step))
        chart.refresh()
    assert resets == []  # the live bar changed: one step each time, no recompute
    closes = feed.market.symbols["BTC-USD"].candles["1s"].view().close
    reference = _sma(np.asarray(closes, dtype=float), 20)[-len(chart._candles.time):]
    drawn = layer.curves["sma"].yData
    assert np.allclose(drawn, reference, rtol=1e-9, equal_nan=True)
    assert len(chart.layers[1].curves) == 3  # upper, middle and lower band


# --- Axes and scales ----------------------------------------------------------------------


def test_price_axis_labels_have_separators_and_follow_log_and_percent_scales(feed, theme, qtbot, tmp_path):
    chart = _chart(qtbot, theme, _cache(tmp_path, feed, 500))
    chart.set_interval("1m")
    chart.set_symbol(feed, "BTC-USD")
    assert chart.plots.price_axis.tickStrings([64_000.0], 1, 100) == ["64,000.00"]
    chart.set_scale("log")
    low, high = chart.price_plot.viewRange()[1]
    assert 4.7 < low < high < 4.9  # log10 of ~64,000
    assert chart.plots.price_axis.tickStrings([np.log10(64_000.0)], 1, 0.01) == ["64,000.00"]
    chart.set_scale("percent")
    low, high = chart.price_plot.viewRange()[1]
    assert -5 < low < 0 < high < 5
    assert chart.plots.price_axis.tickStrings([1.5], 1, 1) == ["+1.50 %"]
    assert chart.state().scale == "percent"
    assert chart.volume_plot.getAxis("right").tickStrings([0.0, 1500.0], 1, 500) == ["0", "1.5 k"]


def test_the_crosshair_puts_its_price_on_the_axis(feed, theme, qtbot, tmp_path):
    chart = _chart(qtbot, theme, _cache(tmp_path, feed, 500))
    chart.set_interval("1m")
    chart.set_symbol(feed, "BTC-USD")
    centre = chart.price_plot.getViewBox().sceneBoundingRect().center()
    chart._mouse_moved(QPointF(centre))
    price = chart.price_plot.getViewBox().mapSceneToView(QPointF(centre)).y()
    assert chart.crosshair.label.isVisible() and chart.crosshair.label.text.text() == f"{price:,.2f}"


def test_the_price_axis_fits_the_bars_in_view_not_those_off_screen(feed, theme, qtbot, tmp_path):
    chart = _chart(qtbot, theme, _cache(tmp_path, feed, 1000, spike_at=100))  # a spike 900 bars back
    chart.set_interval("1m")
    chart.set_symbol(feed, "BTC-USD")
    low, high = chart.price_plot.viewRange()[1]
    assert high < 64_200 and low > 63_800
    chart.set_view_range((T0_MIN - 920) * 60, (T0_MIN - 850) * 60)
    assert chart.price_plot.viewRange()[1][1] > 74_000  # now the spike is in view


def test_an_empty_chart_says_it_waits_for_data_instead_of_drawing_1970(feed, theme, qtbot):
    chart = _chart(qtbot, theme)
    assert chart.waiting and "choose" in chart.placeholder.text()
    chart.set_symbol(feed, "BTC-USD")
    assert chart.waiting and "Waiting for data" in chart.placeholder.text()
    _fill(feed, 3)
    chart.refresh()
    assert not chart.waiting and chart.price_plot.viewRange()[0][0] > 1e9


# --- Fixes --------------------------------------------------------------------------------


def test_the_crosshair_hides_when_the_mouse_leaves_or_a_menu_opens(feed, theme, qtbot):
    chart = _chart(qtbot, theme)
    _fill(feed)
    chart.set_symbol(feed, "BTC-USD")
    centre = QPointF(chart.price_plot.getViewBox().sceneBoundingRect().center())
    chart._mouse_moved(centre)
    assert chart.crosshair.vertical.isVisible() and "@" in chart.readout.text()
    QApplication.sendEvent(chart.graphics.viewport(), QEvent(QEvent.Type.Leave))
    assert not chart.crosshair.vertical.isVisible() and not chart.crosshair.label.isVisible() and "@" not in chart.readout.text()
    chart._mouse_moved(centre)
    menu = QMenu()
    menu.addAction("something")
    menu.popup(chart.mapToGlobal(chart.rect().center()))
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is menu)
    _fill(feed, 1, start=120)
    chart.refresh()
    menu.close()
    assert not chart.crosshair.vertical.isVisible() and "@" not in chart.readout.text()


class _Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now


def test_a_down_feed_is_shaded_while_it_is_down(feed, theme, qtbot, monkeypatch):
    clock = _Clock(T0 / 1e9 + 120)
    monkeypatch.setattr(drawing_module, "time", clock)
    feed.downtime._clock = clock.time
    chart = _chart(qtbot, theme)
    _fill(feed)
    chart.set_symbol(feed, "BTC-USD")
    feed.downtime.on_state(FeedState.LIVE, FeedState.BACKING_OFF)  # down, and no message arrives from now on
    chart.refresh()
    regions = [item for item in chart.price_plot.items if isinstance(item, pg.LinearRegionItem)]
    assert len(regions) == 1 and regions[0].isVisible()
    assert regions[0].getRegion() == (T0 / 1e9 + 120, T0 / 1e9 + 120)
    clock.now += 5
    chart.refresh()
    assert regions[0].getRegion() == (T0 / 1e9 + 120, T0 / 1e9 + 125)  # it grows while the feed is down


def test_the_default_layout_gives_the_chart_half_the_width_and_a_one_line_readout(feed, qtbot, tmp_path):
    window = MainWindow([feed], Config(), QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.resize(1440, 900)
    window.show()
    qtbot.waitExposed(window)
    window.reset_layout()
    _fill(feed, 200)
    for price in (64_123.45, 64_130.5):
        feed.market.apply(trade("BTC-USD", price, ts=T0 + 200 * 1_000_000_000))
    qtbot.waitUntil(lambda: window.chart.symbol is not None)
    window.refresh()
    qtbot.wait(50)
    chart = window.chart
    assert chart.width() >= 0.5 * window.width()
    chart._mouse_moved(QPointF(chart.price_plot.getViewBox().sceneBoundingRect().center()))
    assert chart.readout.sizeHint().width() <= chart.readout.width()
    assert chart.readout.sizeHint().height() < 2 * chart.readout.fontMetrics().height()
    _action(window.menu("chart"), "Logarithmic price scale").trigger()  # also in the window's Chart menu
    assert chart.scale.kind == "log"


def test_indicator_lines_are_plain_curves_fed_with_set_data(feed, theme, qtbot, tmp_path):
    chart = _chart(qtbot, theme, _cache(tmp_path, feed, 600))
    chart.set_interval("1m")
    chart.set_symbol(feed, "BTC-USD")
    chart.add_indicator(IndicatorState.of("sma", {"period": 10}))
    curve = chart.layers[0].curves["sma"]
    # a PlotCurveItem, not a PlotDataItem: a tenth of the cost of each setData on every repaint
    assert type(curve) is pg.PlotCurveItem and len(curve.yData) == len(chart._candles.time)


def test_zoomed_out_past_a_bar_per_three_pixels_bars_are_drawn_merged_and_read_as_the_market_moved(feed, theme, qtbot, tmp_path):
    store = CandleStore(tmp_path / "candles.sqlite3")
    rows = []
    for i, minute in enumerate(range(T0_MIN - 2 * 1440, T0_MIN)):  # two days, rising: three small red bars to one tall green
        open_ = 60_000.0 + i
        close = open_ + 3.0 if minute % 4 == 0 else open_ - 0.5
        rows.append((minute * MINUTE, open_, max(open_, close) + 1, min(open_, close) - 1, close, 1.0))
    store.save_bars(SeriesKey(feed.cache_name, "BTC-USD", "1m"), rows)
    chart = _chart(qtbot, theme, store, size=(760, 560))
    chart.set_interval("1m")
    chart.set_symbol(feed, "BTC-USD")
    chart.set_view_range((T0_MIN - 2 * 1440) * 60, T0_MIN * 60)
    drawn = chart.plots.candles.bars
    pixels = chart.price_plot.getViewBox().width()
    in_view = (drawn.time >= (T0_MIN - 2 * 1440) * 60) & (drawn.time < T0_MIN * 60)
    assert in_view.sum() <= pixels / 3 < 2 * 1440  # no drawn bar narrower than three pixels
    assert np.all(drawn.close[in_view] > drawn.open[in_view])  # the market rose, and so do the bars drawn
    bar = float(drawn.time[1] - drawn.time[0])
    assert bar * pixels / (2 * 86_400) >= 3
    chart.set_view_range((T0_MIN - 100) * 60, T0_MIN * 60)  # zoomed in: every bar its own
    drawn = chart.plots.candles.bars
    assert float(drawn.time[1] - drawn.time[0]) == 60.0
    assert np.any(drawn.close < drawn.open)


@pytest.mark.parametrize("direction", [1, -1], ids=["last-at-the-top", "last-at-the-bottom"])
def test_the_last_price_label_stays_inside_the_chart_wherever_the_price_is(feed, theme, qtbot, tmp_path, direction):
    store = CandleStore(tmp_path / "candles.sqlite3")
    rows = [(minute * MINUTE, p, p + 0.5 * (direction > 0), p - 0.5 * (direction < 0), p, 1.0)
            for minute, p in ((m, 64_000.0 + direction * 5 * (m - T0_MIN)) for m in range(T0_MIN - 300, T0_MIN))]
    store.save_bars(SeriesKey(feed.cache_name, "BTC-USD", "1m"), rows)
    chart = _chart(qtbot, theme, store)
    chart.set_interval("1m")
    chart.set_symbol(feed, "BTC-USD")
    low, high = chart.price_plot.viewRange()[1]
    last = chart.plots.last_line.value()
    # The price at the very top (or bottom) of an axis that holds the bars snugly, so it is kept as it is.
    chart.price_plot.setYRange(*((low, last + 0.6) if direction > 0 else (last - 0.6, high)), padding=0)
    chart._painted = None
    chart.refresh()
    chart.grab()  # painted: the label's place on screen is known
    label = chart.plots.last_line.label
    view = chart.price_plot.getViewBox().sceneBoundingRect()
    shown = label.sceneBoundingRect()
    assert label.toPlainText() and view.contains(shown), (shown, view)
