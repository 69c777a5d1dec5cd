"""Replay of a recording (INTERFACES.md format) through the exchange's channels, paced by the recorded times."""

from __future__ import annotations

import asyncio
import json

from websockets.asyncio.client import connect

from tests.mock_exchange.raw_client import recv_json, recv_until, request
from tradedash.core.wire import book_checksum

T0 = 1_764_061_200_000_000_000
BIDS, ASKS = [[100.0, 1.0], [99.0, 2.0]], [[101.0, 1.5]]


def _recording(tmp_path) -> str:
    lines = [
        {"ts": T0, "frame": {"type": "hello", "version": 1, "server": "x", "heartbeat_interval": 1.0}},
        {"ts": T0 + 10**8, "frame": {"type": "book", "symbol": "FOO-USD", "seq": 7, "ts": T0, "kind": "snapshot", "bids": BIDS, "asks": ASKS, "prev_seq": None, "checksum": book_checksum(BIDS, ASKS)}},
        {"ts": T0 + 2 * 10**8, "frame": {"type": "heartbeat", "seq": 1, "ts": T0}},
        {"ts": T0 + 3 * 10**8, "frame": [
            {"type": "trades", "symbol": "FOO-USD", "seq": 1, "ts": T0, "trade_id": 1, "price": 101.0, "size": 0.5, "side": "buy"},
            {"type": "trades", "symbol": "FOO-USD", "seq": 2, "ts": T0, "trade_id": 2, "price": 100.0, "size": 0.25, "side": "sell"},
        ]},
        "this line is not JSON",
        {"ts": T0 + 4 * 10**8, "frame": {"type": "book", "symbol": "FOO-USD", "seq": 8, "ts": T0, "kind": "update", "bids": [[99.0, 0.0]], "asks": [], "prev_seq": 7, "checksum": book_checksum(BIDS[:1], ASKS)}},
        {"ts": T0 + 6 * 10**8, "frame": {"type": "candles", "symbol": "BAR-USD", "seq": 1, "ts": T0, "interval": "1m", "start": T0, "open": 1.0, "high": 2.0, "low": 0.5, "close": 1.5, "volume": 3.0, "closed": True}},
    ]
    path = tmp_path / "session.jsonl"
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    return str(path)


async def test_replay_streams_recorded_messages_at_speed_through_the_channels(make_exchange, tmp_path):
    exchange = await make_exchange(replay=_recording(tmp_path), speed=2.0)
    async with connect(exchange.url) as ws:
        await recv_json(ws)
        ack = await request(ws, {"op": "symbols", "id": 1})
        assert [s["symbol"] for s in ack["symbols"]] == ["FOO-USD", "BAR-USD"]
        loop = asyncio.get_running_loop()
        await request(ws, {"op": "subscribe", "id": 2, "channels": ["book", "trades", "candles:1m"], "symbols": ["FOO-USD", "BAR-USD"]})
        started = loop.time()
        got = []
        while not got or got[-1]["type"] != "candles":
            got.append(await recv_until(ws, lambda m: m["type"] in ("book", "trades", "candles")))
        # The (empty) books sent on subscribe come first, then the recording in order, without the hello.
        assert [(m["type"], m["seq"]) for m in got] == [
            ("book", 0), ("book", 0), ("book", 7), ("trades", 1), ("trades", 2), ("book", 8), ("candles", 1)
        ]
        assert got[-1]["symbol"] == "BAR-USD" and got[-1]["closed"]
        assert loop.time() - started >= 0.2  # 0.5 s recorded between first and last line, at 2x
        await request(ws, {"op": "snapshot", "id": 3, "channel": "book", "symbol": "FOO-USD"})
        snapshot = await recv_until(ws, lambda m: m["type"] == "book")
        assert (snapshot["seq"], snapshot["bids"], snapshot["asks"]) == (8, BIDS[:1], ASKS)


async def test_skip_book_seq_applies_to_replayed_updates(make_exchange, tmp_path):
    exchange = await make_exchange(replay=_recording(tmp_path), speed=4.0)
    await exchange.faults.skip_book_seq("FOO-USD")
    async with connect(exchange.url) as ws:
        await recv_json(ws)
        await request(ws, {"op": "subscribe", "id": 1, "channels": ["book", "candles:1m"], "symbols": ["FOO-USD", "BAR-USD"]})
        got = []
        while not got or got[-1]["type"] != "candles":
            got.append(await recv_until(ws, lambda m: m["type"] in ("book", "candles")))
        assert [(m["type"], m["seq"]) for m in got] == [("book", 0), ("book", 0), ("book", 7), ("candles", 1)]
        assert exchange.counters.book_updates_skipped == 1
