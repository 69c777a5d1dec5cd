"""Fan-out: each market message to the connections subscribed to it, encoded once.

Frames go out with :func:`websockets.asyncio.server.broadcast`, which writes to every
connection's transport without waiting, so a slow client never slows the others
(the server drops a client whose unsent bytes pile up).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict, deque
from collections.abc import Callable, Iterable

from websockets.asyncio.server import ServerConnection, broadcast

from tradedash.core import wire

from .session import FanoutKey

__all__ = ["Fanout"]


class Fanout:
    """Connections by fan-out key, and the sending of market frames to them.

    Contract:

    - :meth:`join` and :meth:`leave` keep the index; :attr:`wanted` then holds, per
      symbol, the channels somebody listens to, and :meth:`book_depths` the book depths;
    - :meth:`emit` sends a message to every connection subscribed to its key (nobody:
      it is dropped); with ``batch`` it is queued and :meth:`flush` sends each key's
      queue as JSON arrays of at most ``max_batch_messages``;
    - while ``delay_of()`` is above 0 every frame is held back that long, order kept
      (``on_delayed`` is called per frame held).
    """

    def __init__(
        self,
        symbols: Iterable[str],
        *,
        batch: bool,
        max_batch_messages: int,
        delay_of: Callable[[], float],
        on_delayed: Callable[[], None],
    ) -> None:
        self._subscribers: dict[FanoutKey, set[ServerConnection]] = defaultdict(set)
        #: Channels with at least one subscriber, by symbol.
        self.wanted: dict[str, set[str]] = {symbol: set() for symbol in symbols}
        self._batch = batch
        self._max_batch_messages = max_batch_messages
        self._delay_of = delay_of
        self._on_delayed = on_delayed
        self._pending: dict[FanoutKey, list[wire.MarketMessage]] = {}
        self._delayed: deque[tuple[float, FanoutKey, bytes]] = deque()
        self._delay_timer: asyncio.TimerHandle | None = None

    # --- Who listens ----------------------------------------------------------------

    def join(self, connection: ServerConnection, keys: Iterable[FanoutKey]) -> set[str]:
        """Send ``keys`` to ``connection`` from now on; returns the symbols whose interest changed."""
        symbols = set()
        for key in keys:
            self._subscribers[key].add(connection)
            symbols.add(key[1])
        self._refresh(symbols)
        return symbols

    def leave(self, connection: ServerConnection, keys: Iterable[FanoutKey]) -> set[str]:
        """Stop sending ``keys`` to ``connection``; returns the symbols whose interest changed."""
        symbols = set()
        for key in keys:
            self._subscribers[key].discard(connection)
            symbols.add(key[1])
        self._refresh(symbols)
        return symbols

    def book_depths(self, symbol: str) -> set[int]:
        """The book depths of ``symbol`` that somebody listens to."""
        return {depth for (channel, sym, depth), conns in self._subscribers.items() if sym == symbol and channel == "book" and conns}

    def keys_of(self, channel: str, symbol: str) -> list[FanoutKey]:
        """Every key of ``channel`` and ``symbol`` with a subscriber (books: one per depth)."""
        return [k for k, conns in self._subscribers.items() if k[0] == channel and k[1] == symbol and conns]

    def _refresh(self, symbols: Iterable[str]) -> None:
        for symbol in symbols:
            self.wanted[symbol] = {channel for (channel, sym, _), conns in self._subscribers.items() if sym == symbol and conns}

    # --- Sending --------------------------------------------------------------------

    def emit(self, key: FanoutKey, message: wire.MarketMessage) -> None:
        if not self._subscribers.get(key):
            return
        if self._batch:
            self._pending.setdefault(key, []).append(message)
        else:
            self._send(key, wire.encode(message))

    def flush(self) -> None:
        if self._pending:
            pending, self._pending = self._pending, {}
            size = self._max_batch_messages
            for key, messages in pending.items():
                for start in range(0, len(messages), size):
                    self._send(key, wire.encode(messages[start : start + size]))

    def cancel(self) -> None:
        """Forget frames held back (the server is stopping)."""
        if self._delay_timer is not None:
            self._delay_timer.cancel()
            self._delay_timer = None
        self._delayed.clear()

    def _send(self, key: FanoutKey, frame: bytes) -> None:
        delay = self._delay_of()
        if delay > 0 or self._delayed:
            loop = asyncio.get_running_loop()
            self._delayed.append((loop.time() + delay, key, frame))
            self._on_delayed()
            if self._delay_timer is None:
                self._delay_timer = loop.call_at(self._delayed[0][0], self._release_delayed)
            return
        connections = self._subscribers.get(key)
        if connections:
            broadcast(connections, frame, text=True)

    def _release_delayed(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        while self._delayed and self._delayed[0][0] <= now:
            _, key, frame = self._delayed.popleft()
            connections = self._subscribers.get(key)
            if connections:
                broadcast(connections, frame, text=True)
        self._delay_timer = loop.call_at(self._delayed[0][0], self._release_delayed) if self._delayed else None
