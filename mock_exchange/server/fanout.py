"""Fan-out: each market message to the connections subscribed to it, encoded and framed once.

Messages made in one step of the market loop are delivered together at :meth:`Fanout.flush`:
each connection gets the frames meant for it in one write, through its
:class:`~mock_exchange.server.outlet.Outlet`, which holds frames back for a client that
does not keep up, so a slow client never slows the others.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict, deque
from collections.abc import Callable, Iterable

from websockets.asyncio.server import ServerConnection

from tradedash.core import wire

from .outlet import Outlet, text_frame
from .session import FanoutKey

__all__ = ["Fanout"]


class Fanout:
    """Connections by fan-out key, and the delivery of market frames to them.

    Contract:

    - :meth:`join` and :meth:`leave` keep the index; :attr:`wanted` then holds, per
      symbol, the channels somebody listens to, and :meth:`book_depths` the book depths;
    - :meth:`emit` takes a message for every connection subscribed to its key (nobody:
      it is dropped); :meth:`flush` delivers what was emitted since the last flush, in
      order, each connection's frames in one write (with ``batch``: each key's messages
      as JSON arrays of at most ``max_batch_messages``);
    - a connection holds at most ``max_send_buffer`` unsent bytes of market data
      (:meth:`unsent_bytes`); beyond that its frames are dropped until it catches up or
      the server drops it (:meth:`drop` discards what still waits);
    - while ``delay_of()`` is above 0 every frame is held back that long, order kept
      (``on_delayed`` is called per frame held).
    """

    def __init__(
        self,
        symbols: Iterable[str],
        *,
        batch: bool,
        max_batch_messages: int,
        max_send_buffer: int,
        delay_of: Callable[[], float],
        on_delayed: Callable[[], None],
    ) -> None:
        self._subscribers: dict[FanoutKey, set[Outlet]] = defaultdict(set)
        self._outlets: dict[ServerConnection, Outlet] = {}
        #: Channels with at least one subscriber, by symbol.
        self.wanted: dict[str, set[str]] = {symbol: set() for symbol in symbols}
        self._batch = batch
        self._max_batch_messages = max_batch_messages
        self._max_send_buffer = max_send_buffer
        self._delay_of = delay_of
        self._on_delayed = on_delayed
        self._frames: list[tuple[FanoutKey, bytes]] = []
        self._pending: dict[FanoutKey, list[wire.MarketMessage]] = {}
        self._waiting: set[Outlet] = set()
        self._delayed: deque[tuple[float, FanoutKey, bytes]] = deque()
        self._delay_timer: asyncio.TimerHandle | None = None

    # --- Who listens ----------------------------------------------------------------

    def join(self, connection: ServerConnection, keys: Iterable[FanoutKey]) -> set[str]:
        """Send ``keys`` to ``connection`` from now on; returns the symbols whose interest changed."""
        outlet = self._outlets.get(connection)
        if outlet is None:
            outlet = self._outlets[connection] = Outlet(connection, self._max_send_buffer)
        symbols = set()
        for key in keys:
            self._subscribers[key].add(outlet)
            symbols.add(key[1])
        self._refresh(symbols)
        return symbols

    def leave(self, connection: ServerConnection, keys: Iterable[FanoutKey]) -> set[str]:
        """Stop sending ``keys`` to ``connection``; returns the symbols whose interest changed."""
        outlet = self._outlets.get(connection)
        symbols = set()
        for key in keys:
            if outlet is not None:
                self._subscribers[key].discard(outlet)
            symbols.add(key[1])
        self._refresh(symbols)
        return symbols

    def drop(self, connection: ServerConnection) -> None:
        """Forget ``connection``'s outlet and the frames still waiting in it (call after it left every key)."""
        outlet = self._outlets.pop(connection, None)
        if outlet is not None:
            outlet.discard()
            self._waiting.discard(outlet)

    def unsent_bytes(self, connection: ServerConnection) -> int:
        """Bytes written for ``connection`` and not yet sent: its transport's and its outlet's."""
        outlet = self._outlets.get(connection)
        return outlet.unsent_bytes if outlet is not None else connection.transport.get_write_buffer_size()

    def waiting_bytes(self) -> dict[ServerConnection, int]:
        """Bytes held back, by connection, for the connections that have any."""
        return {outlet.connection: outlet.backlog_bytes for outlet in self._waiting}

    def book_depths(self, symbol: str) -> set[int]:
        """The book depths of ``symbol`` that somebody listens to."""
        return {depth for (channel, sym, depth), outlets in self._subscribers.items() if sym == symbol and channel == "book" and outlets}

    def keys_of(self, channel: str, symbol: str) -> list[FanoutKey]:
        """Every key of ``channel`` and ``symbol`` with a subscriber (books: one per depth)."""
        return [k for k, outlets in self._subscribers.items() if k[0] == channel and k[1] == symbol and outlets]

    def _refresh(self, symbols: Iterable[str]) -> None:
        for symbol in symbols:
            self.wanted[symbol] = {channel for (channel, sym, _), outlets in self._subscribers.items() if sym == symbol and outlets}

    # --- Sending --------------------------------------------------------------------

    def emit(self, key: FanoutKey, message: wire.MarketMessage) -> None:
        if not self._subscribers.get(key):
            return
        if self._batch:
            self._pending.setdefault(key, []).append(message)
        else:
            self._frames.append((key, text_frame(wire.encode(message))))

    def emit_frame(self, key: FanoutKey, frame: bytes) -> None:
        """Like :meth:`emit`, for a message already framed (another dialect's; never batched)."""
        if self._subscribers.get(key):
            self._frames.append((key, frame))

    def flush(self) -> None:
        """Deliver what was emitted since the last flush (or hold it back while delayed)."""
        if self._pending:
            pending, self._pending = self._pending, {}
            size = self._max_batch_messages
            for key, messages in pending.items():
                for start in range(0, len(messages), size):
                    self._frames.append((key, text_frame(wire.encode(messages[start : start + size]))))
        if self._frames:
            frames, self._frames = self._frames, []
            delay = self._delay_of()
            if delay > 0 or self._delayed:
                self._hold(frames, delay)
            else:
                self._deliver(frames)
        self.drain()

    def drain(self) -> None:
        """Move frames waiting for slow connections to their transports where there is room."""
        if self._waiting:
            for outlet in list(self._waiting):
                outlet.drain()
                if not outlet.waiting:
                    self._waiting.discard(outlet)

    def cancel(self) -> None:
        """Forget frames held back (the server is stopping)."""
        if self._delay_timer is not None:
            self._delay_timer.cancel()
            self._delay_timer = None
        self._delayed.clear()

    def _deliver(self, frames: list[tuple[FanoutKey, bytes]]) -> None:
        subscribers, waiting = self._subscribers, self._waiting
        if len(frames) == 1:
            key, frame = frames[0]
            for outlet in subscribers.get(key, ()):
                if outlet.send(frame):
                    waiting.add(outlet)
            return
        out: dict[Outlet, list[bytes]] = {}
        for key, frame in frames:
            for outlet in subscribers.get(key, ()):
                mine = out.get(outlet)
                if mine is None:
                    out[outlet] = [frame]
                else:
                    mine.append(frame)
        for outlet, mine in out.items():
            if outlet.send(mine[0] if len(mine) == 1 else b"".join(mine)):
                waiting.add(outlet)

    def _hold(self, frames: list[tuple[FanoutKey, bytes]], delay: float) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time() + delay
        for key, frame in frames:
            self._delayed.append((due, key, frame))
            self._on_delayed()
        if self._delay_timer is None:
            self._delay_timer = loop.call_at(self._delayed[0][0], self._release_delayed)

    def _release_delayed(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        due: list[tuple[FanoutKey, bytes]] = []
        while self._delayed and self._delayed[0][0] <= now:
            _, key, frame = self._delayed.popleft()
            due.append((key, frame))
        self._deliver(due)
        self._delay_timer = loop.call_at(self._delayed[0][0], self._release_delayed) if self._delayed else None
