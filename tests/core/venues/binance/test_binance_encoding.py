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
