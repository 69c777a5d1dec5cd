"""A websockets client connection that hands each message to a callback as soon as it is read."""

from __future__ import annotations

import asyncio
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.frames import Frame, Opcode
from websockets.protocol import Event, State
from websockets.streams import StreamReader

__all__ = ["CallbackConnection", "MessageHandler", "MessagesHandler"]

#: Receives one whole message, undecoded (bytes or bytearray).
MessageHandler = Callable[[bytes | bytearray], None]
#: Receives whole messages, undecoded, in arrival order.
MessagesHandler = Callable[[Sequence[bytes | bytearray]], None]

_DATA_OPCODES = frozenset((Opcode.TEXT, Opcode.BINARY, Opcode.CONT))
_TEXT = Opcode.TEXT
#: The longest stretch of message handling in one turn of the event loop (seconds).
SLICE = 0.002
#: Messages handled between two looks at the clock; the frames cut here go on this many at a time
#: (cutting a run of frames, then handling the run, is much kinder to the CPU's caches than taking
#: turns frame by frame: 64 at a time costs ~10 % less per message than 16).
_CHECK_EVERY = 64
#: ... or fewer, once a run holds this many bytes (frames that batch many updates each cost more).
_RUN_BYTES = 16384
#: The first byte of an unfragmented text frame without extension bits (FIN set, opcode 1).
_WHOLE_TEXT = 0x81
#: What websockets' frame parser is paused in between two frames.
_AT_FRAME_BOUNDARY = StreamReader.at_eof.__code__


