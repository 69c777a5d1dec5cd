"""The chart: items made once and fed with setData, modes, intervals, follow-live, levels, outages."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QGraphicsView

from tests.support.builders import T0, ticker, trade
from tradedash.core.feed.lifecycle import FeedState
from tradedash.ui.panels.chart import BARS_SHOWN, ChartMarker, PriceChart


def _fill(feed, seconds: int = 120, start: int = 0) -> None:
    for second in range(start, start + seconds):
        ts = T0 + second * 1_000_000_000
        price = 100.0 + second % 7
        feed.market.apply(ticker("BTC-USD", price, ts=ts))
        feed.market.apply(trade("BTC-USD", price - 0.5, ts=ts))
        feed.market.apply(trade("BTC-USD", price, ts=ts + 500_000_000))


def test_candles_and_line_reuse_their_items(feed, theme, qtbot):
    chart = PriceChart(theme)
    qtbot.addWidget(chart)
    _fill(feed)
    chart.set_symbol(feed, "BTC-USD")
    items = list(chart.price_plot.items)
    assert chart.mode == "candles" and chart.plots.candles.isVisible() and not chart.plots.curve.isVisible()
    assert chart.plots.candles.boundingRect().height() > 0
    assert chart.toolbar.title.text() == "BTC-USD" and "O" in chart.readout.text()
    chart.set_mode("line")
    assert chart.plots.curve.isVisible() and len(chart.plots.curve.xData) == 120
    for batch in range(5):
        _fill(feed, 10, start=120 + 10 * batch)
        chart.refresh()
    assert list(chart.price_plot.items) == items  # nothing added or re-created
    assert len(chart.plots.curve.xData) == BARS_SHOWN * 3 // 2  # the bars in and around the followed view
    assert set(np.diff(chart.plots.curve.xData)) == {1.0}  # one point per 1 s bar, at the bar's close
    assert chart.plots.curve.yData[-1] == 100.0 + 169 % 7
    chart.set_interval("1m")
    assert chart.plots.volume_bars.opts["width"] == 48.0  # 0.8 of a minute


def test_follow_live_turns_off_on_manual_range_and_back_on(feed, theme, qtbot):
    chart = PriceChart(theme)
    qtbot.addWidget(chart)
    _fill(feed, 200)
    chart.set_symbol(feed, "BTC-USD")
    left, right = chart.price_plot.viewRange()[0]
    assert right - left == BARS_SHOWN * 5 / 4
    chart.price_plot.getViewBox().sigRangeChangedManually.emit([True, False])  # what a wheel or drag emits
    assert not chart.follow and not chart.toolbar.follow_button.isChecked()
    chart.price_plot.setXRange(left - 100, right - 100, padding=0)
    _fill(feed, 10, start=200)
    chart.refresh()
    assert chart.price_plot.viewRange()[0][1] < right  # the view stays where the user put it
    assert chart.plots.candles.boundingRect().left() <= left - 100  # older bars drawn for the panned view
    chart.set_follow(True)
    assert chart.price_plot.viewRange()[0][1] > right


def test_levels_markers_and_downtime_shading(feed, theme, qtbot):
    chart = PriceChart(theme)
    qtbot.addWidget(chart)
    _fill(feed)
    chart.set_symbol(feed, "BTC-USD")
    level = chart.add_level(103.0, "alert 103")
    assert level in chart.price_plot.items and level.value() == 103.0
    chart.remove_level(level)
    assert level not in chart.price_plot.items
    chart.set_markers([ChartMarker(T0 / 1e9 + 5, 101.0, "fired", theme.warning)])
    assert len(chart.plots.markers.points()) == 1
    feed.downtime.on_state(FeedState.LIVE, FeedState.BACKING_OFF)
    feed.downtime.on_state(FeedState.CONNECTING, FeedState.LIVE)
    _fill(feed, 1, start=120)
    chart.refresh()
    regions = [item for item in chart.price_plot.items if isinstance(item, pg.LinearRegionItem)]
    assert len(regions) == 1 and regions[0].isVisible()


def test_crosshair_readout_follows_the_mouse(feed, theme, qtbot):
    chart = PriceChart(theme)
    qtbot.addWidget(chart)
    chart.resize(800, 500)
    chart.show()
    _fill(feed)
    chart.set_symbol(feed, "BTC-USD")
    qtbot.waitExposed(chart)
    centre = chart.price_plot.sceneBoundingRect().center()
    chart._mouse_moved(QPointF(centre))
    assert chart.crosshair.vertical.isVisible() and chart.crosshair.horizontal.isVisible()
    assert "@" in chart.readout.text()  # the price under the cursor
    chart._mouse_moved(QPointF(-50, -50))
    assert not chart.crosshair.vertical.isVisible()


def test_mouse_wheel_zooms_time_and_stops_following(feed, theme, qtbot):
    chart = PriceChart(theme)
    qtbot.addWidget(chart)
    chart.resize(800, 500)
    chart.show()
    qtbot.waitExposed(chart)
    _fill(feed, 200)
    chart.set_symbol(feed, "BTC-USD")
    left, right = chart.price_plot.viewRange()[0]
    viewport = chart.graphics.viewport()
    centre = chart.graphics.mapFromScene(chart.price_plot.sceneBoundingRect().center())
    wheel = QWheelEvent(
        QPointF(centre), QPointF(viewport.mapToGlobal(centre)), QPoint(0, 0), QPoint(0, 120),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False,
    )
    QApplication.sendEvent(viewport, wheel)
    new_left, new_right = chart.price_plot.viewRange()[0]
    assert new_right - new_left < right - left  # zoomed in on time
    assert not chart.follow


def test_a_live_update_redraws_the_newest_bar_only(feed, theme, qtbot):
    chart = PriceChart(theme)
    qtbot.addWidget(chart)
    _fill(feed, 100)
    chart.set_symbol(feed, "BTC-USD")
    builds = chart.plots.candles.older_builds
    for step in range(5):  # trades inside the newest bar
        feed.market.apply(trade("BTC-USD", 120.0 + step, ts=T0 + 99 * 1_000_000_000 + 600_000_000 + step))
        chart.refresh()
    assert chart.plots.candles.older_builds == builds
    _fill(feed, 1, start=100)  # a new bar: the one before it is now an older bar
    chart.refresh()
    assert chart.plots.candles.older_builds == builds + 1


def test_the_last_price_line_is_relabelled_once_per_move(feed, theme, qtbot, monkeypatch):
    chart = PriceChart(theme)
    qtbot.addWidget(chart)
    _fill(feed)
    chart.set_symbol(feed, "BTC-USD")
    label = chart.plots.last_line.label
    relabels = []
    set_text = label.setText
    monkeypatch.setattr(label, "setText", lambda text: (relabels.append(text), set_text(text)))
    feed.market.apply(trade("BTC-USD", 123.25, ts=T0 + 119_900_000_000))
    chart.refresh()
    assert chart.plots.last_line.value() == 123.25 and relabels == ["123.25"]  # one relabel, with the new price
    assert label.toPlainText() == "123.25" and label.mapToItem(chart.plots.last_line, 0, 0).y() == 0  # on the line
    feed.market.apply(trade("BTC-USD", 123.25, ts=T0 + 119_950_000_000, size=2.0))
    chart.refresh()  # the volume changed, the last price did not
    assert relabels == ["123.25"]


def test_the_plots_paint_their_background_without_a_cached_pixmap(theme, qtbot):
    chart = PriceChart(theme)
    qtbot.addWidget(chart)
    # a background pixmap the size of the view, blended in on every paint, costs more than filling one colour
    assert chart.graphics.cacheMode() == QGraphicsView.CacheModeFlag.CacheNone


class _LayoutRequests(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, _watched, event) -> bool:
        self.count += event.type() == QEvent.Type.LayoutRequest
        return False


def test_a_new_readout_repaints_its_line_without_laying_the_chart_out_again(feed, theme, qtbot):
    chart = PriceChart(theme)
    qtbot.addWidget(chart)
    chart.show()
    qtbot.waitExposed(chart)
    _fill(feed)
    chart.set_symbol(feed, "BTC-USD")
    QApplication.processEvents()
    requests = _LayoutRequests()
    chart.installEventFilter(requests)
    feed.market.apply(trade("BTC-USD", 123.25, ts=T0 + 119_900_000_000))
    chart.refresh()
    QApplication.processEvents()
    assert "123.25" in chart.readout.text() and requests.count == 0
    assert chart.readout.autoFillBackground()  # opaque: what is beneath it is not painted again either


def test_the_price_axis_keeps_its_range_while_the_bars_stay_snugly_inside_it(feed, theme, qtbot):
    chart = PriceChart(theme)
    qtbot.addWidget(chart)
    _fill(feed)  # closes between 100 and 106
    chart.set_symbol(feed, "BTC-USD")
    low, high = chart.price_plot.viewRange()[1]
    assert low < 99.5 and 106 < high < 107
    feed.market.apply(trade("BTC-USD", 106.2, ts=T0 + 119_900_000_000))  # a new high, still inside the range
    chart.refresh()
    assert chart.price_plot.viewRange()[1] == [low, high]  # no relabel, no repaint of the whole plot
    feed.market.apply(trade("BTC-USD", 112.0, ts=T0 + 119_950_000_000))  # out of the range: fitted again
    chart.refresh()
    new_low, new_high = chart.price_plot.viewRange()[1]
    assert new_high > 112.0 and new_low < 99.5


def test_the_price_grid_is_its_own_item_and_the_cached_axis_covers_only_the_axis(feed, theme, qtbot):
    chart = PriceChart(theme)
    qtbot.addWidget(chart)
    chart.resize(900, 560)
    chart.show()
    qtbot.waitExposed(chart)
    _fill(feed)
    chart.set_symbol(feed, "BTC-USD")
    axis = chart.plots.price_axis
    assert axis.boundingRect().width() < 2 * axis.width()  # not spread over the plot (it is cached as a pixmap)
    low, high = chart.price_plot.viewRange()[1]
    major, *_ = chart.plots.grid.levels()
    assert len(major) >= 2 and all(low <= y <= high for y in major)
    assert set(major) <= {value for _, values in axis.tickValues(low, high, axis.height()) for value in values}
