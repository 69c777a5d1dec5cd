"""The price simulator is deterministic for a seed, stays on its tick grid and inside its quote."""

from __future__ import annotations

import math

import pytest

from mock_exchange.market import Market
from mock_exchange.simulator import DEFAULT_SPECS, SymbolSimulator


@pytest.mark.parametrize("symbol", list(DEFAULT_SPECS))
def test_same_seed_same_stream_other_seed_other_stream(symbol):
    spec = DEFAULT_SPECS[symbol]

    def run(seed: int):
        sim = SymbolSimulator(spec, seed)
        return [sim.step() for _ in range(500)]

    assert run(7) == run(7)
    assert run(7) != run(8)


@pytest.mark.parametrize("symbol", list(DEFAULT_SPECS))
def test_prices_lie_on_the_tick_grid_and_inside_the_quote(symbol):
    spec = DEFAULT_SPECS[symbol]
    sim = SymbolSimulator(spec, 3)
    for _ in range(2000):
        trade = sim.step()
        for price in (trade.price, trade.bid, trade.ask):
            ticks = price / spec.tick_size
            assert math.isclose(ticks, round(ticks), abs_tol=1e-6)
        assert trade.bid < trade.ask
        assert trade.bid <= trade.price <= trade.ask
        assert trade.size > 0 and trade.side in ("buy", "sell")


def test_market_numbers_each_channel_per_symbol_without_gaps():
    market = Market([DEFAULT_SPECS["BTC-USD"], DEFAULT_SPECS["ETH-USD"]], seed=1)
    seqs: dict[tuple[str, str], list[int]] = {}
    for ts in range(100):
        for symbol in market.symbols:
            messages = {channel: message for channel, _, message in market.step(symbol, ts)}
            for channel in ("trades", "ticker"):
                seqs.setdefault((symbol, channel), []).append(messages[channel].seq)
            ticker = messages["ticker"]
            assert ticker.last == messages["trades"].price
            assert ticker.low_24h <= ticker.last <= ticker.high_24h
    assert all(values == list(range(1, 101)) for values in seqs.values())
