"""Scenario 9's summary in the fan-out bench: medians over the rounds, so one disturbed round does not move it."""

from __future__ import annotations

import pytest

from bench.fanout import _slow_summary


def _sample(slow: bool, p99: float, written: float, cpu: float, rss: float = 0.0) -> dict:
    return {
        "clients": 1000,
        "slow_client": slow,
        "latency_ms": {"p99": p99},
        "server_written_ms": {"p99": written},
        "server_cpu_fraction": cpu,
        "server_rss_growth_mb": rss,
    }


def test_the_summary_compares_the_medians_of_the_rounds_with_and_without_the_slow_client():
    samples = [
        _sample(False, 10.0, 2.0, 0.30),
        _sample(True, 11.0, 2.2, 0.33, rss=1.5),
        _sample(True, 500.0, 90.0, 0.20),  # a round the machine disturbed
        _sample(False, 12.0, 2.0, 0.28),
        _sample(False, 11.0, 2.0, 0.29),
        _sample(True, 12.0, 2.4, 0.34, rss=0.5),
    ]
    (row,) = _slow_summary(samples)
    assert row["rounds"] == 3
    assert (row["p99_ms"], row["p99_ms_slow"]) == (11.0, 12.0)
    assert row["p99_growth"] == pytest.approx(12.0 / 11.0 - 1)
    assert row["server_written_growth"] == pytest.approx(2.4 / 2.0 - 1)
    assert (row["server_cpu"], row["server_cpu_slow"]) == (0.29, 0.33)
    assert row["max_rss_growth_mb"] == 1.5


def test_no_summary_without_both_cases():
    assert _slow_summary([_sample(False, 10.0, 2.0, 0.3)]) == []
