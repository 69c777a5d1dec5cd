"""How bunched a set of moments is: for tests of retries spread out by jitter."""

from __future__ import annotations

__all__ = ["busiest_window"]


def busiest_window(times: list[float], window: float = 0.1) -> int:
    """The most of ``times`` in any ``window``-long stretch."""
    times, start, most = sorted(times), 0, 0
    for end, t in enumerate(times):
        while times[start] < t - window:
            start += 1
        most = max(most, end - start + 1)
    return most
