"""A websockets client connection that hands each message to a callback as soon as it is parsed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.frames import Opcode
from websockets.protocol import Event

__all__ = ["CallbackConnection", "MessageHandler"]

#: Receives one whole text or binary message, undecoded (bytes or bytearray).
MessageHandler = Callable[[bytes | bytearray], None]

_DATA_OPCODES = frozenset((Opcode.TEXT, Opcode.BINARY, Opcode.CONT))


class CallbackConnection(ClientConnection):
    """A :class:`~websockets.asyncio.client.ClientConnection` without a receive queue.

    Contract:

    - The first data message resolves :attr:`greeting` (a future of its bytes).
      Every later one is passed to ``on_message`` in arrival order, from the
      transport callback that parsed it: at most one socket read's worth of
      messages per call of the event loop, so a backlog never holds the loop
      for long. A fragmented message is joined first.
    - ``on_message`` must not raise.
    - Handshake, pings, pongs, close and the ``max_size`` limit are websockets'
      as usual; ``recv()`` is never needed and gets nothing. ``wait_closed()``
      tells when the connection is over and ``protocol.close_exc`` how.

    Why: the queue behind ``recv()`` (put, get, the awaits between them) costs
    about as much per message as everything a feed does with it, and a feed
    that handles every message at once has no use for it. Built through the
    documented ``create_connection`` hook of :func:`websockets.asyncio.client.connect`
    and :meth:`process_event`, which subclasses override for this.
    """

    def __init__(self, protocol: Any, *, on_message: MessageHandler, **kwargs: Any) -> None:
        super().__init__(protocol, **kwargs)
        self.greeting: asyncio.Future[bytes] = self.loop.create_future()
        self._on_message = on_message
        self._deliver: MessageHandler = self._greet
        self._fragments: list[bytes | bytearray] = []

    def process_event(self, event: Event) -> None:
        if self.response is None or event.opcode not in _DATA_OPCODES:  # type: ignore[union-attr]
            super().process_event(event)
        elif event.fin and not self._fragments:  # type: ignore[union-attr]
            self._deliver(event.data)  # type: ignore[union-attr]
        else:
            self._fragments.append(event.data)  # type: ignore[union-attr]
            if event.fin:  # type: ignore[union-attr]
                message, self._fragments = b"".join(self._fragments), []
                self._deliver(message)

    def _greet(self, message: bytes | bytearray) -> None:
        self._deliver = self._on_message
        if not self.greeting.done():
            self.greeting.set_result(bytes(message))
