"""In a quiet market the exchange closes candles on the clock: the closed candle comes at the
interval's end, not with the next trade."""

from __future__ import annotations

from websockets.asyncio.client import connect

from tests.mock_exchange.raw_client import recv_json, recv_until, request

SECOND = 10**9


async def test_a_candle_closes_at_its_intervals_end_before_any_later_trade(make_exchange):
    exchange = await make_exchange(rate=0.25, symbols=["BTC-USD"])  # a trade every 4 s
    async with connect(exchange.url) as ws:
        await recv_json(ws)
        await request(ws, {"op": "subscribe", "id": 1, "channels": ["candles:1s", "trades"], "symbols": ["BTC-USD"]})
        seen: list[dict] = []

        def closed_by_clock(message: dict) -> bool:
            seen.append(message)
            return message["type"] == "candles" and message["closed"]

        closed = await recv_until(ws, closed_by_clock, timeout=15)
        end = closed["start"] + SECOND
        assert closed["ts"] >= end
        # No trade at or after the bar's end came before it: it was closed by the clock.
        assert not [m for m in seen if m["type"] == "trades" and m["ts"] >= end]
        nxt = await recv_until(ws, lambda m: m["type"] in ("candles", "trades"), timeout=15)
        if nxt["type"] == "candles":  # the next bar opens with a trade, and is not the closed one again
            assert nxt["start"] > closed["start"] and not nxt["closed"]
