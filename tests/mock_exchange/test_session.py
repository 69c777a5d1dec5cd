"""The request session with values in and values out: no server, no socket, no clock."""

from __future__ import annotations

import json

from mock_exchange.market import DEFAULT_SPECS, Market
from mock_exchange.server.session import RequestSession
from tradedash.core import wire


def _session(**overrides) -> RequestSession:
    settings = {"max_subscriptions": 500, "admin_token": "root", **overrides}
    market = Market([DEFAULT_SPECS["BTC-USD"], DEFAULT_SPECS["ETH-USD"]], seed=3)
    return RequestSession(market, **settings)


def _frame(**fields) -> bytes:
    return json.dumps(fields).encode()


def test_subscribe_acks_joins_one_key_per_pair_and_sends_book_snapshots_at_the_depth():
    session = _session()
    answer = session.receive_request(_frame(op="subscribe", id=1, channels=["ticker", "book"], symbols=["BTC-USD"], depth=3), ts=5)
    ack, snapshot = answer.replies
    assert ack == wire.Ack(1, "subscribe", subscriptions=[wire.Subscription("book", "BTC-USD"), wire.Subscription("ticker", "BTC-USD")])
    assert isinstance(snapshot, wire.Book) and snapshot.kind == "snapshot" and len(snapshot.bids) == 3 and snapshot.ts == 5
    assert sorted(answer.joined) == [("book", "BTC-USD", 3), ("ticker", "BTC-USD", 0)]
    assert answer.left == [] and answer.fault is None


def test_a_new_book_depth_leaves_the_old_key():
    session = _session()
    session.receive_request(_frame(op="subscribe", id=1, channels=["book"], symbols=["BTC-USD"], depth=3), ts=0)
    answer = session.receive_request(_frame(op="subscribe", id=2, channels=["book"], symbols=["BTC-USD"], depth=20), ts=0)
    assert (answer.left, answer.joined) == ([("book", "BTC-USD", 3)], [("book", "BTC-USD", 20)])
    assert session.keys() == [("book", "BTC-USD", 20)]


def test_unsubscribe_leaves_and_clear_returns_what_is_left():
    session = _session()
    session.receive_request(_frame(op="subscribe", id=1, channels=["ticker", "trades"], symbols=["BTC-USD", "ETH-USD"]), ts=0)
    answer = session.receive_request(_frame(op="unsubscribe", id=2, channels=["trades"], symbols=["BTC-USD"]), ts=0)
    assert answer.left == [("trades", "BTC-USD", 0)] and answer.joined == []
    assert sorted(session.clear()) == [("ticker", "BTC-USD", 0), ("ticker", "ETH-USD", 0), ("trades", "ETH-USD", 0)]
    assert session.subscriptions == set() and session.keys() == []


def test_a_refused_subscribe_changes_nothing():
    session = _session(max_subscriptions=3)
    session.receive_request(_frame(op="subscribe", id=1, channels=["ticker"], symbols=["BTC-USD"]), ts=0)
    before = set(session.subscriptions)
    for frame, code in [
        (_frame(op="subscribe", id=2, channels=["ticker"], symbols=["ETH-USD", "NOPE-USD"]), "unknown_symbol"),
        (_frame(op="subscribe", id=3, channels=["ticker", "gossip"], symbols=["ETH-USD"]), "unknown_channel"),
        (_frame(op="subscribe", id=4, channels=["book"], symbols=["ETH-USD"], depth=51), "bad_request"),
        (_frame(op="subscribe", id=5, channels=["ticker", "trades"], symbols=["BTC-USD", "ETH-USD"]), "limit"),
    ]:
        answer = session.receive_request(frame, ts=0)
        assert [type(r) for r in answer.replies] == [wire.Error] and answer.replies[0].code == code
        assert answer.joined == answer.left == []
        assert session.subscriptions == before


def test_error_messages_write_names_as_json():
    session = _session()
    error = session.receive_request(_frame(op="subscribe", id=1, channels=["ticker"], symbols=["NOPE-USD"]), ts=0).replies[0]
    assert error.message == 'unknown symbols ["NOPE-USD"]; listed: ["BTC-USD","ETH-USD"]'
    error = session.receive_request(_frame(op="snapshot", id=2, channel="ticker", symbol="BTC-USD"), ts=0).replies[0]
    assert error.message == 'snapshots exist for the book channel only, not "ticker"'


def test_request_errors_come_from_the_wire_decoder():
    session = _session()
    for frame in (b"{not json", b'{"id": 4}', b'{"op": "list", "id": true}', b'{"op": "fly", "id": 7}', b"[" * 2000):
        expected = None
        try:
            wire.decode_request(frame)
        except wire.RequestError as exc:
            expected = wire.Error(exc.request_id, exc.code, str(exc))
        assert session.receive_request(frame, ts=0).replies == [expected]


def test_admin_needs_the_token_and_good_arguments_before_a_fault_is_handed_over():
    session = _session()
    request = {"op": "admin", "id": 9, "token": "root", "fault": "skip_book_seq", "args": {"symbol": "BTC-USD"}}
    answer = session.receive_request(_frame(**request), ts=0)
    assert answer.replies == [wire.Ack(9, "admin")]
    assert answer.fault == wire.AdminRequest(9, "root", "skip_book_seq", {"symbol": "BTC-USD"})
    for changes, code in [
        ({"token": "guess"}, "forbidden"),
        ({"fault": "explode"}, "bad_request"),
        ({"args": {"symbol": "NOPE-USD"}}, "unknown_symbol"),
        ({"args": {"connections": []}}, "bad_request"),
    ]:
        answer = session.receive_request(_frame(**{**request, **changes}), ts=0)
        assert answer.fault is None and answer.replies[0].code == code, changes
    disabled = _session(admin_token=None).receive_request(_frame(**request), ts=0)
    assert disabled.fault is None and disabled.replies[0].code == "forbidden"