class CallbackConnection(ClientConnection):
    """A :class:`~websockets.asyncio.client.ClientConnection` without a receive queue.

    Contract:

    - With ``greets=True`` (the default) the first text message resolves
      :attr:`greeting` (a future of its bytes); with ``greets=False`` the
      greeting resolves to ``b""`` at once and the first message is like any other.
      Every later one is passed to ``on_messages`` in arrival order, a run
      at a time (at most :data:`_CHECK_EVERY` messages or about
      :data:`_RUN_BYTES` bytes), from the transport callback that read it. When handling one socket read's worth
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
    - Once the connection is open, without extensions (no permessage-deflate),
      the bytes read are cut into frames here (RFC 6455, section 5.2): an
      unfragmented, unmasked text frame shorter than 64 KiB and within
      ``max_size`` is handed on at once; every other frame (control frames, fragments, binary, anything
      malformed or too big) goes to websockets whole, so it answers, joins or
      fails the connection exactly as it would have. websockets' parser only
      ever sees whole frames then, so it stays between two frames.

    Why: the queue behind ``recv()`` (put, get, the awaits between them) costs
    about as much per message as everything a feed does with it, and a feed
    that handles every message at once has no use for it; websockets' frame
    parser (a generator reading a few bytes at a time) costs as much again,
    where cutting a plain text frame out of the bytes read takes a few
    comparisons and one slice. Built through the
    documented ``create_connection`` hook of :func:`websockets.asyncio.client.connect`
    and :meth:`process_event`, which subclasses override for this.
    """

    def __init__(
        self,
        protocol: Any,
        *,
        on_messages: MessagesHandler,
        on_binary: MessageHandler,
        on_read_start: Callable[[], None],
        on_read_done: Callable[[], None],
        greets: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(protocol, **kwargs)
        self.greeting: asyncio.Future[bytes] = self.loop.create_future()
        self._on_messages = on_messages
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
        self._cutting = False  # whether the bytes read are cut into frames here
        self._response_head = bytearray()  # the handshake's response as read so far
        self._rest: bytes | None = None  # bytes read whose cutting a slice's end put off, from _rest_at
        self._rest_at = 0
        self._unread = bytearray()  # the start of a frame not read whole yet
        self._unread_needs = 0  # the bytes _unread must reach before it is looked at again
        self._paused = False  # reading paused until the rest is handled in later turns

    def data_received(self, data: bytes) -> None:
        self._slice_ends = time.perf_counter() + SLICE
        self._on_read_start()
        if self._cutting or self._can_cut():
            self._cut(data)
        elif self.protocol.state is State.CONNECTING:
            self._handshake_received(data)
        else:
            super().data_received(data)
        self._on_read_done()

    def eof_received(self) -> bool | None:
        self._flush()
        if self._unread:  # websockets judges a stream that ends inside a frame
            unread, self._unread = bytes(self._unread), bytearray()
            super().data_received(unread)
        return super().eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self._flush()
        super().connection_lost(exc)

    def _flush(self) -> None:
        """Handle every message still waiting (the connection ends: none is dropped)."""
        self._on_read_start()
        while self._backlog:
            self._on_messages((self._backlog.popleft(),))
        self._slice_ends = float("inf")
        self._cut(b"")
        self._on_read_done()

    def _handshake_received(self, data: bytes) -> None:
        """Hand websockets the handshake's response alone, up to the blank line that ends it (a
        101 response has no body), so that the frames after it, often read with it, are cut here."""
        seen = len(self._response_head)
        self._response_head += data
        end = self._response_head.find(b"\r\n\r\n", max(seen - 3, 0))
        if end < 0:
            super().data_received(data)
            return
        self._response_head = bytearray()
        end += 4 - seen
        super().data_received(data[:end])
        if end < len(data):
            if self._can_cut():
                self._cut(data[end:])
            else:
                super().data_received(data[end:])

    @property
    def cutting(self) -> bool:
        """Whether the frames read are cut here (else websockets parses them)."""
        return self._cutting

    def _can_cut(self) -> bool:
        """Whether cutting frames here can start: the connection is open, has no extension, and
        websockets' parser is between two frames with nothing buffered."""
        protocol = self.protocol
        if protocol.state is not State.OPEN or protocol.extensions or protocol.reader.buffer:
            return False
        waiting = protocol.parser  # the generator the parser waits in, innermost
        while getattr(waiting, "gi_yieldfrom", None) is not None:
            waiting = waiting.gi_yieldfrom
        self._cutting = getattr(waiting, "gi_code", None) is _AT_FRAME_BOUNDARY
        return self._cutting

    def _cut(self, data: bytes) -> None:
        """Cut what was left and ``data`` into frames: hand on each whole plain text frame, pass
        every other whole frame to websockets; keep the rest (what the slice had no time for, an
        unfinished frame) for later."""
        start = 0
        if self._rest is not None:  # what the last slice had no time for comes first
            rest, start, self._rest = self._rest, self._rest_at, None
            if data:  # read while paused (not expected): after the rest all the same
                data, start = rest[start:] + data, 0
            else:
                data = rest
        elif self._unread:
            self._unread += data
            if len(self._unread) < self._unread_needs:
                return
            data, self._unread = bytes(self._unread), bytearray()
        if len(data) - start < 2:
            self._unread += data[start:]
            self._unread_needs = 2
            return
        protocol, clock, whole_text = self.protocol, time.perf_counter, _WHOLE_TEXT
        handle = None if self._deliver == self._greet else self._on_messages  # None: a greeting awaited
        limits = [size for size in (protocol.max_message_size, protocol.max_fragment_size) if size is not None]
        limit = min(limits) if limits else sys.maxsize
        plain = protocol.current_size is None and handle is not None  # no fragmented message under way, greeted
        end, needs, batch, check_every, run_bytes, run_start = len(data), 2, [], _CHECK_EVERY, _RUN_BYTES, 0
        while end - start >= 2:
            # The usual frame first: a whole unmasked text frame, unfragmented, shorter than 64 KiB.
            second = data[start + 1]
            if second < 126:
                payload = start + 2
                stop = payload + second
            elif second == 126 and end - start >= 4:
                payload = start + 4
                stop = payload + (data[start + 2] << 8 | data[start + 3])
            else:
                payload = stop = end + 1
            if stop <= end and plain and data[start] == whole_text and stop - payload <= limit:
                if not batch:
                    run_start = start
                batch.append(data[payload:stop])
                start = stop
                if len(batch) == check_every or stop - run_start >= run_bytes:
                    handle(batch)  # type: ignore[misc]
                    batch = []
                    if clock() >= self._slice_ends and stop < end:  # the rest waits for a later turn
                        self._rest, self._rest_at = data, stop
                        self._pause()
                        return
                continue
            # Any other frame, or one not read whole yet: what was cut before it first.
            if batch:
                handle(batch)  # type: ignore[misc]
                batch = []
            length, payload = second & 0x7F, start + 2
            if length == 126:
                length, payload = int.from_bytes(data[start + 2 : start + 4]), start + 4
            elif length == 127:
                length, payload = int.from_bytes(data[start + 2 : start + 10]), start + 10
            if payload > end:
                needs = payload - start
                break
            if second & 0x80 or length > limit:  # masked by the server, or too big: websockets fails it
                self._cutting = False
                super().data_received(data[start:])
                return
            stop = payload + length
            if stop > end:
                needs = stop - start
                break
            if data[start] == whole_text and handle is None and protocol.current_size is None:
                self._greet(data[payload:stop])
            else:
                super().data_received(data[start:stop])
                if protocol.state is not State.OPEN:  # closing: websockets discards the rest
                    self._cutting = False
                    if stop < end:
                        super().data_received(data[stop:])
                    return
                if self._backlog:  # a message websockets joined waits for a later turn: so does the rest
                    self._rest, self._rest_at = data, stop
                    return
            handle = None if self._deliver == self._greet else self._on_messages
            plain = protocol.current_size is None and handle is not None
            start, needs = stop, 2
        if batch:
            handle(batch)  # type: ignore[misc]
        if start < end:
            self._unread += data[start:]
            self._unread_needs = needs

    def _pause(self) -> None:
        if not self._paused:
            self._paused = True
            self.transport.pause_reading()
            self.loop.call_soon(self._resume)

    def _resume(self) -> None:
        """Go on with what was left unread (or with the backlog) for another slice; read again when done."""
        self._paused = False
        self._slice_ends = time.perf_counter() + SLICE
        self._on_read_start()
        if self._backlog:
            self._handle_backlog()
        else:
            self._cut(b"")
        self._on_read_done()
        if not self._paused and not self.transport.is_closing():
            self.transport.resume_reading()

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
                self._pause()
                return
        self._on_messages((message,))

    def _handle_backlog(self) -> None:
        backlog, handle = self._backlog, self._on_messages
        handled = 0
        while backlog:
            handle((backlog.popleft(),))
            handled += 1
            if handled % _CHECK_EVERY == 0 and backlog and time.perf_counter() >= self._slice_ends:
                self._pause()
                return
        self._cut(b"")
