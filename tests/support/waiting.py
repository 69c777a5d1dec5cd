"""Waiting for a condition in a test: poll it, and fail the test with what was awaited if it never holds."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

__all__ = ["wait_for", "wait_for_blocking"]


async def wait_for(condition: Callable[[], object], timeout: float = 15.0, *, interval: float = 0.01, what: str = "condition") -> None:
    """Poll ``condition`` every ``interval`` seconds on the running loop until it is true;
    AssertionError naming ``what`` after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, f"{what} not met within {timeout} s"
        await asyncio.sleep(interval)


def wait_for_blocking(condition: Callable[[], object], timeout: float = 30.0, *, interval: float = 0.05, what: str = "condition") -> None:
    """:func:`wait_for` for code without an event loop (a test watching a child process)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} not met within {timeout} s"
        time.sleep(interval)
