"""Feed health: a row per feed with its state and counters; the status line and light."""

from __future__ import annotations

from PySide6.QtCore import Qt
from ui_helpers import make_feed

from tradedash.core.feed.lifecycle import FeedEvent, FeedState
from tradedash.ui.panels.health import COLUMNS, FeedHealthPanel, StatusLight, state_colour, state_text, status_summary


def test_rows_show_state_counters_and_last_errors(theme, qtbot, qtmodeltester):
    feeds = [make_feed("a"), make_feed("b")]
    panel = FeedHealthPanel(feeds, theme)
    qtbot.addWidget(panel)
    a = feeds[0].client
    a.lifecycle.handle(FeedEvent.CONNECT)
    a.lifecycle.handle(FeedEvent.DATA)
    a.stats.record_messages(10)
    a.stats.outages, a.stats.reconnects = 1, 2
    a.stats.record_error("cannot connect: refused")
    panel.refresh()
    qtmodeltester.check(panel.model)
    row = {COLUMNS[c]: panel.model.index(0, c).data() for c in range(len(COLUMNS))}
    assert row["Feed"] == "a" and row["State"] == "live" and row["Reconnects"] == "1 (2 attempts)"
    assert row["Last error"] == "cannot connect: refused" and row["Latency"] == "—"
    assert panel.model.index(1, 1).data() == "closed"
    assert panel.errors.toPlainText() == "cannot connect: refused"
    feeds.pop()
    panel.refresh()
    assert panel.model.rowCount() == 1


def test_status_summary_and_light(theme, qtbot):
    feed = make_feed("demo")
    assert status_summary([feed]).startswith("demo: closed")
    assert "No feeds" in status_summary([])
    feed.client.lifecycle.handle(FeedEvent.CONNECT)
    feed.client.stats.reconnects = 1
    assert status_summary([feed]).startswith("demo: reconnecting")
    light = StatusLight()
    qtbot.addWidget(light)
    light.set_colour(state_colour(FeedState.BACKING_OFF, theme))
    assert theme.down in light.styleSheet()


def test_backing_off_says_when_and_a_fatal_stop_says_why():
    feed = make_feed("x")
    client = feed.client
    client.lifecycle.handle(FeedEvent.CONNECT)
    client.session.retry_delay = 3.0
    client.lifecycle.handle(FeedEvent.DISCONNECTED)
    text = state_text(feed)
    assert text.startswith("backing off, retry in ") and float(text.split()[-2]) <= 3.0
    client.session.fatal_reason = "server refused the connection: HTTP 401"
    client.lifecycle.handle(FeedEvent.CLOSE)
    assert state_text(feed) == "stopped: server refused the connection: HTTP 401"


def test_a_feed_of_several_connections_is_one_row_with_its_connections(theme, qtbot):
    from functools import partial

    from tradedash.config import FeedConfig
    from tradedash.core import wire
    from tradedash.core.market.state import MarketState
    from tradedash.core.venues.registry import venue_of
    from tradedash.net.sharded_feed import ShardedFeed
    from tradedash.ui.running_feed import RunningFeed

    venue, market = venue_of("binance"), MarketState()
    client = ShardedFeed(
        "ws://127.0.0.1:9/binance", market=market, make_session=partial(venue.session, rest_url="http://127.0.0.1:9"),
        subscriptions=wire.subscriptions_of(["ticker", "trades"], [f"S{i}USDT" for i in range(600)]), max_streams=1024,
    )
    feed = RunningFeed(FeedConfig(name="binance", venue="binance"), client, market)
    panel = FeedHealthPanel([feed], theme)
    qtbot.addWidget(panel)
    first, second = client.connections
    for event in (FeedEvent.CONNECT, FeedEvent.DATA):
        first.lifecycle.handle(event)
    second.lifecycle.handle(FeedEvent.CONNECT)
    panel.refresh()
    assert panel.model.rowCount() == 1
    assert panel.model.index(0, 1).data() == "connecting · 2 connections"  # the worst connection's state
    assert panel.model.index(0, 1).data(Qt.ItemDataRole.ToolTipRole) == (
        "connection 1: live, 1,024 streams\nconnection 2: connecting, 176 streams"
    )


def test_latency_is_how_old_the_newest_message_of_each_read_was_when_applied(theme, qtbot):
    from tests.support.builders import ticker
    from tradedash.config import FeedConfig
    from tradedash.core import wire
    from tradedash.core.market.state import MarketState
    from tradedash.net.feed_client import FeedClient
    from tradedash.ui.panels.health import HEADER_TIPS
    from tradedash.ui.running_feed import RunningFeed

    wall_ns = 1_764_061_200_000_000_000
    market = MarketState()
    client = FeedClient(
        "ws://127.0.0.1:9", market=market, subscriptions=wire.subscriptions_of(["ticker"], ["BTC-USD"]),
        wall_clock_ns=lambda: wall_ns,
    )
    panel = FeedHealthPanel([RunningFeed(FeedConfig(name="a", symbols=["BTC-USD"]), client, market)], theme)
    qtbot.addWidget(panel)
    session = client.session
    session.begin_burst(0.0)
    for seq, age_ms in enumerate((300, 200, 100), start=1):  # one read: three tickers, the newest sent 100 ms ago
        session.receive_frame(wire.encode(ticker("BTC-USD", seq=seq, ts=wall_ns - age_ms * 1_000_000)))
    session.end_burst(0.0)
    panel.refresh()
    assert panel.model.index(0, COLUMNS.index("Latency")).data() == "100.0 / 100.0 ms"  # not the 300 ms of the oldest
    assert "newest message" in HEADER_TIPS["Latency"]
