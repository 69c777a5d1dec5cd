"""Helpers for speaking protocol v1 by hand with any client that has async ``send``/``recv``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

__all__ = ["recv_json", "recv_until", "request", "wait_for"]


async def recv_json(ws: Any, timeout: float = 5.0) -> Any:
    """The next frame, decoded."""
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def recv_until(ws: Any, predicate: Callable[[dict], bool], timeout: float = 5.0) -> dict:
    """Read messages (arrays unpacked) until one satisfies ``predicate``; returns it."""
    async def scan() -> dict:
        while True:
            frame = json.loads(await ws.recv())
            for message in frame if isinstance(frame, list) else [frame]:
                if predicate(message):
                    return message

    return await asyncio.wait_for(scan(), timeout)


async def request(ws: Any, body: dict | str, timeout: float = 5.0) -> dict:
    """Send a request and return the ack or error that answers it."""
    await ws.send(body if isinstance(body, str) else json.dumps(body))
    return await recv_until(ws, lambda m: m.get("type") in ("ack", "error"), timeout)


async def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll ``condition`` every 10 ms until true; fails the test after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)
