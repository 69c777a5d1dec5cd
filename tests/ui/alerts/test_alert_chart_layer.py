"""Alerts on the chart: rules from the context menu at the clicked price, levels dragged to edit rules."""

from __future__ import annotations

import pytest

from tests.ui.alert_window import alert_window
from tests.ui.ui_helpers import make_feed
from tradedash.core.alerts.rules import PriceCross, PriceRange
from tradedash.core.alerts.store import AlertStore
from tradedash.ui.running_feed import SymbolRef


@pytest.fixture
def center(qtbot, tmp_path):
    alerts = alert_window(qtbot, tmp_path)
    yield alerts
    alerts.close()


def test_context_menu_creates_a_rule_at_the_clicked_price(center):
    menu = center.chart.menu_at(64_123.456)
    texts = [action.text() for action in menu.actions()]
    assert texts[0] == "Alert when BTC-USD crosses above 64,123.46"
    menu.actions()[1].trigger()
    [rule] = center.engine.rules
    assert isinstance(rule, PriceCross) and (rule.symbol, rule.direction, rule.level) == ("BTC-USD", "below", 64_123.46)
    assert list(center.chart.lines) == [(rule.id, "level")]
    assert center.panel.selected_rule() == rule
    menu.actions()[2].trigger()
    assert center.editor is not None and center.editor.inputs["price_cross"]["level"].value() == 64_123.46


def test_levels_from_the_chart_are_on_the_symbols_tick(qtbot, tmp_path):
    feed = make_feed("demo")  # SOL-USD trades on a 0.001 tick
    center = alert_window(qtbot, tmp_path, current=lambda: ("demo", "SOL-USD"))
    center.attach_feed("demo", feed.client.lifecycle, lambda: feed.client.symbols, feed.market)
    menu = center.chart.menu_at(3302.088785300663)
    assert menu.actions()[0].text() == "Alert when SOL-USD crosses above 3,302.089"
    menu.actions()[0].trigger()
    [rule] = center.engine.rules
    assert rule.level == 3302.089 and "3,302.089" in center.rules_model.data(center.rules_model.index(0, 2))
    line = center.chart.lines[(rule.id, "level")]
    line.setValue(3310.123456)
    line.sigPositionChangeFinished.emit(line)
    assert center.engine.rule(rule.id).level == 3310.123
    center.close()


def test_dragging_a_level_edits_the_rule_and_a_refused_drag_is_undone(center):
    center.put_rule(PriceRange(id="r", symbol="BTC-USD", event="leaves", low=100.0, high=110.0))
    low, high = center.chart.lines[("r", "low")], center.chart.lines[("r", "high")]
    assert (low.value(), high.value()) == (100.0, 110.0)
    low.setValue(95.123)
    low.sigPositionChangeFinished.emit(low)
    assert center.engine.rule("r").low == 95.12  # rounded to the symbol's decimals
    assert AlertStore(center.store.directory).load().rules[0].low == 95.12  # saved at once
    low.setValue(120.0)  # above the high: refused
    low.sigPositionChangeFinished.emit(low)
    assert center.engine.rule("r").low == 95.12
    center.tick()
    assert center.chart.lines[("r", "low")].value() == 95.12
    assert "not changed" in center.window.statusBar().currentMessage()


def test_disabled_rules_draw_no_level(center):
    center.put_rule(PriceCross(id="x", symbol="BTC-USD", direction="above", level=5.0))
    center.put_rule(PriceCross(id="y", symbol="ETH-USD", direction="above", level=5.0))
    assert list(center.chart.lines) == [("x", "level")]
    center.set_enabled("x", False)
    center.tick()
    assert center.chart.lines == {}


