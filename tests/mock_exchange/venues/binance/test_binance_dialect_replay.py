"""A replayed recording is served in the Binance dialect too (a Binance subscription starts the replay)."""

from __future__ import annotations

import asyncio
import json

from websockets.asyncio.client import connect

from tests.mock_exchange.venues.binance.helpers import rest_get, ws_base

T0 = 1_764_061_200_000_000_000


def _recording(tmp_path) -> str:
    lines = [
        {"ts": T0, "frame": {"type": "ticker", "symbol": "FOO-USD", "seq": 1, "ts": T0, "bid": 100.0, "bid_size": 1.0, "ask": 101.0,
                             "ask_size": 2.0, "last": 100.5, "open_24h": 99.0, "high_24h": 102.0, "low_24h": 98.0,
                             "volume_24h": 10.0, "change_24h": 1.5}},
        {"ts": T0 + 10**8, "frame": [
            {"type": "trades", "symbol": "FOO-USD", "seq": 1, "ts": T0, "trade_id": 41, "price": 101.0, "size": 0.5, "side": "buy"},
            {"type": "trades", "symbol": "FOO-USD", "seq": 2, "ts": T0, "trade_id": 42, "price": 100.0, "size": 0.25, "side": "sell"},
        ]},
    ]
    path = tmp_path / "session.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    return str(path)


async def test_replayed_trades_and_tickers_in_binance_shapes(make_exchange, tmp_path):
    server = await make_exchange(replay=_recording(tmp_path))
    async with connect(f"{ws_base(server)}/stream?streams=foousd@trade/foousd@bookTicker") as ws:
        frames = [json.loads(await asyncio.wait_for(ws.recv(), 3)) for _ in range(3)]
    assert [f["stream"] for f in frames] == ["foousd@bookTicker", "foousd@trade", "foousd@trade"]
    assert frames[0]["data"]["b"] == "100.00000000" and frames[0]["data"]["A"] == "2.00000000"
    assert [(f["data"]["t"], f["data"]["p"], f["data"]["m"]) for f in frames[1:]] == [(41, "101.00000000", False), (42, "100.00000000", True)]
    status, _, body = await rest_get(server, "/api/v3/ticker/24hr?symbol=FOOUSD")
    assert status == 200 and body["lastPrice"] == "100.50000000" and body["count"] == 2
