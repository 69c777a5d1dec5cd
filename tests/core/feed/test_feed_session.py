"""The feed session with values in and values out: frames and clock readings in, requests and states out.

No sockets and no sleeps (as websockets' ``tests/test_protocol.py`` and h11's ``test_state.py``):
time is a number the test moves.
"""

from __future__ import annotations

import msgspec
import pytest

from tests.reference_book import ReferenceBook
from tests.support.builders import T0, ticker
from tradedash.core import wire
from tradedash.core.feed.session import CloseConnection, FatalFeedError, SendText
from tradedash.core.venues.protocol_v1 import ProtocolV1Session
from tradedash.core.feed.lifecycle import FeedState
from tradedash.core.market.state import MarketState

BTC, ETH = "BTC-USD", "ETH-USD"


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def subs(channels: str, *symbols: str) -> set[wire.Subscription]:
    return set(wire.subscriptions_of(channels.split(","), symbols))


def make(subscriptions=(), clock: Clock | None = None, **options) -> tuple[ProtocolV1Session, Clock]:
    """A session on a fake clock; its wall clock reads ``T0`` plus the time the test has moved on."""
    clock = clock or Clock()
    market = MarketState(clock=clock)
    return ProtocolV1Session(market, subscriptions=subscriptions, clock=clock, wall_clock_ns=lambda: wall_ns(clock), **options), clock


def wall_ns(clock: Clock) -> int:
    return T0 + int((clock.now - 100.0) * 1e9)


def sent(session: ProtocolV1Session, clock: Clock) -> list:
    """What the session asks for now, requests decoded."""
    return [wire.decode_request(a.frame) if isinstance(a, SendText) else a for a in session.requests_to_send(clock.now)]


def connect(session: ProtocolV1Session, clock: Clock, heartbeat: float = 1.0) -> list:
    """A connection opens and the server greets; returns the requests the session sends first."""
    session.connect_started()
    session.connection_opened(clock.now)
    session.receive_greeting(wire.encode(wire.Hello(wire.PROTOCOL_VERSION, "test", heartbeat)), clock.now)
    return sent(session, clock)


def reconnect(session: ProtocolV1Session, delay: float = 0.0) -> None:
    """The connection is lost and the pump backs off before the next attempt."""
    session.connection_lost(error="connection lost")
    session.backoff_started(delay)


def receive(session: ProtocolV1Session, clock: Clock, *messages) -> None:
    """One frame (a message, or a batch of market messages) as a burst of its own."""
    session.receive_frame(wire.encode(messages[0] if len(messages) == 1 else list(messages)))
    session.end_burst(clock.now)


def ack_all(session: ProtocolV1Session, clock: Clock, requests: list) -> None:
    for request in requests:
        receive(session, clock, wire.Ack(request.id, request.__struct_config__.tag))


# --- Greeting and subscriptions ------------------------------------------------------------


def test_after_the_hello_it_lists_symbols_and_subscribes_once_per_symbol_set():
    session, clock = make(subs("ticker,trades", BTC, ETH) | subs("book", BTC))
    requests = connect(session, clock, heartbeat=0.5)
    assert isinstance(requests[0], wire.ListSymbols)
    assert sorted((r.channels, r.symbols) for r in requests[1:]) == [(["book"], [BTC]), (["ticker", "trades"], [BTC, ETH])]
    assert all(isinstance(r, wire.Subscribe) for r in requests[1:])
    assert session.heartbeat_interval == 0.5 and session.state is FeedState.CONNECTING


def test_nothing_is_sent_before_the_greeting():
    session, clock = make(subs("ticker", BTC))
    session.connect_started()
    session.connection_opened(clock.now)
    assert not session.wants_to_send() and sent(session, clock) == []


