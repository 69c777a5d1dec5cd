"""Reconnect delays: full jitter under an exponential ceiling that stops at the cap."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.spread import busiest_window
from tradedash.core.feed.backoff import ReconnectPolicy

policies = st.builds(
    lambda initial, factor, extra: ReconnectPolicy(initial=initial, factor=factor, cap=initial + extra),
    st.floats(0.001, 5.0),
    st.floats(1.0, 10.0),
    st.floats(0.0, 100.0),
)


@settings(max_examples=100, deadline=None)
@given(policies, st.integers(0, 2**32 - 1))
def test_each_delay_is_within_the_full_jitter_ceiling_and_the_cap(policy, seed):
    delays = list(itertools.islice(policy.delays(random.Random(seed)), 60))
    for attempt, delay in enumerate(delays):
        ceiling = min(policy.cap, policy.initial * policy.factor**attempt)
        assert policy.ceiling(attempt) == pytest.approx(ceiling)
        assert 0.0 <= delay <= ceiling * (1 + 1e-12)
    assert max(delays) <= policy.cap


def test_delays_are_the_seeded_uniform_draws_of_the_formula():
    policy = ReconnectPolicy(initial=0.1, factor=2.0, cap=1.0)
    rng = random.Random(42)
    expected = [rng.uniform(0.0, c) for c in (0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0)]
    assert list(itertools.islice(policy.delays(random.Random(42)), 7)) == pytest.approx(expected)


def test_jitter_spreads_delays_over_the_whole_range():
    policy = ReconnectPolicy(initial=1.0, factor=2.0, cap=1.0)
    delays = list(itertools.islice(policy.delays(random.Random(7)), 2000))
    assert min(delays) < 0.05 and max(delays) > 0.95
    assert 0.45 < sum(delays) / len(delays) < 0.55


def test_first_retry_comes_within_100_ms_by_default():
    assert ReconnectPolicy().ceiling(0) <= 0.1


def test_a_ceiling_far_past_the_cap_does_not_overflow():
    assert ReconnectPolicy(initial=0.1, factor=10.0, cap=30.0).ceiling(10_000) == 30.0


@pytest.mark.parametrize("kwargs", [{"initial": 0}, {"factor": 0.5}, {"initial": 2.0, "cap": 1.0}])
def test_nonsense_policies_are_refused(kwargs):
    with pytest.raises(ValueError):
        ReconnectPolicy(**kwargs)


def test_a_crowd_that_lost_its_server_spreads_its_first_retries():
    policy = ReconnectPolicy()
    rng = random.Random(4)
    first = [next(policy.delays(rng, lost=True)) for _ in range(200)]
    assert busiest_window(first) <= 40  # at most 20 % of 200 in any 100 ms
    assert max(first) <= policy.cap


def test_after_the_spread_first_retry_the_sequence_goes_on_from_the_second_attempt():
    policy = ReconnectPolicy(initial=0.1, factor=2.0, cap=1.0, spread=0.8)
    rng = random.Random(42)
    expected = [rng.uniform(0.0, c) for c in (0.8, 0.2, 0.4, 0.8, 1.0)]
    assert list(itertools.islice(policy.delays(random.Random(42), lost=True), 5)) == pytest.approx(expected)


def test_an_announced_shutdown_is_jittered_not_at_delay_0_for_everyone():
    policy = ReconnectPolicy()
    rng = random.Random(1)
    delays = [policy.shutdown_delay(rng) for _ in range(200)]
    assert max(delays) <= policy.shutdown_spread <= 0.5  # live within half a second (scenario 2)
    assert len({round(d, 3) for d in delays}) > 150 and busiest_window(delays) < 100
