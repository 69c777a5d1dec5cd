"""The Binance dialect's pure parts: events in the documented shapes, diff-depth ids, klines and sessions."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import msgspec
import pytest

from mock_exchange.venues.binance.klines import INTERVALS, KlineBuilder, bar_end, bar_start
from mock_exchange.venues.binance.market import BinanceMarket
from mock_exchange.venues.binance.session import StreamSession
from mock_exchange.venues.binance.streams import SymbolNames, parse_stream
from tests.core.venues.binance.binance_docs import example
from tradedash.core import wire
from tradedash.core.venues.binance import messages as m

NOW = 1_700_000_000_000  # ms
STREAMS = {f"bnbbtc@{kind}" for kind in (
    "trade", "aggTrade", "bookTicker", "ticker", "miniTicker", "kline_1m", "depth", "depth@100ms", "depth5@100ms", "depth10",
    "ticker_1h", "ticker_4h", "ticker_1d", "avgPrice",
)}
#: The fields of the rolling-window and average-price events as "WebSocket Streams for Binance" lists them
#: (the example values are the page's; these two are not in binance_docs.py).
ROLLING_FIELDS = {"e": "1hTicker", "E": 1672515782136, "s": "BNBBTC", "p": "0.0015", "P": "250.00", "o": "0.0010", "h": "0.0025",
                  "l": "0.0010", "c": "0.0025", "w": "0.0018", "v": "10000", "q": "18", "O": 0, "C": 1675216573749, "F": 0,
                  "L": 18150, "n": 18151}
AVG_PRICE_FIELDS = {"e": "avgPrice", "E": 1693907033000, "s": "BTCUSDT", "i": "5m", "w": "25776.86000000", "T": 1693907032213}


def _market() -> BinanceMarket:
    return BinanceMarket(SymbolNames(["BNB-BTC"]))


def _feed(market: BinanceMarket, n: int = 3) -> list[tuple[str, object]]:
    out = []
    for i in range(n):
        ts = (NOW + i * 10) * 1_000_000
        out += market.observe(wire.Trade("BNB-BTC", i + 1, ts, i + 1, 0.0015 + i * 1e-6, 2.0, "buy" if i % 2 else "sell"), STREAMS)
        ticker = wire.Ticker("BNB-BTC", i + 1, ts, 0.0014, 5.0, 0.0016, 6.0, 0.0015, 0.001, 0.002, 0.0009, 100.0, 0.0005)
        out += market.observe(ticker, STREAMS)
    return out


def _shape(value: object) -> object:
    """The JSON shape of a value: its keys and the type of each value, recursively."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__


def _events() -> dict[str, object]:
    market = _market()
    events = dict(_feed(market))
    market.publish_book("BNB-BTC", [(0.0014, 5.0), (0.0013, 1.0)], [(0.0016, 6.0)], NOW)
    update = market.publish_book("BNB-BTC", [(0.0014, 4.0)], [(0.0016, 6.0), (0.0017, 2.0)], NOW + 100)
    events["bnbbtc@depth@100ms"] = update
    events.update(dict(market.tick(0, NOW + 1_000, STREAMS)))
    events.update({k: v for k, v in market.tick(0, NOW + 1_000 + 60_000, STREAMS) if k == "bnbbtc@kline_1m"})
    return events


@pytest.mark.parametrize(
    ("stream", "documented"),
    [
        ("bnbbtc@trade", "trade"),
        ("bnbbtc@aggTrade", "aggTrade"),
        ("bnbbtc@bookTicker", "bookTicker"),
        ("bnbbtc@ticker", "ticker"),
        ("bnbbtc@miniTicker", "miniTicker"),
        ("bnbbtc@kline_1m", "kline"),
        ("bnbbtc@depth@100ms", "depthUpdate"),
        ("bnbbtc@depth", "depthUpdate"),
        ("bnbbtc@depth10", "partial depth"),
    ],
)
def test_every_event_has_the_documented_fields_with_the_documented_json_types(stream, documented):
    sent = json.loads(msgspec.json.encode(_events()[stream]))
    assert _shape(sent) == _shape(json.loads(example(documented)))


