"""The Binance session with values in and values out, on the documented examples.

Frames (shaped as "WebSocket Streams for Binance" documents them), REST bodies and clock
readings in; URLs, SUBSCRIBE frames, fetches, states and the book out. No sockets, no sleeps.
"""

from __future__ import annotations

import json

import msgspec

from tests.core.venues.binance.binance_docs import ERROR_TABLE, example
from tradedash.core import wire
from tradedash.core.feed.session import FetchSnapshot, SendText
from tradedash.core.feed.lifecycle import FeedState
from tradedash.core.market.state import MarketState
from tradedash.core.venues.binance.session import EXCHANGE_INFO, BinanceSession
from tradedash.core.venues.registry import venue_of

WS, REST = "ws://mock/binance", "http://mock/binance"
INFO_URL = REST + "/api/v3/exchangeInfo"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def subs(channels: str, *symbols: str) -> set[wire.Subscription]:
    return set(wire.subscriptions_of(channels.split(","), symbols))


def make(subscriptions=(), **options) -> tuple[BinanceSession, Clock, MarketState]:
    clock = Clock()
    market = MarketState(clock=clock)
    session = BinanceSession(market, subscriptions=subscriptions, clock=clock, rest_url=REST, **options)
    return session, clock, market


def sent(session: BinanceSession, clock: Clock) -> list:
    """What the session asks for now, frames as JSON objects."""
    return [json.loads(a.frame) if isinstance(a, SendText) else a for a in session.requests_to_send(clock.now)]


def answered(session: BinanceSession, clock: Clock, status: int | None = 200, headers: dict[str, str] | None = None) -> BinanceSession:
    """As the pump does when a fetch ends: its status and headers first (then its body or failure);
    by default a 200 whose ``X-MBX-USED-WEIGHT-1M`` (Binance sends it with every answer) says little was spent."""
    session.rest_answered(status, {"x-mbx-used-weight-1m": "25"} if headers is None else headers, clock.now)
    return session


def exchange_info(*names: str) -> bytes:
    """The documented exchangeInfo body, its one symbol (ETHBTC) repeated under ``names``."""
    body = json.loads(example("rest exchangeInfo"))
    record = {**body["symbols"][0], "filters": [json.loads(example("PRICE_FILTER")), json.loads(example("LOT_SIZE"))]}
    body["symbols"] = [{**record, "symbol": name, "baseAsset": name[:-3], "quoteAsset": name[-3:]} for name in names]
    return json.dumps(body).encode()


def connect(session: BinanceSession, clock: Clock, *listed: str) -> tuple[str, list]:
    """A connection opens: returns its URL and what the session asks for (exchangeInfo answered with ``listed``)."""
    session.connect_started()
    url = session.connection_url(WS)
    session.connection_opened(clock.now)
    out = sent(session, clock)
    if out == [FetchSnapshot(EXCHANGE_INFO, INFO_URL)]:
        answered(session, clock).receive_snapshot(EXCHANGE_INFO, exchange_info(*listed), clock.now)
        out = sent(session, clock)
    return url, out


def frame(name: str, **fields) -> bytes:
    """A documented example with some fields changed."""
    return json.dumps({**json.loads(example(name)), **fields}).encode()


def combined(stream: str, payload: bytes) -> bytes:
    """A payload in the combined-stream envelope ``{"stream", "data"}``."""
    return b'{"stream":"' + stream.encode() + b'","data":' + payload + b"}"


def depth(first: int, last: int, bids=(), asks=()) -> bytes:
    return frame("depthUpdate", U=first, u=last, b=[list(map(str, l)) for l in bids], a=[list(map(str, l)) for l in asks])


def snapshot(last: int, bids, asks) -> bytes:
    return json.dumps({"lastUpdateId": last, "bids": [list(map(str, l)) for l in bids], "asks": [list(map(str, l)) for l in asks]}).encode()


def feed(session: BinanceSession, clock: Clock, *frames: bytes) -> None:
    session.begin_burst(clock.now)
    for f in frames:
        session.receive_frame(f)
    session.end_burst(clock.now)


