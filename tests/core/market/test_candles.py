"""Candles: from trades they equal a brute-force aggregation; the server's candles win."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradedash.core import wire
from tradedash.core.market.candles import CandleSeries, CandleSet
from tradedash.core.wire import INTERVAL_NS
from tradedash.core.market.state import MarketState

T0 = 1_764_061_200_000_000_000  # 2025-11-25 09:00:00 UTC, a whole hour
SECOND = 1_000_000_000


def reference_bars(trades, interval_ns):
    """Brute force: group by bar start in arrival order; open first, close last."""
    bars: dict[int, list[float]] = {}
    for ts, price, size in trades:
        start = ts - ts % interval_ns
        if start not in bars:
            bars[start] = [price, price, price, price, size]
        else:
            bar = bars[start]
            bar[1] = max(bar[1], price)
            bar[2] = min(bar[2], price)
            bar[3] = price
            bar[4] += size
    return sorted(bars.items())


def as_rows(series: CandleSeries):
    view = series.view()
    return [
        (int(s), [float(o), float(h), float(lo), float(c), float(v)])
        for s, o, h, lo, c, v in zip(view.start, view.open, view.high, view.low, view.close, view.volume)
    ]


prices = st.integers(1, 400).map(lambda k: 100.0 + 0.25 * k)
trade_sizes = st.sampled_from([0.001, 0.01, 0.5, 1.0, 3.0])
# Mostly forward steps (sub-second up to a few minutes), sometimes a late trade from the past.
steps = st.one_of(st.integers(0, 3 * SECOND), st.integers(0, 400 * SECOND), st.integers(-90 * SECOND, 0))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(steps, prices, trade_sizes), min_size=1, max_size=150), st.sampled_from(list(INTERVAL_NS)))
def test_candles_from_trades_equal_a_reference_aggregation(moves, interval):
    ts = T0
    trades = []
    for step, price, size in moves:
        ts = max(T0, ts + step)
        trades.append((ts, price, size))
    series = CandleSeries(interval, capacity=10_000)
    for trade in trades:
        series.add_trade(*trade)
    assert as_rows(series) == reference_bars(trades, INTERVAL_NS[interval])
    closed = series.view().closed
    assert not closed[-1] and closed[:-1].all()  # only the newest bar is open


def test_views_are_read_only_time_in_seconds_and_series_keeps_only_capacity_bars():
    series = CandleSeries("1s", capacity=3)
    for k in range(10):  # also crosses the compaction of the backing arrays
        series.add_trade(T0 + k * SECOND, 100.0 + k, 1.0)
    view = series.view()
    assert len(series) == 3
    assert list(view.close) == [107.0, 108.0, 109.0]
    assert list(view.time) == [(T0 + k * SECOND) / 1e9 for k in (7, 8, 9)]
    with pytest.raises(ValueError):
        view.close[0] = 1.0
    series.add_trade(T0 + 2 * SECOND, 50.0, 1.0)  # older than every kept bar of a full series
    assert series.late == 1 and len(series) == 3


def test_late_trade_for_a_quiet_interval_inserts_a_closed_bar_in_order():
    series = CandleSeries("1s", capacity=5)
    series.add_trade(T0, 100.0, 1.0)
    series.add_trade(T0 + 3 * SECOND, 103.0, 1.0)
    series.add_trade(T0 + SECOND + 5, 101.0, 2.0)
    view = series.view()
    assert list(view.start) == [T0, T0 + SECOND, T0 + 3 * SECOND]
    assert list(view.volume) == [1.0, 2.0, 1.0]
    assert list(view.closed) == [True, True, False]


def candle(start, ts, o, h, lo, c, v, closed=False, interval="1m", symbol="BTC-USD"):
    return wire.Candle(symbol, 1, ts, interval, start, o, h, lo, c, v, closed)


def test_server_candle_wins_and_only_later_trades_extend_it():
    minute = INTERVAL_NS["1m"]
    series = CandleSeries("1m")
    series.add_trade(T0 + 1 * SECOND, 100.0, 1.0)  # the client saw only some trades
    series.apply_candle(candle(T0, T0 + 10 * SECOND, 99.0, 105.0, 98.0, 104.0, 9.0))
    assert as_rows(series) == [(T0, [99.0, 105.0, 98.0, 104.0, 9.0])]
    series.add_trade(T0 + 5 * SECOND, 200.0, 1.0)  # stamped before the server's candle: already in it
    series.add_trade(T0 + 11 * SECOND, 106.0, 0.5)
    assert as_rows(series) == [(T0, [99.0, 106.0, 98.0, 106.0, 9.5])]
    series.apply_candle(candle(T0, T0 + 5 * SECOND, 1.0, 1.0, 1.0, 1.0, 1.0))  # older than the last one: ignored
    assert as_rows(series)[0][1][4] == 9.5
    series.add_trade(T0 + minute, 107.0, 1.0)
    series.apply_candle(candle(T0, T0 + minute + 1, 99.0, 106.5, 98.0, 106.5, 10.0, closed=True))
    assert as_rows(series) == [(T0, [99.0, 106.5, 98.0, 106.5, 10.0]), (T0 + minute, [107.0] * 4 + [1.0])]
    assert list(series.view().closed) == [True, False]
    series.apply_candle(candle(T0 - minute, T0 + minute + 2, 90.0, 91.0, 89.0, 90.5, 4.0, closed=True))
    assert [row[0] for row in as_rows(series)] == [T0 - minute, T0, T0 + minute]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 40 * SECOND), prices, trade_sizes, st.booleans(), st.booleans()), min_size=1, max_size=80)
)
def test_client_that_misses_trades_ends_equal_to_the_server_bars_it_received(moves):
    """The server aggregates every trade and publishes the current bar now and then and at each bar close;
    the client loses some trades. Each bar the server closed or last published ends equal to the server's."""
    interval = "1m"
    server = CandleSeries(interval)
    client = CandleSeries(interval)
    ts = T0
    current_start = None
    for step, price, size, lost, publish in moves:
        ts += step
        start = ts - ts % INTERVAL_NS[interval]
        if current_start is not None and start != current_start:  # bar close: the server publishes it closed
            bar = dict(as_rows(server))[current_start]
            client.apply_candle(candle(current_start, ts - 1, *bar, closed=True))
        current_start = start
        server.add_trade(ts, price, size)
        if not lost:
            client.add_trade(ts, price, size)
        if publish:
            client.apply_candle(candle(start, ts, *dict(as_rows(server))[start]))
    last = dict(as_rows(server))[current_start]
    client.apply_candle(candle(current_start, ts, *last))
    assert as_rows(client) == as_rows(server)


