"""A log line per bad input, but never a flood: count everything, log a few per interval."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

__all__ = ["RateLimitedLog"]


class RateLimitedLog:
    """Counts every report and logs at most ``burst`` of them per ``interval`` seconds.

    Contract: :meth:`report` always adds one to :attr:`count`. Within each
    interval (on the injected monotonic ``clock``, starting at the first report
    after the previous interval ended) the first ``burst`` reports are logged at
    ``level`` and the rest only counted in :attr:`suppressed`; the first report
    of the next interval also logs one line saying how many were left out.
    Arguments are formatted lazily by :mod:`logging`, so a suppressed report
    costs a counter and a clock read.
    """

    def __init__(
        self,
        logger: logging.Logger,
        *,
        burst: int = 5,
        interval: float = 10.0,
        level: int = logging.WARNING,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if burst < 1 or interval <= 0:
            raise ValueError("need burst >= 1 and interval > 0")
        self._logger = logger
        self._burst = burst
        self._interval = interval
        self._level = level
        self._clock = clock
        self.count = 0
        self.suppressed = 0
        self._window_start: float | None = None
        self._logged_in_window = 0
        self._suppressed_in_window = 0

    def report(self, message: str, *args: object) -> None:
        self.count += 1
        now = self._clock()
        if self._window_start is None or now - self._window_start >= self._interval:
            if self._suppressed_in_window:
                self._logger.log(
                    self._level,
                    "%d more like this were not logged (at most %d per %.0f s)",
                    self._suppressed_in_window,
                    self._burst,
                    self._interval,
                )
            self._window_start = now
            self._logged_in_window = self._suppressed_in_window = 0
        if self._logged_in_window < self._burst:
            self._logged_in_window += 1
            self._logger.log(self._level, message, *args)
        else:
            self._suppressed_in_window += 1
            self.suppressed += 1