def test_a_greeting_in_another_protocol_version_closes_1002_and_is_fatal():
    session, clock = make(subs("ticker", BTC))
    session.connect_started()
    session.connection_opened(clock.now)
    with pytest.raises(FatalFeedError, match="protocol v2"):
        session.receive_greeting(wire.encode(wire.Hello(2, "future", 1.0)), clock.now)
    assert sent(session, clock) == [CloseConnection(1002, "unsupported protocol version")]


@pytest.mark.parametrize("frame", [b"{not json", wire.encode(wire.Heartbeat(1, T0))], ids=["garbage", "heartbeat"])
def test_a_greeting_that_is_not_hello_is_fatal(frame):
    session, clock = make()
    session.connect_started()
    with pytest.raises(FatalFeedError, match="greet"):
        session.receive_greeting(frame, clock.now)


def test_acks_confirm_subscriptions_and_market_data_makes_the_feed_live():
    session, clock = make(subs("ticker", BTC))
    requests = connect(session, clock)
    receive(session, clock, wire.Heartbeat(1, T0))
    assert session.state is FeedState.CONNECTING  # a heartbeat alone is not data
    listed = [wire.SymbolInfo(BTC, 0.01, 0.001)]
    receive(session, clock, wire.Ack(requests[0].id, "symbols", symbols=listed))
    receive(session, clock, wire.Ack(requests[1].id, "subscribe"))
    assert session.confirmed == subs("ticker", BTC) and session.symbols == listed
    receive(session, clock, ticker())
    assert session.state is FeedState.LIVE
    assert session.market.symbols[BTC].ticker.seq == 1  # type: ignore[attr-defined]


def test_a_refused_subscribe_is_dropped_recorded_and_not_requested_again():
    session, clock = make(subs("ticker", BTC) | subs("trades", "NOPE-USD"))
    requests = connect(session, clock)
    refused = next(r for r in requests[1:] if r.symbols == ["NOPE-USD"])
    receive(session, clock, wire.Error(refused.id, "unknown_symbol", "unknown symbols ['NOPE-USD']"))
    assert session.subscriptions == subs("ticker", BTC)
    assert "unknown_symbol" in session.stats.last_errors[-1] and "dropped" in session.stats.last_errors[-1]
    reconnect(session)
    assert [r.symbols for r in connect(session, clock)[1:]] == [[BTC]]


def test_set_subscriptions_covers_exactly_the_difference_in_few_requests():
    session, clock = make(subs("ticker,trades", BTC, ETH))
    ack_all(session, clock, connect(session, clock))
    session.set_subscriptions(subs("ticker", BTC) | subs("book", BTC, ETH))
    requests = sent(session, clock)
    removed = {s for r in requests if isinstance(r, wire.Unsubscribe) for s in wire.subscriptions_of(r.channels, r.symbols)}
    added = {s for r in requests if isinstance(r, wire.Subscribe) for s in wire.subscriptions_of(r.channels, r.symbols)}
    assert removed == subs("trades", BTC, ETH) | subs("ticker", ETH)
    assert added == subs("book", BTC, ETH)
    assert len(requests) == 3 and isinstance(requests[0], wire.Unsubscribe)  # trades for both, ticker for one; then book


def test_set_subscriptions_while_disconnected_sends_nothing_until_the_next_greeting():
    session, clock = make(subs("ticker", BTC))
    session.set_subscriptions(subs("ticker", BTC, ETH))
    assert sent(session, clock) == []
    requests = connect(session, clock)
    assert [(r.channels, r.symbols) for r in requests[1:]] == [(["ticker"], [BTC, ETH])]