def test_market_state_feeds_every_interval_from_trades_and_ignores_unknown_intervals():
    market = MarketState()
    market.apply(wire.Trade("ETH-USD", 1, T0 + 2 * SECOND, 1, 3200.0, 0.5, "buy"))
    market.apply(wire.Trade("ETH-USD", 2, T0 + 3 * SECOND, 2, 3201.0, 0.25, "sell"))
    state = market.symbols["ETH-USD"]
    assert [len(state.candles[i]) for i in INTERVAL_NS] == [2, 1, 1, 1]
    hour = state.candles["1h"].view()
    assert (hour.start[0], hour.open[0], hour.close[0], hour.volume[0]) == (T0, 3200.0, 3201.0, 0.75)
    version = state.version
    market.apply(candle(T0, T0 + 4 * SECOND, 1.0, 2.0, 0.5, 1.5, 3.0, interval="2m", symbol="ETH-USD"))
    assert market.ignored == 1 and state.version == version
    market.apply(candle(T0, T0 + 4 * SECOND, 3199.0, 3202.0, 3198.0, 3201.0, 7.0, symbol="ETH-USD"))
    assert np.array_equal(state.candles["1m"].view().volume, [7.0])


def test_stamps_outside_int64_nanoseconds_are_rejected_not_raised():
    series = CandleSeries("1s")
    series.add_trade(-1, 1.0, 1.0)
    series.add_trade(2**63, 1.0, 1.0)
    series.apply_candle(candle(2**64, T0, 1.0, 1.0, 1.0, 1.0, 1.0, interval="1s"))
    assert series.rejected == 3 and len(series) == 0


class ReferenceCandles:
    """The contract of CandleSeries written plainly: a dict of bars, the newest ``capacity`` kept."""

    def __init__(self, interval_ns: int, capacity: int) -> None:
        self.interval_ns, self.capacity = interval_ns, capacity
        self.bars: dict[int, list] = {}  # start -> [open, high, low, close, volume, asof, server_closed]

    def _keep(self) -> None:
        while len(self.bars) > self.capacity:
            del self.bars[min(self.bars)]

    def trade(self, ts: int, price: float, size: float) -> None:
        start = ts - ts % self.interval_ns
        bar = self.bars.get(start)
        if bar is None:
            self.bars[start] = [price, price, price, price, size, 0, False]
        elif ts > bar[5]:
            bar[1], bar[2], bar[3], bar[4] = max(bar[1], price), min(bar[2], price), price, bar[4] + size
        self._keep()

    def candle(self, c: wire.Candle) -> None:
        bar = self.bars.get(c.start)
        if bar is None or c.ts >= bar[5]:
            self.bars[c.start] = [c.open, c.high, c.low, c.close, c.volume, c.ts, c.closed]
        self._keep()

    def rows(self):
        newest = max(self.bars, default=None)
        return [
            (start, bar[:5], bar[6] if start == newest else True) for start, bar in sorted(self.bars.items())
        ]


