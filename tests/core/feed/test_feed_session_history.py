"""History requests through the feed session, values in and values out: the request goes out when
connected, the reply is matched by id (while market data flows), refusals and lost connections
are reported once to the caller."""

from __future__ import annotations

from tests.core.feed.test_feed_session import BTC, connect, make, receive, reconnect, sent, subs
from tests.support.builders import T0, ticker
from tradedash.core import wire
from tradedash.core.feed.session import FeedSession, HistoryError

MINUTE = 60 * 10**9


def page(request_id: int, bars: int = 2, next_end: int | None = None) -> wire.History:
    rows = [(T0 + i * MINUTE, 100.0 + i, 101.0 + i, 99.0 + i, 100.5 + i, 1.0) for i in range(bars)]
    return wire.History(request_id, BTC, "1m", T0 + bars * MINUTE - 1, rows, next_end)


def test_a_history_request_goes_out_and_its_reply_is_matched_by_id_while_market_data_flows():
    session, clock = make(subs("ticker", BTC))
    connect(session, clock)
    results: list = []
    first = session.request_history(BTC, "1m", count=2, done=results.append)
    second = session.request_history(BTC, "5m", end=T0, count=500, done=results.append)
    requests = sent(session, clock)
    assert requests == [
        wire.HistoryRequest(first, BTC, "1m", 2, None),
        wire.HistoryRequest(second, BTC, "5m", 500, T0),
    ]
    receive(session, clock, ticker(BTC, seq=1))
    receive(session, clock, page(second, 3, next_end=T0 - MINUTE))  # answers may come in any order
    receive(session, clock, ticker(BTC, seq=2))
    receive(session, clock, page(first, 2))
    assert [r.id for r in results] == [second, first]
    assert results[0].next_end == T0 - MINUTE and len(results[1].bars) == 2
    assert session.market.symbols[BTC].ticker.seq == 2 and session.stats.malformed == 0


def test_history_pages_read_as_candles_closed_except_the_one_in_progress():
    candles = page(1, 3).candles()
    assert [c.start for c in candles] == [T0, T0 + MINUTE, T0 + 2 * MINUTE]
    assert [c.closed for c in candles] == [True, True, False]
    assert (candles[1].open, candles[1].high, candles[1].low, candles[1].close) == (101.0, 102.0, 100.0, 101.5)


def test_a_refusal_reaches_the_caller_with_the_servers_code_and_drops_no_subscription():
    session, clock = make(subs("ticker", BTC))
    connect(session, clock)
    results: list = []
    request_id = session.request_history("NOPE-USD", "1m", done=results.append)
    sent(session, clock)
    receive(session, clock, wire.Error(request_id, "unknown_symbol", 'unknown symbol "NOPE-USD"'))
    [error] = results
    assert isinstance(error, HistoryError) and error.code == "unknown_symbol" and "NOPE-USD" in str(error)
    assert session.subscriptions == subs("ticker", BTC) and not session.refused


def test_a_request_made_while_disconnected_waits_for_the_connection():
    session, clock = make()
    results: list = []
    request_id = session.request_history(BTC, "1h", count=10, done=results.append)
    assert session.requests_to_send(clock.now) == []
    requests = connect(session, clock)
    assert wire.HistoryRequest(request_id, BTC, "1h", 10, None) in requests
    receive(session, clock, page(request_id))
    assert len(results) == 1 and isinstance(results[0], wire.History)


def test_a_lost_connection_fails_the_requests_in_flight_once_and_a_stop_fails_the_waiting_ones():
    session, clock = make()
    connect(session, clock)
    results: list = []
    in_flight = session.request_history(BTC, "1m", done=results.append)
    sent(session, clock)
    reconnect(session)
    [error] = results
    assert isinstance(error, HistoryError) and error.code == "disconnected"
    # A reply to the request that failed (it cannot come on a new connection) is not taken for another's.
    connect(session, clock)
    receive(session, clock, page(in_flight))
    assert len(results) == 1 and session.stats.malformed == 1
    reconnect(session)
    session.request_history(BTC, "1m", done=results.append)  # waits for a connection that never comes
    session.closed()
    assert [r.code for r in results] == ["disconnected", "closed"]


def test_a_cancelled_request_is_never_answered_and_its_late_reply_is_ignored():
    session, clock = make()
    connect(session, clock)
    results: list = []
    request_id = session.request_history(BTC, "1m", done=results.append)
    sent(session, clock)
    session.cancel_history(request_id)
    receive(session, clock, page(request_id))
    assert results == [] and session.stats.malformed == 0


def test_a_venue_without_history_says_so():
    class Silent(FeedSession):
        def _control(self, message): ...
        def _request_subscriptions(self, op, subscriptions): ...
        def _request_snapshot(self, symbol): ...
        def receive_greeting(self, frame, now):
            self._subscribe_all()

    session, clock = make()
    silent = Silent(session.market)
    results: list = []
    silent.connect_started()
    silent.connection_opened(clock.now)
    silent.receive_greeting(b"", clock.now)
    silent.request_history(BTC, "1m", done=results.append)
    assert [r.code for r in results] == ["unsupported"]
