"""Feed health: a row per feed with its state and counters; the status line and light."""

from __future__ import annotations

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
