"""When a feed was down, in wall-clock seconds, so a chart can shade the gaps.

Pure: no Qt. A feed is "down" from the moment it leaves an active state
(live, stale, resyncing) until it is live again; periods before the first live
moment are not recorded.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from tradedash.core.feed.lifecycle import FeedState

__all__ = ["DowntimeLog"]

_UP = (FeedState.LIVE, FeedState.STALE, FeedState.RESYNCING)


class DowntimeLog:
    """The last ``keep`` down periods of one feed as ``(start, end)``; ``end`` is None while down.

    ``on_state(old, new)`` is a :class:`FeedLifecycle` listener. ``clock`` is
    wall-clock seconds (the chart's time axis), injected for tests.
    """

    def __init__(self, clock: Callable[[], float] = time.time, keep: int = 50) -> None:
        self._clock = clock
        self.periods: deque[tuple[float, float | None]] = deque(maxlen=keep)
        self.version = 0

    def on_state(self, old: FeedState, new: FeedState) -> None:
        down_now = self.periods and self.periods[-1][1] is None
        if old in _UP and new not in _UP and not down_now:
            self.periods.append((self._clock(), None))
            self.version += 1
        elif new is FeedState.LIVE and down_now:
            start, _ = self.periods[-1]
            self.periods[-1] = (start, self._clock())
            self.version += 1
