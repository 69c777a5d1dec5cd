"""TradeDash protocol v1 (``docs/protocol.md``, the mock exchange's) as a feed session."""

from __future__ import annotations

import logging

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

    def _request_subscriptions(self, op: str, subscriptions: set[wire.Subscription]) -> None:
        """One request per group of channels sharing the same symbols, each group's symbols
        split in halves until every request fits :attr:`max_request_size`."""
        request_type = wire.Subscribe if op == "subscribe" else wire.Unsubscribe
        for channels, symbols in wire.group_subscriptions(subscriptions):
            parts = [symbols]
            while parts:
                part = parts.pop()
                request_id = self._next_id()
                frame = wire.encode(request_type(id=request_id, channels=channels, symbols=part))
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