def test_a_book_depth_wish_subscribes_that_book_again_at_the_depth_and_is_kept_across_reconnects():
    session, clock = make(subs("ticker,book", BTC, ETH))
    ack_all(session, clock, connect(session, clock))
    session.set_book_depths({BTC: 20})
    [again] = sent(session, clock)
    assert isinstance(again, wire.Subscribe) and (again.channels, again.symbols, again.depth) == (["book"], [BTC], 20)
    session.set_book_depths({BTC: 20})  # the same wish: nothing to ask
    assert sent(session, clock) == []
    session.set_book_depths({BTC: 100, "DOGE-USD": 30})  # past the protocol's 50; a book not subscribed: nothing
    assert [(r.symbols, r.depth) for r in sent(session, clock)] == [([BTC], wire.BOOK_MAX_DEPTH)]
    reconnect(session)
    requests = connect(session, clock)[1:]
    assert sorted((r.channels, r.symbols, r.depth) for r in requests) == [
        (["book"], [BTC], 50), (["book"], [ETH], None), (["ticker"], [BTC, ETH], None)
    ]
    session.set_book_depths({ETH: 10})  # BTC back to the default, ETH at 10
    assert sorted((r.symbols, r.depth) for r in sent(session, clock)) == [([BTC], None), ([ETH], 10)]
    session.set_book_depths({})
    assert [(r.symbols, r.depth) for r in sent(session, clock)] == [([ETH], None)]


def test_a_book_depth_wish_while_disconnected_waits_for_the_next_greeting():
    session, clock = make(subs("book", BTC))
    session.set_book_depths({BTC: 20})
    assert sent(session, clock) == []
    assert [(r.symbols, r.depth) for r in connect(session, clock)[1:]] == [([BTC], 20)]


def test_messages_of_an_unsubscribed_symbol_count_as_malformed_once_the_unsubscribe_is_acked():
    session, clock = make(subs("ticker", BTC, ETH))
    ack_all(session, clock, connect(session, clock))
    session.set_subscriptions(subs("ticker", BTC))
    (unsubscribe,) = sent(session, clock)
    receive(session, clock, ticker(ETH, seq=2))  # in flight before the server saw the request: applied
    assert session.stats.malformed == 0
    receive(session, clock, wire.Ack(unsubscribe.id, "unsubscribe"))
    receive(session, clock, ticker(ETH, seq=3))
    assert session.stats.malformed == 1 and session.market.symbols[ETH].ticker.seq == 2  # type: ignore[attr-defined]


# --- Books: gap, snapshot request, resync ----------------------------------------------------


def test_a_gap_requests_a_snapshot_and_the_snapshot_ends_the_resync():
    session, clock = make(subs("book", BTC))
    ack_all(session, clock, connect(session, clock))
    book = ReferenceBook(BTC, bids={99.0: 1.0}, asks={101.0: 1.0}, seq=1)
    receive(session, clock, book.snapshot())
    receive(session, clock, book.update([(99.0, 2.0)], []))
    assert session.state is FeedState.LIVE and sent(session, clock) == []
    book.update([(98.0, 1.0)], [])  # lost
    receive(session, clock, book.update([(97.0, 1.0)], []))
    (request,) = sent(session, clock)
    assert isinstance(request, wire.SnapshotRequest) and request.symbol == BTC
    assert session.state is FeedState.RESYNCING and session.stats.gaps == 1
    receive(session, clock, book.snapshot())
    assert session.state is FeedState.LIVE and session.stats.resyncs == 1
    assert session.market.resyncing_symbols() == set()


def test_a_resync_that_is_not_answered_is_asked_for_again_after_the_retry_period():
    session, clock = make(subs("book", BTC))
    ack_all(session, clock, connect(session, clock))
    book = ReferenceBook(BTC, bids={99.0: 1.0}, asks={101.0: 1.0}, seq=5)
    receive(session, clock, book.update([(99.0, 2.0)], []))  # an update before any snapshot
    assert [type(r) for r in sent(session, clock)] == [wire.SnapshotRequest]
    clock.now += 1.0
    receive(session, clock, book.update([(99.0, 3.0)], []))
    assert sent(session, clock) == []
    clock.now += 1.5  # past MarketState's 2 s retry period
    receive(session, clock, book.update([(99.0, 4.0)], []))
    assert [type(r) for r in sent(session, clock)] == [wire.SnapshotRequest]


