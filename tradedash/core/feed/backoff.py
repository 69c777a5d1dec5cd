"""Reconnect delays: capped exponential backoff with full jitter, spread out after a crowd lost its server.

The n-th delay (n = 0, 1, ...) is uniform in ``[0, min(cap, initial * factor**n)]``
("full jitter", as in the AWS Architecture Blog's analysis of backoff), so a
crowd of clients that keeps failing spreads out instead of retrying in step.
A crowd that *loses* one server at once starts in step, though: so the first
retry after a live connection is lost is drawn from a wider window
(``spread``), and after an announced shutdown (or a close "going away") from
``shutdown_spread``, never 0 for everyone.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["ReconnectPolicy"]


@dataclass(frozen=True)
class ReconnectPolicy:
    """How long to wait before each reconnection attempt.

    Contract:

    - ``delays(rng)`` yields an endless sequence; the n-th value lies in
      ``[0, ceiling(n)] = [0, min(cap, initial * factor**n)]``. With the defaults a
      client that cannot connect retries within 100 ms, and no wait is longer than a
      second, so a feed is live again about a second at most after its server is
      back (``bench/reconnect.py``).
    - ``delays(rng, lost=True)``, for a connection that was live and is lost: the
      first value is drawn from ``[0, min(spread, cap)]`` instead (with the defaults:
      200 clients losing one server retry first over a whole second, at most about a
      fifth of them in any 100 ms), then the sequence goes on from n = 1.
    - ``shutdown_delay(rng)``: after the server announced its shutdown, or closed
      with 1001: uniform in ``[0, min(shutdown_spread, cap)]`` (quick enough to be
      live within half a second, spread enough that a crowd does not arrive at once).
    """

    initial: float = 0.1
    factor: float = 2.0
    cap: float = 1.0
    spread: float = 1.0
    shutdown_spread: float = 0.4

    def __post_init__(self) -> None:
        if self.initial <= 0 or self.factor < 1 or self.cap < self.initial:
            raise ValueError("need initial > 0, factor >= 1 and cap >= initial")
        if self.spread < 0 or self.shutdown_spread < 0:
            raise ValueError("need spread >= 0 and shutdown_spread >= 0")

    def ceiling(self, attempt: int) -> float:
        """The largest delay allowed before attempt ``attempt`` (0-based)."""
        # Stop multiplying once past the cap so the float never overflows.
        ceiling = self.initial
        for _ in range(attempt):
            if ceiling >= self.cap:
                break
            ceiling *= self.factor
        return min(self.cap, ceiling)

    def delays(self, rng: random.Random | None = None, *, lost: bool = False) -> Iterator[float]:
        uniform = (rng or random.Random()).uniform
        attempt = 0
        if lost:
            yield uniform(0.0, min(self.spread, self.cap))
            attempt = 1
        while True:
            yield uniform(0.0, self.ceiling(attempt))
            attempt += 1

    def shutdown_delay(self, rng: random.Random | None = None) -> float:
        return (rng or random.Random()).uniform(0.0, min(self.shutdown_spread, self.cap))
