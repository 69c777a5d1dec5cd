"""Binance's connection limits in the mock: 5 messages a second, 1024 streams, the 24 h cut, pings and pongs."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.mock_exchange.venues.binance.helpers import reply_to, ws_base


async def test_more_than_five_messages_a_second_close_the_connection(make_exchange):
    server = await make_exchange()
    async with connect(f"{ws_base(server)}/ws") as ws:
        for n in range(6):
            await ws.send(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": n}))
        replies = []
        with pytest.raises(ConnectionClosed):
            while True:
                replies.append(json.loads(await asyncio.wait_for(ws.recv(), 3)))
    assert replies == [{"result": [], "id": n} for n in range(5)]
    assert ws.close_code == 1008 and "Too many messages" in (ws.close_reason or "")
    assert server.counters.rate_limited == 1


async def test_five_messages_a_second_are_fine(make_exchange):
    server = await make_exchange()
    async with connect(f"{ws_base(server)}/ws") as ws:
        for n in range(10):
            assert await reply_to(ws, {"method": "LIST_SUBSCRIPTIONS", "id": n}) == {"result": [], "id": n}
            await asyncio.sleep(0.21)


async def test_a_connection_holds_at_most_1024_streams(make_exchange):
    server = await make_exchange()
    names = [f"s{i}usd@trade" for i in range(1025)]
    async with connect(f"{ws_base(server)}/ws") as ws:
        for batch in range(5):  # 5 x 200 = 1000 streams, within 5 messages a second
            chunk = names[batch * 200 : (batch + 1) * 200]
            assert await reply_to(ws, {"method": "SUBSCRIBE", "params": chunk, "id": batch}) == {"result": None, "id": batch}
        await asyncio.sleep(1.1)
        assert await reply_to(ws, {"method": "SUBSCRIBE", "params": names[1000:1024], "id": 6}) == {"result": None, "id": 6}
        refused = await reply_to(ws, {"method": "SUBSCRIBE", "params": names[1024:], "id": 7})
        assert refused["id"] == 7 and refused["error"]["code"] == 2 and "1024" in refused["error"]["msg"]
        listed = await reply_to(ws, {"method": "LIST_SUBSCRIPTIONS", "id": 8})
        assert len(listed["result"]) == 1024


async def test_a_stream_url_with_too_many_streams_is_refused(make_exchange):
    server = await make_exchange(binance_max_streams=2)
    with pytest.raises(InvalidStatus) as refused:
        async with connect(f"{ws_base(server)}/stream?streams=btcusd@trade/ethusd@trade/solusd@trade"):
            pass
    assert refused.value.response.status_code == 400
    async with connect(f"{ws_base(server)}/stream?streams=btcusd@trade/ethusd@trade") as ws:
        refused_sub = await reply_to(ws, {"method": "SUBSCRIBE", "params": ["solusd@trade"], "id": 1})
        assert refused_sub["error"]["code"] == 2


async def test_connections_are_cut_after_the_maximum_age(make_exchange):
    server = await make_exchange(binance_max_connection_age=0.5)
    loop = asyncio.get_running_loop()
    async with connect(f"{ws_base(server)}/ws/btcusd@trade") as ws:
        opened = loop.time()
        with pytest.raises(ConnectionClosed):
            while True:
                await asyncio.wait_for(ws.recv(), 3)
        lasted = loop.time() - opened
    assert ws.close_code == 1000 and "age" in (ws.close_reason or "")
    assert 0.4 <= lasted < 2.5


async def test_server_pings_at_its_cadence_and_closes_without_a_pong(make_exchange):
    server = await make_exchange(binance_ping_interval=0.2, binance_pong_timeout=0.8)
    url = f"{ws_base(server)}/ws"
    async with aiohttp.ClientSession() as session:
        # A client that answers pings (aiohttp does, inside receive()) stays connected: nothing comes, no close.
        async with session.ws_connect(url, autoping=True) as ws:
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(ws.receive(), 2.0)
            assert not ws.closed
        # A client that never answers: pings come every 0.2 s, then the close.
        async with session.ws_connect(url, autoping=False) as ws:
            pings = 0
            while True:
                message = await asyncio.wait_for(ws.receive(), 3)
                if message.type is aiohttp.WSMsgType.PING:
                    pings += 1
                elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
                    break
            assert pings >= 1 and ws.close_code == 1011


async def test_a_slow_binance_client_is_dropped_like_a_v1_one(make_exchange):
    import socket

    server = await make_exchange(rate=500.0, max_send_buffer=64 * 1024, slow_client_timeout=0.2)
    streams = "/".join(f"{s}@{k}" for s in ("btcusd", "ethusd", "solusd") for k in ("depth@100ms", "depth20@100ms", "trade", "aggTrade", "bookTicker"))
    tiny = socket.socket()
    tiny.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # little room in the kernel: the server's buffer fills
    tiny.connect(("127.0.0.1", server.port))
    slow = await connect(f"{ws_base(server)}/stream?streams={streams}", sock=tiny, max_queue=1, close_timeout=0.5)
    async with connect(f"{ws_base(server)}/stream?streams={streams}") as fast:
        deadline = asyncio.get_running_loop().time() + 10
        while server.counters.slow_clients_dropped == 0:
            await asyncio.wait_for(fast.recv(), 3)  # the fast client keeps reading all along
            assert asyncio.get_running_loop().time() < deadline, "the slow client was never dropped"
        assert server.counters.slow_clients_dropped == 1
        for _ in range(50):  # the fast client is still served
            await asyncio.wait_for(fast.recv(), 3)
    slow.transport.abort()
