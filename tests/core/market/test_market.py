"""MarketState: every market message updates state at once, and no well-typed message can break it."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tradedash.core import wire
from tradedash.core.market.book import BookOutcome
from tradedash.core.market.state import MarketState
from tradedash.core.feed.stats import FeedStats

T0 = 1_764_061_200_000_000_000


def test_ticker_and_trade_update_state_and_version():
    market = MarketState(trades_kept=3)
    tick = wire.Ticker("BTC-USD", 1, T0, 1.0, 2.0, 1.5, 3.0, 1.25, 1.0, 2.0, 0.5, 10.0, 0.25)
    assert market.apply(tick) is None
    for i in range(5):
        market.apply(wire.Trade("BTC-USD", i + 1, T0 + i, i, 100.0 + i, 1.0, "buy"))
    state = market.symbols["BTC-USD"]
    assert state.ticker is tick and state.version == 6
    assert [t.trade_id for t in state.trades] == [2, 3, 4]  # bounded
    times, values = state.prices.view()
    assert list(times) == [T0 / 1e9] and list(values) == [1.25]
    assert list(market.symbols) == ["BTC-USD"]


def test_book_messages_reach_the_symbols_book_and_bump_the_version():
    market = MarketState()
    snapshot = wire.Book("ETH-USD", 1, T0, "snapshot", [(99.0, 1.0)], [(101.0, 2.0)])
    assert market.apply(snapshot) is BookOutcome.REBUILT
    state = market.symbols["ETH-USD"]
    assert state.book.bids() == [(99.0, 1.0)] and state.version == 1
    assert market.apply(snapshot) is BookOutcome.REBUILT
    assert market.resyncing_symbols() == set()


symbols = st.sampled_from(["BTC-USD", "ETH-USD", "", "no such symbol", "\u00e9\u0000"])
ints = st.integers(-(2**70), 2**70) | st.integers(0, 10)
floats = st.floats(allow_nan=False, allow_infinity=False)
levels = st.lists(st.tuples(floats | st.sampled_from([99.0, 100.0, 101.0]), floats | st.just(0.0)), max_size=4)
messages = st.one_of(
    st.builds(wire.Ticker, symbols, ints, ints, floats, floats, floats, floats, floats, floats, floats, floats,
              floats, floats),
    st.builds(wire.Trade, symbols, ints, ints, ints, floats, floats, st.sampled_from(["buy", "sell"])),
    st.builds(wire.Book, symbols, ints, ints, st.sampled_from(["snapshot", "update"]), levels, levels,
              st.none() | ints, st.none() | ints),
    st.builds(wire.Candle, symbols, ints, ints, st.sampled_from(["1s", "1m", "5m", "1h", "2m", ""]), ints,
              floats, floats, floats, floats, floats, st.booleans()),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(messages, max_size=40))
def test_no_well_typed_message_breaks_market_state_or_stats(stream):
    market = MarketState(clock=lambda: 0.0)
    stats = FeedStats(lambda: 0.0, wall_clock_ns=lambda: T0)
    for message in stream:
        stats.record_market(message, market.apply(message))
        stats.record_messages(1)
    market.take_snapshot_requests()
    assert market.resyncing_symbols() == {s for s, state in market.symbols.items() if state.book.resyncing}
    for state in market.symbols.values():
        for series in state.candles.values():
            view = series.view()
            assert np.all(np.diff(view.start) > 0)  # bars stay in start order
        state.book.bids(10), state.book.asks(10), state.book.checksum()
    stats.as_dict()


def test_made_up_symbols_beyond_the_limit_are_ignored_not_allocated():
    market = MarketState(max_symbols=2)
    for i in range(5):
        assert market.apply(wire.Book(f"FAKE-{i}", 1, T0, "snapshot", [], [])) is (
            BookOutcome.REBUILT if i < 2 else None
        )
    assert list(market.symbols) == ["FAKE-0", "FAKE-1"] and market.ignored == 3
    market.apply(wire.Trade("FAKE-1", 1, T0, 1, 1.0, 1.0, "buy"))
    assert market.symbols["FAKE-1"].version == 2


def _candle(seq: int, close: float) -> wire.Candle:
    return wire.Candle("BTC-USD", seq, T0 + seq, "1m", T0 - T0 % 60_000_000_000, 1.0, 2.0, 0.5, close, 1.0, False)


def test_repeated_and_old_seqs_are_ignored_and_counted_on_every_channel():
    market = MarketState()
    stats = FeedStats(lambda: 0.0, wall_clock_ns=lambda: T0)
    trade = wire.Trade("BTC-USD", 10, T0, 77, 100.0, 1.0, "buy")
    tickers = [wire.Ticker("BTC-USD", seq, T0, 1.0, 1.0, 2.0, 1.0, last, 1.0, 2.0, 1.0, 1.0, 0.5) for seq, last in ((20, 1.5), (5, 9.9), (20, 9.9))]
    stream = [trade, trade, trade, trade, *tickers, _candle(3, 1.7), _candle(2, 9.9), _candle(3, 9.9)]
    outcomes = [market.apply(m) for m in stream]
    for message, outcome in zip(stream, outcomes):
        stats.record_market(message, outcome)
    state = market.symbols["BTC-USD"]
    assert list(state.trades) == [trade] and state.ticker.seq == 20 and state.ticker.last == 1.5
    assert state.candles["1m"].view().close[-1] == 1.7
    assert outcomes.count(BookOutcome.DUPLICATE) == 7
    assert stats.duplicates == 7
    assert [stats.subscription(c, "BTC-USD").duplicates for c in ("trades", "ticker", "candles:1m")] == [3, 2, 2]


def test_after_a_reconnect_sequences_start_over_on_every_channel():
    market = MarketState()
    market.apply(wire.Trade("BTC-USD", 10, T0, 1, 100.0, 1.0, "buy"))
    market.apply(_candle(9, 1.0))
    market.reset_sequences()  # a new connection (perhaps a restarted server) numbers from 1 again
    assert market.apply(wire.Trade("BTC-USD", 1, T0 + 1, 2, 101.0, 1.0, "buy")) is None
    assert market.apply(_candle(1, 2.0)) is None
    assert [t.trade_id for t in market.symbols["BTC-USD"].trades] == [1, 2]


def test_a_market_shard_checks_resyncs_and_resets_only_its_own_books():
    from tradedash.core.market.state import MarketShard

    market = MarketState(clock=lambda: 0.0)
    mine, theirs = MarketShard(market, {"AAA"}), MarketShard(market, {"BBB"})
    for symbol in ("AAA", "BBB"):
        market.apply(wire.Book(symbol, 10, T0, "snapshot", [(99.0, 1.0)], [(101.0, 2.0)]))
        market.apply(wire.Book(symbol, 12, T0, "update", [(99.0, 2.0)], [], prev_seq=11))  # a gap: resync
    assert set(mine.take_snapshot_requests()) == {"AAA"} and mine.resyncing_symbols() == {"AAA"}
    assert set(theirs.take_snapshot_requests()) == {"BBB"}
    market.apply(wire.Book("BBB", 20, T0, "snapshot", [(98.0, 1.0)], []))
    assert theirs.resyncing_symbols() == set() and market.symbols["BBB"].book.seq == 20
    mine.reset_sequences()  # mine reconnected
    assert market.symbols["BBB"].book.seq == 20  # theirs keeps its sequence
    assert market.symbols["AAA"].book.seq is None
    assert mine.handler(wire.Book) == market.handler(wire.Book) and mine.verify_books() == []
    mine.clear_book("AAA")
    assert market.resyncing_symbols() == set()
