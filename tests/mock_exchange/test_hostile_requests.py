"""Whatever a client sends, the exchange answers with an error (or the documented close) and never crashes."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import connect

from mock_exchange.market import DEFAULT_SPECS, Market
from mock_exchange.server.session import RequestSession
from tests.mock_exchange.raw_client import recv_json, request

NASTY = [
    "", "null", "[]", "[1, 2]", '"subscribe"', "1e999", '{"op": null}', '{"op": "subscribe"}',
    '{"op": "subscribe", "id": 1, "channels": "ticker", "symbols": ["BTC-USD"]}',
    '{"op": "subscribe", "id": 1, "channels": [], "symbols": []}',
    '{"op": "list", "id": 1, "extra": true}', '{"op": "admin", "id": 1}', '{"id": 1}',
    '{"op": "snapshot", "id": 1, "channel": "book"}', "[" * 1000 + "]" * 1000, '{"op": "list", "id": 1.5}',
]


async def test_nasty_requests_get_errors_and_the_connection_stays(make_exchange):
    exchange = await make_exchange(max_requests_per_second=0)
    async with connect(exchange.url) as ws:
        await recv_json(ws)
        for frame in NASTY:
            reply = await request(ws, frame)
            assert reply["type"] == "error", frame
            assert reply["code"] in {"malformed", "bad_request", "unknown_op"}
        await ws.send(b'{"op": "list", "id": 5}')  # a binary frame is read the same way
        assert (await recv_json(ws))["type"] == "ack"
    assert exchange.connection_count in (0, 1)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(["op", "id", "channels", "symbols", "depth", "channel", "symbol", "token", "fault", "args", "x"]), children, max_size=6),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(value=json_values)
def test_any_json_gets_exactly_one_typed_reply(value):
    session = RequestSession(Market(DEFAULT_SPECS.values(), seed=1), max_subscriptions=500, admin_token="a")
    answer = session.receive_request(json.dumps(value).encode(), ts=0)
    assert 1 <= len(answer.replies) and type(answer.replies[0]).__name__ in ("Ack", "Error")