def test_first_connection_reads_exchange_info_then_subscribes_with_ids():
    session, clock, _ = make(subs("trades,ticker", "BNBBTC"))
    session.connect_started()
    assert session.connection_url(WS) == WS + "/stream"  # nothing listed yet: every stream by SUBSCRIBE
    session.connection_opened(clock.now)
    assert sent(session, clock) == [FetchSnapshot(EXCHANGE_INFO, INFO_URL)]  # subscriptions wait for the list
    answered(session, clock).receive_snapshot(EXCHANGE_INFO, exchange_info("BNBBTC", "ETHBTC"), clock.now)
    assert [(s.symbol, s.tick_size, s.lot_size) for s in session.symbols] == [
        ("BNBBTC", 0.000001, 0.001), ("ETHBTC", 0.000001, 0.001)
    ]
    [request] = sent(session, clock)
    assert request["method"] == "SUBSCRIBE" and sorted(request["params"]) == ["bnbbtc@ticker", "bnbbtc@trade"]
    assert isinstance(request["id"], int)
    assert session.confirmed == set()
    session.receive_frame(json.dumps({"result": None, "id": request["id"]}).encode())  # the documented reply
    assert session.confirmed == subs("trades,ticker", "BNBBTC")


def test_later_connections_name_listed_streams_in_the_combined_url():
    session, clock, _ = make(subs("trades", "BNBBTC", "NOPEBTC"))
    connect(session, clock, "BNBBTC")
    session.connection_lost(error="cut")
    session.backoff_started(0.0)
    url, out = connect(session, clock)  # exchangeInfo is not read again
    assert url == WS + "/stream?streams=bnbbtc@trade"
    assert [(f["method"], f["params"]) for f in out] == [("SUBSCRIBE", ["nopebtc@trade"])]  # unlisted: asked for
    assert wire.Subscription("trades", "BNBBTC") in session.confirmed  # named in the URL: carried at once


def test_a_symbol_exchange_info_does_not_list_is_named_once_as_an_error():
    session, clock, _ = make(subs("trades,book", "BNBBTC", "NOPEBTC"))
    connect(session, clock, "BNBBTC")
    said = "not listed by Binance (exchangeInfo), asked for all the same: NOPEBTC"
    assert session.stats.last_error == said
    session.connection_lost(error="cut")
    session.backoff_started(0.0)
    connect(session, clock)
    assert [e for e in session.stats.last_errors if e.startswith("not listed")] == [said]  # not again per reconnect


def test_a_protocol_v1_server_greeting_a_binance_feed_stops_it_saying_so():
    session, clock, _ = make(subs("trades", "BNBBTC"))
    session.connect_started()
    session.receive_frame(wire.encode(wire.Hello(version=wire.PROTOCOL_VERSION, server="mock", heartbeat_interval=1.0)))
    assert session.fatal_reason is not None and "speaks TradeDash protocol v1, not Binance" in session.fatal_reason
    assert session.state is FeedState.CLOSED
    session.receive_frame(b'{"type":"heartbeat","server_time":1}')  # until the close: read as nothing
    assert session.stats.malformed == 0 and session.fatal_reason.startswith("the server speaks")


def test_a_protocol_v1_greeting_read_with_the_frames_after_it_is_said_once_and_they_are_read_as_nothing():
    session, clock, _ = make(subs("trades", "BNBBTC"))
    session.connect_started()
    hello = wire.encode(wire.Hello(version=wire.PROTOCOL_VERSION, server="mock", heartbeat_interval=1.0))
    session.receive_frames([hello, b'{"type":"heartbeat","server_time":1}', b'{"type":"heartbeat","server_time":2}'])
    assert session.fatal_reason is not None and "speaks TradeDash protocol v1, not Binance" in session.fatal_reason
    assert session.stats.malformed == 0 and session.state is FeedState.CLOSED


