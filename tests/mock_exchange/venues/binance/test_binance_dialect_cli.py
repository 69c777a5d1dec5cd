"""``mock-exchange`` serves the Binance dialect from the command line, with its limits as options."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import aiohttp
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from mock_exchange.cli import build_parser, config_from_args
from tests.support.exchange_process import exchange_process

ROOT = Path(__file__).resolve().parents[4]


def test_binance_options_reach_the_config():
    config = config_from_args(build_parser().parse_args([
        "--binance-weight-limit", "1200", "--binance-ban-seconds", "7", "--binance-max-streams", "200", "--binance-messages-per-second", "10",
        "--binance-max-connection-age", "2", "--binance-ping-interval", "3", "--binance-pong-timeout", "9",
    ]))
    assert (config.binance_weight_limit, config.binance_max_streams, config.binance_messages_per_second) == (1200, 200, 10.0)
    assert config.binance_ban_seconds == 7
    assert (config.binance_max_connection_age, config.binance_ping_interval, config.binance_pong_timeout) == (2.0, 3.0, 9.0)


async def test_the_process_serves_binance_streams_and_rest_and_cuts_old_connections():
    async with exchange_process("--rate", "20", "--binance-max-connection-age", "1") as url:
        async with connect(f"{url}/binance/stream?streams=btcusd@trade") as ws:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert frame["stream"] == "btcusd@trade" and frame["data"]["e"] == "trade"
            try:
                while True:
                    await asyncio.wait_for(ws.recv(), 5)
            except ConnectionClosed:
                pass
            assert ws.close_code == 1000
        async with aiohttp.ClientSession() as session:
            async with session.get(url.replace("ws://", "http://") + "/binance/api/v3/depth?symbol=ETHUSD&limit=5") as response:
                body = await response.json()
                assert response.status == 200 and len(body["bids"]) == 5


async def test_the_start_says_where_the_binance_dialect_is(make_exchange, caplog):
    """A Binance client's developer reads the two base URLs to give it in the log of the start."""
    caplog.set_level(logging.INFO, "mock_exchange")
    exchange = await make_exchange()
    said = f"streams ws://127.0.0.1:{exchange.port}/binance, REST http://127.0.0.1:{exchange.port}/binance"
    assert said in caplog.text
