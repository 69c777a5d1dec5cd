"""The Binance dialect's REST answers and request weights, with the clock passed in (pure: no server)."""

from __future__ import annotations

import msgspec

from mock_exchange.venues.binance.market import BinanceMarket
from mock_exchange.venues.binance.rest import RestApi
from mock_exchange.venues.binance.streams import SymbolNames
from tests.core.venues.binance.binance_docs import example

MINUTE = 60_000


def _api(limit: int) -> RestApi:
    return RestApi(BinanceMarket(SymbolNames(["BTC-USD"])), {"BTC-USD": (0.01, 0.0001)}, weight_limit=limit)


def test_weight_counts_per_address_per_clock_minute():
    api = _api(100)
    start = 1_000 * MINUTE
    assert api.answer("/api/v3/exchangeInfo", {}, "a", start).headers["X-MBX-USED-WEIGHT-1M"] == "20"
    assert api.answer("/api/v3/depth", {"symbol": ["BTCUSD"], "limit": ["500"]}, "a", start + 59_999).headers["X-MBX-USED-WEIGHT-1M"] == "45"
    assert api.answer("/api/v3/ping", {}, "b", start + 1).headers["X-MBX-USED-WEIGHT-1M"] == "1"
    # A new clock minute starts from nothing.
    assert api.answer("/api/v3/ping", {}, "a", start + MINUTE).headers["X-MBX-USED-WEIGHT-1M"] == "1"


def test_over_the_limit_is_429_with_retry_after_until_the_next_minute():
    api = _api(24)
    start = 1_000 * MINUTE
    assert api.answer("/api/v3/exchangeInfo", {}, "a", start).status == 200
    refused = api.answer("/api/v3/depth", {"symbol": ["BTCUSD"]}, "a", start + 45_500)
    assert refused.status == 429 and refused.headers["Retry-After"] == "15"
    body = msgspec.json.decode(refused.body)
    assert body["code"] == -1003 and "IP(a)" in body["msg"] and "24" in body["msg"]
    assert api.answer("/api/v3/depth", {"symbol": ["BTCUSD"]}, "a", start + MINUTE).status == 200


def test_depth_weight_follows_the_documented_table():
    api = _api(10_000)
    used = []
    for n, limit in enumerate(("1", "100", "101", "500", "501", "1000", "1001", "5000", "9999")):
        used.append(int(api.answer("/api/v3/depth", {"symbol": ["BTCUSD"], "limit": [limit]}, str(n), 0).headers["X-MBX-USED-WEIGHT-1M"]))
    assert used == [5, 5, 25, 25, 50, 50, 250, 250, 250]


def test_asking_again_before_retry_after_brings_a_418_ban():
    api = _api(20)
    api.ban_seconds = 120
    start = 1_000 * MINUTE
    assert api.answer("/api/v3/exchangeInfo", {}, "a", start).status == 200
    warned = api.answer("/api/v3/ping", {}, "a", start + 50_000)
    assert warned.status == 429 and warned.headers["Retry-After"] == "10"
    banned = api.answer("/api/v3/ping", {}, "a", start + 55_000)  # 5 s too early
    assert banned.status == 418 and banned.headers["Retry-After"] == "120"
    body = msgspec.json.decode(banned.body)
    assert body["code"] == -1003 and "banned until" in body["msg"]
    assert api.answer("/api/v3/ping", {}, "b", start + 55_000).status == 200  # others are not banned
    assert api.answer("/api/v3/ping", {}, "a", start + 55_000 + 119_000).status == 418
    assert api.answer("/api/v3/ping", {}, "a", start + 55_000 + 120_000).status == 200  # the ban is over


def test_waiting_out_retry_after_brings_no_ban():
    api = _api(20)
    start = 1_000 * MINUTE
    api.answer("/api/v3/exchangeInfo", {}, "a", start)
    assert api.answer("/api/v3/ping", {}, "a", start + 50_000).status == 429
    assert api.answer("/api/v3/ping", {}, "a", start + MINUTE).status == 200


def test_ticker_of_a_symbol_without_trades_yet_is_all_zeros():
    body = msgspec.json.decode(_api(100).answer("/api/v3/ticker/24hr", {"symbol": ["BTCUSD"]}, "a", 1_000 * MINUTE).body)
    assert body["symbol"] == "BTCUSD" and body["lastPrice"] == "0.00000000" and body["count"] == 0


def test_exchange_info_has_every_documented_field():
    documented = msgspec.json.decode(example("rest exchangeInfo"))
    body = msgspec.json.decode(_api(100).answer("/api/v3/exchangeInfo", {}, "a", 1_000 * MINUTE).body)
    assert set(body) == set(documented) - {"sors"}  # "Present only when SOR is available"
    assert set(body["symbols"][0]) == set(documented["symbols"][0])
    assert all(type(body["symbols"][0][k]) is type(v) for k, v in documented["symbols"][0].items())