def test_an_error_reply_drops_only_unlisted_symbols_and_asks_again_for_the_rest():
    session, clock, _ = make(subs("trades", "BNBBTC", "NOPEBTC"))
    _, [request] = connect(session, clock, "BNBBTC")
    error = json.loads(ERROR_TABLE[3])  # code 2, "Invalid request: ..."
    session.receive_frame(json.dumps({"error": error, "id": request["id"]}).encode())
    assert session.refused == subs("trades", "NOPEBTC")
    assert session.subscriptions == subs("trades", "BNBBTC")
    [again] = sent(session, clock)
    assert again["method"] == "SUBSCRIBE" and again["params"] == ["bnbbtc@trade"] and again["id"] != request["id"]


def test_live_unsubscribe_sends_unsubscribe_and_its_reply_settles_it():
    session, clock, _ = make(subs("trades", "BNBBTC"))
    _, [request] = connect(session, clock, "BNBBTC")
    session.receive_frame(json.dumps({"result": None, "id": request["id"]}).encode())
    session.set_subscriptions(subs("ticker", "BNBBTC"))
    out = sent(session, clock)
    assert [(f["method"], f["params"]) for f in out] == [("UNSUBSCRIBE", ["bnbbtc@trade"]), ("SUBSCRIBE", ["bnbbtc@ticker"])]
    for f in out:
        session.receive_frame(json.dumps({"result": None, "id": f["id"]}).encode())
    assert session.confirmed == subs("ticker", "BNBBTC")


def test_control_frames_never_exceed_four_a_second():
    names = [f"S{i:02d}BTC" for i in range(10)]
    session, clock, _ = make(subs("trades", *names), streams_per_frame=1)
    _, first = connect(session, clock, *names)
    assert len(first) == 4
    clock.now += 0.5
    assert len(sent(session, clock)) == 2
    clock.now += 0.5
    assert len(sent(session, clock)) == 2
    clock.now += 1.0
    assert len(sent(session, clock)) == 2
    assert sent(session, clock) == []


def test_documented_stream_frames_reach_the_market():
    session, clock, market = make(subs("trades,ticker", "BNBBTC"))
    connect(session, clock, "BNBBTC")
    feed(session, clock, frame("trade"), frame("ticker"), combined("bnbusdt@bookTicker", frame("bookTicker")))
    state = market.symbol("BNBBTC")
    assert [(t.price, t.size, t.side) for t in state.trades] == [(0.001, 100.0, "sell")]
    assert state.ticker is not None and state.ticker.last == 0.0025
    assert session.stats.malformed == 0
    assert session.state is FeedState.LIVE


def book_of(market: MarketState, symbol: str):
    book = market.symbol(symbol).book
    return book.bids(), book.asks()


def test_book_follows_the_documented_procedure_through_a_gap():
    session, clock, market = make(subs("book", "BNBBTC"))
    connect(session, clock, "BNBBTC")
    feed(session, clock, depth(157, 160, bids=[(0.0024, 10)], asks=[(0.0026, 100)]))
    [fetch] = sent(session, clock)
    assert fetch == FetchSnapshot("BNBBTC", REST + "/api/v3/depth?symbol=BNBBTC&limit=1000")
    feed(session, clock, depth(161, 162, bids=[(0.0023, 5)]))  # buffered too
    answered(session, clock).receive_snapshot("BNBBTC", snapshot(158, [(0.0024, 1), (0.0022, 3)], [(0.0027, 4)]), clock.now)
    # 158 is bridged by [157, 160]: snapshot, then both events
    assert book_of(market, "BNBBTC") == ([(0.0024, 10.0), (0.0023, 5.0), (0.0022, 3.0)], [(0.0026, 100.0), (0.0027, 4.0)])
    feed(session, clock, depth(161, 162, bids=[(0.0023, 7)]))  # old: ignored
    assert book_of(market, "BNBBTC")[0][1] == (0.0023, 5.0)
    # a gap: U 170 > 162 + 1 -> the book is emptied (never wrong), a snapshot fetched, the feed resyncing
    feed(session, clock, depth(170, 171, bids=[(0.0021, 1)]))
    assert book_of(market, "BNBBTC") == ([], [])
    assert session.state is FeedState.RESYNCING
    [refetch] = sent(session, clock)
    assert refetch.symbol == "BNBBTC"
    answered(session, clock).receive_snapshot("BNBBTC", snapshot(170, [(0.0020, 2)], [(0.0030, 2)]), clock.now)
    assert book_of(market, "BNBBTC") == ([(0.0021, 1.0), (0.0020, 2.0)], [(0.0030, 2.0)])
    assert session.state is FeedState.LIVE
    assert (session.stats.gaps, session.stats.resyncs) == (1, 1)  # as feed health counts them


