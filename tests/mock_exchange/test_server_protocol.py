"""The mock exchange's protocol, spoken by a plain websockets client (not the app's code)."""

from __future__ import annotations

import asyncio
import json

from websockets.asyncio.client import connect


async def _reply(ws, request: dict | str) -> dict:
    """Send a request and return the first ack or error that answers it."""
    await ws.send(request if isinstance(request, str) else json.dumps(request))
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 2))
        if message["type"] in ("ack", "error"):
            return message


async def test_hello_then_subscribe_ack_and_data(exchange):
    async with connect(exchange.url) as ws:
        hello = json.loads(await ws.recv())
        assert hello["type"] == "hello" and hello["version"] == 1
        ack = await _reply(ws, {"op": "subscribe", "id": 1, "channels": ["ticker", "trades"], "symbols": ["BTC-USD"]})
        assert ack == {
            "type": "ack",
            "id": 1,
            "op": "subscribe",
            "subscriptions": [{"channel": "ticker", "symbol": "BTC-USD"}, {"channel": "trades", "symbol": "BTC-USD"}],
            "symbols": None,
        }
        seen: dict[str, list[int]] = {"ticker": [], "trades": []}
        while min(len(v) for v in seen.values()) < 5:
            message = json.loads(await asyncio.wait_for(ws.recv(), 2))
            if message["type"] in seen:
                assert message["symbol"] == "BTC-USD"
                seen[message["type"]].append(message["seq"])
        for seqs in seen.values():
            assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))


async def test_errors_keep_the_connection_open(exchange):
    async with connect(exchange.url) as ws:
        await ws.recv()
        assert (await _reply(ws, "{not json"))["code"] == "malformed"
        error = await _reply(ws, {"op": "fly", "id": 7})
        assert (error["id"], error["code"]) == (7, "unknown_op")
        error = await _reply(ws, {"op": "subscribe", "id": 8, "channels": ["ticker"], "symbols": ["NOPE-USD"]})
        assert (error["id"], error["code"]) == (8, "unknown_symbol")
        error = await _reply(ws, {"op": "subscribe", "id": 9, "channels": ["gossip"], "symbols": ["BTC-USD"]})
        assert (error["id"], error["code"]) == (9, "unknown_channel")
        error = await _reply(ws, {"op": "subscribe", "id": "ten", "channels": ["ticker"], "symbols": ["BTC-USD"]})
        assert (error["id"], error["code"]) == (None, "bad_request")
        ack = await _reply(ws, {"op": "list", "id": 11})
        assert ack["subscriptions"] == []


async def test_unsubscribe_stops_the_stream_and_list_reflects_it(exchange):
    async with connect(exchange.url) as ws:
        await ws.recv()
        await _reply(ws, {"op": "subscribe", "id": 1, "channels": ["ticker"], "symbols": ["BTC-USD", "ETH-USD"]})
        ack = await _reply(ws, {"op": "unsubscribe", "id": 2, "channels": ["ticker"], "symbols": ["BTC-USD"]})
        assert ack["subscriptions"] == [{"channel": "ticker", "symbol": "ETH-USD"}]
        assert (await _reply(ws, {"op": "list", "id": 3}))["subscriptions"] == ack["subscriptions"]
        symbols = []
        while len(symbols) < 20:
            message = json.loads(await asyncio.wait_for(ws.recv(), 2))
            if message["type"] == "ticker":
                symbols.append(message["symbol"])
        # Frames already queued before the unsubscribe may still carry BTC; the tail must not.
        assert set(symbols[-10:]) == {"ETH-USD"}


async def test_symbols_lists_tick_sizes_and_heartbeats_arrive_unsubscribed(exchange):
    async with connect(exchange.url) as ws:
        await ws.recv()
        ack = await _reply(ws, {"op": "symbols", "id": 4})
        assert [s["symbol"] for s in ack["symbols"]] == ["BTC-USD", "ETH-USD", "SOL-USD"]
        assert all(s["tick_size"] > 0 and s["lot_size"] > 0 for s in ack["symbols"])
        beats = []
        while len(beats) < 2:
            message = json.loads(await asyncio.wait_for(ws.recv(), 2))
            if message["type"] == "heartbeat":
                beats.append(message["seq"])
        assert beats[1] == beats[0] + 1


async def test_symbols_take_turns_instead_of_stepping_at_the_same_instant(make_exchange):
    exchange = await make_exchange(rate=10.0, symbols=["BTC-USD", "ETH-USD", "SOL-USD"])
    async with connect(exchange.url) as ws:
        await ws.recv()
        await _reply(ws, {"op": "subscribe", "id": 1, "channels": ["ticker"], "symbols": ["BTC-USD", "ETH-USD", "SOL-USD"]})
        stamps: list[tuple[str, int]] = []
        while len(stamps) < 12:
            message = json.loads(await asyncio.wait_for(ws.recv(), 2))
            if message["type"] == "ticker":
                stamps.append((message["symbol"], message["ts"]))
    symbols = [symbol for symbol, _ in stamps]
    assert all(symbols[i] != symbols[i + 1] for i in range(len(symbols) - 1))  # round robin
    gaps_ms = [(b - a) / 1e6 for (_, a), (_, b) in zip(stamps, stamps[1:])]
    assert sorted(gaps_ms)[len(gaps_ms) // 2] > 10  # a third of the 100 ms period apart, not all at once


async def test_every_connection_gets_heartbeats_with_consecutive_seq(make_exchange):
    exchange = await make_exchange(heartbeat_interval=0.1)
    connections = [await connect(exchange.url) for _ in range(12)]
    try:
        for ws in connections:
            beats: list[int] = []
            while len(beats) < 3:
                message = json.loads(await asyncio.wait_for(ws.recv(), 2))
                if message["type"] == "heartbeat":
                    beats.append(message["seq"])
            assert beats == list(range(beats[0], beats[0] + 3))
    finally:
        for ws in connections:
            await ws.close()