quarter_seconds = st.integers(0, 24).map(lambda k: k * SECOND // 4)  # coarse, so stamps often tie
events = st.lists(
    st.one_of(
        st.tuples(st.just("trade"), quarter_seconds, prices, trade_sizes),
        st.tuples(st.just("candle"), st.integers(0, 6), st.integers(0, 3), st.tuples(prices, prices, trade_sizes),
                  st.booleans()),
    ),
    max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(events, st.integers(1, 6))
def test_any_order_of_trades_and_server_candles_matches_the_plain_contract(stream, capacity):
    series = CandleSeries("1s", capacity=capacity)
    reference = ReferenceCandles(SECOND, capacity)
    for event in stream:
        if event[0] == "trade":
            _, offset, price, size = event
            series.add_trade(T0 + offset, price, size)
            reference.trade(T0 + offset, price, size)
        else:
            _, bar, quarters_after, (a, b, volume), closed = event  # stamped during its bar or a little after
            low, high = min(a, b), max(a, b)
            start = T0 + bar * SECOND
            message = candle(start, start + quarters_after * SECOND // 4, a, high, low, b, volume, closed, interval="1s")
            series.apply_candle(message)
            reference.candle(message)
    view = series.view()
    got = [
        (int(s), [float(x) for x in (o, h, lo, c, v)], bool(closed))
        for s, o, h, lo, c, v, closed in zip(view.start, view.open, view.high, view.low, view.close, view.volume,
                                             view.closed)
    ]
    assert got == reference.rows()


set_events = st.lists(
    st.one_of(
        st.tuples(st.just("trade"), steps, prices, trade_sizes),
        st.tuples(st.just("candle"), st.sampled_from(list(INTERVAL_NS)), st.integers(-2, 0), st.integers(0, 4 * SECOND),
                  st.tuples(prices, prices, trade_sizes), st.booleans()),
        st.tuples(st.just("read"), st.sampled_from(list(INTERVAL_NS))),
    ),
    max_size=120,
)


@settings(max_examples=200, deadline=None)
@given(set_events)
def test_a_candle_set_leaves_every_series_as_feeding_it_alone_would(stream):
    """CandleSet takes runs of trades in one step; the result must not show it (reads come at random points)."""
    candle_set = CandleSet(capacity=8)
    alone = {interval: CandleSeries(interval, capacity=8) for interval in INTERVAL_NS}
    ts = T0
    for event in stream:
        if event[0] == "trade":
            _, step, price, size = event
            ts = max(T0, ts + step)
            candle_set.add_trade(ts, price, size)
            for series in alone.values():
                series.add_trade(ts, price, size)
        elif event[0] == "candle":
            _, interval, bars_back, stamped_after, (a, b, volume), closed = event
            interval_ns = INTERVAL_NS[interval]
            start = ts - ts % interval_ns + bars_back * interval_ns
            message = candle(start, ts + stamped_after, a, max(a, b), min(a, b), b, volume, closed, interval=interval)
            assert candle_set.apply_candle(message)
            alone[interval].apply_candle(message)
        else:
            candle_set.series[event[1]].view()
    for interval, series in alone.items():
        got, want = candle_set.series[interval].view(), series.view()
        for field in ("start", "open", "high", "low", "close", "closed"):
            assert np.array_equal(getattr(got, field), getattr(want, field)), (interval, field)
        assert np.allclose(got.volume, want.volume, rtol=1e-12, atol=0)
        assert candle_set.series[interval].version == series.version
    assert not candle_set.apply_candle(candle(T0, T0, 1.0, 1.0, 1.0, 1.0, 1.0, interval="2m"))


def test_the_newest_bar_closes_on_the_clock_in_a_quiet_market():
    candles = CandleSet()
    candles.add_trade(T0 + 20 * SECOND, 100.0, 1.0)
    minute = candles.series["1m"]
    assert not minute.view(now_ns=T0 + 60 * SECOND - 1).closed[-1]  # its minute is not over
    version = minute.version
    view = minute.view(now_ns=T0 + 60 * SECOND)  # over, and no trade came
    assert view.closed.tolist() == [True] and minute.version > version
    assert not candles.series["5m"].view(now_ns=T0 + 60 * SECOND).closed[-1]
    assert minute.close_until(T0 + 61 * SECOND) is False  # once
    # A server candle or trade of a later minute opens the next bar as before.
    candles.add_trade(T0 + 75 * SECOND, 101.0, 1.0)
    assert minute.view(now_ns=T0 + 75 * SECOND).closed.tolist() == [True, False]
