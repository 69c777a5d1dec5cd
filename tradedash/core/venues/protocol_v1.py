"""TradeDash protocol v1 (``docs/protocol.md``, the mock exchange's) as a feed session."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from tradedash.core import wire
from tradedash.core.feed.session import FatalFeedError, FeedSession, HistoryError, MarketSink

__all__ = ["ProtocolV1Session"]

log = logging.getLogger("tradedash.feed")
#: The close code for a server that speaks another protocol version.
CLOSE_PROTOCOL_ERROR = 1002


class ProtocolV1Session(FeedSession):
    """A :class:`FeedSession` speaking TradeDash protocol v1 (``docs/protocol.md``).

    - The greeting must be ``hello`` with version :data:`~tradedash.core.wire.PROTOCOL_VERSION`
      (another version: close 1002 and :class:`FatalFeedError`); then the symbol list is
      asked for and every wanted subscription requested, one ``subscribe`` per group of
      channels sharing the same symbols.
    - Acks confirm requests (a ``symbols`` ack fills :attr:`symbols`); an ``error`` answering a
      subscribe drops what it asked for; ``shutdown`` makes the next reconnect immediate.
    - Snapshots are asked for with a ``snapshot`` request on the connection, history with a
      ``history`` request answered by a ``history`` message (or an ``error``) with its id.
    - A book with a depth wish (:meth:`set_book_depths`) is subscribed with that ``depth`` (at most
      :data:`~tradedash.core.wire.BOOK_MAX_DEPTH`); a changed wish subscribes the book again, which
      brings a snapshot at the new depth.
    """

    _decode_errors = wire.DECODE_ERRORS

    def __init__(self, market: MarketSink, **options) -> None:  # type: ignore[no-untyped-def]
        super().__init__(market, **options)
        self._decode = wire.server_frame_decoder.decode

    def receive_greeting(self, frame: bytes, now: float) -> None:
        try:
            hello = wire.decode_server_frame(frame)[0]
        except wire.WireError as exc:
            raise FatalFeedError(f"the server's greeting is not protocol v{wire.PROTOCOL_VERSION}: {exc}") from None
        if not isinstance(hello, wire.Hello):
            raise FatalFeedError(f"the server greeted with {type(hello).__name__}, not hello")
        if hello.version != wire.PROTOCOL_VERSION:
            self._close_connection(CLOSE_PROTOCOL_ERROR, "unsupported protocol version")
            raise FatalFeedError(f"the server speaks protocol v{hello.version}; this client speaks v{wire.PROTOCOL_VERSION}")
        self._set_heartbeat(hello.heartbeat_interval)
        if self._recorder is not None:
            self._recorder.write(self._wall_clock_ns(), frame)
        self._send(wire.encode(wire.ListSymbols(id=self._next_id())))
        self._subscribe_all()

    def _control(self, message: object) -> None:
        if isinstance(message, wire.History):
            if not self._settle_history(message.id, message):
                self._malformed(f"a history reply to no request (id {message.id})")
        elif isinstance(message, wire.Ack):
            self._confirm(message.id)
            if message.symbols is not None:
                self.symbols = message.symbols
        elif isinstance(message, wire.Error):
            if self._settle_history(message.id, HistoryError(message.code, message.message)):
                return
            text = f"server error {message.code}: {message.message}"
            self._refuse(message.id, text, unknown_symbols=message.code == "unknown_symbol")
        elif isinstance(message, wire.Shutdown):
            self._shutdown_announced = True
            log.info("feed %s: server shutting down: %s", self.name, message.reason)
        else:
            self._malformed(f"unexpected {type(message).__name__} message")

    def set_book_depths(self, depths: Mapping[str, int]) -> None:
        books = {s.symbol for s in self.subscriptions if s.channel == "book"}
        before = {symbol: self._book_depth(symbol) for symbol in books}
        super().set_book_depths(depths)
        changed = {wire.Subscription("book", symbol) for symbol in books if self._book_depth(symbol) != before[symbol]}
        if changed and self._established:
            self._request_subscriptions("subscribe", changed)

    def _book_depth(self, symbol: str) -> int | None:
        """The ``depth`` to subscribe ``symbol``'s book with (None: the server's default)."""
        wanted = self.book_depths.get(symbol)
        return None if wanted is None else max(1, min(wire.BOOK_MAX_DEPTH, wanted))

    def _request_subscriptions(self, op: str, subscriptions: set[wire.Subscription]) -> None:
        """One request per group of channels sharing the same symbols (books with a depth wish
        apart, one request per depth), each group's symbols split in halves until every request
        fits :attr:`max_request_size`."""
        by_depth: dict[int | None, set[wire.Subscription]] = {}
        for subscription in subscriptions:
            depth = self._book_depth(subscription.symbol) if op == "subscribe" and subscription.channel == "book" else None
            by_depth.setdefault(depth, set()).add(subscription)
        for depth, group in sorted(by_depth.items(), key=lambda item: item[0] or 0):
            for channels, symbols in wire.group_subscriptions(group):
                self._request_split(op, channels, symbols, depth)

    def _request_split(self, op: str, channels: list[str], symbols: list[str], depth: int | None) -> None:
        parts = [symbols]
        while parts:
            part = parts.pop()
            request_id = self._next_id()
            if op == "subscribe":
                request: wire.Subscribe | wire.Unsubscribe = wire.Subscribe(request_id, channels, part, depth)
            else:
                request = wire.Unsubscribe(request_id, channels, part)
            frame = wire.encode(request)
            if len(frame) > self.max_request_size and len(part) > 1:
                half = len(part) // 2
                parts += [part[half:], part[:half]]
                continue
            self._track(request_id, op, wire.subscriptions_of(channels, part))
            self._send(frame)

    def _request_snapshot(self, symbol: str) -> None:
        self._send(wire.encode(wire.SnapshotRequest(id=self._next_id(), channel="book", symbol=symbol)))

    def _request_history(self, request: wire.HistoryRequest) -> None:
        self._send(wire.encode(request))
