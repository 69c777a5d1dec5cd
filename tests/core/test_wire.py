"""The protocol v1 codec: every message round-trips; anything else is one WireError."""

from __future__ import annotations

import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradedash.core import wire

SERVER_MESSAGES = [
    wire.Hello(1, "test", 1.0),
    wire.Ack(3, "symbols", symbols=[wire.SymbolInfo("BTC-USD", 0.01, 0.0001)]),
    wire.Ack(1, "subscribe", subscriptions=[wire.Subscription("ticker", "BTC-USD")]),
    wire.Error(None, "malformed", "frame is not valid JSON"),
    wire.Ticker("BTC-USD", 1, 2, 1.0, 2.0, 1.5, 3.0, 1.25, 1.0, 2.0, 0.5, 10.0, 0.25),
    wire.Trade("ETH-USD", 5, 6, 7, 3200.5, 0.25, "sell"),
    wire.Book("BTC-USD", 9, 10, "update", [(1.0, 0.0)], [(2.0, 3.5)], prev_seq=8, checksum=123),
    wire.Candle("SOL-USD", 1, 2, "1m", 0, 1.0, 2.0, 0.5, 1.5, 100.0, False),
    wire.Heartbeat(4, 5),
    wire.Shutdown(6, "maintenance"),
]

REQUESTS = [
    wire.Subscribe(1, ["ticker", "book"], ["BTC-USD"], depth=20),
    wire.Unsubscribe(2, ["trades"], ["ETH-USD"]),
    wire.ListSubscriptions(3),
    wire.ListSymbols(4),
    wire.SnapshotRequest(5, "book", "BTC-USD"),
]


@pytest.mark.parametrize("message", SERVER_MESSAGES, ids=lambda m: type(m).__name__)
def test_server_message_round_trips(message):
    assert wire.decode_server_frame(wire.encode(message)) == [message]


def test_batched_frame_decodes_in_order():
    batch = [m for m in SERVER_MESSAGES if isinstance(m, (wire.Ticker, wire.Trade, wire.Book, wire.Candle))]
    assert wire.decode_server_frame(wire.encode(batch)) == batch


@pytest.mark.parametrize("request_", REQUESTS, ids=lambda m: type(m).__name__)
def test_request_round_trips(request_):
    assert wire.decode_request(wire.encode(request_)) == request_


def test_type_tag_is_the_channel_name():
    assert b'"type":"trades"' in wire.encode(SERVER_MESSAGES[5])
    assert b'"op":"subscribe"' in wire.encode(REQUESTS[0])


@pytest.mark.parametrize(
    "frame",
    [
        b"not json",
        b'{"type":"ticker","symbol":"BTC-USD"}',
        b'{"type":"bogus"}',
        b'{"type":"trades","symbol":"X","seq":"1","ts":2,"trade_id":1,"price":1,"size":1,"side":"buy"}',
        b'{"type":"trades","symbol":"X","seq":1,"ts":2,"trade_id":1,"price":1,"size":1,"side":"up"}',
        b"[1, 2]",
        b"\xff\xfe",
    ],
)
def test_invalid_server_frames_raise_wire_error(frame):
    with pytest.raises(wire.WireError):
        wire.decode_server_frame(frame)


def test_request_with_unknown_field_is_refused():
    with pytest.raises(wire.WireError):
        wire.decode_request(b'{"op":"list","id":1,"extra":true}')


@given(st.binary(max_size=200) | st.text(max_size=200))
def test_decoding_arbitrary_input_raises_only_wire_error(frame):
    try:
        wire.decode_server_frame(frame)
    except wire.WireError:
        pass


def test_book_checksum_changes_with_any_top_level_and_ignores_deeper_ones():
    bids = [(100.0 - i, 1.0) for i in range(12)]
    asks = [(101.0 + i, 2.0) for i in range(12)]
    base = wire.book_checksum(bids, asks)
    assert wire.book_checksum(bids[:1] + [(99.0, 1.5)] + bids[2:], asks) != base
    assert wire.book_checksum(bids[:11] + [(50.0, 9.0)], asks) == base


@given(
    st.lists(st.tuples(st.floats(allow_nan=False), st.floats(allow_nan=False)), max_size=14),
    st.lists(st.tuples(st.floats(allow_nan=False), st.floats(allow_nan=False)), max_size=14),
)
def test_checksum_of_level_texts_is_the_book_checksum(bids, asks):
    """The fast form a book uses (texts kept per level) equals the documented definition."""
    parts = []
    for i in range(10):
        for side in (bids, asks):
            if i < len(side):
                parts += [repr(float(side[i][0])), repr(float(side[i][1]))]
    expected = zlib.crc32(":".join(parts).encode())
    assert wire.book_checksum(bids, asks) == expected
    texts = [wire.level_text(p, s) for p, s in bids], [wire.level_text(p, s) for p, s in asks]
    assert wire.checksum_of_texts(*texts) == expected


def test_subscription_changes_are_grouped_into_few_requests():
    subscriptions = set(wire.subscriptions_of(("ticker", "trades", "book"), ("BTC-USD", "ETH-USD")))
    subscriptions.add(wire.Subscription("candles:1m", "BTC-USD"))
    groups = wire.group_subscriptions(subscriptions)
    assert groups == [(["book", "ticker", "trades"], ["BTC-USD", "ETH-USD"]), (["candles:1m"], ["BTC-USD"])]
    covered = {s for channels, symbols in groups for s in wire.subscriptions_of(channels, symbols)}
    assert covered == subscriptions


def test_channel_of_names_the_subscription_channel_of_every_market_message():
    candle = wire.Candle("BTC-USD", 1, 0, "5m", 0, 1.0, 1.0, 1.0, 1.0, 0.0, False)
    trade = wire.Trade("BTC-USD", 1, 0, 7, 1.0, 1.0, "buy")
    assert wire.channel_of(candle) == "candles:5m" and wire.channel_of(trade) == "trades"
    assert all(wire.channel_of(m) in wire.CHANNELS for m in (candle, trade))
    assert list(wire.INTERVAL_NS) == list(wire.CANDLE_INTERVALS)


@pytest.mark.parametrize("decode", [wire.decode_server_frame, wire.decode_request], ids=["server-frame", "request"])
def test_a_frame_nested_too_deep_is_a_wire_error(decode):
    deep = b'{"x": ' + b"[" * 100_000 + b"]" * 100_000 + b', "type": "ticker", "op": "list"}'  # skipped while the tag is sought
    with pytest.raises(wire.WireError, match="recursion|nested too deep"):
        decode(deep)
