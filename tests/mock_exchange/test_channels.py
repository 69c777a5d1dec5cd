"""Book, candles, ticker, snapshot op, depth and batching, against a running exchange, read with plain websockets."""

from __future__ import annotations

import asyncio
import json
import time

from websockets.asyncio.client import connect

from tests.mock_exchange.raw_client import recv_json, recv_until, request
from tradedash.core.wire import book_checksum


def _apply(book: dict[str, dict[float, float]], message: dict) -> None:
    if message["kind"] == "snapshot":
        book["bids"], book["asks"] = {}, {}
    for side in ("bids", "asks"):
        for price, size in message[side]:
            if size == 0:
                book[side].pop(price, None)
            else:
                book[side][price] = size


def _levels(book: dict[str, dict[float, float]]) -> tuple[list, list]:
    return sorted(book["bids"].items(), reverse=True), sorted(book["asks"].items())


async def test_book_snapshot_then_updates_chain_and_checksums_match(make_exchange):
    exchange = await make_exchange(rate=100.0)
    async with connect(exchange.url) as ws:
        await recv_json(ws)
        await ws.send(json.dumps({"op": "subscribe", "id": 1, "channels": ["book"], "symbols": ["ETH-USD"], "depth": 5}))
        assert (await recv_json(ws))["type"] == "ack"
        snapshot = await recv_json(ws)  # the snapshot follows the ack at once
        assert (snapshot["type"], snapshot["kind"], snapshot["prev_seq"]) == ("book", "snapshot", None)
        assert len(snapshot["bids"]) == 5 and len(snapshot["asks"]) == 5
        book: dict[str, dict[float, float]] = {}
        _apply(book, snapshot)
        last = snapshot["seq"]
        for _ in range(50):
            update = await recv_until(ws, lambda m: m["type"] == "book")
            assert update["kind"] == "update" and update["prev_seq"] == last
            last = update["seq"]
            _apply(book, update)
            bids, asks = _levels(book)
            assert len(bids) <= 5 and len(asks) <= 5 and bids[0][0] < asks[0][0]
            assert book_checksum(bids, asks) == update["checksum"]
        ack = await request(ws, {"op": "snapshot", "id": 2, "channel": "book", "symbol": "ETH-USD"})
        assert ack["op"] == "snapshot"
        fresh = await recv_until(ws, lambda m: m["type"] == "book" and m["kind"] == "snapshot")
        assert len(fresh["bids"]) == 5  # the subscription's depth
        # Updates in flight before the snapshot have seq <= its seq; the book rebuilt from it stays in sync.
        book = {}
        _apply(book, fresh)
        following = await recv_until(ws, lambda m: m["type"] == "book" and m["seq"] > fresh["seq"])
        assert following["prev_seq"] == fresh["seq"]
        _apply(book, following)
        assert book_checksum(*_levels(book)) == following["checksum"]


async def test_snapshot_op_errors(exchange):
    async with connect(exchange.url) as ws:
        await recv_json(ws)
        error = await request(ws, {"op": "snapshot", "id": 3, "channel": "ticker", "symbol": "BTC-USD"})
        assert (error["id"], error["code"]) == (3, "bad_request")
        error = await request(ws, {"op": "snapshot", "id": 4, "channel": "book", "symbol": "NOPE"})
        assert error["code"] == "unknown_symbol"
        error = await request(ws, {"op": "subscribe", "id": 5, "channels": ["book"], "symbols": ["BTC-USD"], "depth": 500})
        assert error["code"] == "bad_request" and "depth" in error["message"]
        ack = await request(ws, {"op": "snapshot", "id": 6, "channel": "book", "symbol": "BTC-USD"})
        assert ack["type"] == "ack"
        snapshot = await recv_until(ws, lambda m: m["type"] == "book")
        assert len(snapshot["bids"]) == 10  # default depth without a subscription


async def test_candles_of_every_interval_carry_ohlcv_and_1s_candles_close(make_exchange):
    exchange = await make_exchange(rate=40.0)
    channels = ["candles:1s", "candles:1m", "candles:5m", "candles:1h"]
    async with connect(exchange.url) as ws:
        await recv_json(ws)
        await request(ws, {"op": "subscribe", "id": 1, "channels": channels, "symbols": ["BTC-USD"]})
        seen = set()
        closed = None
        while closed is None or len(seen) < 4:
            candle = await recv_until(ws, lambda m: m["type"] == "candles", timeout=5)
            seen.add(candle["interval"])
            assert candle["low"] <= min(candle["open"], candle["close"]) <= max(candle["open"], candle["close"]) <= candle["high"]
            assert candle["volume"] > 0 and candle["start"] <= candle["ts"] or candle["closed"]
            if candle["closed"]:
                closed = candle
        assert closed["interval"] == "1s"
        nxt = await recv_until(ws, lambda m: m["type"] == "candles" and m["interval"] == "1s")
        assert nxt["start"] == closed["start"] + 10**9 and not nxt["closed"]


