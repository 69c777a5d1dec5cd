"""The mock's all-market streams (``!miniTicker@arr``, ``!ticker@arr``, ``!ticker_<window>@arr``):
arrays of the per-symbol events, shaped as "WebSocket Streams for Binance" documents them."""

from __future__ import annotations

import asyncio
import json

import msgspec
import pytest
from websockets.asyncio.client import connect

from mock_exchange.venues.binance.market import BinanceMarket
from mock_exchange.venues.binance.streams import ALL_MARKET, SymbolNames, parse_stream
from tradedash.core import wire

from tests.core.venues.binance.binance_docs import example
from tests.mock_exchange.venues.binance.helpers import reply_to, ws_base

NOW = 1_700_000_000_000  # ms
SYMBOLS = ("BNB-BTC", "ETH-BTC")
#: Each all-market stream, and the documented example of the payload its array holds.
DOCUMENTED = {
    "!miniTicker@arr": ("miniTicker", "24hrMiniTicker"),
    "!ticker@arr": ("ticker", "24hrTicker"),
    "!ticker_1h@arr": ("rolling ticker", "1hTicker"),
    "!ticker_4h@arr": ("rolling ticker", "4hTicker"),
    "!ticker_1d@arr": ("rolling ticker", "1dTicker"),
}


def _shape(value: object) -> object:
    """The JSON shape of a value: its keys and the type of each value, recursively."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__


def _observe(market: BinanceMarket, symbol: str, i: int) -> None:
    ts = (NOW + i * 10) * 1_000_000
    market.observe(wire.Trade(symbol, i + 1, ts, i + 1, 0.0015 + i * 1e-6, 2.0, "buy"), ())
    market.observe(wire.Ticker(symbol, i + 1, ts, 0.0014, 5.0, 0.0016, 6.0, 0.0015, 0.001, 0.002, 0.0009, 100.0, 0.0005), ())


def test_the_documented_all_market_streams_are_streams_without_a_symbol():
    names = SymbolNames(SYMBOLS)
    assert set(ALL_MARKET) == set(DOCUMENTED)
    for name in DOCUMENTED:
        stream = parse_stream(name, names)
        assert stream is not None and stream.symbol is None and stream.kind == "all"
    assert parse_stream("!ticker_2h@arr", names) is None and parse_stream("!bookTicker", names) is None


@pytest.mark.parametrize("name", list(DOCUMENTED))
def test_each_array_holds_the_documented_payload_of_every_symbol_that_changed(name):
    documented, tag = DOCUMENTED[name]
    market = BinanceMarket(SymbolNames(SYMBOLS))
    for i in range(3):
        for symbol in SYMBOLS:
            _observe(market, symbol, i)
    arrays = dict(market.tick(0, NOW + 1_000, {name}))
    sent = json.loads(msgspec.json.encode(arrays[name]))
    assert isinstance(sent, list) and sorted(event["s"] for event in sent) == ["BNBBTC", "ETHBTC"]
    expected = json.loads(example(documented))
    for event in sent:
        assert _shape(event) == _shape({**expected, "e": tag})
    # "only tickers that have changed will be present in the array": one symbol changes, one is left out
    _observe(market, "ETH-BTC", 3)
    again = dict(market.tick(10, NOW + 2_000, {name}))
    assert [event.symbol for event in again[name]] == ["ETHBTC"]
    assert name not in dict(market.tick(20, NOW + 3_000, {name}))  # nothing changed: no array


def test_the_arrays_carry_the_per_symbol_streams_figures():
    market = BinanceMarket(SymbolNames(SYMBOLS))
    for i in range(3):
        _observe(market, "BNB-BTC", i)
    wanted = {"bnbbtc@miniTicker", "bnbbtc@ticker_1h", *DOCUMENTED}
    events = dict(market.tick(0, NOW + 1_000, wanted))
    assert events["!miniTicker@arr"] == [events["bnbbtc@miniTicker"]]
    assert events["!ticker_1h@arr"] == [events["bnbbtc@ticker_1h"]]


def test_the_envelope_the_documented_examples_show():
    for documented in ("all market mini tickers", "all market tickers", "all market rolling window"):
        assert json.loads(example(documented)) == [{}]  # an array of the per-symbol payloads


async def test_the_server_sends_the_arrays_raw_and_combined(make_exchange):
    server = await make_exchange(symbols=["BTC-USD", "ETH-USD"])
    async with connect(f"{ws_base(server)}/ws/!miniTicker@arr") as ws:
        array = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert isinstance(array, list) and {event["e"] for event in array} == {"24hrMiniTicker"}
        assert {event["s"] for event in array} <= {"BTCUSD", "ETHUSD"} and array
        assert _shape(array[0]) == _shape(json.loads(example("miniTicker")))
    streams = "!ticker@arr/!ticker_1h@arr/!ticker_4h@arr/!ticker_1d@arr"
    async with connect(f"{ws_base(server)}/stream?streams={streams}") as ws:
        seen: dict[str, list[dict[str, object]]] = {}
        while len(seen) < 4:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
            seen[frame["stream"]] = frame["data"]
        for name, array in seen.items():
            documented, tag = DOCUMENTED[name]
            assert array and all(_shape(event) == _shape({**json.loads(example(documented)), "e": tag}) for event in array)
        assert await reply_to(ws, {"method": "LIST_SUBSCRIPTIONS", "id": 7}) == {"result": streams.split("/"), "id": 7}