def test_a_right_click_on_the_price_plot_opens_the_menu_at_that_price(center, qtbot):
    from PySide6.QtCore import QPoint, Qt

    window = center.window
    window.show()
    qtbot.waitExposed(window)
    plot = window.chart.price_plot
    plot.setYRange(100.0, 200.0, padding=0)
    view = window.chart.graphics
    middle = plot.getViewBox().sceneBoundingRect().center()
    point = view.mapFromScene(middle)  # whole pixels: the price is the one under that pixel
    expected = plot.getViewBox().mapSceneToView(view.mapToScene(point)).y()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.RightButton, pos=QPoint(point.x(), point.y()))
    qtbot.waitUntil(lambda: center.chart._menu is not None and center.chart._menu.isVisible())
    first = center.chart._menu.actions()[0].text()
    assert first == f"Alert when BTC-USD crosses above {expected:,.2f}"
    center.chart._menu.close()


def test_levels_sit_on_the_charts_log_scale_and_a_drag_there_reads_back_a_price(center):
    center.put_rule(PriceRange(id="r", symbol="BTC-USD", event="leaves", low=100.0, high=1000.0))
    center.window.chart.set_scale("log")
    center.tick()
    low, high = center.chart.lines[("r", "low")], center.chart.lines[("r", "high")]
    assert (low.value(), high.value()) == pytest.approx((2.0, 3.0))  # log10 of the prices
    assert "1,000.00" in high.label.format
    low.setValue(2.5)  # dragged to 10 ** 2.5 on the log scale
    low.sigPositionChangeFinished.emit(low)
    assert center.engine.rule("r").low == 316.23


def test_every_chart_of_the_grid_shows_and_edits_the_levels_of_its_own_symbol(qtbot, tmp_path):
    from tests.ui.ui_helpers import priced_window
    from tradedash.ui.alerts.center import AlertCenter

    feed = make_feed("demo")
    window = priced_window(qtbot, feed, tmp_path)
    center = AlertCenter(AlertStore(tmp_path), window)
    center.attach_feed("demo", feed.client.lifecycle, lambda: feed.client.symbols, feed.market)
    center.put_rule(PriceCross(id="btc", feed="demo", symbol="BTC-USD", direction="above", level=65_000.0))
    center.put_rule(PriceCross(id="sol", feed="demo", symbol="SOL-USD", direction="below", level=140.0))
    window.set_chart_count(4)  # charts made after the alert centre get a layer too
    first, second, third, fourth = window.chart_grid.shown
    assert (first.symbol.symbol, second.symbol.symbol) == ("BTC-USD", "SOL-USD")
    center.tick()
    assert list(center.layers[first].lines) == [("btc", "level")]
    for chart in (second, third, fourth):
        assert list(center.layers[chart].lines) == [("sol", "level")]
        assert center.layers[chart].lines[("sol", "level")].value() == 140.0

    line = center.layers[second].lines[("sol", "level")]  # dragged on a chart that is not focused
    assert window.focused_chart is first
    line.setValue(139.123456)
    line.sigPositionChangeFinished.emit(line)
    assert center.engine.rule("sol").level == 139.123  # on SOL-USD's tick, not BTC-USD's
    center.tick()
    assert center.layers[third].lines[("sol", "level")].value() == 139.123

    menu = second.context_menu(150.0)  # its menu offers rules on its own symbol
    assert menu.actions()[0].text() == "Alert when SOL-USD crosses above 150.000"
    menu.actions()[0].trigger()
    added = next(rule for rule in center.engine.rules if rule.id not in ("btc", "sol"))
    assert (added.feed, added.symbol, added.level) == ("demo", "SOL-USD", 150.0)
    assert set(center.layers[second].lines) == {("sol", "level"), (added.id, "level")}
    assert list(center.layers[first].lines) == [("btc", "level")]

    third.set_symbol(feed, "BTC-USD")  # another symbol: its levels at once
    assert list(center.layers[third].lines) == [("btc", "level")]
    window.chart_grid.set_focused(fourth)
    assert center.chart is center.layers[fourth]
    window.show_symbol(SymbolRef("demo", "BTC-USD"))  # a watchlist click opens it in the focused chart
    center.tick()
    assert list(center.layers[fourth].lines) == [("btc", "level")]
    window.set_chart_count(1)
    window.set_chart_count(2)
    center.tick()
    assert list(center.layers[window.chart_grid.shown[1]].lines) == [("sol", "level"), (added.id, "level")]
    assert center.chart is center.layers[first]
    center.close()
