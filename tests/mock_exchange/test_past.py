"""The simulated market's seeded past: consistent intervals, bounded pages, and a join with the live market
that has no seam. Pure: a Market with a start time, no server."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mock_exchange.market import DEFAULT_SPECS, Market, PastOptions
from mock_exchange.market.past import seed_past
from mock_exchange.market.simulator import VolatilityModel
from tradedash.core import wire

START = 1_764_061_237_400_000_000  # 37.4 s into a minute
SECOND, MINUTE = wire.INTERVAL_NS["1s"], wire.INTERVAL_NS["1m"]
BTC = "BTC-USD"


def market(seed: int = 3, days: float = 7.0, seconds: int = 3600, rate: float = 10.0) -> Market:
    return Market([DEFAULT_SPECS[BTC], DEFAULT_SPECS["DOGE-USD"]], seed, start_ns=START, past=PastOptions(days, seconds), rate=rate)


def all_bars(m: Market, symbol: str, interval: str, count: int = wire.HISTORY_MAX_COUNT) -> tuple[list[wire.Bar], int]:
    """Every bar, read backwards page by page as a client would; and the number of pages."""
    bars: list[wire.Bar] = []
    end, pages = None, 0
    while True:
        page, next_end = m.history(symbol, interval, end, count)
        pages += 1
        assert len(page) <= count
        bars[:0] = page
        if next_end is None:
            return bars, pages
        assert len(page) == count and next_end == page[0][0]  # only the oldest page is short
        end = next_end


def test_the_past_spans_the_days_asked_for_in_every_interval_and_ends_in_the_bar_in_progress():
    m = market()
    for interval, length in wire.INTERVAL_NS.items():
        bars, _ = all_bars(m, BTC, interval)
        starts = [b[0] for b in bars]
        assert starts == sorted(set(starts)) and all(s % length == 0 for s in starts)
        assert starts[-1] <= START < starts[-1] + length  # the newest bar contains the start
        span = START - starts[0]
        if interval == "1s":
            assert 3600 * SECOND <= span < 3660 * SECOND
        else:
            assert 7 * 86_400 * SECOND <= span < (7 * 24 + 1) * 3600 * SECOND
        # No gap: every interval of the past has its bar, each opening at the last close.
        assert np.all(np.diff(starts) == length)
        assert all(b[1] == a[4] for a, b in zip(bars, bars[1:]))
        assert all(b[2] >= max(b[1], b[4]) and b[3] <= min(b[1], b[4]) and b[5] > 0 for b in bars)
        assert bars[-1][4] == DEFAULT_SPECS[BTC].start_price  # the live market starts at the last close


@pytest.mark.parametrize("coarse", ["5m", "1h"])
def test_coarser_bars_are_made_of_the_minutes(coarse):
    m = market()
    minutes, _ = all_bars(m, BTC, "1m")
    bars, _ = all_bars(m, BTC, coarse)
    length = wire.INTERVAL_NS[coarse]
    for bar in bars:
        inside = [b for b in minutes if bar[0] <= b[0] < bar[0] + length]
        assert bar[1] == inside[0][1] and bar[4] == inside[-1][4]
        assert bar[2] == max(b[2] for b in inside) and bar[3] == min(b[3] for b in inside)
        assert bar[5] == pytest.approx(sum(b[5] for b in inside), rel=1e-9)


def test_the_newest_minutes_are_made_of_the_seconds():
    m = market()
    seconds, _ = all_bars(m, BTC, "1s")
    minutes = {b[0]: b for b in all_bars(m, BTC, "1m")[0]}
    for start in {s[0] - s[0] % MINUTE for s in seconds}:
        inside = [s for s in seconds if start <= s[0] < start + MINUTE]
        minute = minutes[start]
        assert (minute[1], minute[4]) == (inside[0][1], inside[-1][4])
        assert (minute[2], minute[3]) == (max(s[2] for s in inside), min(s[3] for s in inside))


def test_pages_are_bounded_and_an_end_inside_the_history_gives_the_bars_before_it():
    m = market(days=1)
    bars, pages = all_bars(m, BTC, "1m", count=500)
    assert pages == math.ceil(len(bars) / 500)
    middle = bars[700][0]
    page, next_end = m.history(BTC, "1m", middle, 3)
    assert page == bars[697:700] and next_end == bars[697][0]
    page, next_end = m.history(BTC, "1m", bars[2][0] + 1, 1000)  # an end between two starts
    assert page == bars[:3] and next_end is None
    assert m.history(BTC, "1m", bars[0][0], 1000) == ([], None)  # nothing before the first bar


def test_the_live_market_continues_the_bars_of_the_past_without_a_seam():
    m = market()
    before = {interval: m.history(BTC, interval, None, 1)[0][0] for interval in wire.INTERVAL_NS}
    ts = START + 300_000_000  # still inside the same second, minute, ...
    messages = m.step(BTC, ts, dt=0.3)
    candles = {c.interval: c for _, _, c in messages if isinstance(c, wire.Candle)}
    trade = next(t for _, _, t in messages if isinstance(t, wire.Trade))
    for interval, bar in before.items():
        live = candles[interval]
        assert (live.start, live.open) == (bar[0], bar[1]) and not live.closed
        assert live.high == max(bar[2], trade.price) and live.low == min(bar[3], trade.price)
        assert live.volume == pytest.approx(bar[5] + trade.size, rel=1e-9)
        # History read now ends with that same bar, as live.
        [newest], _ = m.history(BTC, interval, None, 1)
        assert newest == (live.start, live.open, live.high, live.low, live.close, live.volume)


def test_bars_made_live_are_paged_after_the_past_with_no_gap_and_no_overlap():
    m = market(days=0.1, seconds=60)
    ts = START
    for _ in range(300):  # 150 s of live market at 2 steps a second
        ts += 500_000_000
        m.step(BTC, ts, dt=0.5)
    bars, _ = all_bars(m, BTC, "1s", count=7)
    starts = [b[0] for b in bars]
    assert np.all(np.diff(starts) == SECOND) and starts[-1] == ts - ts % SECOND
    assert all(b[1] == a[4] or b[0] > START for a, b in zip(bars, bars[1:]))


def test_the_24h_statistics_count_the_past():
    m = market()
    minutes, _ = all_bars(m, BTC, "1m")
    messages = m.step(BTC, START + 1_000_000, dt=0.001)
    ticker = next(t for _, _, t in messages if isinstance(t, wire.Ticker))
    day = [b for b in minutes if b[0] > START - START % MINUTE - 1440 * MINUTE]
    assert len(day) == 1440 and ticker.open_24h == day[0][1]
    assert ticker.high_24h == max(max(b[2] for b in day), ticker.last)
    assert ticker.low_24h == min(min(b[3] for b in day), ticker.last)
    assert ticker.volume_24h == pytest.approx(sum(b[5] for b in day) + messages[0][2].size, rel=1e-9)
    assert ticker.change_24h == pytest.approx(ticker.last - day[0][1], abs=0.006)


def test_candles_close_on_the_clock_in_a_quiet_market():
    m = market(days=0, seconds=0)
    m.step(BTC, START, dt=0.0)
    assert m.close_due(START + SECOND - START % SECOND - 1, lambda s: {"candles:1s"}) == []
    quiet = START - START % SECOND + SECOND  # the second is over, no trade came
    closed = m.close_due(quiet, lambda s: {"candles:1s", "candles:1m"})
    assert [(ch, s, c.closed, c.start) for ch, s, c in closed] == [("candles:1s", BTC, True, START - START % SECOND)]
    assert closed[0][2].ts == quiet
    assert m.close_due(quiet + 1, lambda s: {"candles:1s"}) == []  # once
    messages = m.step(BTC, quiet + 10, dt=0.0)  # the next trade opens a new bar, it does not close the old one again
    seconds = [c for _, _, c in messages if isinstance(c, wire.Candle) and c.interval == "1s"]
    assert [(c.start, c.closed) for c in seconds] == [(quiet, False)]


def test_the_same_seed_gives_the_same_past_and_another_seed_another():
    def closes(seed: int) -> list[float]:
        return [b[4] for b in market(seed).history(BTC, "1m", None, 1000)[0]]

    assert closes(5) == closes(5) and closes(5) != closes(6)


@pytest.mark.parametrize("symbol", list(DEFAULT_SPECS))
def test_the_pasts_realised_volatility_is_the_configured_one_and_an_hour_moves_a_fraction_of_a_percent(symbol):
    """Seven days of 1 m closes (the same volatility model as the live market, clustering and jumps
    included): the annualised realised volatility is within 10 % of the configured figure."""
    spec = DEFAULT_SPECS[symbol]
    bars = seed_past(spec, VolatilityModel(), 11, START, 10.0, PastOptions(7, 0))
    minute_returns = np.diff(np.log(bars["1m"].close))
    realised = math.sqrt(np.sum(minute_returns**2) / len(minute_returns) * 525_960)
    assert realised == pytest.approx(spec.volatility, rel=0.10)
    hour_moves = np.abs(np.diff(np.log(bars["1h"].close)))
    assert np.median(hour_moves) < 0.01  # a typical hour moves well under 1 %


def test_a_long_run_forgets_its_oldest_bars_without_leaving_a_gap():
    from mock_exchange.market.candles import CandleBuilder
    from mock_exchange.market.past import Bars

    past = Bars(np.array([0, SECOND, 2 * SECOND]), *(np.array([1.0, 1.0, 1.0]) for _ in range(5)))
    builder = CandleBuilder("1s", past, max_closed=20)
    for second in range(2, 40):
        builder.add(second * SECOND, 1.0, 1.0)
    bars, next_end = builder.page(None, 1000)
    starts = [b[0] for b in bars]
    assert next_end is None and len(starts) <= 21
    assert starts == list(range(starts[0], 40 * SECOND, SECOND))  # the newest, contiguous


@pytest.mark.parametrize("rate", [5.0, 50.0])
def test_the_pasts_volume_is_what_the_live_market_trades_at_its_rate(rate):
    """No volume seam at the join: a typical second of the past trades about what a live second does."""
    m = market(days=0.05, seconds=1800, rate=rate)
    past = [b[5] for b in m.history(BTC, "1s", None, 1000)[0][:-1]]
    live: dict[int, float] = {}
    ts = START
    for _ in range(int(300 * rate)):  # five minutes
        ts += int(1e9 / rate)
        for channel, _, message in m.step(BTC, ts, {"trades"}, 1 / rate):
            live[ts // SECOND] = live.get(ts // SECOND, 0.0) + message.size
    seconds = list(live.values())[1:-1]
    assert 1 / 1.5 < np.median(past) / np.median(seconds) < 1.5
