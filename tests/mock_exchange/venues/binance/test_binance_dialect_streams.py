"""The mock's Binance streams, read by a plain websockets client and the dashboard's Binance decoder."""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tradedash.core.venues.binance import messages as m

from tests.mock_exchange.venues.binance.helpers import next_event, reply_to, ws_base

#: Every kind the mock serves, and the event type the dashboard's decoder makes of it.
KINDS = {
    "trade": m.TradeEvent,
    "aggTrade": m.AggTradeEvent,
    "bookTicker": m.BookTickerEvent,
    "ticker": m.TickerEvent,
    "miniTicker": m.MiniTickerEvent,
    "kline_1s": m.KlineEvent,
    "kline_1m": m.KlineEvent,
    "kline_1w": m.KlineEvent,
    "kline_1M": m.KlineEvent,
    "depth": m.DepthUpdate,
    "depth@100ms": m.DepthUpdate,
    "depth5": m.DepthSnapshot,
    "depth10@100ms": m.DepthSnapshot,
    "depth20": m.DepthSnapshot,
    "depth@1000ms": m.DepthUpdate,
    "depth5@1000ms": m.DepthSnapshot,
    "ticker_1h": m.HourTickerEvent,
    "ticker_4h": m.FourHourTickerEvent,
    "ticker_1d": m.DayTickerEvent,
    "avgPrice": m.AvgPriceEvent,
}
#: Fields written as decimal strings, by event type (Binance's "string-encoded numbers").
STRING_FIELDS = {
    "trade": ("p", "q"), "aggTrade": ("p", "q"), "24hrTicker": ("p", "P", "w", "x", "c", "Q", "b", "B", "a", "A", "o", "h", "l", "v", "q"),
    "24hrMiniTicker": ("c", "o", "h", "l", "v", "q"), "depthUpdate": (),
    "1hTicker": ("p", "P", "o", "h", "l", "c", "w", "v", "q"), "avgPrice": ("w",),
}


async def test_combined_stream_serves_every_kind_in_binance_shapes(make_exchange):
    server = await make_exchange()
    streams = [f"btcusd@{kind}" for kind in KINDS]
    async with connect(f"{ws_base(server)}/stream?streams={'/'.join(streams)}") as ws:
        seen: dict[str, object] = {}
        while len(seen) < len(streams):
            frame = await asyncio.wait_for(ws.recv(), 5)
            raw = json.loads(frame)
            assert set(raw) == {"stream", "data"}
            stream, event = m.decode_event(frame)
            assert stream in streams
            assert isinstance(event, KINDS[stream.partition("@")[2]]), stream
            for name in STRING_FIELDS.get(raw["data"].get("e", ""), ()):
                assert isinstance(raw["data"][name], str), (stream, name)
            if isinstance(event, (m.DepthUpdate, m.DepthSnapshot)):
                data = raw["data"]
                levels = [*data.get("b", data.get("bids", [])), *data.get("a", data.get("asks", []))]
                assert levels and all(len(level) == 2 and all(isinstance(x, str) for x in level) for level in levels)
            seen[stream] = event
    assert seen["btcusd@trade"].symbol == "BTCUSD"
    kline = seen["btcusd@kline_1m"].kline
    assert kline.interval == "1m" and kline.close_time - kline.start_time == 59_999
    assert len(seen["btcusd@depth5"].bids) == 5 and len(seen["btcusd@depth20"].asks) == 20
    ticker = seen["btcusd@ticker"]
    assert ticker.bid < ticker.ask and ticker.close_time - ticker.open_time == 86_400_000


async def test_raw_stream_sends_payloads_without_the_envelope(make_exchange):
    server = await make_exchange()
    async with connect(f"{ws_base(server)}/ws/ethusd@trade") as ws:
        raw = json.loads(await asyncio.wait_for(ws.recv(), 3))
        assert raw["e"] == "trade" and raw["s"] == "ETHUSD"
        assert isinstance(raw["p"], str) and isinstance(raw["q"], str) and isinstance(raw["m"], bool)
        stream, event = m.decode_event(json.dumps(raw))
        assert stream is None and isinstance(event, m.TradeEvent)


async def test_raw_stream_of_several_streams_in_the_path(make_exchange):
    server = await make_exchange()
    async with connect(f"{ws_base(server)}/ws/btcusd@trade/ethusd@aggTrade") as ws:
        kinds = set()
        while kinds != {"trade", "aggTrade"}:
            kinds.add(json.loads(await asyncio.wait_for(ws.recv(), 3))["e"])


