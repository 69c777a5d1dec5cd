"""Clients that know only docs/protocol.md (plain websockets and aiohttp, none of TradeDash's code)
subscribe to every channel and check what they read against the document."""

from __future__ import annotations

import asyncio
import json
import zlib

import aiohttp
import pytest
from websockets.asyncio.client import connect

CHANNELS = ["ticker", "trades", "book", "candles:1s", "candles:1m", "candles:5m", "candles:1h"]
FIELDS = {
    "ticker": {"bid", "bid_size", "ask", "ask_size", "last", "open_24h", "high_24h", "low_24h", "volume_24h", "change_24h"},
    "trades": {"trade_id", "price", "size", "side"},
    "book": {"kind", "bids", "asks", "prev_seq", "checksum"},
    "candles": {"interval", "start", "open", "high", "low", "close", "volume", "closed"},
}


def checksum(bids: list, asks: list) -> int:
    """As the document says: CRC-32 of the top 10 levels, bid then ask, repr'd floats joined by ':'."""
    parts = []
    for i in range(10):
        for side in (bids, asks):
            if i < len(side):
                parts += [repr(float(side[i][0])), repr(float(side[i][1]))]
    return zlib.crc32(":".join(parts).encode())


class Reader:
    """Follows the document: hello first, requests answered by id, books kept by snapshot + updates."""

    def __init__(self, send, recv) -> None:
        self.send, self.recv = send, recv
        self.seen: dict[str, int] = {}
        self.books: dict[str, dict] = {}
        self.checked = 0

    async def run(self) -> None:
        hello = json.loads(await self.recv())
        assert hello["type"] == "hello" and hello["version"] == 1
        await self.send(json.dumps({"op": "subscribe", "id": 1, "channels": CHANNELS, "symbols": ["BTC-USD"], "depth": 5}))
        needed = {"ack", "heartbeat", "ticker", "trades", "book", "candles:1s", "candles:1m", "candles:5m", "candles:1h"}
        while not needed <= self.seen.keys() or self.checked < 20:
            frame = json.loads(await self.recv())
            for message in frame if isinstance(frame, list) else [frame]:
                self.handle(message)

    def handle(self, message: dict) -> None:
        kind = message["type"]
        if kind == "ack":
            assert message["id"] == 1 and len(message["subscriptions"]) == len(CHANNELS)
        elif kind in FIELDS:
            assert FIELDS[kind] <= message.keys() and message["symbol"] == "BTC-USD"
            assert isinstance(message["seq"], int) and isinstance(message["ts"], int)
            if kind == "candles":
                kind = f"candles:{message['interval']}"
            elif kind == "book":
                self.book(message)
        self.seen[kind] = self.seen.get(kind, 0) + 1

    def book(self, message: dict) -> None:
        if message["kind"] == "snapshot":
            self.books["BTC-USD"] = {"seq": message["seq"], "bids": dict(message["bids"]), "asks": dict(message["asks"])}
            return
        book = self.books["BTC-USD"]
        if message["seq"] <= book["seq"]:
            return
        assert message["prev_seq"] == book["seq"]
        for side in ("bids", "asks"):
            for price, size in message[side]:
                if size == 0:
                    book[side].pop(price, None)
                else:
                    book[side][price] = size
        book["seq"] = message["seq"]
        bids = sorted(book["bids"].items(), reverse=True)
        asks = sorted(book["asks"].items())
        assert len(bids) <= 5 and len(asks) <= 5
        assert checksum(bids, asks) == message["checksum"]
        self.checked += 1


@pytest.mark.parametrize("batch", [False, True])
async def test_plain_websockets_client_reads_every_channel(make_exchange, batch):
    exchange = await make_exchange(rate=100.0, batch=batch)
    async with connect(exchange.url) as ws:
        reader = Reader(ws.send, ws.recv)
        await asyncio.wait_for(reader.run(), 10)


async def test_aiohttp_client_reads_every_channel_and_resyncs_by_snapshot(make_exchange):
    exchange = await make_exchange(rate=100.0)
    async with aiohttp.ClientSession() as session, session.ws_connect(exchange.url) as ws:

        async def recv() -> str:
            message = await ws.receive()
            assert message.type is aiohttp.WSMsgType.TEXT
            return message.data

        reader = Reader(ws.send_str, recv)
        await asyncio.wait_for(reader.run(), 10)
        await ws.send_str(json.dumps({"op": "snapshot", "id": 2, "channel": "book", "symbol": "BTC-USD"}))
        while True:
            message = json.loads(await asyncio.wait_for(recv(), 5))
            if message["type"] == "ack":
                assert (message["id"], message["op"]) == (2, "snapshot")
                break
        snapshot = json.loads(await asyncio.wait_for(recv(), 5))
        assert snapshot["type"] == "book" and snapshot["kind"] == "snapshot"
        assert snapshot["checksum"] == checksum(snapshot["bids"], snapshot["asks"])
