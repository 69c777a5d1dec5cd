"""DataAge: lateness from exchange stamps, blind to constant clock offsets and to jumps of our wall clock."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradedash.core.feed.data_age import DataAge


@given(st.floats(-1e6, 1e6), st.lists(st.floats(0.001, 5.0), min_size=1, max_size=50))
def test_a_constant_offset_of_any_size_is_never_lateness(offset, gaps):
    age, mono = DataAge(), 0.0
    for gap in gaps:
        mono += gap
        stamp = 1_764_000_000.0 + mono
        assert age.observe(mono, stamp + offset, stamp) == pytest.approx(0.0, abs=1e-6)


def test_a_backlog_shows_its_delay_then_drains():
    age = DataAge(window=60.0)
    for second in range(10):  # live: 5 ms behind the exchange
        assert age.observe(second, 1000.0 + second + 0.005, 1000.0 + second) == pytest.approx(0.0)
    # The loop was blocked 25 s: messages stamped at 10..35 s are read at 35 s, oldest first.
    lateness = [age.observe(35.0 + i * 0.001, 1035.0 + i * 0.001, 1010.0 + i) for i in range(26)]
    assert lateness[0] == pytest.approx(25.0, abs=0.01) and lateness[-1] == pytest.approx(0.025, abs=0.01)


def test_a_jump_of_our_wall_clock_starts_afresh():
    age = DataAge(window=60.0)
    age.observe(0.0, 1000.0, 1000.0)
    age.observe(1.0, 1001.0, 1001.0)
    assert age.observe(2.0, 1002.0 + 3600.0, 1002.0) == 0.0  # our clock jumped an hour: not an hour late
    assert age.observe(3.0, 1003.0 + 3600.0, 1003.0) == 0.0
