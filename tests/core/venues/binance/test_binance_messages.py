"""Binance frames: every documented example decodes to the documented values and TradeDash's messages."""

from __future__ import annotations

import json
from decimal import Decimal

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.core.venues.binance.binance_docs import ENVELOPE, ERROR_TABLE, example
from tradedash.core import wire
from tradedash.core.venues.binance import messages as m

MS = 1_000_000


def combined(stream: str, payload: str) -> str:
    """A payload wrapped as the page's combined-stream template says."""
    return ENVELOPE.replace("<streamName>", stream).replace("<rawPayload>", payload)


# --- Streams ----------------------------------------------------------------------------------


@pytest.mark.parametrize("wrapped", [False, True], ids=["raw", "combined"])
def test_trade(wrapped):
    frame = combined("bnbbtc@trade", example("trade")) if wrapped else example("trade")
    stream, event = m.decode_event(frame)
    assert stream == ("bnbbtc@trade" if wrapped else None)
    assert event == m.TradeEvent(1672515782136, "BNBBTC", 12345, 0.001, 100.0, 1672515782136, True, True)
    # The buyer was the maker, so the seller took the order: the aggressor sold.
    assert m.decode_frame(frame) == wire.Trade("BNBBTC", 12345, 1672515782136 * MS, 12345, 0.001, 100.0, "sell")


@pytest.mark.parametrize("wrapped", [False, True], ids=["raw", "combined"])
def test_agg_trade(wrapped):
    frame = combined("bnbbtc@aggTrade", example("aggTrade")) if wrapped else example("aggTrade")
    _, event = m.decode_event(frame)
    assert event == m.AggTradeEvent(1672515782136, "BNBBTC", 12345, 0.001, 100.0, 100, 105, 1672515782136, True, True)
    assert m.decode_frame(frame) == wire.Trade("BNBBTC", 12345, 1672515782136 * MS, 12345, 0.001, 100.0, "sell")


def test_a_taker_buy_is_a_buy():
    frame = example("trade").replace('"m": true', '"m": false')
    assert m.decode_frame(frame).side == "buy"


@pytest.mark.parametrize("wrapped", [False, True], ids=["raw", "combined"])
def test_kline_of_a_tradedash_interval_is_a_candle(wrapped):
    frame = combined("bnbbtc@kline_1m", example("kline")) if wrapped else example("kline")
    _, event = m.decode_event(frame)
    assert event.kline == m.Kline(
        1672515780000, 1672515839999, "BNBBTC", "1m", 100, 200, 0.0010, 0.0020, 0.0025, 0.0015, 1000.0, 100, False,
        1.0, 500.0, 0.5, "123456",
    )
    assert m.decode_frame(frame) == wire.Candle(
        "BNBBTC", 1672515782136, 1672515782136 * MS, "1m", 1672515780000 * MS, 0.0010, 0.0025, 0.0015, 0.0020, 1000.0,
        False,
    )


def test_kline_of_another_interval_has_no_tradedash_message():
    frame = combined("bnbbtc@kline_3m", example("kline").replace('"1m"', '"3m"'))
    event = m.decode_frame(frame)
    assert isinstance(event, m.KlineEvent) and event.kline.interval == "3m"


def test_mini_ticker_is_decoded_but_is_not_a_tradedash_ticker():
    for frame in (example("miniTicker"), combined("bnbbtc@miniTicker", example("miniTicker"))):
        assert m.decode_frame(frame) == m.MiniTickerEvent(
            1672515782136, "BNBBTC", 0.0025, 0.0010, 0.0025, 0.0010, 10000.0, 18.0
        )


@pytest.mark.parametrize("wrapped", [False, True], ids=["raw", "combined"])
def test_24h_ticker(wrapped):
    frame = combined("bnbbtc@ticker", example("ticker")) if wrapped else example("ticker")
    _, event = m.decode_event(frame)
    assert (event.price_change, event.price_change_percent, event.weighted_average, event.first_trade_price) == (
        0.0015, 250.0, 0.0018, 0.0009)
    assert (event.open_time, event.close_time, event.first_trade_id, event.last_trade_id, event.trades) == (
        0, 86400000, 0, 18150, 18151)
    assert m.decode_frame(frame) == wire.Ticker(
        "BNBBTC", 1672515782136, 1672515782136 * MS, bid=0.0024, bid_size=10.0, ask=0.0026, ask_size=100.0,
        last=0.0025, open_24h=0.0010, high_24h=0.0025, low_24h=0.0010, volume_24h=10000.0, change_24h=0.0015,
    )


