"""The mock's Binance REST side over real HTTP: routes, documented shapes, errors and request weights."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest

from tests.mock_exchange.venues.binance.helpers import rest_get
from tradedash.core.venues.binance import messages as m
from tradedash.core.venues.binance.rest import depth_weight, weight_limit
from tradedash.core.venues.binance.symbols import symbols_of


async def test_ping_and_time(make_exchange):
    server = await make_exchange()
    assert (await rest_get(server, "/api/v3/ping"))[::2] == (200, {})
    status, headers, body = await rest_get(server, "/api/v3/time")
    assert status == 200 and set(body) == {"serverTime"} and body["serverTime"] > 1_600_000_000_000
    assert headers["Content-Type"].startswith("application/json")


async def test_exchange_info_lists_symbols_with_tick_and_lot_sizes_and_rate_limits(make_exchange):
    server = await make_exchange(symbols=["BTC-USD", "DOGE-USD"])
    status, _, body = await rest_get(server, "/api/v3/exchangeInfo")
    assert status == 200
    info = m.decode_exchange_info(msgspec.json.encode(body))
    assert isinstance(info, m.ExchangeInfo) and info.timezone == "UTC"
    assert weight_limit(info) == 6000
    symbols = {s.name: s for s in symbols_of(info)}
    assert set(symbols) == {"BTCUSD", "DOGEUSD"}
    assert symbols["BTCUSD"].tick_size == Decimal("0.01") and symbols["BTCUSD"].lot_size == Decimal("0.0001")
    assert symbols["DOGEUSD"].display == "DOGE-USD" and symbols["DOGEUSD"].trading
    price_filter = body["symbols"][0]["filters"][0]
    assert price_filter == {"filterType": "PRICE_FILTER", "tickSize": "0.01000000", "minPrice": "0.01000000", "maxPrice": "1000000.00000000"}
    one = (await rest_get(server, "/api/v3/exchangeInfo?symbol=DOGEUSD"))[2]
    assert [s["symbol"] for s in one["symbols"]] == ["DOGEUSD"]
    some = (await rest_get(server, '/api/v3/exchangeInfo?symbols=["DOGEUSD","BTCUSD"]'))[2]
    assert [s["symbol"] for s in some["symbols"]] == ["DOGEUSD", "BTCUSD"]


@pytest.mark.parametrize(("limit", "levels"), [(5, 5), (10, 10), (50, 50), (100, 50), (5000, 50), (None, 50)])
async def test_depth_snapshot_by_limit_and_its_weight(make_exchange, limit, levels):
    server = await make_exchange()
    query = "" if limit is None else f"&limit={limit}"
    status, headers, body = await rest_get(server, f"/api/v3/depth?symbol=BTCUSD{query}")
    assert status == 200
    snapshot = m.decode_depth(msgspec.json.encode(body))
    assert isinstance(snapshot, m.DepthSnapshot)
    assert len(snapshot.bids) == levels and len(snapshot.asks) == levels
    assert snapshot.bids[0][0] < snapshot.asks[0][0]
    assert [p for p, _ in snapshot.bids] == sorted((p for p, _ in snapshot.bids), reverse=True)
    assert int(headers["X-MBX-USED-WEIGHT-1M"]) == depth_weight(limit or 100)


async def test_klines_rows_in_the_documented_shape(make_exchange):
    server = await make_exchange()
    for _ in range(100):  # until the first trade has made a bar
        status, _, body = await rest_get(server, "/api/v3/klines?symbol=BTCUSD&interval=1s&limit=3")
        if body:
            break
    assert status == 200 and 1 <= len(body) <= 3
    rows = m.decode_klines(msgspec.json.encode(body))
    assert isinstance(rows, list)
    for row in rows:
        assert row[6] - row[0] == 999 and row[3] <= min(row[1], row[4]) <= max(row[1], row[4]) <= row[2]
    assert all(isinstance(x, str) for x in body[0][1:6])


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/v3/depth?symbol=NOPE", 400, -1121),
        ("/api/v3/depth", 400, -1102),
        ("/api/v3/depth?symbol=BTCUSD&limit=ten", 400, -1100),
        ("/api/v3/klines?symbol=BTCUSD&interval=7m", 400, -1120),
        ("/api/v3/klines?symbol=BTCUSD", 400, -1102),
        ("/api/v3/exchangeInfo?symbol=NOPE", 400, -1121),
        ("/api/v3/nothing", 404, -1000),
    ],
)
async def test_error_bodies(make_exchange, path, status, code):
    server = await make_exchange()
    got, _, body = await rest_get(server, path)
    assert got == status
    error = m.decode_depth(msgspec.json.encode(body))
    assert isinstance(error, m.ErrorBody) and error.code == code and error.msg


async def test_documented_invalid_symbol_body(make_exchange):
    server = await make_exchange()
    assert (await rest_get(server, "/api/v3/depth?symbol=BTCUSDT"))[2] == {"code": -1121, "msg": "Invalid symbol."}


async def test_used_weight_header_and_429_past_the_limit(make_exchange):
    server = await make_exchange(binance_weight_limit=10)
    answers = []
    while len(answers) < 6 and (not answers or answers[-1][0] != 429):
        status, headers, body = await rest_get(server, "/api/v3/depth?symbol=BTCUSD&limit=10")
        answers.append((status, int(headers["X-MBX-USED-WEIGHT-1M"]), headers.get("Retry-After"), body))
    # Weight 5 each: 5, 10, then 15 > 10 (a clock minute starting in between only delays the 429).
    status, used, retry_after, body = answers[-1]
    assert status == 429 and used == 15 and body["code"] == -1003 and "6000" not in body["msg"]
    assert retry_after is not None and 1 <= int(retry_after) <= 60
    assert [a[1] for a in answers[-3:]] == [5, 10, 15]


async def test_ticker_24hr(make_exchange):
    server = await make_exchange()
    for _ in range(100):  # until ETHUSD has traded (a symbol without trades answers zeros)
        status, headers, body = await rest_get(server, "/api/v3/ticker/24hr?symbol=ETHUSD")
        if body["count"]:
            break
    assert status == 200 and body["symbol"] == "ETHUSD" and int(headers["X-MBX-USED-WEIGHT-1M"]) % 2 == 0
    assert float(body["bidPrice"]) < float(body["askPrice"]) and isinstance(body["lastPrice"], str)
    assert body["closeTime"] - body["openTime"] == 86_400_000


async def test_klines_start_from_the_simulated_markets_seeded_past(make_exchange):
    server = await make_exchange(history_days=2, history_seconds=600)
    status, _, body = await rest_get(server, "/api/v3/klines?symbol=BTCUSD&interval=1h&limit=1000")
    assert status == 200 and len(body) >= 25  # 1500 minutes of the past, then the live bars
    starts = [row[0] for row in body]
    assert all(b - a == 3_600_000 for a, b in zip(starts, starts[1:]))  # one bar an hour, no gap
    # The same hours as the v1 history op's bars (built by the simulator from the same minutes).
    past, _ = server.market.history("BTC-USD", "1h", None, 1000)
    v1 = {start // 1_000_000: bar for start, *bar in past}
    for row in body[1:-2]:  # the oldest hour holds only the minutes of the past kept
        o, h, l, c, v = v1[row[0]]
        assert [float(x) for x in row[1:6]] == pytest.approx([o, h, l, c, v], rel=1e-6)
    one_second = (await rest_get(server, "/api/v3/klines?symbol=BTCUSD&interval=1s&limit=1000"))[2]
    assert len(one_second) >= 600  # history_seconds of 1 s bars, then the live ones


async def test_klines_page_back_through_the_whole_seeded_past_with_end_time(make_exchange):
    server = await make_exchange(history_days=3, history_seconds=600)
    pages, end = [], None
    while True:  # newest first, as a chart pages back: endTime just before the oldest bar seen
        query = "/api/v3/klines?symbol=BTCUSD&interval=1m&limit=1000" + (f"&endTime={end}" if end is not None else "")
        status, _, body = await rest_get(server, query)
        assert status == 200 and len(body) <= 1000
        if not body:
            break
        pages.append(body)
        end = body[0][0] - 1
        if len(body) < 1000:
            break
    starts = [row[0] for page in reversed(pages) for row in page]
    assert all(b - a == 60_000 for a, b in zip(starts, starts[1:]))  # one bar a minute, no gap, no repeat
    assert len(starts) >= 3 * 24 * 60  # three days of 1 m bars, then the live ones
    past, _ = server.market.history("BTC-USD", "1m", None, 5000)
    v1 = {start // 1_000_000: bar for start, *bar in past}
    rows = {row[0]: row for page in pages for row in page}
    shared = sorted(set(v1) & set(rows))[:-2]  # (the newest bars may still be changing)
    assert len(shared) > 4000
    for start in shared:
        assert [float(x) for x in rows[start][1:6]] == pytest.approx(list(v1[start]), rel=1e-6)
    # startTime pages forward from the oldest bar; limit defaults to 500
    status, _, first = await rest_get(server, f"/api/v3/klines?symbol=BTCUSD&interval=1m&startTime={starts[0]}")
    assert status == 200 and [row[0] for row in first] == starts[:500]
    status, _, window = await rest_get(
        server, f"/api/v3/klines?symbol=BTCUSD&interval=1m&startTime={starts[10]}&endTime={starts[19]}&limit=1000"
    )
    assert [row[0] for row in window] == starts[10:20]


async def test_klines_of_longer_intervals_are_made_of_the_whole_past(make_exchange):
    server = await make_exchange(history_days=3, history_seconds=600)
    status, _, body = await rest_get(server, "/api/v3/klines?symbol=BTCUSD&interval=4h&limit=1000")
    starts = [row[0] for row in body]
    assert status == 200 and len(body) >= 3 * 6  # three days of 4 h bars, not only the 25 h kept for the streams
    assert all(b - a == 4 * 3_600_000 for a, b in zip(starts, starts[1:]))
    hours, _ = server.market.history("BTC-USD", "1h", None, 1000)
    hourly = {start // 1_000_000: bar for start, *bar in hours}
    for row in body[1:-1]:  # (the oldest holds only the hours of the past; the newest is open)
        inside = [hourly[row[0] + i * 3_600_000] for i in range(4)]
        assert float(row[2]) == pytest.approx(max(bar[1] for bar in inside), rel=1e-6)
        assert float(row[3]) == pytest.approx(min(bar[2] for bar in inside), rel=1e-6)
        assert float(row[5]) == pytest.approx(sum(bar[4] for bar in inside), rel=1e-6)