@pytest.mark.parametrize(("stream", "tag"), [("bnbbtc@ticker_1h", "1hTicker"), ("bnbbtc@ticker_4h", "4hTicker"), ("bnbbtc@ticker_1d", "1dTicker")])
def test_rolling_window_tickers_have_the_documented_fields_and_decode(stream, tag):
    event = _events()[stream]
    sent = json.loads(msgspec.json.encode(event))
    assert _shape(sent) == _shape({**ROLLING_FIELDS, "e": tag})
    assert sent["o"] == "0.00150000" and sent["c"] == "0.00150200" and sent["n"] == 3 and sent["C"] - sent["O"] == {"1h": 1, "4h": 4, "1d": 24}[stream[-2:]] * 3_600_000
    assert m.decode_event(msgspec.json.encode(event))[1] == m.decode_event(json.dumps({"stream": stream, "data": sent}))[1]


def test_average_price_has_the_documented_fields():
    sent = json.loads(msgspec.json.encode(_events()["bnbbtc@avgPrice"]))
    assert _shape(sent) == _shape(AVG_PRICE_FIELDS)
    assert sent["i"] == "5m" and abs(float(sent["w"]) - 0.001501) < 1e-9 and sent["T"] == NOW + 20


def test_diff_depth_ids_chain_and_the_snapshot_is_at_the_last_one():
    market = _market()
    first = market.publish_book("BNB-BTC", [(1.0, 1.0), (0.9, 2.0)], [(1.1, 1.0)], NOW)
    assert first is not None and (first.first_update_id, first.final_update_id) == (1_000_001, 1_000_003)
    assert market.publish_book("BNB-BTC", [(1.0, 1.0), (0.9, 2.0)], [(1.1, 1.0)], NOW + 100) is None  # nothing changed
    second = market.publish_book("BNB-BTC", [(1.0, 3.0)], [(1.1, 1.0)], NOW + 200)
    assert second is not None and second.first_update_id == first.final_update_id + 1
    assert second.bids == [("1.00000000", "3.00000000"), ("0.90000000", "0.00000000")] and second.asks == []
    snapshot = market.depth_snapshot("BNB-BTC", 5)
    assert snapshot.last_update_id == second.final_update_id
    assert snapshot.bids == [("1.00000000", "3.00000000")] and snapshot.asks == [("1.10000000", "1.00000000")]
    # The 1000 ms event covers both publishes: from the start to the last id.
    (name, second_event), = [e for e in market.tick(10, NOW + 1000, {"bnbbtc@depth"})]
    assert name == "bnbbtc@depth"
    assert (second_event.first_update_id, second_event.final_update_id) == (1_000_001, second.final_update_id)
    assert second_event.bids == [("1.00000000", "3.00000000")]


def test_a_withheld_update_moves_the_ids_so_both_speeds_show_a_gap():
    market = _market()
    market.publish_book("BNB-BTC", [(1.0, 1.0)], [(1.1, 1.0)], NOW)
    market.tick(0, NOW, {"bnbbtc@depth"})
    withheld = market.publish_book("BNB-BTC", [(1.0, 2.0)], [(1.1, 1.0)], NOW + 100, withhold=lambda: True)
    assert withheld is None
    after = market.publish_book("BNB-BTC", [(1.0, 3.0)], [(1.1, 1.0)], NOW + 200)
    assert after is not None and after.first_update_id == 1_000_004  # 1_000_003 never went out
    assert market.tick(10, NOW + 1000, {"bnbbtc@depth"}) == []  # the 1 s event covering it is withheld too
    market.publish_book("BNB-BTC", [(1.0, 4.0)], [(1.1, 1.0)], NOW + 1100)
    (_, next_second), = market.tick(20, NOW + 2000, {"bnbbtc@depth"})
    assert next_second.first_update_id == after.final_update_id + 1


