"""A websockets client connection that hands each message to a callback as soon as it is parsed."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.frames import Frame, Opcode
from websockets.protocol import Event

__all__ = ["CallbackConnection", "MessageHandler"]

#: Receives one whole message, undecoded (bytes or bytearray).
MessageHandler = Callable[[bytes | bytearray], None]

_DATA_OPCODES = frozenset((Opcode.TEXT, Opcode.BINARY, Opcode.CONT))
_TEXT = Opcode.TEXT
#: The longest stretch of message handling in one turn of the event loop (seconds).
SLICE = 0.002
#: Messages handled between two looks at the clock.
_CHECK_EVERY = 16


class CallbackConnection(ClientConnection):
    """A :class:`~websockets.asyncio.client.ClientConnection` without a receive queue.

    Contract:

    - With ``greets=True`` (the default) the first text message resolves
      :attr:`greeting` (a future of its bytes); with ``greets=False`` the
      greeting resolves to ``b""`` at once and the first message is like any other.
      Every later one is passed to ``on_message`` in arrival order, from the
      transport callback that parsed it. When handling one socket read's worth
      takes longer than :data:`SLICE`, the rest waits (reading paused) and is
      handled in later turns of the event loop, a slice at a time, so a burst
      never holds the loop (timers, the UI) for long. A fragmented message is
      joined first. Messages still waiting when the connection is lost are
      handled then: none is dropped. Binary messages go to ``on_binary`` at once.
    - ``on_read_start()`` is called before each such stretch of messages (one
      socket read's, or one slice of a backlog) and ``on_read_done()`` after it:
      the start and the end of a burst.
    - The callbacks must not raise. Text is passed on undecoded: checking that
      it is UTF-8 is left to the caller's parser (it does that anyway).
    - Handshake, pings, pongs, close and the ``max_size`` limit are websockets'
      as usual; ``recv()`` is never needed and gets nothing. ``wait_closed()``
      tells when the connection is over and ``protocol.close_exc`` how.

    Why: the queue behind ``recv()`` (put, get, the awaits between them) costs
    about as much per message as everything a feed does with it, and a feed
    that handles every message at once has no use for it. Built through the
    documented ``create_connection`` hook of :func:`websockets.asyncio.client.connect`
    and :meth:`process_event`, which subclasses override for this.
    """

    def __init__(
        self,
        protocol: Any,
        *,
        on_message: MessageHandler,
        on_binary: MessageHandler,
        on_read_start: Callable[[], None],
        on_read_done: Callable[[], None],
        greets: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(protocol, **kwargs)
        self.greeting: asyncio.Future[bytes] = self.loop.create_future()
        self._on_message = on_message
        self._on_binary = on_binary
        self._on_read_start = on_read_start
        self._on_read_done = on_read_done
        self._deliver: MessageHandler = self._greet if greets else self._handle_in_slice
        if not greets:
            self.greeting.set_result(b"")
        self._fragments: list[Frame] = []
        self._backlog: deque[bytes | bytearray] = deque()
        self._slice_ends = 0.0
        self._unchecked = 0  # messages handled since the clock was last read

    def data_received(self, data: bytes) -> None:
        self._slice_ends = time.perf_counter() + SLICE
        self._on_read_start()
        super().data_received(data)
        self._on_read_done()

    def connection_lost(self, exc: Exception | None) -> None:
        self._on_read_start()
        while self._backlog:
            self._on_message(self._backlog.popleft())
        self._on_read_done()
        super().connection_lost(exc)

    def process_event(self, event: Event) -> None:
        if self.response is None or event.opcode not in _DATA_OPCODES:  # type: ignore[union-attr]
            super().process_event(event)
            return
        if event.fin and not self._fragments:  # type: ignore[union-attr]
            opcode, message = event.opcode, event.data  # type: ignore[union-attr]
        else:
            self._fragments.append(event)  # type: ignore[arg-type]
            if not event.fin:  # type: ignore[union-attr]
                return
            opcode, message = self._fragments[0].opcode, b"".join(frame.data for frame in self._fragments)
            self._fragments = []
        if opcode is _TEXT:
            self._deliver(message)
        else:
            self._on_binary(message)

    def _greet(self, message: bytes | bytearray) -> None:
        self._deliver = self._handle_in_slice
        if not self.greeting.done():
            self.greeting.set_result(bytes(message))

    def _handle_in_slice(self, message: bytes | bytearray) -> None:
        if self._backlog:
            self._backlog.append(message)
            return
        self._unchecked += 1
        if self._unchecked >= _CHECK_EVERY:
            self._unchecked = 0
            if time.perf_counter() >= self._slice_ends:
                self._backlog.append(message)
                self.transport.pause_reading()
                self.loop.call_soon(self._handle_backlog)
                return
        self._on_message(message)

    def _handle_backlog(self) -> None:
        backlog, handle = self._backlog, self._on_message
        ends = time.perf_counter() + SLICE
        self._on_read_start()
        handled = 0
        while backlog:
            handle(backlog.popleft())
            handled += 1
            if handled % _CHECK_EVERY == 0 and backlog and time.perf_counter() >= ends:
                self.loop.call_soon(self._handle_backlog)
                self._on_read_done()
                return
        self._on_read_done()
        if not self.transport.is_closing():
            self.transport.resume_reading()
