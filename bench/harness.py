"""Shared by the benchmarks: start bench.feed_stream in its own process, poll, print and save figures."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = ["feed_stream", "report", "wait_until"]

BENCH = Path(__file__).resolve().parent


@contextlib.contextmanager
def feed_stream(*args: str, module: str = "bench.feed_stream") -> Iterator[str]:
    """Run the stream server ``module`` (protocol v1's, or ``bench.binance_stream``) with ``args``;
    yields its ws:// URL and stops it afterwards."""
    process = subprocess.Popen(
        [sys.executable, "-m", module, *args], cwd=BENCH.parent, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        if not url.startswith("ws://"):
            raise RuntimeError(f"{module} did not start (exit {process.wait()})")
        yield url
    finally:
        process.terminate()
        process.wait(10)


def report(name: str, rows: list[tuple[str, str, str]], figures: dict) -> None:
    """Print a table of (figure, value, goal) rows and write ``figures`` to bench/results/<name>.json."""
    width = max(len(row[0]) for row in rows)
    vwidth = max(len(row[1]) for row in rows)
    print(f"\n{name}")
    for figure, value, goal in rows:
        print(f"  {figure:<{width}}  {value:>{vwidth}}  {goal}")
    out = BENCH / "results" / f"{name}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"  -> {out.relative_to(BENCH.parent)}")


async def wait_until(condition: Callable[[], object], timeout: float, interval: float = 0.002) -> None:
    """Poll ``condition`` every ``interval`` seconds; TimeoutError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(interval)
