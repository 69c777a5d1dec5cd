"""Reconnect delays: capped exponential backoff with full jitter.

The n-th delay (n = 0, 1, ...) is uniform in ``[0, min(cap, initial * factor**n)]``
("full jitter", as in the AWS Architecture Blog's analysis of backoff), so a
crowd of clients that lost one server spreads out instead of retrying in step.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["ReconnectPolicy"]


@dataclass(frozen=True)
class ReconnectPolicy:
    """How long to wait before each reconnection attempt.

    Contract: ``delays()`` yields an endless sequence; the n-th value lies in
    ``[0, min(cap, initial * factor**n)]``. With the defaults the first retry
    comes within 100 ms and no wait is longer than a second, so a feed is live
    again about a second at most after its server is back (``bench/reconnect.py``),
    at a cost of two refused attempts a second, on average, while it is down.
    """

    initial: float = 0.1
    factor: float = 2.0
    cap: float = 1.0

    def __post_init__(self) -> None:
        if self.initial <= 0 or self.factor < 1 or self.cap < self.initial:
            raise ValueError("need initial > 0, factor >= 1 and cap >= initial")

    def ceiling(self, attempt: int) -> float:
        """The largest delay allowed before attempt ``attempt`` (0-based)."""
        # Stop multiplying once past the cap so the float never overflows.
        ceiling = self.initial
        for _ in range(attempt):
            if ceiling >= self.cap:
                break
            ceiling *= self.factor
        return min(self.cap, ceiling)

    def delays(self, rng: random.Random | None = None) -> Iterator[float]:
        uniform = (rng or random.Random()).uniform
        attempt = 0
        while True:
            yield uniform(0.0, self.ceiling(attempt))
            attempt += 1
