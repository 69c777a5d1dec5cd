"""The mock exchange as a child process (``python -m mock_exchange``), for what only a whole process shows."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

__all__ = ["start_exchange", "exchange_process"]

REPO = Path(__file__).resolve().parents[2]
_LISTENING = re.compile(r"listening on (wss?://\S+)")


async def start_exchange(*args: str, **kwargs) -> tuple[asyncio.subprocess.Process, str, list[str]]:
    """Start ``python -m mock_exchange --port 0 ARGS`` (``kwargs`` go to the subprocess); returns the
    process, the URL it logs that it listens on, and the log lines read so far. Fails the test if it
    exits before listening or takes over 30 s."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "mock_exchange", "--port", "0", *args, cwd=REPO, stderr=asyncio.subprocess.PIPE, **kwargs
    )
    lines: list[str] = []
    while True:
        line = (await asyncio.wait_for(process.stderr.readline(), 30)).decode()
        assert line, f"the exchange exited early: {lines}"
        lines.append(line)
        match = _LISTENING.search(line)
        if match:
            return process, match.group(1), lines


@asynccontextmanager
async def exchange_process(*args: str) -> AsyncIterator[str]:
    """``python -m mock_exchange --port 0 ARGS`` while the block runs; yields its URL, terminates it after."""
    process, url, _ = await start_exchange(*args)
    try:
        yield url
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 30)
