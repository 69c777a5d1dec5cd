"""Binance symbols from exchangeInfo: exact tick and lot sizes, venue and display names."""

from __future__ import annotations

import json
from decimal import Decimal

from tests.core.venues.binance.binance_docs import example
from tradedash.core import wire
from tradedash.core.venues.binance import messages as m
from tradedash.core.venues.binance.symbols import VENUE, SymbolDirectory, VenueSymbol, symbols_of


def _documented_info(*extra_symbols: dict) -> m.ExchangeInfo:
    """The documented exchangeInfo body with the documented PRICE_FILTER and LOT_SIZE in its symbol's filters."""
    body = json.loads(example("rest exchangeInfo"))
    body["symbols"][0]["filters"] = [json.loads(example("PRICE_FILTER")), json.loads(example("LOT_SIZE"))]
    body["symbols"] += extra_symbols
    info = m.decode_exchange_info(json.dumps(body))
    assert isinstance(info, m.ExchangeInfo)
    return info


def test_documented_exchange_info_gives_exact_tick_and_lot_sizes():
    info = _documented_info()
    assert (info.timezone, info.server_time) == ("UTC", 1565246363776)
    [ethbtc] = symbols_of(info)
    assert ethbtc == VenueSymbol("ETHBTC", "ETH", "BTC", "TRADING", Decimal("0.00000100"), Decimal("0.00100000"))
    assert (ethbtc.price_decimals, ethbtc.size_decimals) == (6, 3)
    assert ethbtc.info() == wire.SymbolInfo("ETHBTC", 1e-6, 0.001)
    assert (ethbtc.display, ethbtc.label, VENUE) == ("ETH-BTC", "ETH-BTC · Binance", "binance")


def test_symbols_without_filters_or_not_trading():
    halted = {"symbol": "BTCUSDT", "status": "HALT", "baseAsset": "BTC", "quoteAsset": "USDT",
              "filters": [{"filterType": "PRICE_FILTER", "minPrice": "0", "maxPrice": "0", "tickSize": "0.01000000"},
                          {"filterType": "PERCENT_PRICE", "multiplierUp": "5", "multiplierDown": "0.2",
                           "avgPriceMins": 5}]}
    bare = {"symbol": "BNBUSDT", "status": "TRADING", "baseAsset": "BNB", "quoteAsset": "USDT", "filters": []}
    info = _documented_info(halted, bare)
    ethbtc, btcusdt, bnbusdt = symbols_of(info)
    assert (btcusdt.tick_size, btcusdt.lot_size, btcusdt.price_decimals, btcusdt.trading) == (
        Decimal("0.01"), Decimal(0), 2, False)
    assert (bnbusdt.tick_size, bnbusdt.lot_size, bnbusdt.price_decimals) == (Decimal(0), Decimal(0), 0)
    assert [s.name for s in symbols_of(info, trading_only=True)] == ["ETHBTC", "BNBUSDT"]


def test_whole_number_tick_has_no_decimals():
    tick = {"filterType": "PRICE_FILTER", "minPrice": "10", "maxPrice": "0", "tickSize": "10.00000000"}
    body = {"symbol": "XUSDT", "status": "TRADING", "baseAsset": "X", "quoteAsset": "USDT", "filters": [tick]}
    x = symbols_of(_documented_info(body))[1]
    assert (x.tick_size, x.price_decimals) == (Decimal(10), 0)


def test_directory_resolves_what_a_user_types():
    info = _documented_info({"symbol": "BTCUSDT", "status": "TRADING", "baseAsset": "BTC", "quoteAsset": "USDT"})
    directory = SymbolDirectory(symbols_of(info))
    for text in ("BTCUSDT", "btcusdt", " BTC-USDT ", "btc/usdt", "Btc_Usdt"):
        assert directory.resolve(text).name == "BTCUSDT", text
    assert directory.resolve("ETH-BTC").name == "ETHBTC"
    for text in ("BTC-ETH", "XRPUSDT", "", "BTC-", "-USDT"):
        assert directory.resolve(text) is None, text


def test_the_symbol_list_a_venue_reads_over_rest_before_connecting():
    import pytest

    from tradedash.core.venues.binance.symbols import listed_symbols
    from tradedash.core.venues.registry import venue_of

    body = json.loads(example("rest exchangeInfo"))
    body["symbols"][0]["filters"] = [json.loads(example("PRICE_FILTER")), json.loads(example("LOT_SIZE"))]
    assert listed_symbols(json.dumps(body).encode()) == [wire.SymbolInfo("ETHBTC", 1e-6, 0.001)]
    with pytest.raises(ValueError, match="error -1121: Invalid symbol"):
        listed_symbols(example("rest error").encode())
    binance = venue_of("binance")
    assert binance.symbol_list_url("https://api.binance.com/ ") == "https://api.binance.com/api/v3/exchangeInfo"
    assert binance.symbol_list_url("") is None and binance.symbol_list_url("wss://x") is None
    assert binance.parse_symbol_list(json.dumps(body).encode())[0].symbol == "ETHBTC"
    assert venue_of("tradedash").symbol_list_url("http://127.0.0.1:8765") is None  # lists its symbols once connected