def test_a_stale_snapshot_is_fetched_again():
    session, clock, market = make(subs("book", "BNBBTC"))
    connect(session, clock, "BNBBTC")
    feed(session, clock, depth(157, 160, bids=[(0.0024, 10)]))
    sent(session, clock)
    answered(session, clock).receive_snapshot("BNBBTC", snapshot(150, [(1.0, 1)], []), clock.now)  # 150 < U 157
    assert book_of(market, "BNBBTC") == ([], [])
    [again] = sent(session, clock)
    assert again.symbol == "BNBBTC"
    answered(session, clock).receive_snapshot("BNBBTC", snapshot(159, [(0.0025, 1)], []), clock.now)
    assert book_of(market, "BNBBTC") == ([(0.0025, 1.0), (0.0024, 10.0)], [])


def test_a_new_connection_starts_the_book_over_and_ignores_old_answers():
    session, clock, market = make(subs("book", "BNBBTC"))
    connect(session, clock, "BNBBTC")
    feed(session, clock, depth(157, 160, bids=[(0.0024, 10)]))
    sent(session, clock)
    answered(session, clock).receive_snapshot("BNBBTC", snapshot(158, [], []), clock.now)
    session.connection_lost(code=1000, error="the 24 h cut")
    session.backoff_started(0.0)
    connect(session, clock)
    answered(session, clock).receive_snapshot("BNBBTC", snapshot(999, [(9.0, 9)], []), clock.now)  # asked on the old connection
    assert book_of(market, "BNBBTC") == ([(0.0024, 10.0)], [])  # kept visible, not replaced by a stray answer
    feed(session, clock, depth(5, 6, bids=[(0.5, 1)]))  # the new connection: numbering may restart
    [fetch] = sent(session, clock)
    assert fetch.symbol == "BNBBTC"
    assert session.state is FeedState.RESYNCING
    answered(session, clock).receive_snapshot("BNBBTC", snapshot(5, [(0.4, 1)], []), clock.now)
    assert book_of(market, "BNBBTC") == ([(0.5, 1.0), (0.4, 1.0)], [])
    assert session.state is FeedState.LIVE


def test_a_failed_snapshot_is_asked_for_again_by_the_next_event():
    session, clock, market = make(subs("book", "BNBBTC"))
    connect(session, clock, "BNBBTC")
    feed(session, clock, depth(157, 160))
    sent(session, clock)
    answered(session, clock).receive_snapshot("BNBBTC", example("rest error").encode(), clock.now)
    assert "Invalid symbol" in session.stats.last_errors[-1]
    feed(session, clock, depth(161, 162))
    [again] = sent(session, clock)
    assert again.symbol == "BNBBTC"


def test_server_shutdown_asks_for_an_immediate_reconnect():
    session, clock, _ = make(subs("trades", "BNBBTC"))
    connect(session, clock, "BNBBTC")
    feed(session, clock, example("serverShutdown combined").encode())
    assert session.connection_lost(code=1000) is True