@pytest.mark.parametrize(
    ("interval", "at", "start", "end"),
    [
        ("1s", "2024-03-05T10:11:12.345", "2024-03-05T10:11:12", "2024-03-05T10:11:13"),
        ("15m", "2024-03-05T10:29:59", "2024-03-05T10:15:00", "2024-03-05T10:30:00"),
        ("1d", "2024-03-05T23:59:59", "2024-03-05T00:00:00", "2024-03-06T00:00:00"),
        ("1w", "2024-03-07T12:00:00", "2024-03-04T00:00:00", "2024-03-11T00:00:00"),  # Thursday -> Monday
        ("1M", "2024-02-29T12:00:00", "2024-02-01T00:00:00", "2024-03-01T00:00:00"),
        ("1M", "2024-12-31T23:00:00", "2024-12-01T00:00:00", "2025-01-01T00:00:00"),
    ],
)
def test_bar_boundaries(interval, at, start, end):
    def ms(text: str) -> int:
        return int(datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp() * 1000)

    assert bar_start(interval, ms(at)) == ms(start)
    assert bar_end(interval, ms(start)) == ms(end)


def test_every_documented_interval_is_served():
    assert INTERVALS == ("1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M")


def test_klines_close_on_time_and_fill_quiet_spells_with_empty_bars():
    builder = KlineBuilder("1s")
    builder.add(NOW + 100, 10.0, 1.0, 1, True)
    builder.add(NOW + 900, 12.0, 2.0, 2, False)
    assert builder.roll(NOW + 999) == []
    closed = builder.roll(NOW + 3_500)
    assert [(b.start, b.open, b.high, b.low, b.close, b.volume, b.trades, b.closed) for b in closed] == [
        (NOW, 10.0, 12.0, 10.0, 12.0, 3.0, 2, True),
        (NOW + 1000, 12.0, 12.0, 12.0, 12.0, 0.0, 0, True),
        (NOW + 2000, 12.0, 12.0, 12.0, 12.0, 0.0, 0, True),
    ]
    assert closed[0].taker_buy_volume == 1.0 and closed[0].quote_volume == 34.0
    assert builder.current is not None and builder.current.start == NOW + 3000


def test_stream_names():
    names = SymbolNames(["BTC-USD"])
    assert parse_stream("btcusd@kline_1M", names).interval == "1M"
    assert parse_stream("btcusd@depth20@100ms", names).levels == 20
    assert parse_stream("btcusd@depth@1000ms", names).kind == "depth"
    assert parse_stream("xrpusd@trade", names).symbol is None  # accepted, carries nothing
    for bad in ("btcusd", "BTCUSD@trade", "btcusd@kline_7m", "btcusd@depth15", "btcusd@depth@250ms", "@trade", "btc-usd@trade"):
        assert parse_stream(bad, names) is None, bad


def test_session_replies_to_the_documented_examples():
    session = StreamSession(SymbolNames(["BTC-USDT"]), combined=False)
    subscribe = session.receive(example("subscribe request"))
    assert msgspec.json.encode(subscribe.reply) == msgspec.json.encode(json.loads(example("subscribe response")))
    assert [s.name for s in subscribe.joined] == ["btcusdt@aggTrade", "btcusdt@depth"]
    listed = session.receive(example("list request"))
    assert json.loads(msgspec.json.encode(listed.reply)) == {"result": ["btcusdt@aggTrade", "btcusdt@depth"], "id": 3}
    unsubscribe = session.receive(example("unsubscribe request"))
    assert msgspec.json.encode(unsubscribe.reply) == msgspec.json.encode(json.loads(example("unsubscribe response")))
    assert [s.name for s in unsubscribe.left] == ["btcusdt@depth"]
    assert msgspec.json.encode(session.receive(example("set property request")).reply) == msgspec.json.encode(
        json.loads(example("set property response"))
    )
    assert session.combined
    assert msgspec.json.encode(session.receive(example("get property request")).reply) == msgspec.json.encode(
        json.loads(example("get property response"))
    )


