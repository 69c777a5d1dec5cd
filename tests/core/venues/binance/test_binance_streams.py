"""TradeDash subscriptions to Binance stream names and back, and the combined-stream URL."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradedash.core import wire
from tradedash.core.venues.binance.streams import (
    CHANNEL_KINDS, combined_url, split_stream, stream_name, streams_of, subscription_of,
)


def test_every_tradedash_channel_has_its_stream():
    assert streams_of(wire.subscriptions_of(wire.CHANNELS, ["BTCUSDT"])) == [
        "btcusdt@ticker", "btcusdt@trade", "btcusdt@depth@100ms",
        "btcusdt@kline_1s", "btcusdt@kline_1m", "btcusdt@kline_5m", "btcusdt@kline_1h",
    ]
    assert set(CHANNEL_KINDS) == set(wire.CHANNELS)
    with pytest.raises(KeyError):
        streams_of([wire.Subscription("candles:3m", "BTCUSDT")])


@given(symbol=st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=2, max_size=12),
       channel=st.sampled_from(wire.CHANNELS))
def test_stream_names_go_back_to_their_subscription(symbol, channel):
    subscription = wire.Subscription(channel, symbol)
    [stream] = streams_of([subscription])
    assert stream == stream.lower() or not symbol.isascii()
    assert subscription_of(stream) == subscription


@pytest.mark.parametrize(
    ("stream", "parts", "subscription"),
    [
        ("bnbbtc@depth@100ms", ("BNBBTC", "depth@100ms"), wire.Subscription("book", "BNBBTC")),
        ("btcusdt@aggTrade", ("BTCUSDT", "aggTrade"), None),
        ("bnbusdt@bookTicker", ("BNBUSDT", "bookTicker"), None),
        ("bnbbtc@depth5", ("BNBBTC", "depth5"), None),
        ("bnbbtc@depth", ("BNBBTC", "depth"), None),  # the 1000 ms diff depth: not the book channel's
        ("bnbbtc@kline_1m@+08:00", ("BNBBTC", "kline_1m@+08:00"), None),
        ("!serverShutdown", ("", "!serverShutdown"), None),
        ("@trade", ("", "trade"), None),
    ],
)
def test_split_and_subscription_of_other_streams(stream, parts, subscription):
    assert split_stream(stream) == parts
    assert subscription_of(stream) == subscription


def test_combined_url_as_documented():
    """"Combined streams are accessed at /stream?streams=<streamName1>/<streamName2>/<streamName3>"."""
    streams = [stream_name("BTCUSDT", "trade"), stream_name("BTCUSDT", "depth@100ms"), "bnbbtc@kline_1m"]
    assert combined_url("wss://stream.binance.com:9443", streams) == (
        "wss://stream.binance.com:9443/stream?streams=btcusdt@trade/btcusdt@depth@100ms/bnbbtc@kline_1m")
    assert combined_url("ws://127.0.0.1:8765/binance/", ["a@trade"]) == (
        "ws://127.0.0.1:8765/binance/stream?streams=a@trade")
    assert combined_url("wss://x", ["币安usdt@trade"]) == "wss://x/stream?streams=%E5%B8%81%E5%AE%89usdt@trade"
