"""The order book ladder: levels from a real OrderBook, size bars, the spread, greyed while resyncing."""

from __future__ import annotations

import itertools

import pytest

from PySide6.QtCore import Qt

from tests.support.builders import T0
from tradedash.core import wire
from tradedash.core.feed.lifecycle import FeedEvent
from tradedash.ui.panels.book import BAR_ROLE, DEFAULT_DEPTH, BookPanel

_seq = itertools.count(1)


def _snapshot(bids, asks) -> wire.Book:
    return wire.Book(
        symbol="BTC-USD", seq=next(_seq), ts=T0, kind="snapshot", bids=bids, asks=asks,
        checksum=wire.book_checksum(bids, asks),
    )


def _live(feed) -> None:
    feed.client.lifecycle.handle(FeedEvent.CONNECT)
    feed.client.lifecycle.handle(FeedEvent.DATA)


def test_ladder_shows_levels_spread_and_bars(feed, theme, qtbot, qtmodeltester):
    _live(feed)
    panel = BookPanel(theme)
    qtbot.addWidget(panel)
    bids = [(100.0 - i, 1.0 + i) for i in range(12)]
    asks = [(101.0 + i, 2.0) for i in range(12)]
    feed.market.apply(_snapshot(bids, asks))
    panel.set_symbol(feed, "BTC-USD")
    model = panel.model
    qtmodeltester.check(model)
    assert model.rowCount() == 2 * DEFAULT_DEPTH + 1
    assert model.index(DEFAULT_DEPTH - 1, 0).data() == "101.00"  # best ask just above the middle
    assert model.index(0, 0).data() == "110.00"  # tenth ask at the top
    assert model.index(DEFAULT_DEPTH + 1, 0).data() == "100.00"  # best bid just below
    assert [model.index(DEFAULT_DEPTH, c).data() for c in range(3)] == ["1.00", "spread", "99.5 bp"]
    assert model.index(DEFAULT_DEPTH + 2, 2).data() == "3.0000"  # cumulative size, to the lot size
    fraction, side = model.index(DEFAULT_DEPTH + 10, 1).data(BAR_ROLE)
    assert side == "bid" and fraction == 1.0  # the largest size shown fills the cell
    assert model.index(DEFAULT_DEPTH + 1, 0).data(Qt.ItemDataRole.ForegroundRole).name() == theme.up
    assert panel.table.isEnabled() and "resyncing" not in panel.caption.text()


def test_greys_out_while_resyncing(feed, theme, qtbot):
    panel = BookPanel(theme)
    qtbot.addWidget(panel)
    feed.market.apply(_snapshot([(100.0, 1.0)], [(101.0, 1.0)]))
    panel.set_symbol(feed, "BTC-USD")
    gap = wire.Book(symbol="BTC-USD", seq=999, ts=T0, kind="update", bids=[(99.0, 1.0)], asks=[], prev_seq=998)
    feed.market.apply(gap)
    panel.refresh()
    assert panel.model.resyncing and not panel.table.isEnabled()
    assert "resyncing" in panel.caption.text()
    assert panel.model.index(DEFAULT_DEPTH + 1, 0).data(Qt.ItemDataRole.ForegroundRole).name() == theme.muted


def test_no_book_says_how_to_get_one(feed, theme, qtbot):
    feed.client.set_subscriptions(wire.subscriptions_of(["ticker"], ["BTC-USD", "SOL-USD"]))
    panel = BookPanel(theme)
    qtbot.addWidget(panel)
    panel.set_symbol(feed, "SOL-USD")
    assert 'subscribe to "book"' in panel.caption.text()
    assert panel.model.index(0, 0).data() is None


