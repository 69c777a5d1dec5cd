"""One connection's protocol state and the answer to each of its requests. Pure: no sockets, no clock.

The server reads a frame, hands it to :meth:`RequestSession.receive_request` with the
time to stamp snapshots with, sends the replies, and applies the rest of the
:class:`Answer` (fan-out keys to join and leave, an admin fault to start).
Requests are decoded by :func:`tradedash.core.wire.decode_request`, the one decoder of
the protocol, which also decides the error of a frame that is not a request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

import msgspec

from tradedash.core import wire

from ..faults.admin import check_admin
from ..market.book import DEFAULT_BOOK_DEPTH, MAX_BOOK_DEPTH

__all__ = ["FanoutKey", "MarketListing", "Answer", "RequestSession"]

log = logging.getLogger("mock_exchange")

#: Who receives a market message: (channel, symbol, book depth or 0 for other channels).
FanoutKey = tuple[str, str, int]


class MarketListing(Protocol):
    """What answering requests reads of a market (simulated or replayed)."""

    @property
    def symbols(self) -> list[str]: ...

    def symbol_infos(self) -> list[wire.SymbolInfo]: ...

    def book_snapshot(self, symbol: str, depth: int, ts: int) -> wire.Book: ...

    def history(self, symbol: str, interval: str, end: int | None, count: int) -> tuple[list[wire.Bar], int | None]:
        """The newest ``count`` bars starting before ``end`` (None: the newest, the one in
        progress included), oldest first, and the ``end`` of the next older page (None: none)."""
        ...


@dataclass
class Answer:
    """What one request asks of the server, to be done in this order.

    - send ``replies`` (the first is the one ``ack`` or ``error`` of the request);
    - stop sending ``left`` and start sending ``joined`` fan-out keys to the connection;
    - start ``fault`` (an admin request whose token and arguments were checked), if any.
    """

    replies: list[msgspec.Struct]
    joined: list[FanoutKey] = field(default_factory=list)
    left: list[FanoutKey] = field(default_factory=list)
    fault: wire.AdminRequest | None = None


class RequestSession:
    """One connection's subscriptions (with the book depth of each book) and its replies.

    Contract:

    - ``receive_request(frame, ts)`` returns an :class:`Answer` whose first reply is
      exactly one ``ack`` or ``error`` with the request's id (null if it had no integer id);
    - a subscribe or unsubscribe is all or nothing: after an error nothing changed;
    - ``subscriptions`` and :meth:`keys` describe the state after the last request;
      :meth:`clear` forgets everything and returns the keys to leave.
    """

    def __init__(self, market: MarketListing, *, max_subscriptions: int, admin_token: str | None, peer: str = "?") -> None:
        self._market = market
        self._max_subscriptions = max_subscriptions
        self._admin_token = admin_token
        self._peer = peer
        self.subscriptions: set[wire.Subscription] = set()
        #: Book depth of each subscribed book, by symbol.
        self.book_depths: dict[str, int] = {}

    def receive_request(self, frame: str | bytes, ts: int) -> Answer:
        try:
            request = wire.decode_request(frame)
        except wire.RequestError as exc:
            return Answer([wire.Error(exc.request_id, exc.code, str(exc))])
        if isinstance(request, (wire.Subscribe, wire.Unsubscribe)):
            return self._change_subscriptions(request, ts)
        if isinstance(request, wire.ListSubscriptions):
            return Answer([wire.Ack(request.id, "list", subscriptions=self.sorted_subscriptions())])
        if isinstance(request, wire.ListSymbols):
            return Answer([wire.Ack(request.id, "symbols", symbols=self._market.symbol_infos())])
        if isinstance(request, wire.SnapshotRequest):
            return Answer(self._snapshot(request, ts))
        if isinstance(request, wire.HistoryRequest):
            return Answer([self._history(request, ts)])
        error = check_admin(request, self._admin_token, self._market.symbols)
        if error is not None:
            if error.code == "forbidden" and self._admin_token is not None:
                log.warning("admin op with a wrong token from %s", self._peer)
            return Answer([error])
        return Answer([wire.Ack(request.id, "admin")], fault=request)

    def keys(self) -> list[FanoutKey]:
        """The fan-out key of every subscription."""
        return [self._key(s) for s in self.subscriptions]

    def clear(self) -> list[FanoutKey]:
        """Forget every subscription; returns the keys the connection leaves."""
        keys = self.keys()
        self.subscriptions = set()
        self.book_depths = {}
        return keys

    def sorted_subscriptions(self) -> list[wire.Subscription]:
        return sorted(self.subscriptions, key=lambda s: (s.symbol, s.channel))

    def _key(self, subscription: wire.Subscription) -> FanoutKey:
        depth = self.book_depths[subscription.symbol] if subscription.channel == "book" else 0
        return (subscription.channel, subscription.symbol, depth)

    def _change_subscriptions(self, request: wire.Subscribe | wire.Unsubscribe, ts: int) -> Answer:
        subscribe = isinstance(request, wire.Subscribe)
        error = self._refusal(request)
        if error is not None:
            return Answer([error])
        depth = DEFAULT_BOOK_DEPTH
        if isinstance(request, wire.Subscribe) and request.depth is not None:
            depth = request.depth
        pairs = wire.subscriptions_of(request.channels, request.symbols)
        if subscribe:
            total = len(self.subscriptions | set(pairs))
            if total > self._max_subscriptions:
                return Answer([wire.Error(request.id, "limit", f"too many subscriptions: {total} > {self._max_subscriptions} per connection")])
        answer = Answer([])
        for subscription in pairs:
            if subscription in self.subscriptions:
                answer.left.append(self._key(subscription))
                self.subscriptions.discard(subscription)
                if subscription.channel == "book":
                    del self.book_depths[subscription.symbol]
            if subscribe:
                self.subscriptions.add(subscription)
                if subscription.channel == "book":
                    self.book_depths[subscription.symbol] = depth
                answer.joined.append(self._key(subscription))
        op = "subscribe" if subscribe else "unsubscribe"
        answer.replies.append(wire.Ack(request.id, op, subscriptions=self.sorted_subscriptions()))
        if subscribe and "book" in request.channels:
            answer.replies += [self._market.book_snapshot(symbol, depth, ts) for symbol in request.symbols]
        return answer

    def _refusal(self, request: wire.Subscribe | wire.Unsubscribe) -> wire.Error | None:
        bad_channels = [c for c in request.channels if c not in wire.CHANNELS]
        if bad_channels:
            return wire.Error(request.id, "unknown_channel", f"unknown channels {_json(bad_channels)}; known: {_json(wire.CHANNELS)}")
        symbols = self._market.symbols
        bad_symbols = [s for s in request.symbols if s not in symbols]
        if bad_symbols:
            return wire.Error(request.id, "unknown_symbol", f"unknown symbols {_json(bad_symbols)}; listed: {_json(symbols)}")
        if not request.channels or not request.symbols:
            return wire.Error(request.id, "bad_request", "channels and symbols must not be empty")
        if isinstance(request, wire.Subscribe) and request.depth is not None and not 1 <= request.depth <= MAX_BOOK_DEPTH:
            return wire.Error(request.id, "bad_request", f"depth must be 1..{MAX_BOOK_DEPTH}, got {request.depth}")
        return None

    def _snapshot(self, request: wire.SnapshotRequest, ts: int) -> list[msgspec.Struct]:
        if request.channel != "book":
            return [wire.Error(request.id, "bad_request", f"snapshots exist for the book channel only, not {_json(request.channel)}")]
        symbols = self._market.symbols
        if request.symbol not in symbols:
            return [wire.Error(request.id, "unknown_symbol", f"unknown symbol {_json(request.symbol)}; listed: {_json(symbols)}")]
        depth = self.book_depths.get(request.symbol, DEFAULT_BOOK_DEPTH)
        return [wire.Ack(request.id, "snapshot"), self._market.book_snapshot(request.symbol, depth, ts)]

    def _history(self, request: wire.HistoryRequest, ts: int) -> wire.History | wire.Error:
        """One page of history, or the error that says why not (count and a negative end are the decoder's)."""
        symbols = self._market.symbols
        if request.symbol not in symbols:
            return wire.Error(request.id, "unknown_symbol", f"unknown symbol {_json(request.symbol)}; listed: {_json(symbols)}")
        if request.interval not in wire.INTERVAL_NS:
            known = _json(wire.CANDLE_INTERVALS)
            return wire.Error(request.id, "bad_request", f"unknown interval {_json(request.interval)}; known: {known}")
        if request.end is not None and request.end > ts:
            return wire.Error(request.id, "bad_request", f"end {request.end} is after the server's time {ts}")
        bars, next_end = self._market.history(request.symbol, request.interval, request.end, request.count)
        return wire.History(request.id, request.symbol, request.interval, ts, bars, next_end)


def _json(value: object) -> str:
    """``value`` as JSON, for error messages a client of any language can read."""
    return msgspec.json.encode(value).decode()
