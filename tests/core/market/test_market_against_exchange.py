"""The client core fed by the mock exchange's own (pure) market: both sides of protocol v1 agree.

No sockets: ``mock_exchange.market.Market`` builds the messages the server would
send, and :class:`MarketState` applies them. Every book update must apply with a
matching checksum, and the candles must end equal to the server's.
"""

from __future__ import annotations

import pytest

from mock_exchange.market import ALL_CHANNELS, DEFAULT_SPECS, Market
from tradedash.core import wire
from tradedash.core.market.book import BookOutcome
from tradedash.core.market.state import MarketState

T0 = 1_764_061_200_000_000_000
SYMBOLS = ["BTC-USD", "ETH-USD"]


@pytest.mark.parametrize("depth", [5, 10, 50])
def test_every_exchange_book_update_applies_in_sequence_with_a_matching_checksum(depth):
    exchange = Market([DEFAULT_SPECS[s] for s in SYMBOLS], seed=11)
    market = MarketState(clock=lambda: 0.0)
    for symbol in SYMBOLS:
        exchange.set_book_depths(symbol, {depth})
        assert market.apply(exchange.book_snapshot(symbol, depth, T0)) is BookOutcome.REBUILT
    outcomes = []
    for step in range(1500):
        for symbol in SYMBOLS:
            for channel, _, message in exchange.step(symbol, T0 + step * 7_000_000, ALL_CHANNELS):
                outcome = market.apply(message)
                if channel == "book":
                    outcomes.append(outcome)
    assert set(outcomes) == {BookOutcome.APPLIED}
    assert market.resyncing_symbols() == set()
    for symbol in SYMBOLS:
        reference = exchange.book_snapshot(symbol, depth, 0)
        book = market.symbols[symbol].book
        assert (book.bids(), book.asks()) == (list(reference.bids), list(reference.asks))
        assert book.checksum() == reference.checksum
        spread = book.spread()
        assert spread is not None and spread > 0


def test_candles_end_equal_to_the_exchanges_and_trades_alone_come_close():
    exchange = Market([DEFAULT_SPECS["SOL-USD"]], seed=3)
    with_candles = MarketState()
    trades_only = MarketState()
    last_server_bar: dict[tuple[str, int], wire.Candle] = {}
    for step in range(3000):  # 0.1 s apart: 5 minutes of trading
        for _, _, message in exchange.step("SOL-USD", T0 + step * 100_000_000, ALL_CHANNELS):
            with_candles.apply(message)
            if isinstance(message, wire.Candle):
                last_server_bar[(message.interval, message.start)] = message
            else:
                trades_only.apply(message)
    for interval in wire.CANDLE_INTERVALS:
        view = with_candles.symbols["SOL-USD"].candles[interval].view()
        served = [last_server_bar[(interval, int(start))] for start in view.start]
        assert list(view.open) == [c.open for c in served]
        assert list(view.high) == [c.high for c in served]
        assert list(view.low) == [c.low for c in served]
        assert list(view.close) == [c.close for c in served]
        assert list(view.volume) == [c.volume for c in served]
        own = trades_only.symbols["SOL-USD"].candles[interval].view()
        assert list(own.start) == list(view.start)
        assert list(own.close) == list(view.close) and list(own.high) == list(view.high)
        assert own.volume == pytest.approx(view.volume, abs=1e-6)
