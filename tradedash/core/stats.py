"""Feed statistics: counters and rates that the feed-health panel and ``tape --stats`` show."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

__all__ = ["FeedStats"]


class FeedStats:
    """Counters of one feed, kept with an injected monotonic clock.

    Contract: ``message_rate()`` is the number of messages seen in the last
    ``window`` seconds divided by ``window``; ``last_message_age()`` is the time
    since the last message of any kind (None before the first one).
    """

    def __init__(self, clock: Callable[[], float], window: float = 2.0) -> None:
        self._clock = clock
        self._window = window
        self._recent: deque[tuple[float, int]] = deque()
        self.messages = 0
        self.malformed = 0
        self.reconnects = 0
        self.gaps = 0
        self.resyncs = 0
        self.last_message_at: float | None = None
        self.last_errors: deque[str] = deque(maxlen=10)

    def record_messages(self, count: int) -> None:
        now = self._clock()
        self.messages += count
        self.last_message_at = now
        recent = self._recent
        if recent and now - recent[-1][0] < 0.1:
            recent[-1] = (recent[-1][0], recent[-1][1] + count)
        else:
            recent.append((now, count))

    def record_error(self, text: str) -> None:
        self.last_errors.append(text)

    def message_rate(self) -> float:
        cutoff = self._clock() - self._window
        recent = self._recent
        while recent and recent[0][0] < cutoff:
            recent.popleft()
        return sum(count for _, count in recent) / self._window

    def last_message_age(self) -> float | None:
        return None if self.last_message_at is None else self._clock() - self.last_message_at
