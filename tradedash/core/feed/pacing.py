"""Pacing requests to a server's rate limit: a token bucket on an injected clock."""

from __future__ import annotations

__all__ = ["RequestPacer"]

#: One request's worth of tokens, less a rounding error (so that 0.1 s at 10/s is one).
_ONE_TOKEN = 1.0 - 1e-9


class RequestPacer:
    """A token bucket of requests: ``rate`` per second after a first burst of ``burst``.

    Contract: ``take(now)`` spends one request if one is available and says whether it
    did; ``next_slot()`` is when (same clock) the next one will be. ``now`` never goes back.
    """

    def __init__(self, rate: float, burst: int) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("need rate > 0 and burst >= 1")
        self._rate = rate
        self._burst = float(burst)
        self._tokens = float(burst)
        self._at: float | None = None

    def take(self, now: float) -> bool:
        if self._at is not None:
            self._tokens = min(self._burst, self._tokens + (now - self._at) * self._rate)
        self._at = now
        if self._tokens < _ONE_TOKEN:
            return False
        self._tokens -= 1.0
        return True

    def next_slot(self) -> float:
        if self._at is None or self._tokens >= _ONE_TOKEN:
            return self._at or 0.0
        return self._at + (1.0 - self._tokens) / self._rate
