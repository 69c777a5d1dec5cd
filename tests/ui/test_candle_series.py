"""Candles binned from the price history and trades."""

from __future__ import annotations

import numpy as np
from ui_helpers import T0, ticker, trade

from tradedash.ui.candle_series import candles_of


def test_bins_prices_into_ohlc_and_trades_into_volume(feed):
    market = feed.market
    for offset_s, price in ((0.0, 10.0), (0.4, 12.0), (0.8, 9.0), (1.2, 11.0), (1.5, 10.5), (3.1, 20.0)):
        ts = T0 + int(offset_s * 1e9)
        market.apply(ticker("BTC-USD", price, ts=ts))
        market.apply(trade("BTC-USD", price, ts=ts, size=1.0))
    candles = candles_of(market.symbols["BTC-USD"], 1)
    assert list(candles.start - T0 / 1e9) == [0.0, 1.0, 3.0]
    assert list(candles.open) == [10.0, 11.0, 20.0]
    assert list(candles.high) == [12.0, 11.0, 20.0]
    assert list(candles.low) == [9.0, 10.5, 20.0]
    assert list(candles.close) == [9.0, 10.5, 20.0]
    assert list(candles.volume) == [3.0, 2.0, 1.0]


def test_limit_keeps_the_latest_bars(feed):
    for second in range(30):
        feed.market.apply(ticker("BTC-USD", float(second), ts=T0 + second * 1_000_000_000))
    candles = candles_of(feed.market.symbols["BTC-USD"], 1, limit=10)
    assert len(candles) == 10 and candles.close[-1] == 29.0 and np.all(np.diff(candles.start) == 1.0)