def test_a_subscribed_book_not_there_yet_is_waited_for_and_a_failed_snapshot_said(feed, theme, qtbot):
    """Subscribed to "book" (a Binance book waits for its REST snapshot): not 'subscribe to "book"'."""
    _live(feed)
    panel = BookPanel(theme)
    qtbot.addWidget(panel)
    panel.set_symbol(feed, "SOL-USD")
    panel.refresh()
    assert "waiting for the book" in panel.caption.text() and "subscribe" not in panel.caption.text()
    feed.client.stats.record_error("SOL-USD snapshot: Connection refused (http://127.0.0.1:1)", "SOL-USD")
    feed.client.stats.record_error("BTC-USD snapshot: Connection refused (http://127.0.0.1:1)", "BTC-USD")  # in turn
    panel.refresh()
    assert "snapshot failed" in panel.caption.text()
    assert panel.caption.toolTip() == "SOL-USD snapshot: Connection refused (http://127.0.0.1:1)"
    feed.client.stats.record_error("connection closed: 1006")  # a new connection: that failure is history
    panel.refresh()
    assert "waiting for the book" in panel.caption.text() and panel.caption.toolTip() == ""
    feed.client.stats.record_error("SOL-USD snapshot: Connection refused (http://127.0.0.1:1)", "SOL-USD")
    feed.market.apply(wire.Book(symbol="SOL-USD", seq=1, ts=T0, kind="snapshot", bids=[(1.0, 1.0)], asks=[(2.0, 1.0)],
                                checksum=wire.book_checksum([(1.0, 1.0)], [(2.0, 1.0)])))
    panel.refresh()
    assert panel.caption.text() == "<b>SOL-USD</b>" and panel.caption.toolTip() == ""


def test_a_short_panel_keeps_the_spread_in_view(feed, theme, qtbot):
    panel = BookPanel(theme)
    qtbot.addWidget(panel)
    panel.resize(300, 200)
    panel.show()
    qtbot.waitExposed(panel)
    feed.market.apply(_snapshot([(100.0 - i, 1.0) for i in range(12)], [(101.0 + i, 1.0) for i in range(12)]))
    panel.set_symbol(feed, "BTC-USD")
    panel.refresh()
    spread_rect = panel.table.visualRect(panel.model.index(DEFAULT_DEPTH, 0))
    assert panel.table.viewport().rect().contains(spread_rect.center())


def test_a_deeper_ladder_chosen_in_its_box_shows_that_many_levels_each_side(feed, theme, qtbot, qtmodeltester):
    panel = BookPanel(theme)
    qtbot.addWidget(panel)
    panel.resize(300, 400)
    panel.show()
    qtbot.waitExposed(panel)
    feed.market.apply(_snapshot([(1000.0 - i, 1.0) for i in range(60)], [(1001.0 + i, 1.0) for i in range(60)]))
    panel.set_symbol(feed, "BTC-USD")
    assert [panel.depth_box.itemText(i) for i in range(panel.depth_box.count())] == ["10 levels", "20 levels", "50 levels", "100 levels"]
    panel.depth_box.setCurrentIndex(2)
    model = panel.model
    assert panel.depth == 50 and model.rowCount() == 101
    assert model.index(0, 0).data() == "1,050.00" and model.index(100, 0).data() == "951.00"  # the 50th level each side
    assert model.index(100, 2).data() == "50.0000"
    qtmodeltester.check(model)
    qtbot.waitUntil(lambda: panel.refresh() or panel.table.viewport().rect().contains(panel.table.visualRect(model.index(50, 0)).center()))
    panel.set_depth(100)  # deeper than the book: the rows past its last level are empty
    assert model.rowCount() == 201 and model.index(0, 0).data() is None and model.index(40, 0).data() == "1,060.00"
    assert panel.depth_box.currentText() == "100 levels"
    with pytest.raises(ValueError):
        panel.set_depth(30)


def test_a_book_of_a_feed_that_lost_its_exchange_is_greyed_and_says_so(feed, theme, qtbot):
    """The last levels stay in view (the book comes back in a moment, usually), greyed: not as live."""
    panel = BookPanel(theme)
    qtbot.addWidget(panel)
    _live(feed)
    feed.market.apply(_snapshot([(100.0, 1.0)], [(101.0, 1.0)]))
    panel.set_symbol(feed, "BTC-USD")
    panel.refresh()
    assert panel.table.isEnabled() and panel.caption.text() == "<b>BTC-USD</b>"
    feed.client.lifecycle.handle(FeedEvent.DISCONNECTED)  # backing off: no new message can change the book
    panel.refresh()
    assert not panel.table.isEnabled() and "feed backing off" in panel.caption.text()
    assert panel.model.index(DEFAULT_DEPTH + 1, 0).data() == "100.00"
    assert panel.model.index(DEFAULT_DEPTH + 1, 0).data(Qt.ItemDataRole.ForegroundRole).name() == theme.muted
    _live(feed)
    panel.refresh()
    assert panel.table.isEnabled() and panel.caption.text() == "<b>BTC-USD</b>"
    assert panel.model.index(DEFAULT_DEPTH + 1, 0).data(Qt.ItemDataRole.ForegroundRole).name() != theme.muted
