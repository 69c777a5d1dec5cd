"""Binance's own Python connector (``binance-connector``), unchanged and only pointed at the mock by URL,
reads trades, tickers and a correct local order book from the mock's Binance dialect."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from binance.spot import Spot
from binance.websocket.spot.websocket_stream import SpotWebsocketStreamClient

from tests.mock_exchange.venues.binance.helpers import rest_base, ws_base


async def test_connector_reads_trades_tickers_and_keeps_a_correct_local_book(make_exchange):
    # The connector never closes its TCP socket after the closing handshake; the server cuts it at
    # its next ping (close_timeout later): a short ping interval keeps the test's teardown short.
    server = await make_exchange(rate=50.0, binance_ping_interval=0.5)
    loop = asyncio.get_running_loop()
    frames: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    spot = Spot(base_url=rest_base(server), timeout=5)

    info = await asyncio.to_thread(spot.exchange_info, symbol="BTCUSD")
    assert info["symbols"][0]["symbol"] == "BTCUSD"
    assert {f["filterType"] for f in info["symbols"][0]["filters"]} == {"PRICE_FILTER", "LOT_SIZE"}
    assert await asyncio.to_thread(spot.ping) == {}
    klines = await asyncio.to_thread(spot.klines, "BTCUSD", "1s", limit=5)
    assert isinstance(klines, list)

    def on_message(_: Any, text: str) -> None:
        loop.call_soon_threadsafe(frames.put_nowait, json.loads(text))

    # The connector connects and joins its reader thread synchronously: in a thread, so the exchange's loop runs meanwhile.
    client = await asyncio.to_thread(
        SpotWebsocketStreamClient, stream_url=ws_base(server), on_message=on_message, logger=logging.getLogger("connector")
    )
    try:
        client.trade(symbol="btcusd", id=1)
        client.ticker(symbol="btcusd", id=2)
        client.diff_book_depth(symbol="btcusd", speed=100, id=3)
        replies, trades, tickers = [], [], []
        buffered: list[dict[str, Any]] = []
        bids: dict[str, str] = {}
        asks: dict[str, str] = {}
        last_u: int | None = None
        compared = 0
        while compared < 10 or not trades or not tickers:
            frame = await asyncio.wait_for(frames.get(), 5)
            if "result" in frame:
                replies.append(frame)
            elif frame.get("e") == "trade":
                trades.append(frame)
            elif frame.get("e") == "24hrTicker":
                tickers.append(frame)
            elif frame.get("e") == "depthUpdate":
                # "How to manage a local order book correctly", step by step, in the test's own code.
                if last_u is None:
                    buffered.append(frame)
                    snapshot = await asyncio.to_thread(spot.depth, "BTCUSD", limit=1000)
                    if snapshot["lastUpdateId"] < buffered[0]["U"]:
                        continue  # stale: wait for the next event and fetch again
                    bids = {p: q for p, q in snapshot["bids"]}
                    asks = {p: q for p, q in snapshot["asks"]}
                    last_u = snapshot["lastUpdateId"]
                    pending, buffered = [e for e in buffered if e["u"] > last_u], []
                else:
                    pending = [frame]
                for event in pending:
                    assert event["U"] <= last_u + 1 <= event["u"] or event["U"] == last_u + 1, "a gap"
                    for book, levels in ((bids, event["b"]), (asks, event["a"])):
                        for price, quantity in levels:
                            if float(quantity) == 0:
                                book.pop(price, None)
                            else:
                                book[price] = quantity
                    last_u = event["u"]
                if last_u == server.binance.market.update_id("BTC-USD"):
                    served = server.binance.market.depth_snapshot("BTC-USD", 1000)
                    assert bids == dict(served.bids) and asks == dict(served.asks)
                    compared += 1
    finally:
        await asyncio.to_thread(client.stop)
    assert sorted(r["id"] for r in replies) == [1, 2, 3] and all(r["result"] is None for r in replies)
    assert trades[0]["s"] == "BTCUSD" and isinstance(trades[0]["p"], str)
    assert float(tickers[0]["b"]) < float(tickers[0]["a"])