def test_exchange_info_failure_still_subscribes_and_is_read_next_time():
    session, clock, _ = make(subs("trades", "BNBBTC"))
    session.connect_started()
    session.connection_url(WS)
    session.connection_opened(clock.now)
    assert sent(session, clock) == [FetchSnapshot(EXCHANGE_INFO, INFO_URL)]
    answered(session, clock).snapshot_failed(EXCHANGE_INFO, "HTTP Error 503")
    [request] = sent(session, clock)
    assert request["params"] == ["bnbbtc@trade"]
    session.connection_lost(error="drop")
    session.backoff_started(0.0)
    session.connect_started()
    session.connection_opened(clock.now)
    assert sent(session, clock) == [FetchSnapshot(EXCHANGE_INFO, INFO_URL)]


def test_symbols_given_up_front_put_every_stream_in_the_first_url_and_skip_exchange_info():
    clock = Clock()
    listed = [wire.SymbolInfo("BNBBTC", 0.000001, 0.001)]
    session = BinanceSession(MarketState(clock=clock), subscriptions=subs("trades,book", "BNBBTC"), clock=clock,
                             rest_url=REST, symbols=listed)
    session.connect_started()
    assert session.connection_url(WS) == WS + "/stream?streams=bnbbtc@depth@100ms/bnbbtc@trade"
    session.connection_opened(clock.now)
    assert sent(session, clock) == []  # nothing to ask: the URL carries it all
    assert session.confirmed == subs("trades,book", "BNBBTC")


def test_history_pages_come_from_the_documented_klines_endpoint():
    from tradedash.core.feed.session import FetchHistory, HistoryError

    session, clock, _ = make(subs("trades", "BNBBTC"))
    connect(session, clock, "BNBBTC")
    pages: list = []
    first = session.request_history("BNBBTC", "1m", count=1, done=pages.append)
    older = session.request_history("BNBBTC", "1m", count=5, end=1499040000000 * 1_000_000, done=pages.append)
    fetches = sent(session, clock)
    assert fetches == [
        FetchHistory(first, REST + "/api/v3/klines?symbol=BNBBTC&interval=1m&limit=1"),
        FetchHistory(older, REST + "/api/v3/klines?symbol=BNBBTC&interval=1m&limit=5&endTime=1499039999999"),
    ]
    answered(session, clock).receive_history(first, example("rest klines").encode())
    answered(session, clock).receive_history(older, example("rest error").encode())
    page, refused = pages
    assert (page.id, page.symbol, page.interval) == (first, "BNBBTC", "1m")
    assert page.bars == [(1499040000000 * 1_000_000, 0.0163479, 0.8, 0.015758, 0.015771, 148976.11427815)]
    assert page.next_end == 1499040000000 * 1_000_000  # a full page: there may be older bars
    assert isinstance(refused, HistoryError) and refused.code == "fetch_failed" and "Invalid symbol" in str(refused)


def test_depth_updates_of_unwanted_books_are_never_applied():
    session, clock, market = make(subs("book,trades", "BNBBTC"))
    _, [request] = connect(session, clock, "BNBBTC")
    session.receive_frame(json.dumps({"result": None, "id": request["id"]}).encode())
    session.set_subscriptions(subs("trades", "BNBBTC"))
    feed(session, clock, depth(157, 160, bids=[(0.0024, 10)]))  # before the UNSUBSCRIBE's reply: expected, ignored
    assert session.stats.malformed == 0 and sent(session, clock)[0]["method"] == "UNSUBSCRIBE"
    feed(session, clock, frame("depthUpdate", s="ETHBTC"))  # never wanted: counted as bad input
    assert session.stats.malformed == 1
    assert book_of(market, "BNBBTC") == ([], []) and session.books == {}


def wait(session: BinanceSession, clock: Clock, seconds: float) -> None:
    """Let ``seconds`` pass the way the pump lets them: a turn of the loop every 0.5 s."""
    end = clock.now + seconds
    while clock.now < end:
        clock.now = min(end, clock.now + 0.5)
        session.tick(clock.now)


