"""Feed health and the status line tell refused symbols, outages apart from attempts, and the symbols subscribed."""

from __future__ import annotations

from ui_helpers import make_feed

from tradedash.core import wire
from tradedash.ui.panels.health import COLUMNS, FeedHealthPanel, state_text, status_summary


def test_refused_symbols_are_named_in_the_state_and_the_status_line():
    feed = make_feed("demo")
    session = feed.client.session
    session.connect_started()
    session.refused = set(wire.subscriptions_of(["ticker", "trades"], ["NOPE-USD"]))
    assert state_text(feed) == "connecting, refused: NOPE-USD"
    assert "refused: NOPE-USD" in status_summary([feed])


def test_one_outage_of_fourteen_attempts_reads_as_one_with_its_attempts(theme, qtbot):
    feed = make_feed("demo")
    panel = FeedHealthPanel([feed], theme)
    qtbot.addWidget(panel)
    session = feed.client.session
    session.connect_started()
    for _ in range(14):
        session.connection_lost(error="cannot connect: Connect call failed")
        session.backoff_started(0.5)
        session.connect_started()
    panel.refresh()
    row = {COLUMNS[c]: panel.model.index(0, c).data() for c in range(len(COLUMNS))}
    assert row["Reconnects"] == "1 (14 attempts)"
    assert row["Last error"] == "cannot connect: Connect call failed (x14)"


def test_the_status_line_counts_the_symbols_shown_not_every_symbol_ever_seen():
    feed = make_feed("demo")  # its config subscribes BTC-USD and SOL-USD
    for symbol in ("BTC-USD", "ETH-USD", "SOL-USD", "ADA-USD"):  # ETH and ADA: seen once, since removed
        feed.market.symbol(symbol)
    assert "2 symbols" in status_summary([feed])
