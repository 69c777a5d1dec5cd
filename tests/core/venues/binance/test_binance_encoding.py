"""The Binance Structs also encode: what the mock exchange sends is what the dashboard decodes."""

from __future__ import annotations

import json

import msgspec

from tests.core.venues.binance.binance_docs import example
from tradedash.core.venues.binance import messages as m


def test_symbol_filters_round_trip_the_documented_examples_without_null_fields():
    for name in ("PRICE_FILTER", "LOT_SIZE"):
        documented = json.loads(example(name))
        decoded = msgspec.json.decode(example(name), type=m.SymbolFilter)
        assert json.loads(msgspec.json.encode(decoded)) == documented


def test_events_built_with_decimal_strings_encode_as_strings_and_decode_back():
    trade = m.TradeEvent(1672515782136, "BNBBTC", 12345, "0.001", "100", 1672515782136, True, True)  # type: ignore[arg-type]
    encoded = msgspec.json.encode(trade)
    assert json.loads(encoded) == json.loads(example("trade"))
    stream, decoded = m.decode_event(encoded)
    assert stream is None and decoded == m.TradeEvent(1672515782136, "BNBBTC", 12345, 0.001, 100.0, 1672515782136, True, True)


def test_rolling_window_and_average_price_events_decode_raw_and_combined():
    rolling = ('{"e":"4hTicker","E":1672515782136,"s":"BNBBTC","p":"0.0015","P":"250.00","o":"0.0010","h":"0.0025",'
               '"l":"0.0010","c":"0.0025","w":"0.0018","v":"10000","q":"18","O":0,"C":1675216573749,"F":0,"L":18150,"n":18151}')
    stream, event = m.decode_event(rolling)
    assert stream is None and isinstance(event, m.FourHourTickerEvent) and event.last == 0.0025 and event.trades == 18151
    assert m.decode_event('{"stream":"bnbbtc@ticker_4h","data":' + rolling + "}")[1] == event
    assert m.market_message(None, event) is None
    average = '{"e":"avgPrice","E":1693907033000,"s":"BTCUSDT","i":"5m","w":"25776.86000000","T":1693907032213}'
    stream, event = m.decode_event('{"stream":"btcusdt@avgPrice","data":' + average + "}")
    assert stream == "btcusdt@avgPrice" and event == m.AvgPriceEvent(1693907033000, "BTCUSDT", "5m", 25776.86, 1693907032213)