def test_unsubscribing_a_resyncing_book_ends_the_resync():
    session, clock = make(subs("ticker,book", BTC))
    ack_all(session, clock, connect(session, clock))
    receive(session, clock, ticker())
    receive(session, clock, wire.Book(BTC, 5, T0, "update", [(1.0, 1.0)], [], 4))
    assert session.state is FeedState.RESYNCING
    session.set_subscriptions(subs("ticker", BTC))
    assert session.state is FeedState.LIVE and session.market.resyncing_symbols() == set()


# --- Staleness on the session's clock ------------------------------------------------------


def test_silence_for_twice_the_heartbeat_makes_the_feed_stale_and_a_heartbeat_revives_it():
    session, clock = make(subs("ticker", BTC))
    ack_all(session, clock, connect(session, clock, heartbeat=0.5))
    receive(session, clock, ticker())
    assert session.next_deadline() == pytest.approx(clock.now + 1.0)
    clock.now += 0.99
    session.tick(clock.now)
    assert session.state is FeedState.LIVE
    clock.now += 0.02
    session.tick(clock.now)
    assert session.state is FeedState.STALE
    receive(session, clock, wire.Heartbeat(2, T0))
    assert session.state is FeedState.LIVE


def test_a_connection_not_yet_live_is_never_called_stale():
    session, clock = make(subs("ticker", BTC))
    connect(session, clock, heartbeat=0.5)
    clock.now += 5.0
    session.tick(clock.now)
    assert session.state is FeedState.CONNECTING


def test_no_deadline_without_a_connection():
    session, clock = make(subs("ticker", BTC))
    assert session.next_deadline() is None
    connect(session, clock)
    assert session.next_deadline() == pytest.approx(clock.now + 2.0)
    session.connection_lost(error="connection lost")
    assert session.next_deadline() is None


# --- Reconnecting ----------------------------------------------------------------------------


def test_a_reconnect_forgets_the_old_connection_and_requests_everything_again():
    session, clock = make(subs("ticker,book", BTC))
    requests = connect(session, clock)
    receive(session, clock, wire.Ack(requests[1].id, "subscribe"))
    receive(session, clock, ticker())
    assert session.confirmed
    assert session.connection_lost(code=1006, error="connection lost") is False
    session.backoff_started(0.05)
    assert session.state is FeedState.BACKING_OFF and session.retry_delay == 0.05 and session.stats.reconnects == 1
    receive(session, clock, ticker(seq=2))  # a frame still in the dead connection's buffer changes nothing
    assert session.state is FeedState.BACKING_OFF
    again = connect(session, clock)
    assert session.confirmed == set() and session.state is FeedState.CONNECTING
    assert [(r.channels, r.symbols) for r in again[1:]] == [(["book", "ticker"], [BTC])]
    assert "connection lost" in session.stats.last_errors


@pytest.mark.parametrize(
    ("announce", "code", "at_once"), [(True, 1006, True), (False, 1001, True), (False, 1006, False), (False, None, False)]
)
def test_a_shutdown_notice_or_close_1001_asks_for_an_immediate_reconnect(announce, code, at_once):
    session, clock = make(subs("ticker", BTC))
    connect(session, clock)
    if announce:
        receive(session, clock, wire.Shutdown(T0, "maintenance"))
    assert session.connection_lost(code=code) is at_once


def test_close_and_fail_end_in_closed():
    session, clock = make()
    connect(session, clock)
    session.fail("the server refused the connection: HTTP 403")
    assert session.state is FeedState.CLOSED and session.fatal_reason.endswith("403")
    assert session.stats.last_errors[-1].endswith("403")
    session.closed()  # closing twice is harmless
    assert session.state is FeedState.CLOSED


# --- Malformed input --------------------------------------------------------------------------


