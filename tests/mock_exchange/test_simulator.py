"""The price simulator is deterministic for a seed, stays on its tick grid and inside its quote."""

from __future__ import annotations

import math

import pytest

from mock_exchange.market import Market
from mock_exchange.market import DEFAULT_SPECS, SymbolSimulator
from mock_exchange.market.simulator import VolatilityModel


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


def test_market_is_deterministic_for_a_seed_and_differs_for_another():
    def run(seed: int):
        market = Market(DEFAULT_SPECS.values(), seed)
        market.set_book_depths("BTC-USD", {10})
        return [market.step(symbol, 10**18 + i * 10**8) for i in range(200) for symbol in market.symbols]

    assert run(3) == run(3)
    assert run(3) != run(4)


def test_volatility_clusters_and_the_spread_widens_when_it_is_high():
    spec = DEFAULT_SPECS["BTC-USD"]
    # Without jumps (one jump's squared return outweighs hours of others): 5.5 hours, spells last minutes.
    sim = SymbolSimulator(spec, 5, VolatilityModel(jumps_per_hour=0.0))
    steps = [sim.step(1.0) for _ in range(20_000)]
    calm = [t.ask - t.bid for t in steps if t.stress < 0.9]
    fast = [t.ask - t.bid for t in steps if t.stress > 1.5]
    assert calm and fast and sum(fast) / len(fast) > 1.4 * sum(calm) / len(calm)
    sides = {t.side for t in steps}
    sizes = sorted(t.size for t in steps)
    assert sides == {"buy", "sell"} and sizes[-1] > 20 * sizes[len(sizes) // 2]
    # Clustering: squared returns are autocorrelated.
    mids = [(t.bid + t.ask) / 2 for t in steps]
    r2 = [((b - a) / a) ** 2 for a, b in zip(mids, mids[1:])]
    mean = sum(r2) / len(r2)
    cov = sum((x - mean) * (y - mean) for x, y in zip(r2, r2[1:])) / len(r2)
    var = sum((x - mean) ** 2 for x in r2) / len(r2)
    assert cov / var > 0.05


def test_trades_happen_at_the_touch_with_a_heavy_tailed_bounded_size():
    spec = DEFAULT_SPECS["BTC-USD"]
    sim = SymbolSimulator(spec, 9)
    steps = [sim.step(1.0) for _ in range(20_000)]
    assert all(t.price in (t.bid, t.ask) for t in steps)
    notional = sorted(t.price * t.size for t in steps)
    median, p99 = notional[len(notional) // 2], notional[int(0.99 * len(notional))]
    assert 100 <= median <= 1_000  # mostly small tickets, as on a real venue
    assert p99 > 20 * median  # and a heavy tail of blocks
    assert notional[-1] <= 2_000_000 * 4  # the largest block is bounded (x stress)


def test_the_book_has_no_hole_after_a_fast_move():
    from mock_exchange.market.book import LevelBook

    spec = DEFAULT_SPECS["BTC-USD"]
    sim = SymbolSimulator(spec, 2)
    book = LevelBook(sim, 1)
    book.move(sim.step(0.0))
    spacing = book._spacing
    for jump in (1.01, 0.985):  # 1 % up: the bids are far below; 1.5 % down: the asks far above
        sim.mid *= jump
        book.move(sim.step(0.0))
        bids, asks = book.top(50)
        for side in (bids, asks):
            ticks = [round(price / spec.tick_size) for price, _ in side]
            assert len(ticks) == 50
            assert max(abs(b - a) for a, b in zip(ticks, ticks[1:])) <= 12 * spacing
        assert bids[0][0] < asks[0][0]
