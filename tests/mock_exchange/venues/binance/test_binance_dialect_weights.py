"""The Binance dialect's request weights, with the clock passed in (pure: no server)."""

from __future__ import annotations

import msgspec

from mock_exchange.venues.binance.market import BinanceMarket
from mock_exchange.venues.binance.rest import RestApi
from mock_exchange.venues.binance.streams import SymbolNames

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