async def test_subscribe_list_unsubscribe_as_documented(make_exchange):
    server = await make_exchange()
    async with connect(f"{ws_base(server)}/ws") as ws:
        assert await reply_to(ws, {"method": "SUBSCRIBE", "params": ["btcusd@aggTrade", "btcusd@depth"], "id": 1}) == {"result": None, "id": 1}
        stream, event = await next_event(ws)
        assert stream is None and isinstance(event, (m.AggTradeEvent, m.DepthUpdate))
        listed = await reply_to(ws, {"method": "LIST_SUBSCRIPTIONS", "id": 3})
        assert listed == {"result": ["btcusd@aggTrade", "btcusd@depth"], "id": 3}
        assert await reply_to(ws, {"method": "UNSUBSCRIBE", "params": ["btcusd@depth", "btcusd@aggTrade"], "id": 312}) == {"result": None, "id": 312}
        assert await reply_to(ws, {"method": "LIST_SUBSCRIPTIONS", "id": 4}) == {"result": [], "id": 4}
        # Nothing but what was asked for comes after the unsubscribe's reply.
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(ws.recv(), 0.5)


async def test_set_property_combined_switches_to_the_envelope(make_exchange):
    server = await make_exchange()
    async with connect(f"{ws_base(server)}/ws/btcusd@trade") as ws:
        assert await reply_to(ws, {"method": "GET_PROPERTY", "params": ["combined"], "id": 2}) == {"result": False, "id": 2}
        assert await reply_to(ws, {"method": "SET_PROPERTY", "params": ["combined", True], "id": 5}) == {"result": None, "id": 5}
        assert await reply_to(ws, {"method": "GET_PROPERTY", "params": ["combined"], "id": 6}) == {"result": True, "id": 6}
        stream, event = await next_event(ws)
        assert stream == "btcusd@trade" and isinstance(event, m.TradeEvent)


@pytest.mark.parametrize(
    ("request_text", "code", "msg_start"),
    [
        ('{"method": "SUBSCRIBE", "params": ["btcusd@trade"', 3, "Invalid JSON"),
        ('{"params": [], "id": 1}', 2, "Invalid request: missing field `method`"),
        ('{"method": "SUBSCRIBED", "params": [], "id": 1}', 2, "Invalid request: unknown variant `SUBSCRIBED`"),
        ('{"method": "SUBSCRIBE", "params": ["btcusd@trades"], "id": 1}', 2, "Invalid request: invalid stream"),
        ('{"method": "SUBSCRIBE", "params": ["BTCUSD@trade"], "id": 1}', 2, "Invalid request: invalid stream"),
        ('{"method": "SUBSCRIBE", "params": [], "id": -1}', 2, "Invalid request: request ID must be an unsigned integer"),
        ('{"method": "SET_PROPERTY", "params": ["combined", "yes"], "id": 1}', 1, "Invalid value type: expected Boolean"),
        ('{"method": "SET_PROPERTY", "params": ["compact", true], "id": 1}', 0, "Unknown property"),
        ('{"method": "GET_PROPERTY", "params": [7], "id": 1}', 2, "Invalid request: property name must be a string"),
        ('{"method": "GET_PROPERTY", "params": ["combined", true], "id": 1}', 2, "Invalid request: too many parameters"),
    ],
)
async def test_documented_errors(make_exchange, request_text, code, msg_start):
    server = await make_exchange()
    async with connect(f"{ws_base(server)}/ws") as ws:
        reply = await reply_to(ws, request_text)
        error = m.decode_event(json.dumps(reply))[1]
        assert isinstance(error, m.ErrorReply)
        assert error.error.code == code and error.error.msg.startswith(msg_start)
        # The connection stays open and answers the next request.
        assert await reply_to(ws, {"method": "LIST_SUBSCRIPTIONS", "id": 9}) == {"result": [], "id": 9}


async def test_unlisted_symbol_is_accepted_and_carries_nothing(make_exchange):
    server = await make_exchange()
    async with connect(f"{ws_base(server)}/ws") as ws:
        assert await reply_to(ws, {"method": "SUBSCRIBE", "params": ["xyzusdt@trade"], "id": 1}) == {"result": None, "id": 1}
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(ws.recv(), 0.5)


async def test_stream_url_with_an_invalid_stream_is_refused(make_exchange):
    server = await make_exchange()
    with pytest.raises(InvalidStatus) as refused:
        async with connect(f"{ws_base(server)}/stream?streams=btcusd@trade/btcusd@nonsense"):
            pass
    assert refused.value.response.status_code == 400
    with pytest.raises(InvalidStatus) as missing:
        async with connect(f"{ws_base(server)}/elsewhere"):
            pass
    assert missing.value.response.status_code == 404