def test_malformed_frames_are_counted_and_the_feed_carries_on():
    session, clock = make(subs("ticker", BTC))
    ack_all(session, clock, connect(session, clock))
    for frame in (b"{not json", b"[1, 2]", b'{"type": "weather"}', wire.encode(ticker("DOGE-USD"))):
        session.receive_frame(frame)
        session.end_burst(clock.now)
    session.receive_binary(b"\x00\x01")
    session.end_burst(clock.now)
    assert session.stats.malformed == 5 and sent(session, clock) == []
    receive(session, clock, ticker(seq=9))
    assert session.state is FeedState.LIVE and "DOGE-USD" not in session.market.symbols  # type: ignore[attr-defined]


def test_text_that_is_not_utf8_asks_for_one_close_with_1007():
    session, clock = make(subs("ticker", BTC))
    ack_all(session, clock, connect(session, clock))
    session.receive_frame(b"\xff\xfe")
    session.receive_frame(b"\xff\xfd")
    session.end_burst(clock.now)
    assert sent(session, clock) == [CloseConnection(1007, "invalid UTF-8 in a text frame")]
    assert session.stats.malformed == 2


def test_counters_and_clocks_wait_for_the_end_of_the_burst():
    session, clock = make(subs("ticker", BTC))
    ack_all(session, clock, connect(session, clock))
    before = session.stats.messages
    session.receive_frame(wire.encode([ticker(seq=1), ticker(seq=2)]))
    session.receive_frame(wire.encode(ticker(seq=3)))
    assert session.stats.messages == before and session.state is FeedState.CONNECTING
    clock.now += 0.5
    session.end_burst(clock.now)
    assert session.stats.messages == before + 3 and session.stats.last_message_at == clock.now
    assert session.state is FeedState.LIVE


# --- Hostile input (issue 13) -------------------------------------------------------------------

DEEP = b'{"type": "ticker", "x": ' + b"[" * 1000 + b"]" * 1000 + b"}"


def test_a_frame_nested_a_thousand_deep_is_counted_as_malformed_and_survived():
    session, clock = make(subs("ticker", BTC))
    ack_all(session, clock, connect(session, clock))
    session.receive_frame(DEEP)  # never raises
    session.end_burst(clock.now)
    assert session.stats.malformed == 1 and "recursion" in session.stats.last_errors[-1]
    receive(session, clock, ticker(seq=2))
    assert session.state is FeedState.LIVE


def test_a_greeting_nested_a_thousand_deep_is_refused_as_not_protocol_v1():
    session, clock = make()
    session.connect_started()
    with pytest.raises(FatalFeedError, match="greeting is not protocol v1"):
        session.receive_greeting(DEEP, clock.now)


# --- The server's request limits (issue 13.3) -----------------------------------------------------


def test_a_subscription_too_big_for_one_request_is_split_to_fit_the_servers_limit():
    symbols = [f"S{i:03d}-USD" for i in range(400)]
    session, clock = make(subs("ticker", *symbols))
    session.connect_started()
    session.connection_opened(clock.now)
    session.receive_greeting(wire.encode(wire.Hello(wire.PROTOCOL_VERSION, "test", 1.0)), clock.now)
    frames = [a.frame for a in session.requests_to_send(clock.now)][1:]
    assert len(frames) >= 2 and all(len(f) <= 4096 for f in frames)
    covered = [s for f in frames for s in wire.subscriptions_of(*_lists(wire.decode_request(f)))]
    assert sorted(covered, key=lambda s: s.symbol) == sorted(subs("ticker", *symbols), key=lambda s: s.symbol)


def _lists(request) -> tuple[list[str], list[str]]:
    return request.channels, request.symbols


def test_requests_are_paced_to_the_request_rate_and_the_rest_waits_for_the_deadline():
    session, clock = make(subs("ticker", BTC), requests_per_second=10.0, request_burst=2)
    assert [type(r) for r in connect(session, clock)] == [wire.ListSymbols, wire.Subscribe]  # the burst
    session.set_subscriptions(subs("ticker", BTC, ETH) | subs("book", "SOL-USD"))
    assert sent(session, clock) == [] and session.wants_to_send()
    assert session.next_deadline() == pytest.approx(clock.now + 0.1)
    clock.now += 0.1
    assert len(sent(session, clock)) == 1
    clock.now += 0.1
    assert len(sent(session, clock)) == 1 and not session.wants_to_send()


