"""Heartbeats, spread over the interval: a few cheap broadcasts instead of one burst to everyone."""

from __future__ import annotations

import asyncio
import time

from websockets.asyncio.server import ServerConnection

from tradedash.core import wire

from .outlet import text_frame, write_to_all

__all__ = ["Heartbeats"]


class Heartbeats:
    """Sends every connection one heartbeat per interval.

    Connections are shared out among :attr:`SLOTS` groups (the smallest takes the next
    one), and each group gets its heartbeat at its own point of the interval: one frame,
    encoded once, broadcast to the group. Contract: each connection gets one heartbeat
    per ``interval`` (the first within one interval of :meth:`add`), whose ``seq`` is one
    more than the one before on that connection and whose ``ts`` is when it was made.
    """

    SLOTS = 10

    def __init__(self, interval: float) -> None:
        self._interval = interval
        self._groups: list[set[ServerConnection]] = [set() for _ in range(self.SLOTS)]
        self._group_of: dict[ServerConnection, set[ServerConnection]] = {}

    def add(self, connection: ServerConnection) -> None:
        group = min(self._groups, key=len)
        group.add(connection)
        self._group_of[connection] = group

    def remove(self, connection: ServerConnection) -> None:
        group = self._group_of.pop(connection, None)
        if group is not None:
            group.discard(connection)

    async def run(self) -> None:
        """Send heartbeats until cancelled."""
        loop = asyncio.get_running_loop()
        slot = self._interval / self.SLOTS
        started = loop.time()
        sent = 0  # group heartbeats sent, all groups counted
        while True:
            await asyncio.sleep(max(0.0, started + (sent + 1) * slot - loop.time()))
            seq, group = divmod(sent, self.SLOTS)
            sent += 1
            connections = self._groups[group]
            if connections:
                write_to_all(connections, text_frame(wire.encode(wire.Heartbeat(seq + 1, time.time_ns()))))
