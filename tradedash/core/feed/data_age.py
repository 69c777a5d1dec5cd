"""How late market data is, judged from the exchange's own timestamps without trusting either clock."""

from __future__ import annotations

from collections import deque

__all__ = ["DataAge"]


class DataAge:
    """The lateness of each message of one feed, in seconds.

    Contract: ``observe(mono, wall, stamp)`` takes our monotonic and wall-clock
    times at receipt and the exchange's stamp (epoch seconds) and returns how
    much later than usual the message arrived: ``(wall - stamp)`` minus the
    smallest such difference seen in the last ``window`` seconds. A constant
    offset (clock skew plus network latency), however large, gives 0; a backlog
    delivered after the event loop was blocked, or a link that stalled and
    caught up, gives its delay. When our wall clock jumps (wall and monotonic
    time disagree by more than ``jump`` seconds between two messages) the
    history is dropped and ages start again from 0, so a clock change never
    makes fresh data look old. Lateness is relative: the first message, and the
    first after a silence longer than ``window``, set the baseline (age 0).
    """

    def __init__(self, window: float = 60.0, jump: float = 1.0) -> None:
        self.window = window
        self.jump = jump
        self._lowest: deque[tuple[float, float]] = deque()  # (mono, offset), offsets increasing from the front
        self._last: tuple[float, float] | None = None

    def observe(self, mono: float, wall: float, stamp: float) -> float:
        offset = wall - stamp
        lowest = self._lowest
        if self._last is not None:
            last_mono, last_wall = self._last
            if abs((wall - last_wall) - (mono - last_mono)) > self.jump:
                lowest.clear()
        self._last = (mono, wall)
        while lowest and lowest[-1][1] >= offset:
            lowest.pop()
        lowest.append((mono, offset))
        cutoff = mono - self.window
        while lowest[0][0] < cutoff:
            lowest.popleft()
        return offset - lowest[0][1]