# --- Refused symbols (issue 12.5) -------------------------------------------------------------------

LISTED = [wire.SymbolInfo(BTC, 0.01, 0.001), wire.SymbolInfo(ETH, 0.01, 0.001)]


def test_one_unknown_symbol_is_dropped_and_named_and_the_rest_stay_subscribed():
    session, clock = make(subs("ticker,trades", "NOPE-USD", BTC))
    list_symbols, subscribe = connect(session, clock)
    receive(session, clock, wire.Ack(list_symbols.id, "symbols", symbols=LISTED))
    receive(session, clock, wire.Error(subscribe.id, "unknown_symbol", "unknown symbols ['NOPE-USD']"))
    (again,) = sent(session, clock)
    assert isinstance(again, wire.Subscribe) and (again.channels, again.symbols) == (["ticker", "trades"], [BTC])
    assert session.subscriptions == subs("ticker,trades", BTC) and session.refused == subs("ticker,trades", "NOPE-USD")
    assert "NOPE-USD" in session.stats.last_errors[-1] and "dropped" in session.stats.last_errors[-1]
    receive(session, clock, wire.Ack(again.id, "subscribe"))
    receive(session, clock, ticker())
    assert session.state is FeedState.LIVE and session.confirmed == subs("ticker,trades", BTC)


def test_a_feed_that_got_nothing_it_asked_for_is_not_live():
    session, clock = make(subs("ticker", "NOPE-USD", "btc-usd"))
    list_symbols, subscribe = connect(session, clock)
    receive(session, clock, wire.Ack(list_symbols.id, "symbols", symbols=LISTED))
    receive(session, clock, wire.Error(subscribe.id, "unknown_symbol", "unknown symbols ['NOPE-USD', 'btc-usd']"))
    assert sent(session, clock) == [] and session.subscriptions == set()
    for n in range(3):
        receive(session, clock, wire.Heartbeat(n, T0))
    assert session.state is FeedState.CONNECTING
    assert session.refused == subs("ticker", "NOPE-USD", "btc-usd")


def test_a_feed_that_wants_nothing_is_live_once_it_hears_from_the_server():
    session, clock = make()
    connect(session, clock)
    receive(session, clock, wire.Heartbeat(1, T0))
    assert session.state is FeedState.LIVE


# --- Outages and attempts (issue 12.6) -----------------------------------------------------------


def test_one_outage_of_many_attempts_counts_once_as_an_outage():
    session, clock = make(subs("ticker", BTC))
    ack_all(session, clock, connect(session, clock))
    receive(session, clock, ticker())
    reconnect(session, 0.1)  # the connection is lost...
    for _ in range(13):  # ...and 13 more attempts fail while the server is down
        session.connect_started()
        session.connection_lost(error="cannot connect: Connect call failed")
        session.backoff_started(0.1)
    assert (session.stats.outages, session.stats.reconnects) == (1, 14)
    assert session.stats.last_errors[-1] == "cannot connect: Connect call failed (x13)"
    ack_all(session, clock, connect(session, clock))
    receive(session, clock, ticker(seq=2))  # live again
    reconnect(session, 0.1)
    assert (session.stats.outages, session.stats.reconnects) == (2, 15)


# --- A held event loop (issue 13.5, scenario 10) -------------------------------------------------------


def stamped_ticker(clock: Clock, seq: int, age: float) -> wire.Ticker:
    """A ticker the server stamped ``age`` seconds before the session's ``now``."""
    return msgspec.structs.replace(ticker(seq=seq), ts=wall_ns(clock) - int(age * 1e9))


def burst(session: ProtocolV1Session, clock: Clock, *messages) -> None:
    session.begin_burst(clock.now)
    session.receive_frame(wire.encode(list(messages)))
    session.end_burst(clock.now)


