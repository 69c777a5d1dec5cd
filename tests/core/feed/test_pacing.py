"""The request pacer: a token bucket on a clock the test moves."""

from __future__ import annotations

import pytest

from tradedash.core.feed.pacing import RequestPacer


def test_a_burst_then_the_rate_and_the_next_slot_says_when():
    pacer = RequestPacer(rate=10.0, burst=3)
    assert [pacer.take(0.0) for _ in range(4)] == [True, True, True, False]
    assert pacer.next_slot() == pytest.approx(0.1)
    assert not pacer.take(0.05) and pacer.take(0.1)
    assert pacer.take(10.0) and pacer.take(10.0) and pacer.take(10.0) and not pacer.take(10.0)  # never above the burst


@pytest.mark.parametrize("rate, burst", [(0.0, 1), (-1.0, 5), (1.0, 0)])
def test_nonsense_limits_are_refused(rate, burst):
    with pytest.raises(ValueError):
        RequestPacer(rate, burst)
