"""One connection's way out for market data: frames written straight to its socket, or held back.

Market frames are framed once (a server frame is not masked, so the same bytes suit
every connection) and written to the connection's transport without going through
websockets' per-connection framing. While the transport holds more than
:data:`HIGH_WATER` unsent bytes, frames wait in the outlet's own backlog instead, so
that the backlog (not the transport) is what a slow client fills, and dropping the
client drops its backlog: the close frame then goes out ahead of the market data
that was waiting.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from websockets.asyncio.server import ServerConnection
from websockets.protocol import State

__all__ = ["HIGH_WATER", "Outlet", "text_frame", "write_to_all"]

#: Unsent bytes a transport may hold before market frames wait in the outlet's backlog.
HIGH_WATER = 64 * 1024


def text_frame(payload: bytes) -> bytes:
    """A complete, unmasked, final text frame (RFC 6455) carrying ``payload``."""
    length = len(payload)
    if length < 126:
        header = bytes((0x81, length))
    elif length < 65536:
        header = bytes((0x81, 126)) + length.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + length.to_bytes(8, "big")
    return header + payload


def write_to_all(connections: Iterable[ServerConnection], frame: bytes) -> None:
    """Write one complete frame (:func:`text_frame`) to every open connection, as is."""
    for connection in connections:
        if connection.protocol.state is State.OPEN:
            connection.transport.write(frame)


class Outlet:
    """Market frames on their way to one connection.

    Contract:

    - :meth:`send` writes the bytes of whole frames to the transport at once, or, while
      the transport holds more than :data:`HIGH_WATER` bytes or a backlog waits, appends
      them to the backlog; frames that would take the backlog above ``limit`` bytes are
      dropped and counted in :attr:`dropped_bytes`. Nothing is sent unless the connection
      is open.
    - :meth:`drain` moves waiting frames to the transport while it is below the mark.
    - :attr:`unsent_bytes` is the transport's unsent bytes plus the backlog's.
    - :meth:`discard` drops the backlog (the connection is being closed).
    """

    __slots__ = ("connection", "_limit", "_backlog", "_backlog_bytes", "dropped_bytes")

    def __init__(self, connection: ServerConnection, limit: int) -> None:
        self.connection = connection
        self._limit = limit
        self._backlog: deque[bytes] = deque()
        self._backlog_bytes = 0
        self.dropped_bytes = 0

    @property
    def waiting(self) -> bool:
        return bool(self._backlog)

    @property
    def backlog_bytes(self) -> int:
        return self._backlog_bytes

    @property
    def unsent_bytes(self) -> int:
        return self.connection.transport.get_write_buffer_size() + self._backlog_bytes

    def send(self, data: bytes) -> bool:
        """Write or keep ``data`` (whole frames); returns whether a backlog now waits."""
        connection = self.connection
        if connection.protocol.state is not State.OPEN:
            return False
        if not self._backlog and connection.transport.get_write_buffer_size() <= HIGH_WATER:
            connection.transport.write(data)
            return False
        if self._backlog_bytes + len(data) <= self._limit:
            self._backlog.append(data)
            self._backlog_bytes += len(data)
        else:
            self.dropped_bytes += len(data)
        return bool(self._backlog)

    def drain(self) -> None:
        connection = self.connection
        if connection.protocol.state is not State.OPEN:
            self.discard()
            return
        transport = connection.transport
        backlog = self._backlog
        while backlog and transport.get_write_buffer_size() <= HIGH_WATER:
            data = backlog.popleft()
            self._backlog_bytes -= len(data)
            transport.write(data)

    def discard(self) -> None:
        self._backlog.clear()
        self._backlog_bytes = 0
