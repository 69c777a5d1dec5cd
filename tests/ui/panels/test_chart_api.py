"""The chart's API for grids and workspaces: several charts, each its own state, linked crosshair and range."""

from __future__ import annotations

import math

import pytest

from PySide6.QtCore import QPointF
from test_price_chart import _fill

from tradedash.core.chart.chart_state import ChartState, IndicatorState
from tradedash.ui.chart.linking import ChartLink
from tradedash.ui.panels.chart import PriceChart


def test_two_charts_keep_their_own_state_and_give_it_back(feed, theme, qtbot):
    first, second = PriceChart(theme), PriceChart(theme)
    for chart in (first, second):
        qtbot.addWidget(chart)
    _fill(feed, 200)
    wanted = ChartState(
        feed="demo", symbol="BTC-USD", interval="1m", mode="line", scale="percent",
        indicators=(IndicatorState.of("ema", {"period": 10}), IndicatorState.of("macd")),
    )
    changes = []
    first.state_changed.connect(lambda: changes.append(1))
    first.apply_state(wanted, feed)
    second.set_symbol(feed, "BTC-USD")
    assert first.state() == wanted and changes
    assert second.state() == ChartState(feed="demo", symbol="BTC-USD")
    assert len(first.layers) == 2 and first.layers[1].pane is not None and not second.layers
    first.apply_state(ChartState(feed="demo", symbol="BTC-USD"), feed)  # indicators and panes go
    assert first.layers == [] and first.plots.panes == [first.volume_plot]


def test_a_link_moves_the_crosshair_and_the_time_range_of_the_others(feed, theme, qtbot):
    charts = [PriceChart(theme), PriceChart(theme)]
    _fill(feed, 200)
    for chart in charts:
        qtbot.addWidget(chart)
        chart.resize(700, 400)
        chart.show()
        chart.set_symbol(feed, "BTC-USD")
    qtbot.waitExposed(charts[1])
    link = ChartLink(charts)
    centre = charts[0].price_plot.sceneBoundingRect().center()
    charts[0]._mouse_moved(QPointF(centre))
    assert charts[1].crosshair.vertical.isVisible()
    assert math.isclose(charts[1].crosshair.vertical.value(), charts[0].crosshair.vertical.value())
    charts[0].hide_crosshair()
    assert not charts[1].crosshair.vertical.isVisible()
    left, right = charts[0].price_plot.viewRange()[0]
    charts[0].price_plot.setXRange(left - 50, right - 50, padding=0)
    charts[0].price_plot.getViewBox().sigRangeChangedManually.emit([True, False])
    assert not charts[1].follow
    assert [round(v) for v in charts[1].price_plot.viewRange()[0]] == [round(left - 50), round(right - 50)]
    link.unlink()
    charts[0]._mouse_moved(QPointF(centre))
    assert not charts[1].crosshair.vertical.isVisible()


def test_a_second_symbol_is_compared_in_percent_and_kept_in_the_state(feed, theme, qtbot):
    from tests.support.builders import T0, trade

    chart = PriceChart(theme)
    qtbot.addWidget(chart)
    for second in range(60):
        ts = T0 + second * 1_000_000_000
        feed.market.apply(trade("BTC-USD", 100.0 + second, ts=ts))  # +59 %
        feed.market.apply(trade("SOL-USD", 10.0 - second * 0.1, ts=ts))  # -59 %
    chart.set_symbol(feed, "BTC-USD")
    menu = chart.context_menu(None)
    compare = next(action.menu() for action in menu.actions() if action.text() == "Compare with")
    assert [action.text() for action in compare.actions()] == ["SOL-USD"]
    compare.actions()[0].trigger()
    assert chart.scale.kind == "percent" and chart.state().compare == ("SOL-USD",)
    line = chart.comparisons[0].curve
    assert line.yData[0] == 0.0 and line.yData[-1] == pytest.approx(-59.0)
    low, high = chart.price_plot.viewRange()[1]
    assert low < -59 and high > 59  # both symbols fit
    assert ChartState.from_dict(chart.state().to_dict()).compare == ("SOL-USD",)
    chart.set_interval("1m")  # the comparison follows the interval
    assert [c.symbol for c in chart.comparisons] == ["SOL-USD"] and chart.comparisons[0].interval == "1m"
    chart.remove_comparison("SOL-USD")
    assert chart.comparisons == [] and line not in chart.price_plot.items