def test_rest_requests_wait_for_the_request_weight_binance_documents():
    from tradedash.core.feed.session import FetchHistory
    from tradedash.core.venues.binance.rest import WeightBudget

    budget = WeightBudget()
    session, clock, _ = make(subs("book", "BNBBTC", "ETHBTC"), weight_budget=budget)  # depth limit 1000: weight 50
    session.connect_started()
    session.connection_opened(clock.now)
    assert sent(session, clock) == [FetchSnapshot(EXCHANGE_INFO, INFO_URL)]  # weight 20
    info = json.loads(exchange_info("BNBBTC", "ETHBTC"))
    info["rateLimits"] = [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 100}]
    answered(session, clock, headers={"x-mbx-used-weight-1m": "20"}).receive_snapshot(EXCHANGE_INFO, json.dumps(info).encode(), clock.now)
    assert budget.limit == 100  # as exchangeInfo's rateLimits says
    sent(session, clock)  # the SUBSCRIBE
    feed(session, clock, combined("bnbbtc@depth@100ms", depth(157, 160)), combined("ethbtc@depth@100ms", frame("depthUpdate", s="ETHBTC", b=[], a=[])))
    session.request_history("BNBBTC", "1m", count=10, done=lambda _page: None)  # weight 2, after them
    first = sent(session, clock)
    assert [f.symbol for f in first] == ["BNBBTC"]  # 20 + 50 = 70; the next 50 would make 120
    answered(session, clock, headers={"x-mbx-used-weight-1m": "70"}).receive_snapshot("BNBBTC", snapshot(158, [], []), clock.now)
    assert session.next_deadline() <= clock.now + 60.0
    wait(session, clock, 59.0)
    assert sent(session, clock) == []
    wait(session, clock, 1.0)  # a minute after the exchangeInfo (and the count the server gave with it)
    later = sent(session, clock)
    assert [type(a) for a in later] == [FetchSnapshot] and later[0].symbol == "ETHBTC"
    answered(session, clock, headers={"x-mbx-used-weight-1m": "50"}).receive_snapshot("ETHBTC", snapshot(158, [], []), clock.now)
    assert [type(a) for a in sent(session, clock)] == [FetchHistory]


def test_a_418_stops_rest_requests_and_says_so():
    session, clock, _ = make(subs("book", "BNBBTC"))
    connect(session, clock, "BNBBTC")
    feed(session, clock, combined("bnbbtc@depth@100ms", depth(157, 160)))
    [fetch] = sent(session, clock)
    answered(session, clock, 418, {"x-mbx-used-weight-1m": "7000", "retry-after": "120"}).snapshot_failed(
        "BNBBTC", "HTTP Error 418: I'm a teapot"
    )
    assert any("banned" in error and "418" in error for error in session.stats.last_errors)
    feed(session, clock, combined("bnbbtc@depth@100ms", depth(161, 162)))  # the book asks again: held back
    wait(session, clock, 119.0)
    assert sent(session, clock) == []
    wait(session, clock, 1.0)
    assert sent(session, clock) == [fetch]  # (the same request, once the ban ended)


def test_the_answers_of_requests_already_under_way_when_a_429_came_are_not_said_again(caplog):
    """Requests out together come back refused together: one line per hold for the user (and the log),
    not one per answer with the seconds left; a 418 after the 429 is said, being news."""
    session, clock, _ = make()
    for status, retry_after in ((429, "40"), (429, "40"), (429, "39"), (418, "120"), (418, "120")):
        answered(session, clock, status, {"x-mbx-used-weight-1m": "7000", "retry-after": retry_after})
        clock.now += 0.2
    said = [error for error in session.stats.last_errors if "HTTP 4" in error]
    assert [("(HTTP 429)" in error, "(HTTP 418)" in error) for error in said] == [(True, False), (False, True)]
    assert len([r for r in caplog.records if "HTTP 4" in r.getMessage()]) == 2
    clock.now += 121.0  # the ban over: a new refusal is news again
    answered(session, clock, 429, {"x-mbx-used-weight-1m": "7000", "retry-after": "30"})
    assert "(HTTP 429)" in session.stats.last_errors[-1] and len([e for e in session.stats.last_errors if "HTTP 4" in e]) == 3


