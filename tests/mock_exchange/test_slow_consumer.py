"""Scenario 9: one slow client (10 KB/s) among fast ones. The exchange holds back a bounded amount for it,
then drops it with a 1008 close that goes ahead of the market data that was waiting; the others are unaffected."""

from __future__ import annotations

import asyncio
import json

from websockets.asyncio.client import connect

from mock_exchange.server.outlet import HIGH_WATER
from tests.mock_exchange.raw_client import masked_text, raw_websocket, read_close, read_frame, recv_json, request
from tests.support.waiting import wait_for

LIMIT = 256 * 1024
SYMBOLS = ["BTC-USD", "ETH-USD", "SOL-USD"]
SUBSCRIBE = {"op": "subscribe", "id": 1, "channels": ["book", "trades", "ticker"], "symbols": SYMBOLS, "depth": 50}


async def test_a_slow_reader_is_held_to_a_bound_then_dropped_and_the_fast_ones_flow_on(make_exchange):
    exchange = await make_exchange(rate=300.0, symbols=SYMBOLS, max_send_buffer=LIMIT, slow_client_timeout=1.0)
    fast = [await connect(exchange.url, max_queue=None) for _ in range(3)]
    trade_seqs: list[dict[str, list[int]]] = [{} for _ in fast]
    for ws in fast:
        await recv_json(ws)
        await request(ws, SUBSCRIBE)

    async def read_fast(ws, seqs: dict[str, list[int]]) -> None:
        async for frame in ws:
            message = json.loads(frame)
            if message.get("type") == "trades":
                seqs.setdefault(message["symbol"], []).append(message["seq"])

    readers = [asyncio.create_task(read_fast(ws, seqs)) for ws, seqs in zip(fast, trade_seqs)]
    reader, writer = await raw_websocket(exchange.port, receive_buffer=4096)
    writer.write(masked_text(json.dumps(SUBSCRIBE).encode()))
    await wait_for(lambda: exchange.connection_count == 4)
    slow = exchange.connections[-1]

    peak = 0

    async def trickle() -> None:  # whole frames at 10 KB/s
        while True:
            _, _, size = await read_frame(reader, timeout=30)
            await asyncio.sleep(size / 10_000)

    async def watch() -> None:
        nonlocal peak
        while True:
            peak = max(peak, exchange.unsent_bytes(slow))
            await asyncio.sleep(0.005)

    tasks = [asyncio.create_task(trickle()), asyncio.create_task(watch())]
    await wait_for(lambda: exchange.counters.slow_clients_dropped == 1, timeout=60)
    behind_close = slow.transport.get_write_buffer_size()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

    # Memory held for the slow client stays bounded; the queue was dropped, so the close is near the front.
    assert peak <= LIMIT + 2 * HIGH_WATER, peak
    assert behind_close <= 2 * HIGH_WATER, behind_close
    # What the kernel already holds for the client comes first; read it, then the close is there.
    code, reason, _ = await read_close(reader, timeout=5)
    assert code == 1008 and "slow consumer" in reason
    writer.transport.abort()

    # The fast clients never missed a trade and are still served.
    before = [sum(map(len, seqs.values())) for seqs in trade_seqs]
    await wait_for(lambda: all(sum(map(len, seqs.values())) > b + 30 for seqs, b in zip(trade_seqs, before)))
    for seqs in trade_seqs:
        for symbol_seqs in seqs.values():
            assert symbol_seqs == list(range(symbol_seqs[0], symbol_seqs[0] + len(symbol_seqs)))
    assert exchange.counters.slow_clients_dropped == 1 and exchange.connection_count == 3
    for ws in fast:
        await ws.close()
    await asyncio.gather(*readers, return_exceptions=True)
