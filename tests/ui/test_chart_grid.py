"""Several charts: 1, 2 or 4 in the chart area, each with its own symbol and interval, focus, linking."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QKeySequence
from ui_helpers import make_feed, priced_window

from tests.support.builders import trade
from tradedash.ui.running_feed import SymbolRef


def test_grid_of_one_two_and_four_charts(qtbot, feed, tmp_path):
    window = priced_window(qtbot, feed, tmp_path)
    window.show()
    grid = window.chart_grid
    assert grid.shown == [window.chart] and window.grid_actions[1].isChecked()
    assert window.grid_actions[4].shortcut() == QKeySequence("Alt+4")
    window.grid_actions[4].trigger()
    assert len(grid.shown) == 4 and all(chart.isVisible() for chart in grid.shown)
    assert grid.shown[1].symbol == SymbolRef("demo", "SOL-USD")  # a new chart opens a symbol not shown yet
    top_left, top_right, bottom_left = (chart.mapTo(grid, QPoint(0, 0)) for chart in grid.shown[:3])
    assert top_left.y() == top_right.y() < bottom_left.y() and top_left.x() < top_right.x()
    window.grid_actions[2].trigger()
    assert len(grid.shown) == 2 and not grid.charts[3].isVisible()
    window.set_chart_count(1)
    assert grid.shown == [window.chart] and grid.focused is window.chart


def test_each_chart_keeps_its_own_symbol_and_interval_and_menus_act_on_the_focused_one(qtbot, feed, tmp_path):
    window = priced_window(qtbot, feed, tmp_path)
    window.show()
    window.set_chart_count(2)
    first, second = window.chart_grid.shown
    qtbot.mouseClick(second.graphics.viewport(), Qt.MouseButton.LeftButton)
    assert window.focused_chart is second
    window.watchlist.symbol_selected.emit(SymbolRef("demo", "BTC-USD"))  # a watchlist click
    assert second.symbol == SymbolRef("demo", "BTC-USD") and first.symbol == SymbolRef("demo", "BTC-USD")
    next(a for a in window.menu("chart").actions() if a.text() == "Interval 1m").trigger()
    assert second.interval == "1m" and first.interval != "1m"
    window.chart_grid.set_focused(first)
    window.show_symbol(SymbolRef("demo", "SOL-USD"))
    assert first.symbol == SymbolRef("demo", "SOL-USD") and second.symbol == SymbolRef("demo", "BTC-USD")
    window.next_chart_action.trigger()  # F6: the book and trades follow the focused chart
    assert window.focused_chart is second and window.book.model.symbol == "BTC-USD" and window.depth.symbol == "BTC-USD"


def test_linked_crosshair_and_time_range(qtbot, feed, tmp_path):
    window = priced_window(qtbot, feed, tmp_path)
    window.show()
    window.set_chart_count(4)
    assert window.chart_grid.link is None
    window.link_crosshair_action.trigger()
    window.link_range_action.trigger()
    first, *others = window.chart_grid.shown
    first.crosshair_moved.emit(1_700_000_000.0)
    assert all(chart.crosshair.vertical.isVisible() and chart.crosshair.vertical.value() == 1_700_000_000.0 for chart in others)
    first.view_range_changed.emit(1_700_000_000.0, 1_700_003_600.0)
    for chart in others:
        left, right = chart.price_plot.viewRange()[0]
        assert abs(left - 1_700_000_000.0) < 1 and abs(right - 1_700_003_600.0) < 1 and not chart.follow
    window.link_range_action.trigger()  # unlinked: the others stay where they are
    first.view_range_changed.emit(1_600_000_000.0, 1_600_003_600.0)
    assert abs(others[0].price_plot.viewRange()[0][0] - 1_700_000_000.0) < 1


def test_a_restarted_feed_is_picked_up_by_every_chart(qtbot, feed, tmp_path):
    window = priced_window(qtbot, feed, tmp_path)
    window.set_chart_count(2)
    restarted = make_feed("demo")
    window.feeds[:] = [restarted]
    window.refresh()
    assert all(chart.feed is restarted for chart in window.chart_grid.shown)


def test_each_tick_repaints_the_focused_chart_and_one_other_in_turn(qtbot, feed, tmp_path):
    window = priced_window(qtbot, feed, tmp_path)
    window.show()
    window.set_chart_count(4)
    grid = window.chart_grid
    for chart in grid.shown:
        chart.set_symbol(feed, "BTC-USD")  # all four change on every trade
    grid.set_focused(grid.shown[2])
    before = [chart.repaints for chart in grid.shown]
    price = 64000.0
    for _ in range(6):
        price += 1.0
        feed.market.apply(trade("BTC-USD", price))
        grid.refresh()
    drawn = [chart.repaints - start for chart, start in zip(grid.shown, before)]
    assert drawn == [2, 2, 6, 2]  # the focused one on every tick, the three others every third tick
    assert all(chart.plots.last_line.value() == price for chart in grid.shown[2:3])
    for _ in range(3):  # no new trade: each of the others catches up within three ticks
        grid.refresh()
    assert all(chart.plots.last_line.value() == price for chart in grid.shown)


def test_the_chart_menu_shows_and_acts_on_the_focused_charts_choices_and_indicators(qtbot, feed, tmp_path):
    window = priced_window(qtbot, feed, tmp_path)
    window.show()
    window.set_chart_count(2)
    first, second = window.chart_grid.shown
    second.set_interval("1m")
    second.set_scale("log")
    window.chart_grid.set_focused(second)
    menu = window.menu("chart")
    menu.aboutToShow.emit()
    checked = {text for text in (a.text() for a in menu.actions() if a.isCheckable() and a.isChecked())}
    assert checked == {"&Candlesticks", "Interval 1m", "Logarithmic price scale"}
    assert window.chart_choices[("mode", "line")].shortcut() == QKeySequence("L")
    window.chart_grid.set_focused(first)
    menu.aboutToShow.emit()
    checked = {text for text in (a.text() for a in menu.actions() if a.isCheckable() and a.isChecked())}
    assert checked == {"&Candlesticks", "Interval 1s", "Linear price scale"}
    window.chart_indicators_menu.aboutToShow.emit()
    add = next(a for a in window.chart_indicators_menu.actions() if a.text() == "Add indicator").menu()
    next(a for a in add.actions() if a.text() == "RSI…").trigger()
    assert first.dialog is not None and second.dialog is None  # the focused chart's indicator dialog
    first.dialog.close()


def test_each_charts_readout_fits_on_its_line_in_the_2x2_grid(qtbot, feed, tmp_path):
    from datetime import datetime

    from tests.support.builders import trade

    window = priced_window(qtbot, feed, tmp_path)
    window.resize(1440, 900)
    window.show()
    qtbot.waitExposed(window)
    noon = int(datetime.now().replace(hour=12, minute=0, second=0, microsecond=0).timestamp()) * 1_000_000_000
    for second in range(120):  # today's bars (no date) at the widest prices the demo market prints, volume in thousands
        feed.market.apply(trade("BTC-USD", 64_123.45 + second % 7, ts=noon + second * 1_000_000_000, size=1_234.5678))
    window.set_chart_count(4)
    for chart in window.chart_grid.shown:
        chart.set_symbol(feed, "BTC-USD")
        chart.set_interval("1m")
    qtbot.wait(50)
    window.refresh()
    for chart in window.chart_grid.shown:
        assert "V" in chart.readout.text()
        assert chart.readout.sizeHint().width() <= chart.readout.width()
    window.set_chart_count(1)
    window.chart._painted = None
    qtbot.wait(50)
    window.refresh()
    assert "&nbsp; O&nbsp;" in window.chart.readout.text()  # one wide chart: the readout in full