def shared_sessions(*parts: set[wire.Subscription], **share_options) -> tuple[list[BinanceSession], Clock, object]:
    """Sessions of one feed's connections, one symbol list and one REST budget between them."""
    from tradedash.core.venues.binance.rest import WeightBudget
    from tradedash.core.venues.binance.symbol_share import SharedSymbolList

    clock, budget = Clock(), WeightBudget()
    shared = SharedSymbolList(**share_options)
    sessions = [
        BinanceSession(MarketState(clock=clock), subscriptions=part, clock=clock, rest_url=REST, symbol_list=shared, weight_budget=budget)
        for part in parts
    ]
    for session in sessions:
        session.connect_started()
        session.connection_url(WS)
        session.connection_opened(clock.now)
    return sessions, clock, shared


def test_connections_sharing_a_symbol_list_read_exchange_info_once_and_all_subscribe_with_it():
    (first, second), clock, shared = shared_sessions(subs("trades", "BNBBTC"), subs("trades", "ETHBTC"))
    assert sent(first, clock) == [FetchSnapshot(EXCHANGE_INFO, INFO_URL)]
    assert sent(second, clock) == []  # it waits for the first one's read
    answered(first, clock).receive_snapshot(EXCHANGE_INFO, exchange_info("BNBBTC", "ETHBTC"), clock.now)
    assert [r["params"] for r in sent(first, clock)] == [["bnbbtc@trade"]]
    assert [r["params"] for r in sent(second, clock)] == [["ethbtc@trade"]]
    assert second.symbols == first.symbols == shared.symbols and len(shared.symbols) == 2
    second.connection_lost(error="drop")
    second.backoff_started(0.0)
    second.connect_started()
    assert second.connection_url(WS) == WS + "/stream?streams=ethbtc@trade"  # the list is in: the URL names it
    second.connection_opened(clock.now)
    assert sent(second, clock) == []  # no second read: the list is fresh


def test_a_failed_shared_read_lets_every_waiting_connection_subscribe_and_the_next_connection_reads_again():
    (first, second), clock, shared = shared_sessions(subs("trades", "BNBBTC"), subs("trades", "ETHBTC"))
    sent(first, clock)
    answered(first, clock, status=503).snapshot_failed(EXCHANGE_INFO, "HTTP Error 503")
    assert [r["params"] for r in sent(first, clock)] == [["bnbbtc@trade"]]
    assert [r["params"] for r in sent(second, clock)] == [["ethbtc@trade"]]
    second.connection_lost(error="drop")
    second.backoff_started(0.0)
    second.connect_started()
    second.connection_opened(clock.now)
    assert sent(second, clock) == [FetchSnapshot(EXCHANGE_INFO, INFO_URL)]  # nobody has it: this one reads it


def test_a_read_whose_connection_ends_before_it_went_is_taken_over_by_a_waiting_connection():
    (first, second), clock, shared = shared_sessions(subs("trades", "BNBBTC"), subs("trades", "ETHBTC"))
    first.rest.budget.back_off(30.0, clock.now)  # a 429's Retry-After: the read waits in the first one's queue
    assert sent(first, clock) == [] and len(first.rest) == 1
    first.connection_lost(error="drop")  # nothing goes out before its next connection, whose queue starts over
    assert len(first.rest) == 0 and len(second.rest) == 1  # the second connection reads it instead, now
    first.backoff_started(1.0)
    first.connect_started()
    clock.now += 30.0
    assert sent(second, clock) == [FetchSnapshot(EXCHANGE_INFO, INFO_URL)]
    first.connection_opened(clock.now)
    assert sent(first, clock) == []  # waiting for the second one's read
    answered(second, clock).receive_snapshot(EXCHANGE_INFO, exchange_info("BNBBTC", "ETHBTC"), clock.now)
    assert [r["params"] for r in sent(first, clock)] == [["bnbbtc@trade"]]
    assert [r["params"] for r in sent(second, clock)] == [["ethbtc@trade"]]