def test_book_ticker_has_no_event_type_and_is_read_from_its_stream_name():
    frame = combined("bnbusdt@bookTicker", example("bookTicker"))
    assert m.decode_frame(frame) == m.BookTickerEvent(400900217, "BNBUSDT", 25.3519, 31.21, 25.3652, 40.66)
    with pytest.raises(m.BinanceError):  # raw, nothing says what it is
        m.decode_event(example("bookTicker"))


@pytest.mark.parametrize("stream", ["bnbbtc@depth5", "bnbbtc@depth10@100ms", "bnbbtc@depth20"])
def test_partial_depth_is_a_snapshot_named_by_its_stream(stream):
    frame = combined(stream, example("partial depth"))
    assert m.decode_event(frame) == (stream, m.DepthSnapshot(160, [(0.0024, 10.0)], [(0.0026, 100.0)]))
    assert m.decode_frame(frame) == wire.Book("BNBBTC", 160, 0, "snapshot", [(0.0024, 10.0)], [(0.0026, 100.0)])


@pytest.mark.parametrize("stream", [None, "bnbbtc@depth", "bnbbtc@depth@100ms"])
def test_diff_depth_goes_to_the_book_sync_unnormalized(stream):
    frame = combined(stream, example("depthUpdate")) if stream else example("depthUpdate")
    event = m.decode_frame(frame)
    assert event == m.DepthUpdate(1672515782136, "BNBBTC", 157, 160, [(0.0024, 10.0)], [(0.0026, 100.0)])
    assert "pu" not in {f.encode_name for f in msgspec.structs.fields(m.DepthUpdate)}  # Spot has none (futures do)


#: Each documented event that names its type (``e``), and the streams that carry it.
CARRIED_BY = {
    "trade": ["bnbbtc@trade"],
    "aggTrade": ["bnbbtc@aggTrade"],
    "kline": ["bnbbtc@kline_1m"],
    "miniTicker": ["bnbbtc@miniTicker"],
    "ticker": ["bnbbtc@ticker"],
    "depthUpdate": ["bnbbtc@depth", "bnbbtc@depth@100ms"],
    "serverShutdown raw": ["!serverShutdown"],
}
STREAMS = [stream for streams in CARRIED_BY.values() for stream in streams] + [
    "bnbbtc@ticker_1h", "bnbbtc@avgPrice", "bnbbtc@bookTicker", "bnbbtc@depth5", "bnbbtc@kline_3m"]


@pytest.mark.parametrize("name", CARRIED_BY)
@pytest.mark.parametrize("stream", STREAMS)
def test_a_combined_frame_is_its_payload_when_its_stream_carries_that_event(name, stream):
    """Envelope and payload are read in one pass: the payload comes out exactly as it does on its own,
    and only on a stream that carries that event (a kline stream of another interval carries klines too)."""
    frame = combined(stream, example(name))
    if stream in CARRIED_BY[name] or (name == "kline" and "@kline_" in stream):
        assert m.decode_event(frame) == (stream, m.decode_event(example(name))[1])
    else:
        with pytest.raises(m.BinanceError):
            m.decode_event(frame)


def test_the_envelope_may_name_its_stream_after_its_data():
    frame = '{"data": %s, "stream": "bnbbtc@trade"}' % example("trade")
    assert m.decode_event(frame) == ("bnbbtc@trade", m.decode_event(example("trade"))[1])


def test_an_unknown_stream_is_refused_every_time():
    frame = combined("bnbbtc@nonsense", example("trade"))
    for _ in range(2):  # stream names are looked up once; a refusal is not remembered as an answer
        with pytest.raises(m.BinanceError, match="unknown stream"):
            m.decode_event(frame)


@pytest.mark.parametrize("name", ["serverShutdown raw", "serverShutdown combined"])
def test_server_shutdown(name):
    assert m.decode_frame(example(name)) == wire.Shutdown(1770123456789 * MS, "serverShutdown")


# --- Live subscribing --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "reply"),
    [
        ("subscribe response", m.Reply(None, 1)),
        ("unsubscribe response", m.Reply(None, 312)),
        ("list response", m.Reply(["btcusdt@aggTrade"], 3)),
        ("set property response", m.Reply(None, 5)),
        ("get property response", m.Reply(True, 2)),
    ],
)
def test_replies(name, reply):
    assert m.decode_event(example(name)) == (None, reply)
    assert m.decode_frame(example(name)) == reply