def live_session() -> tuple[ProtocolV1Session, Clock]:
    session, clock = make(subs("ticker", BTC))
    ack_all(session, clock, connect(session, clock, heartbeat=1.0))
    burst(session, clock, stamped_ticker(clock, 1, 0.001))
    assert session.state is FeedState.LIVE
    return session, clock


def test_after_a_3_s_pause_the_feed_is_stale_until_caught_up_and_keeps_its_connection():
    session, clock = live_session()
    clock.now += 3.0  # the event loop was held; three seconds of data wait in the socket
    burst(session, clock, *[stamped_ticker(clock, 2 + n, 3.0 - n * 0.5) for n in range(4)])
    assert session.state is FeedState.STALE  # old data applied, but not shown as live
    assert session.market.symbols[BTC].ticker.seq == 5  # type: ignore[attr-defined]
    clock.now += 0.5
    burst(session, clock, stamped_ticker(clock, 6, 1.2))
    assert session.state is FeedState.STALE
    clock.now += 0.3
    burst(session, clock, stamped_ticker(clock, 7, 0.01))  # caught up
    assert session.state is FeedState.LIVE
    assert sent(session, clock) == [] and session.stats.dropped == 0


def test_after_a_25_s_pause_the_old_data_is_dropped_and_the_feed_reconnects_to_resync():
    session, clock = live_session()
    clock.now += 25.0
    burst(session, clock, *[stamped_ticker(clock, 2 + n, 25.0 - n) for n in range(3)])
    assert session.state is FeedState.STALE
    assert session.market.symbols[BTC].ticker.seq == 1  # type: ignore[attr-defined]  # nothing old applied
    assert session.stats.dropped == 1 and "held 25.0 s" in session.stats.last_errors[-1]
    assert sent(session, clock) == [CloseConnection(1000, "resyncing after a stall")]
    assert session.connection_lost(code=1000, error="connection closed: 1000") is True  # reconnect at once


def test_a_wait_for_the_greeting_is_no_held_event_loop():
    """The pump runs no timers while it waits for the server's greeting: a keepalive pong read 6 s
    after the connection opened is no stall (before, the feed closed it "to resync")."""
    session, clock = make(wire.subscriptions_of(["ticker"], [BTC]))
    session.connect_started()
    session.connection_opened(clock.now)
    clock.now += 6.0
    session.begin_burst(clock.now)  # (a pong: no text frame)
    session.end_burst(clock.now)
    assert sent(session, clock) == [] and not session.stats.last_errors
    session.receive_greeting(wire.encode(wire.Hello(wire.PROTOCOL_VERSION, "test", 1.0)), clock.now)
    assert [type(a) for a in sent(session, clock)] and session.state is not FeedState.STALE


def test_a_pause_noticed_first_by_the_timer_is_handled_the_same():
    session, clock = live_session()
    clock.now += 25.0
    session.tick(clock.now)  # the timer ran before the socket's backlog
    assert session.state is FeedState.STALE and sent(session, clock) == [CloseConnection(1000, "resyncing after a stall")]
    burst(session, clock, stamped_ticker(clock, 2, 25.0))
    assert session.state is FeedState.STALE and session.market.symbols[BTC].ticker.seq == 1  # type: ignore[attr-defined]


def test_a_close_the_session_asks_for_goes_before_requests_still_waiting_for_their_turn():
    session, clock = make(subs("ticker", BTC), requests_per_second=1.0, request_burst=2)
    connect(session, clock)
    session.set_subscriptions(subs("ticker", BTC, ETH) | subs("trades", ETH))  # paced: waits for a token
    assert session.wants_to_send() and sent(session, clock) == []
    session.receive_frame(b"\xff\xfe")  # not UTF-8: close 1007
    session.end_burst(clock.now)
    assert sent(session, clock) == [CloseConnection(1007, "invalid UTF-8 in a text frame")]
    assert not session.wants_to_send()