def test_a_stopped_reader_hands_the_read_over_and_an_old_list_is_read_again_beside_the_subscription():
    (first, second), clock, shared = shared_sessions(subs("trades", "BNBBTC"), subs("trades", "ETHBTC"), max_age=3600.0)
    assert sent(first, clock) == [FetchSnapshot(EXCHANGE_INFO, INFO_URL)]  # under way...
    answered(first, clock, status=None, headers={}).closed()  # ...and the connection stops: its fetch is cancelled
    assert sent(second, clock) == [FetchSnapshot(EXCHANGE_INFO, INFO_URL)]
    answered(second, clock).receive_snapshot(EXCHANGE_INFO, exchange_info("ETHBTC"), clock.now)
    assert [r["params"] for r in sent(second, clock)] == [["ethbtc@trade"]]
    clock.now += 3600.0  # the list is an hour old: the next connection uses it, and reads it again
    second.connection_lost(error="drop")
    second.backoff_started(0.0)
    second.connect_started()
    second.connection_url(WS)
    second.connection_opened(clock.now)
    assert sent(second, clock) == [FetchSnapshot(EXCHANGE_INFO, INFO_URL)]  # the URL named the stream already
    answered(second, clock).receive_snapshot(EXCHANGE_INFO, exchange_info("ETHBTC", "BNBBTC"), clock.now)
    assert [s.symbol for s in shared.symbols] == ["ETHBTC", "BNBBTC"] and sent(second, clock) == []


def test_a_base_url_written_with_binances_paths_means_the_endpoint_itself():
    """``wss://stream.binance.com:9443/ws`` (or ``/stream``) and ``https://api.binance.com/api/v3`` are how
    Binance's pages and many clients write the bases: they reach the same endpoints as without those paths."""
    clock = Clock()
    listed = [wire.SymbolInfo("BNBBTC", 0.000001, 0.001)]
    for ws, rest in ((WS + "/ws", REST + "/api/v3/"), (WS + "/stream/", REST + "/api/v3"), (WS, REST)):
        session = BinanceSession(MarketState(clock=clock), subscriptions=subs("trades,book", "BNBBTC"), clock=clock,
                                 rest_url=rest, symbols=listed)
        session.connect_started()
        assert session.connection_url(ws) == WS + "/stream?streams=bnbbtc@depth@100ms/bnbbtc@trade"
        assert session.rest_url == REST
    assert venue_of("binance").symbol_list_url("https://api.binance.com/api/v3") == "https://api.binance.com/api/v3/exchangeInfo"
    nothing = BinanceSession(MarketState(clock=clock), clock=clock, rest_url=REST)
    nothing.connect_started()
    assert nothing.connection_url(WS + "/ws/") == WS + "/stream"


def test_books_whose_snapshots_fail_in_turn_are_one_error_line_and_leave_the_others_in_view():
    session, clock, _ = make(subs("book", "BNBBTC", "ETHBTC"))
    connect(session, clock, "BNBBTC", "ETHBTC")
    session.stats.record_error("connection closed: 1006")
    for first in (157, 161, 165):  # REST down: each book's snapshot fails, in turn, three times
        feed(session, clock, frame("depthUpdate", s="BNBBTC", U=first, u=first + 1), frame("depthUpdate", s="ETHBTC", U=first, u=first + 1))
        fetches = sent(session, clock)
        assert sorted(f.symbol for f in fetches) == ["BNBBTC", "ETHBTC"]
        for fetch in fetches:
            answered(session, clock, status=503).snapshot_failed(fetch.symbol, "HTTP Error 503: Service Unavailable")
    errors = list(session.stats.last_errors)
    assert errors[0] == "connection closed: 1006" and len(errors) == 2
    assert errors[1].endswith(" snapshot: HTTP Error 503: Service Unavailable (x6)")
    assert {"BNBBTC", "ETHBTC"} <= set(errors[1].split(" snapshot: ")[0].split(", "))