@pytest.mark.parametrize(
    ("name", "request_"),
    [
        ("subscribe request", m.StreamRequest("SUBSCRIBE", ["btcusdt@aggTrade", "btcusdt@depth"], 1)),
        ("unsubscribe request", m.StreamRequest("UNSUBSCRIBE", ["btcusdt@depth"], 312)),
        ("list request", m.StreamRequest("LIST_SUBSCRIPTIONS", None, 3)),
        ("set property request", m.StreamRequest("SET_PROPERTY", ["combined", True], 5)),
        ("get property request", m.StreamRequest("GET_PROPERTY", ["combined"], 2)),
    ],
)
def test_requests_decode_and_encode_as_documented(name, request_):
    assert m.decode_request(example(name)) == request_
    assert json.loads(m.encode_request(request_)) == json.loads(example(name))


def test_a_request_binance_would_refuse_is_refused():
    for frame in ('{"method": "SUBSCRIBE", "params": ["a"], "id": 1, "extra": 1}', '{"method": "PING", "id": 1}',
                  '{"params": []}', "[", "[" * 100_000):
        with pytest.raises(m.BinanceError):
            m.decode_request(frame)


@pytest.mark.parametrize("body", ERROR_TABLE)
def test_every_documented_error_is_an_error_reply(body):
    frame = body.replace("%s", "7")
    error = json.loads(frame)
    expected = m.ErrorReply(m.ErrorBody(error["code"], error["msg"]), error.get("id"))
    assert m.decode_frame(frame) == expected
    # The same error as a stream server sends it to a request: wrapped, with the request's id.
    wrapped = json.dumps({"error": {"code": error["code"], "msg": error["msg"]}, "id": 9})
    assert m.decode_frame(wrapped) == m.ErrorReply(expected.error, 9)


# --- REST ------------------------------------------------------------------------------------


def test_rest_depth():
    assert m.decode_depth(example("rest depth")) == m.DepthSnapshot(1027024, [(4.0, 431.0)], [(4.000002, 12.0)])


def test_rest_error_body_comes_back_instead_of_the_body():
    for decode in (m.decode_depth, m.decode_exchange_info, m.decode_klines):
        assert decode(example("rest error")) == m.ErrorBody(-1121, "Invalid symbol.")
        with pytest.raises(m.BinanceError):
            decode('{"neither": 1}')
        with pytest.raises(m.BinanceError):
            decode("[" * 100_000)


def test_rest_klines_become_candles():
    rows = m.decode_klines(example("rest klines"))
    assert rows == [(1499040000000, 0.0163479, 0.8, 0.015758, 0.015771, 148976.11427815, 1499644799999,
                     2434.19055334, 308, 1756.87402397, 28.46694368, "0")]
    closed, = m.candles_of_klines("BNBBTC", "1h", rows, now_ms=1499644800000)
    assert closed == wire.Candle("BNBBTC", 1499644800000, 1499644800000 * MS, "1h", 1499040000000 * MS,
                                 0.0163479, 0.8, 0.015758, 0.015771, 148976.11427815, True)
    still_open, = m.candles_of_klines("BNBBTC", "1h", rows, now_ms=1499644799999)
    assert not still_open.closed


# --- Numbers ---------------------------------------------------------------------------------

decimal_texts = st.decimals(min_value=0, max_value=10**7, places=8, allow_nan=False, allow_infinity=False).map(
    lambda d: f"{d:.8f}")


@settings(max_examples=300, deadline=None)
@given(prices=st.lists(st.tuples(decimal_texts, decimal_texts), max_size=20), trailing=st.integers(0, 4))
def test_decimal_strings_are_parsed_once_to_the_float_python_gives(prices, trailing):
    """Exact and deterministic: the same text is the same key, "0.0010" and "0.001" the same price."""
    update = json.loads(example("depthUpdate"))
    update["b"] = [[p + "0" * trailing, q] for p, q in prices]
    event = m.decode_frame(json.dumps(update))
    assert event.bids == [(float(p), float(q)) for p, q in prices]
    # Distinct prices with 8 decimals stay distinct keys.
    assert len({price for price, _ in event.bids}) == len({Decimal(p) for p, _ in prices})


@pytest.mark.parametrize("bad", ['"nan"', '"inf"', '"-Infinity"', '"-1"', '"1e400"', '"0x10"', '" 1"', "true"])
def test_non_finite_negative_or_odd_amounts_are_refused(bad):
    update = example("depthUpdate").replace('"0.0024"', bad)
    with pytest.raises(m.BinanceError):
        m.decode_frame(update)


# --- Nothing but BinanceError -----------------------------------------------------------------


