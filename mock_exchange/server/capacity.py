"""How many connections the process can hold: file descriptors, a reserve kept free, and a quiet log when short.

Every connection costs a file descriptor. The exchange raises its soft descriptor
limit to the hard one where allowed, keeps :data:`RESERVE` descriptors free (so that
it can still accept a connection to answer it with 503, open files and log), and
derives its default connection limits from what is left.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable

try:
    import resource
except ImportError:  # Windows: no descriptor limit to read or raise
    resource = None  # type: ignore[assignment]

__all__ = ["RESERVE", "raise_descriptor_limit", "connection_capacity", "AcceptErrorLimiter", "install_accept_error_limiter"]


#: Descriptors kept free for accepting and refusing, files and logs.
RESERVE = 32
#: The soft limit is raised at most to this (the hard limit may be "unlimited").
_WANTED_DESCRIPTORS = 65536


def raise_descriptor_limit() -> tuple[int, int] | None:
    """Raise the soft RLIMIT_NOFILE towards the hard one; returns (before, after), or None where there is none."""
    if resource is None:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = _WANTED_DESCRIPTORS if hard == resource.RLIM_INFINITY else min(hard, _WANTED_DESCRIPTORS)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError):
            return soft, soft
        return soft, wanted
    return soft, soft


def _descriptors_in_use() -> int:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return 64  # a fair guess where /proc is missing


def connection_capacity() -> int | None:
    """Connections this process can still open (the soft descriptor limit less those in use and the reserve);
    None where there is no descriptor limit to go by."""
    if resource is None:
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return None
    return max(1, soft - _descriptors_in_use() - RESERVE)


class AcceptErrorLimiter(logging.Filter):
    """Lets through at most one ``socket.accept() out of system resource`` record per ``period`` seconds
    (asyncio logs one per failed accept); the next one that passes says how many were held back."""

    def __init__(self, period: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._period = period
        self._clock = clock
        self._last: float | None = None
        self.suppressed = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if "out of system resource" not in str(record.msg):
            return True
        now = self._clock()
        if self._last is not None and now - self._last < self._period:
            self.suppressed += 1
            return False
        self._last = now
        if self.suppressed:
            record.msg = f"{record.msg} ({self.suppressed} more in the last {self._period:g} s not logged)"
            self.suppressed = 0
        record.exc_info = None  # the traceback says nothing more
        return True


_LIMITER = AcceptErrorLimiter()


def install_accept_error_limiter() -> None:
    """Rate-limit asyncio's accept errors (idempotent)."""
    asyncio_log = logging.getLogger("asyncio")
    if _LIMITER not in asyncio_log.filters:
        asyncio_log.addFilter(_LIMITER)