async def test_ticker_carries_24h_statistics(exchange):
    async with connect(exchange.url) as ws:
        await recv_json(ws)
        await request(ws, {"op": "subscribe", "id": 1, "channels": ["ticker"], "symbols": ["SOL-USD"]})
        ticker = await recv_until(ws, lambda m: m["type"] == "ticker")
        assert ticker["bid"] < ticker["ask"] and ticker["low_24h"] <= ticker["last"] <= ticker["high_24h"]
        assert ticker["volume_24h"] > 0
        assert abs(ticker["change_24h"] - (ticker["last"] - ticker["open_24h"])) < 1e-9
        # The day counts the seeded past: it opened with the 1 m bar of 24 hours ago.
        minute = 60 * 10**9
        day_start = ticker["ts"] - ticker["ts"] % minute - 1439 * minute
        await ws.send(json.dumps({"op": "history", "id": 2, "symbol": "SOL-USD", "interval": "1m", "count": 1, "end": day_start + minute}))
        page = await recv_until(ws, lambda m: m["type"] == "history")
        assert page["bars"][0][0] == day_start and ticker["open_24h"] == page["bars"][0][1]


async def test_batch_mode_sends_arrays_of_market_messages(make_exchange):
    exchange = await make_exchange(rate=200.0, batch=True)
    async with connect(exchange.url) as ws:
        await recv_json(ws)
        await request(ws, {"op": "subscribe", "id": 1, "channels": ["trades"], "symbols": ["BTC-USD"]})
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
            if isinstance(frame, list):
                break
        assert frame and all(m["type"] == "trades" for m in frame)
        seqs = [m["seq"] for m in frame]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))


async def test_heartbeats_count_per_connection(exchange):
    async with connect(exchange.url) as ws:
        await recv_json(ws)
        first = await recv_until(ws, lambda m: m["type"] == "heartbeat")
        second = await recv_until(ws, lambda m: m["type"] == "heartbeat")
        assert second["seq"] == first["seq"] + 1 and second["ts"] >= first["ts"]


async def test_unsubscribing_the_book_and_resubscribing_at_another_depth(exchange):
    async with connect(exchange.url) as ws:
        await recv_json(ws)
        await request(ws, {"op": "subscribe", "id": 1, "channels": ["book"], "symbols": ["BTC-USD"], "depth": 3})
        await request(ws, {"op": "subscribe", "id": 2, "channels": ["book"], "symbols": ["BTC-USD"], "depth": 20})
        snapshot = await recv_until(ws, lambda m: m["type"] == "book" and m["kind"] == "snapshot" and len(m["bids"]) == 20)
        update = await recv_until(ws, lambda m: m["type"] == "book" and m["seq"] > snapshot["seq"])
        assert update["prev_seq"] == snapshot["seq"]
        ack = await request(ws, {"op": "unsubscribe", "id": 3, "channels": ["book"], "symbols": ["BTC-USD"]})
        assert ack["subscriptions"] == []


async def test_two_exchanges_with_the_same_seed_and_rate_trade_the_same(make_exchange):
    async def trades(exchange) -> dict[int, tuple]:
        async with connect(exchange.url) as ws:
            await recv_json(ws)
            await request(ws, {"op": "subscribe", "id": 1, "channels": ["trades"], "symbols": ["ETH-USD"]})
            out = {}
            while len(out) < 30:
                m = await recv_until(ws, lambda m: m["type"] == "trades")
                out[m["seq"]] = (m["trade_id"], m["price"], m["size"], m["side"])
            return out

    first = await trades(await make_exchange(seed=42, rate=100.0))
    second = await trades(await make_exchange(seed=42, rate=100.0))
    common = first.keys() & second.keys()
    assert common and all(first[seq] == second[seq] for seq in common)
    other = await trades(await make_exchange(seed=43, rate=100.0))
    assert any(other[seq] != first[seq] for seq in other.keys() & first.keys())


async def test_batches_hold_at_most_max_batch_messages_and_lose_nothing(make_exchange):
    exchange = await make_exchange(rate=5000.0, batch=True, max_batch_messages=3)
    async with connect(exchange.url) as ws:
        await recv_json(ws)
        await request(ws, {"op": "subscribe", "id": 1, "channels": ["trades"], "symbols": ["BTC-USD"]})
        sizes, seqs = [], []
        while len(seqs) < 300:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
            if isinstance(frame, list):
                sizes.append(len(frame))
                seqs += [m["seq"] for m in frame]
                if len(sizes) == 1:  # hold the exchange's loop (this one) 20 ms: 100 steps to catch up in one wake-up
                    time.sleep(0.02)
        assert max(sizes) == 3  # the loop stepped more than 3 times in a wake-up: full batches, then the rest
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
