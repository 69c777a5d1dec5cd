"""Bars merged for a chart zoomed out past one bar per few pixels: values in, values out, against a
straightforward reference."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tradedash.core.chart.coarse_bars import MIN_BAR_PIXELS, coarsen, merge_factor
from tradedash.core.market.candles import CandleView

MINUTE_NS = 60 * 10**9


def view(minutes: list[int], opens, highs, lows, closes, volumes, closed=None) -> CandleView:
    start = np.array(minutes, dtype=np.int64) * MINUTE_NS
    return CandleView(
        start=start, time=start / 1e9, open=np.array(opens, float), high=np.array(highs, float), low=np.array(lows, float),
        close=np.array(closes, float), volume=np.array(volumes, float),
        closed=np.array(closed if closed is not None else [True] * len(minutes)),
    )


def test_two_days_of_minutes_in_700_pixels_merge_into_bars_three_pixels_wide_or_more():
    seconds_per_pixel = 2 * 86_400 / 700
    factor = merge_factor(60, seconds_per_pixel)
    assert factor == 16  # ~4.1 minutes a pixel: 8 minutes would be 1.9 px, 16 are 3.9 px
    assert factor * 60 / seconds_per_pixel >= MIN_BAR_PIXELS and factor // 2 * 60 / seconds_per_pixel < MIN_BAR_PIXELS


def test_a_chart_with_room_merges_nothing():
    assert merge_factor(60, 5.0) == 1  # 12 px a bar
    assert merge_factor(60, 0.0) == 1 and merge_factor(0, 10.0) == 1


def test_merged_bars_open_first_close_last_and_span_their_groups():
    bars = view([0, 1, 2, 3, 5], [10, 11, 12, 13, 15], [12, 14, 13, 13, 16], [9, 10, 11, 12, 14], [11, 12, 13, 12, 15],
                [1, 2, 3, 4, 5], closed=[True, True, True, True, False])
    merged = coarsen(bars, 60, 4)
    assert list(merged.start) == [0, 4 * MINUTE_NS]
    assert list(merged.time) == [0.0, 240.0]
    assert list(merged.open) == [10, 15] and list(merged.close) == [12, 15]
    assert list(merged.high) == [14, 16] and list(merged.low) == [9, 14]
    assert list(merged.volume) == [10, 5] and list(merged.closed) == [True, False]


def test_a_rising_market_drawn_coarse_reads_rising():
    minutes = list(range(64))
    opens = [100 + m for m in minutes]
    closes = [o - 0.5 if m % 4 else o + 3 for m, o in enumerate(opens)]  # three small red bars to one tall green
    merged = coarsen(view(minutes, opens, [max(o, c) for o, c in zip(opens, closes)], [min(o, c) for o, c in zip(opens, closes)],
                          closes, [1] * 64), 60, 8)
    assert np.all(merged.close > merged.open)
    assert sum(c < o for o, c in zip(opens, closes)) == 48  # drawn bar by bar, three in four were red


@given(
    st.lists(st.integers(0, 3), min_size=1, max_size=80),  # gaps between bars, in minutes minus one
    st.sampled_from([1, 2, 4, 8, 16]),
    st.integers(0, 10**6),
)
def test_coarsen_equals_a_group_by_reference(gaps, factor, first):
    minutes = list(np.cumsum([first] + [g + 1 for g in gaps[1:]]))
    rng = np.random.default_rng(len(gaps) * 31 + factor)
    opens = rng.uniform(90, 110, len(minutes))
    closes = rng.uniform(90, 110, len(minutes))
    highs = np.maximum(opens, closes) + rng.uniform(0, 2, len(minutes))
    lows = np.minimum(opens, closes) - rng.uniform(0, 2, len(minutes))
    volumes = rng.uniform(0, 5, len(minutes))
    bars = view(minutes, opens, highs, lows, closes, volumes)
    merged = coarsen(bars, 60, factor)
    groups: dict[int, list[int]] = {}
    for i, minute in enumerate(minutes):
        groups.setdefault(minute // factor, []).append(i)
    assert len(merged.start) == len(groups)
    for j, (group, members) in enumerate(sorted(groups.items())):
        assert merged.start[j] == group * factor * MINUTE_NS
        assert merged.open[j] == opens[members[0]] and merged.close[j] == closes[members[-1]]
        assert merged.high[j] == max(highs[members]) and merged.low[j] == min(lows[members])
        assert np.isclose(merged.volume[j], sum(volumes[members]))
