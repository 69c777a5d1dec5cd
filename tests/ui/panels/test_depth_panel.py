"""The depth chart panel: cumulative sides of a real OrderBook, a choice of depth, greyed while resyncing."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF
from PySide6.QtWidgets import QApplication

from tests.support.builders import T0
from tradedash.core import wire
from tradedash.core.chart.depth import DEPTH_CHOICES
from tradedash.ui.panels.depth import DEFAULT_DEPTH, DepthPanel

_seq = itertools.count(1)


def _snapshot(bids, asks) -> wire.Book:
    return wire.Book(
        symbol="BTC-USD", seq=next(_seq), ts=T0, kind="snapshot", bids=bids, asks=asks,
        checksum=wire.book_checksum(bids, asks),
    )


@pytest.fixture
def panel(theme, qtbot):
    widget = DepthPanel(theme)
    qtbot.addWidget(widget)
    return widget


def _live(feed) -> None:
    from tradedash.core.feed.lifecycle import FeedEvent

    feed.client.lifecycle.handle(FeedEvent.CONNECT)
    feed.client.lifecycle.handle(FeedEvent.DATA)


def test_draws_cumulative_sides_around_the_mid(feed, panel, theme):
    _live(feed)
    feed.market.apply(_snapshot([(100.0 - i, 1.0) for i in range(80)], [(101.0 + i, 2.0) for i in range(80)]))
    panel.set_symbol(feed, "BTC-USD")
    x, y = panel.bid_line.getData()
    assert x[0] == 100.5 and y[0] == 0.0  # from the mid outward
    assert y[-1] == DEFAULT_DEPTH * 1.0 and x[-1] == 100.0 - (DEFAULT_DEPTH - 1)
    ax, ay = panel.ask_line.getData()
    assert ay[-1] == DEFAULT_DEPTH * 2.0 and np.all(np.diff(ay) >= 0)
    assert panel.mid_line.value() == 100.5 and "100.50" in panel.caption.text()
    assert panel.bid_line.opts["pen"].color().name() == theme.up
    assert panel.ask_line.opts["pen"].color().name() == theme.down


def test_depth_choice_limits_levels(feed, panel):
    feed.market.apply(_snapshot([(100.0 - i, 1.0) for i in range(80)], [(101.0 + i, 1.0) for i in range(80)]))
    panel.set_symbol(feed, "BTC-USD")
    panel.depth_box.setCurrentIndex(DEPTH_CHOICES.index(10))  # as the user picks it
    assert panel.depth == 10 and panel.bid_line.getData()[1][-1] == 10.0
    panel.set_depth(None)
    assert panel.depth_box.currentText() == "All levels" and panel.ask_line.getData()[1][-1] == 80.0
    with pytest.raises(ValueError):
        panel.set_depth(7)


def test_follows_updates_on_refresh_and_greys_while_resyncing(feed, panel, theme):
    snapshot = _snapshot([(100.0, 1.0)], [(101.0, 1.0)])
    feed.market.apply(snapshot)
    panel.set_symbol(feed, "BTC-USD")
    update = wire.Book(symbol="BTC-USD", seq=snapshot.seq + 1, ts=T0, kind="update", bids=[(99.0, 3.0)], asks=[], prev_seq=snapshot.seq)
    feed.market.apply(update)
    panel.refresh()
    assert panel.bid_line.getData()[1][-1] == 4.0
    feed.market.apply(wire.Book(symbol="BTC-USD", seq=99999, ts=T0, kind="update", bids=[(98.0, 1.0)], asks=[], prev_seq=99998))
    panel.refresh()
    assert not panel.curve.synced and "resyncing" in panel.caption.text()
    assert panel.bid_line.opts["pen"].color().name() == theme.muted


def test_greys_while_its_feed_is_down(feed, panel, theme):
    from tradedash.core.feed.lifecycle import FeedEvent

    _live(feed)
    feed.market.apply(_snapshot([(100.0, 1.0)], [(101.0, 1.0)]))
    panel.set_symbol(feed, "BTC-USD")
    panel.refresh()
    assert panel.bid_line.opts["pen"].color().name() == theme.up and "(feed" not in panel.caption.text()
    feed.client.lifecycle.handle(FeedEvent.DISCONNECTED)
    panel.refresh()
    assert panel.bid_line.opts["pen"].color().name() == theme.muted and "(feed backing off)" in panel.caption.text()


def test_without_book_draws_nothing(feed, panel):
    panel.set_symbol(feed, "SOL-USD")
    assert panel.curve is None and len(panel.bid_line.getData()[0] or []) == 0
    assert "no book" in panel.caption.text()


def test_axes_have_thousands_separators(panel):
    axis = panel.plot.getPlotItem().getAxis("bottom")
    assert axis.tickStrings([64010.0, 64020.0], 1.0, 10.0) == ["64,010", "64,020"]
    assert axis.tickStrings([0.5], 1.0, 0.1) == ["0.5"]


def test_hovering_says_what_a_market_order_reaching_that_price_meets(feed, panel, qtbot):
    feed.market.apply(_snapshot([(100.0 - i, 1.0) for i in range(80)], [(101.0 + i, 2.0) for i in range(80)]))
    panel.resize(400, 300)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_symbol(feed, "BTC-USD")
    assert panel.hover_text(98.0) == "bids ≥ 98.00: 3.0000"  # 100, 99 and 98
    assert panel.hover_text(103.5) == "asks ≤ 103.50: 6.0000"
    assert panel.hover_text(1_000.0) == ""  # past the levels shown
    view = panel.plot.getPlotItem().getViewBox()
    qtbot.waitUntil(lambda: view.viewRange()[0][0] < 98.0 < view.viewRange()[0][1])  # auto-ranged on the first paint
    panel.plot.scene().sigMouseMoved.emit(view.mapViewToScene(QPointF(98.0, 10.0)))
    assert panel.cursor_line.isVisible() and abs(panel.cursor_line.value() - 98.0) < 0.5
    assert panel.hover.isVisible() and panel.hover.textItem.toPlainText().startswith("bids ≥ 98.")
    QApplication.sendEvent(panel.plot.viewport(), QEvent(QEvent.Type.Leave))
    assert not panel.cursor_line.isVisible() and not panel.hover.isVisible()
