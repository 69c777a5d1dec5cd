"""The panes below the price (volume, indicators): few labels, short numbers, none outside the pane; legends readable over what they sit on."""

from __future__ import annotations

import pyqtgraph as pg

from tradedash.core.chart.chart_state import IndicatorState
from tradedash.ui.chart.axis import LABEL_PITCH, PaneAxis
from tradedash.ui.panels.chart import PriceChart


def test_a_short_pane_labels_few_major_ticks_and_keeps_zero(qtbot):
    axis = PaneAxis()
    [(spacing, values)] = axis.tickValues(0.0, 17.0, 50.0)  # a 50 px volume pane of 0..17
    assert 1 <= len(values) <= 50 // LABEL_PITCH and 0.0 in values
    assert all(round(value / spacing) == value / spacing for value in values)
    [(_, tall)] = axis.tickValues(0.0, 17.0, 300.0)  # a tall pane may have more
    assert len(tall) > len(values)
    assert axis.style["hideOverlappingLabels"] is True  # no label into the next pane's
    assert axis.style["maxTextLevel"] == 0


def test_pane_labels_are_short_numbers():
    axis = PaneAxis()
    assert axis.tickStrings([0.0, 15.0, 800.0, 1_500.0, 2_250_000.0, 0.32, 0.00001, -200.0], 1, 1) == [
        "0", "15", "800", "1.5 k", "2.25 M", "0.32", "0.00001", "-200"
    ]


def test_the_rsi_pane_is_labelled_at_30_and_70_only(qtbot, theme):
    chart = PriceChart(theme)
    qtbot.addWidget(chart)
    chart.add_indicator(IndicatorState.of("rsi"))
    chart.add_indicator(IndicatorState.of("macd"))
    rsi, macd = (layer.pane.getAxis("right") for layer in chart.layers)
    assert isinstance(rsi, PaneAxis) and isinstance(macd, PaneAxis) and isinstance(chart.volume_plot.getAxis("right"), PaneAxis)
    assert rsi._tickLevels == [[(30.0, "30"), (70.0, "70")]]
    assert macd._tickLevels is None  # fitted to its values
    assert isinstance(chart.price_plot.getAxis("right"), pg.AxisItem)


def test_legends_sit_on_a_box_of_the_charts_background(qtbot, theme):
    chart = PriceChart(theme)
    qtbot.addWidget(chart)
    chart.add_indicator(IndicatorState.of("sma"))
    chart.add_indicator(IndicatorState.of("rsi"))
    rsi = chart.layers[1]
    for legend in (chart.plots.legend, rsi.legend):
        brush = legend.opts["brush"]
        assert brush.color().name() == theme.base and 0 < brush.color().alpha() < 255  # readable over the lines
        assert legend.opts["labelTextColor"].name() == theme.muted


def test_a_pane_of_several_lines_names_each_in_its_legend_and_an_overlays_bands_stay_one_entry(qtbot, theme):
    chart = PriceChart(theme)
    qtbot.addWidget(chart)
    chart.add_indicator(IndicatorState.of("bollinger"))
    chart.add_indicator(IndicatorState.of("macd"))
    bollinger, macd = chart.layers
    names = [label.text for _, label in macd.legend.items]
    assert len(names) == 3 and names[0].startswith("MACD") and names[1:] == ["signal", "histogram"]
    overlay_names = [label.text for _, label in chart.plots.legend.items]
    assert len(overlay_names) == 1 and overlay_names[0].startswith("Bollinger")  # three bands, one indicator
    chart.remove_indicator(1)
    assert macd.legend is None and macd.curves == {}
    chart.remove_indicator(0)
    assert chart.plots.legend.items == []
