"""TimeSeriesRing keeps exactly the newest ``capacity`` samples, oldest first, whatever the append pattern."""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradedash.core.market.history import TimeSeriesRing


@settings(max_examples=150, deadline=None)
@given(
    capacity=st.integers(1, 40),
    # bursts of appends (some longer than the pending buffer), each followed by a read or not
    bursts=st.lists(st.tuples(st.integers(0, 700), st.booleans()), max_size=12),
)
def test_view_equals_the_newest_samples_of_a_reference(capacity, bursts):
    ring = TimeSeriesRing(capacity)
    reference: deque[tuple[float, float]] = deque(maxlen=capacity)
    sample = 0
    for count, read in bursts:
        for _ in range(count):
            ring.append(float(sample), sample * 0.5)
            reference.append((float(sample), sample * 0.5))
            sample += 1
        assert len(ring) == len(reference)
        if read:
            times, values = ring.view()
            assert times.tolist() == [t for t, _ in reference]
            assert values.tolist() == [v for _, v in reference]
    times, values = ring.view()
    assert list(zip(times.tolist(), values.tolist())) == list(reference)


def test_view_is_a_read_only_view_not_a_copy():
    ring = TimeSeriesRing(4)
    for i in range(6):
        ring.append(i, i)
    times, values = ring.view()
    assert not times.flags.writeable and not values.flags.writeable
    assert np.shares_memory(times, ring.view()[0])
    with pytest.raises(ValueError):
        times[0] = 1.0


def test_capacity_must_be_positive():
    with pytest.raises(ValueError):
        TimeSeriesRing(0)