@pytest.mark.parametrize(
    "frame",
    [
        b"", b"\xff\xfe", "null", "[]", "42", '"text"', "{}", '{"id": 1}', '{"stream": "bnbbtc@trade"}',
        combined("bnbbtc@avgPrice", "{}"), combined("bnbbtc@trade", example("ticker")),
        combined("bnbbtc@trade", "[" * 100_000 + "]" * 100_000), "[" * 100_000 + "]" * 100_000,
        '{"e": "unknown", "E": 1}', '{"e": "trade"}', '{"result": {"a": 1}, "id": 1}',
    ],
)
def test_frames_that_are_not_binance_raise_binance_error_only(frame):
    with pytest.raises(m.BinanceError):
        m.decode_frame(frame)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=4),
    max_leaves=20,
)
keys = st.sampled_from(["e", "E", "s", "t", "p", "q", "T", "m", "U", "u", "b", "a", "k", "result", "id", "error",
                        "code", "msg", "stream", "data", "lastUpdateId", "bids", "asks"])
objects = st.dictionaries(keys, json_values | st.sampled_from(["trade", "depthUpdate", "bnbbtc@depth", "0.1"]))


@settings(max_examples=500, deadline=None)
@given(st.one_of(objects, st.builds(lambda s, d: {"stream": s, "data": d}, st.sampled_from(
    ["bnbbtc@trade", "bnbbtc@depth5", "bnbbtc@kline_1m", "x", "!serverShutdown", "a@bookTicker"]), objects),
    json_values))
def test_any_json_decodes_or_raises_binance_error(value):
    try:
        m.decode_frame(json.dumps(value))
    except m.BinanceError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64))
def test_any_bytes_decode_or_raise_binance_error(frame):
    try:
        m.decode_frame(frame)
    except m.BinanceError:
        pass


# --- Any value Binance may write comes back as TradeDash's message --------------------------------

amounts = st.decimals(min_value=0, max_value=10**6, places=8, allow_nan=False, allow_infinity=False)
ms = st.integers(0, 2**42)
ids = st.integers(0, 2**53)
symbols = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=2, max_size=10)


def _text(d: Decimal) -> str:
    return f"{d:.8f}"  # as Binance writes them: "25.35190000"


@settings(max_examples=200, deadline=None)
@given(symbol=symbols, trade_id=ids, price=amounts, qty=amounts, time=ms, maker=st.booleans(), agg=st.booleans())
def test_any_trade_round_trips(symbol, trade_id, price, qty, time, maker, agg):
    kind = "aggTrade" if agg else "trade"
    data = {"e": kind, "E": time, "s": symbol, ("a" if agg else "t"): trade_id, "p": _text(price), "q": _text(qty),
            "T": time, "m": maker, "M": True}
    if agg:
        data |= {"f": trade_id, "l": trade_id}
    frame = json.dumps({"stream": f"{symbol.lower()}@{kind}", "data": data})
    assert m.decode_frame(frame) == wire.Trade(symbol, trade_id, time * MS, trade_id, float(_text(price)),
                                               float(_text(qty)), "sell" if maker else "buy")


@settings(max_examples=200, deadline=None)
@given(symbol=symbols, time=ms, values=st.lists(amounts, min_size=12, max_size=12),
       change=st.decimals(min_value=-10**6, max_value=10**6, places=8))
def test_any_ticker_round_trips(symbol, time, values, change):
    b, B, a, A, c, o, h, l, v, q, w, x = map(_text, values)
    data = {"e": "24hrTicker", "E": time, "s": symbol, "p": _text(change), "P": "1.00", "w": w, "x": x, "c": c,
            "Q": "1", "b": b, "B": B, "a": a, "A": A, "o": o, "h": h, "l": l, "v": v, "q": q, "O": 0, "C": time,
            "F": 0, "L": 1, "n": 2}
    frame = json.dumps({"stream": f"{symbol.lower()}@ticker", "data": data})
    assert m.decode_frame(frame) == wire.Ticker(symbol, time, time * MS, *map(float, (b, B, a, A, c, o, h, l, v)),
                                                float(_text(change)))


@settings(max_examples=200, deadline=None)
@given(symbol=symbols, time=ms, interval=st.sampled_from(wire.CANDLE_INTERVALS), values=st.lists(amounts, min_size=5,
       max_size=5), closed=st.booleans())
def test_any_kline_of_a_tradedash_interval_round_trips(symbol, time, interval, values, closed):
    o, h, l, c, v = map(_text, values)
    k = {"t": time, "T": time + 999, "s": symbol, "i": interval, "f": 1, "L": 2, "o": o, "c": c, "h": h, "l": l,
         "v": v, "n": 2, "x": closed, "q": "0", "V": "0", "Q": "0", "B": "0"}
    frame = json.dumps({"stream": f"{symbol.lower()}@kline_{interval}", "data": {"e": "kline", "E": time, "s": symbol,
                                                                                  "k": k}})
    assert m.decode_frame(frame) == wire.Candle(symbol, time, time * MS, interval, time * MS,
                                                *map(float, (o, h, l, c, v)), closed)