def test_a_refused_subscribe_changes_nothing():
    session = StreamSession(SymbolNames(["BTC-USD"]), combined=False, max_streams=2)
    session.receive('{"method": "SUBSCRIBE", "params": ["btcusd@trade"], "id": 1}')
    refused = session.receive('{"method": "SUBSCRIBE", "params": ["btcusd@ticker", "btcusd@nope"], "id": 2}')
    assert isinstance(refused.reply, m.ErrorReply) and refused.reply.id == 2 and not refused.joined
    too_many = session.receive('{"method": "SUBSCRIBE", "params": ["btcusd@ticker", "btcusd@aggTrade"], "id": 3}')
    assert isinstance(too_many.reply, m.ErrorReply) and too_many.reply.error.code == 2
    assert list(session.streams) == ["btcusd@trade"]


def test_a_bar_closed_by_a_trade_still_goes_out_as_final():
    market = _market()
    wanted = {"bnbbtc@kline_1s", "bnbbtc@kline_1m"}
    market.observe(wire.Trade("BNB-BTC", 1, NOW * 1_000_000, 1, 1.0, 1.0, "buy"), wanted)
    # The next trade is in the next second and the next minute: it closes both bars before any tick.
    market.observe(wire.Trade("BNB-BTC", 2, (NOW + 61_000) * 1_000_000, 2, 2.0, 1.0, "buy"), wanted)
    events = market.tick(0, NOW + 61_500, wanted)
    finals = {(name, e.kline.start_time) for name, e in events if e.kline.closed and e.kline.trades}
    assert ("bnbbtc@kline_1s", NOW - NOW % 1000) in finals
    assert ("bnbbtc@kline_1m", NOW - NOW % 60_000) in finals
    later = market.tick(20, NOW + 63_000, wanted)
    later_finals = {(name, e.kline.start_time) for name, e in later if e.kline.closed and e.kline.trades}
    assert later_finals == {("bnbbtc@kline_1s", NOW + 61_000 - NOW % 1000)}  # each final bar goes out once


def test_longer_bars_made_of_minutes_equal_bars_counted_trade_by_trade():
    import random

    rng = random.Random(5)
    market = _market()
    direct = {interval: KlineBuilder(interval) for interval in ("3m", "5m", "1h", "4h", "1d")}
    ms = NOW
    for trade_id in range(1, 3000):
        ms += int(rng.expovariate(1 / 20_000))
        price, size, side = round(rng.uniform(1, 2), 4), round(rng.uniform(0.1, 3), 2), rng.choice(["buy", "sell"])
        market.observe(wire.Trade("BNB-BTC", trade_id, ms * 1_000_000, trade_id, price, size, side), ())
        for builder in direct.values():
            builder.add(ms, price, size, trade_id, side == "buy")
    for interval, builder in direct.items():
        builder.roll(ms)
        rows = market.klines("BNB-BTC", interval, None, None, 1000, ms)
        expected = [[b.start, b.open, b.high, b.low, b.close, b.volume, b.trades] for b in builder.bars()]
        got = [[r[0], float(r[1]), float(r[2]), float(r[3]), float(r[4]), float(r[5]), r[8]] for r in rows]
        assert len(got) == len(expected), interval
        for g, e in zip(got, expected):
            assert g[0] == e[0] and g[6] == e[6] and g[1:5] == pytest.approx(e[1:5]) and g[5] == pytest.approx(e[5]), interval


def test_longer_bars_are_sent_before_the_first_minute_closes():
    market = _market()
    wanted = {"bnbbtc@kline_5m", "bnbbtc@kline_1M"}
    market.observe(wire.Trade("BNB-BTC", 1, (NOW + 5) * 1_000_000, 1, 1.5, 2.0, "buy"), wanted)
    events = dict(market.tick(0, NOW + 10, wanted))
    assert set(events) == wanted
    five = events["bnbbtc@kline_5m"].kline
    assert (five.open, five.close, five.volume, five.trades, five.closed) == ("1.50000000", "1.50000000", "2.00000000", 1, False)
    assert five.start_time == NOW - NOW % 300_000
