"""Closing a connection the server gave up on, without letting it hold memory for long."""

from __future__ import annotations

import asyncio

from websockets.asyncio.server import ServerConnection

__all__ = ["close_or_abort"]


async def close_or_abort(connection: ServerConnection, code: int, reason: str, timeout: float = 2.0, linger: float = 30.0) -> None:
    """Close ``connection`` with ``code`` and ``reason``, then make sure it goes.

    - The close frame is queued at once (callers drop any market data queued
      before it, so it is near the front).
    - A client that has not answered the close within ``timeout`` seconds is
      still reading what the kernel holds for it: the transport is closed, so
      what is queued (the close frame included) goes out before the FIN, and a
      slow reader still learns why it was dropped.
    - A client that has not read that within ``linger`` more seconds is cut off
      (the transport is aborted): nothing holds its memory for longer.
    """
    try:
        await asyncio.wait_for(connection.close(code, reason), timeout)
        return
    except asyncio.TimeoutError:
        connection.transport.close()
    try:
        await asyncio.wait_for(asyncio.shield(connection.connection_lost_waiter), linger)
    except asyncio.TimeoutError:
        connection.transport.abort()
