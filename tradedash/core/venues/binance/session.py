"""Binance Spot public market data as a :class:`~tradedash.core.feed.session.FeedSession`.

The pieces of this package put together (see its docstring): stream names from
:mod:`.streams`, frames decoded by :mod:`.messages`, each book kept by a
:class:`~.book_sync.BookSync` fed with REST snapshots, symbols from ``exchangeInfo``.
"""

from __future__ import annotations

import logging

from tradedash.core import wire
from tradedash.core.market.book import BookOutcome
from tradedash.core.feed.session import FeedSession, FetchHistory, FetchSnapshot, HistoryError, MarketSink, Outgoing
from tradedash.core.feed.lifecycle import FeedEvent

from .book_sync import RESYNC_CAUSES, BookSync, FetchDepth, SyncOutcome
from .messages import (
    BinanceError,
    DepthUpdate,
    ErrorBody,
    ErrorReply,
    Reply,
    StreamRequest,
    decode_depth,
    decode_exchange_info,
    decode_frame,
    decode_klines,
    encode_request,
)
from .rest import RestQueue, WeightBudget, exchange_info_request, klines_request, rest_base, weight_limit
from .streams import combined_url, stream_base, streams_of
from .symbol_share import SharedSymbolList
from .symbols import symbols_of

__all__ = ["BinanceSession", "EXCHANGE_INFO", "DEFAULT_WS_URL", "DEFAULT_REST_URL"]

log = logging.getLogger("tradedash.feed")

#: Binance's public endpoints (spot market data).
DEFAULT_WS_URL = "wss://stream.binance.com:9443"
DEFAULT_REST_URL = "https://api.binance.com"
#: The ``symbol`` of the :class:`~tradedash.core.feed.session.FetchSnapshot` that reads ``exchangeInfo``
#: (no Binance symbol is empty).
EXCHANGE_INFO = ""
#: Binance's error code for a request it cannot carry out (an invalid stream name among them).
_INVALID_REQUEST = 2
_APPLIED = SyncOutcome.APPLIED


class BinanceSession(FeedSession):
    """A :class:`FeedSession` reading Binance Spot's public streams ("WebSocket Streams for Binance").

    - ``url`` given to the pump is the stream endpoint without a path (``wss://stream.binance.com:9443``,
      or the mock exchange's ``ws://host:port/binance``); ``rest_url`` the REST base
      (``https://api.binance.com``). The server never greets (:attr:`greets` is False).
    - :meth:`connection_url` is the combined-stream URL (``/stream?streams=...``) naming up to
      ``url_streams`` wanted streams whose symbols ``exchangeInfo`` listed; every other wanted stream
      is asked for with ``SUBSCRIBE`` frames of up to ``streams_per_frame`` names, each with an id.
    - ``exchangeInfo`` is fetched (a :class:`~tradedash.core.feed.session.FetchSnapshot` for the
      symbol :data:`EXCHANGE_INFO`) on the first connection, and again on later ones until it was read;
      the subscriptions wait for it (or its failure), so that :attr:`symbols` (tick and lot sizes) tells
      which requested symbols Binance does not list. An error reply to a ``SUBSCRIBE`` is handled as
      protocol v1's ``unknown_symbol`` (:meth:`_refuse`): only unlisted symbols are dropped.
      The list is kept in ``symbol_list`` (a :class:`~.symbol_share.SharedSymbolList`; by default one of
      this session's own): the connections of one feed given the same one read it once between them,
      each waiting for the read under way rather than making its own, and a connection that opens when
      the list is older than its ``max_age`` subscribes with it and reads it again beside.
      ``symbols`` given to the constructor stand for that list: then ``exchangeInfo`` is never fetched.
    - Control frames are paced at ``requests_per_second`` (default 4: Binance closes a connection
      that sends more than 5 messages a second, and the pump's keepalive ping counts too).
    - Each ``book`` subscription has a :class:`~.book_sync.BookSync`: depth events in, snapshots fetched
      from ``<rest_url>/api/v3/depth`` and handed back through :meth:`receive_snapshot`. A gap, a stale
      snapshot or a missed bridge empties the shown book (never a wrong one) and the feed is
      ``resyncing`` until the snapshot is in; every new connection (a drop, the 24 h cut, a
      ``serverShutdown``, after which the reconnect is immediate) starts every book over.
    - History pages come from ``GET /api/v3/klines`` (``endTime`` just before the page's ``end``);
      a page as long as asked for has an older one (``next_end``: its oldest bar's start).
    - Every REST request (depth by its limit, ``exchangeInfo`` 20, klines 2) waits its turn in a
      :class:`~.rest.RestQueue` over ``weight_budget`` (share one between the feeds that reach the same
      REST host from this address; its limit becomes what ``exchangeInfo`` says): no minute holds
      more than the limit, the ``X-MBX-USED-WEIGHT-1M`` of each answer counts what others spent, a 429
      holds every request back for its ``Retry-After``, and a 418 (banned) stops them until the ban
      ends, with an error saying so.
    """

    greets = False
    _decode_errors = (BinanceError,)

    def __init__(
        self,
        market: MarketSink,
        *,
        rest_url: str = DEFAULT_REST_URL,
        depth_limit: int = 1000,
        url_streams: int = 100,
        streams_per_frame: int = 200,
        requests_per_second: float = 4.0,
        request_burst: int = 4,
        symbols: list[wire.SymbolInfo] | None = None,
        symbol_list: SharedSymbolList | None = None,
        weight_budget: WeightBudget | None = None,
        **options,  # type: ignore[no-untyped-def]
    ) -> None:
        super().__init__(market, requests_per_second=requests_per_second, request_burst=request_burst, **options)
        self._decode = decode_frame
        self.rest_url = rest_base(rest_url)
        self.depth_limit = depth_limit
        self.url_streams = url_streams
        self.streams_per_frame = streams_per_frame
        #: The book sync of each symbol whose book is wanted.
        self.books: dict[str, BookSync] = {}
        self._tickets: dict[str, int] = {}  # symbol -> the ticket of its depth fetch under way
        self._in_url: set[wire.Subscription] = set()  # what this connection's URL names
        #: The venue's symbol list, read once for every connection that shares it.
        self.symbol_list = symbol_list if symbol_list is not None else SharedSymbolList(None if symbols is None else list(symbols))
        if self.symbol_list.symbols is not None:
            self.symbols = self.symbol_list.symbols
        self._list_fetch: FetchSnapshot | None = None  # this session's exchangeInfo request, from submitted to answered
        self._resyncing_books: set[str] = set()
        self._unlisted_said: set[str] = set()  # symbols already named as not listed
        self._history: dict[int, wire.HistoryRequest] = {}  # klines fetches under way
        self._refused_with: int | None = None  # the status of the last 429 or 418 said
        #: REST requests waiting for the request-weight budget.
        self.rest = RestQueue(weight_budget or WeightBudget())

    # --- Connection --------------------------------------------------------------------

    def connection_url(self, url: str) -> str:
        listed = {info.symbol for info in self.symbols}
        named = sorted((s for s in self.subscriptions if s.symbol in listed), key=_order)[: self.url_streams]
        self._in_url = set(named)
        if not named:
            return stream_base(url) + "/stream"
        return combined_url(stream_base(url), streams_of(named))

    def connect_started(self) -> None:
        super().connect_started()
        if self.symbol_list.symbols is not None:
            self.symbols = self.symbol_list.symbols  # (read by another connection, or again)
        self._decode = self._decode_first
        for sync in self.books.values():
            sync.reset()
        self._tickets.clear()
        self._resyncing_books.clear()
        self.rest.clear()  # (the books start over, history requests failed with the connection)
        self._history.clear()

    def connection_opened(self, now: float) -> None:
        super().connection_opened(now)
        shared = self.symbol_list
        if shared.symbols is None:
            shared.wait(self)  # symbol_list_news() subscribes
        else:
            self.symbols = shared.symbols
            self._subscribe_all()
        self._read_symbol_list(now)

    def _read_symbol_list(self, now: float) -> None:
        """Fetch ``exchangeInfo`` if the shared list is to be read and no other connection is reading it."""
        if self.symbol_list.take_read(self, now):
            request = exchange_info_request()
            self._list_fetch = FetchSnapshot(EXCHANGE_INFO, self.rest_url + request.path)
            self.rest.submit(self._list_fetch, request.weight)

    def symbol_list_news(self) -> None:
        """A read of the shared symbol list ended (subscribe, with the list if it is in), or its reader
        gave it up (read it instead, unless another connection took that over)."""
        shared = self.symbol_list
        if shared.symbols is None and not shared.failed:
            self._read_symbol_list(self._clock())
            return
        shared.stop_waiting(self)
        if shared.symbols is not None:
            self.symbols = shared.symbols
        if self._connected and not self._established:
            self._subscribe_all()

    def connection_lost(self, *, code: int | None = None, error: str | None = None) -> bool:
        """As :meth:`FeedSession.connection_lost`; besides, stop waiting for the symbol list, and give up
        reading it if the request has not gone out (it never will: nothing is sent until the next
        connection, whose queue starts over), so that another connection reads it at once."""
        at_once = super().connection_lost(code=code, error=error)
        self.symbol_list.stop_waiting(self)
        if self._list_fetch is not None and self.rest.withdraw(self._list_fetch):
            self._list_fetch = None
            self.symbol_list.give_up(self)
        return at_once

    def closed(self) -> None:
        super().closed()
        self.symbol_list.stop_waiting(self)
        if self._list_fetch is not None:  # (a fetch under way is cancelled with the feed)
            self._list_fetch = None
            self.symbol_list.give_up(self)

    def _decode_first(self, frame: bytes | bytearray) -> object:
        """Decode a connection's first frame; one that is TradeDash protocol v1's ``hello`` means the
        URL is a protocol v1 server, not Binance: the feed stops, saying so (retrying cannot help)."""
        self._decode = decode_frame
        try:
            return decode_frame(frame)
        except BinanceError:
            if _is_v1_hello(frame):
                self.fail(
                    "the server speaks TradeDash protocol v1, not Binance's streams: "
                    'choose the venue "tradedash" for it, or a Binance stream URL'
                )
                self._close_connection(1002, "not a Binance stream endpoint")
                self._decode = _unread  # said once, as the reason: no malformed frame per heartbeat until the close
                return []
            raise

    # --- Subscriptions -------------------------------------------------------------------

    def set_subscriptions(self, wanted) -> None:  # type: ignore[no-untyped-def]
        super().set_subscriptions(wanted)
        books = {s.symbol for s in self.subscriptions if s.channel == "book"}
        for symbol in set(self.books) - books:
            del self.books[symbol]
            self._tickets.pop(symbol, None)
            self._resyncing_books.discard(symbol)

    def _request_subscriptions(self, op: str, subscriptions: set[wire.Subscription]) -> None:
        if op == "subscribe" and self.symbols:
            self._say_unlisted(subscriptions)
        if op == "subscribe" and self._in_url:
            named, self._in_url = subscriptions & self._in_url, set()
            self.confirmed |= named
            subscriptions = subscriptions - named
        method = "SUBSCRIBE" if op == "subscribe" else "UNSUBSCRIBE"
        ordered = sorted(subscriptions, key=_order)
        step = self.streams_per_frame
        for start in range(0, len(ordered), step):
            part = ordered[start : start + step]
            request_id = self._next_id()
            self._track(request_id, op, part)
            self._send(encode_request(StreamRequest(method, list(streams_of(part)), request_id)))

    def _say_unlisted(self, subscriptions: set[wire.Subscription]) -> None:
        """Name, once each, the symbols of ``subscriptions`` that ``exchangeInfo`` does not list: they are
        asked for all the same (the list may be older than a new symbol), but Binance accepts a stream of
        any name and may never send a thing on it, so the user learns why nothing comes."""
        listed = {info.symbol for info in self.symbols}
        unlisted = sorted({s.symbol for s in subscriptions if s.symbol not in listed} - self._unlisted_said)
        if unlisted:
            self._unlisted_said.update(unlisted)
            text = f"not listed by Binance (exchangeInfo), asked for all the same: {', '.join(unlisted)}"
            self.stats.record_error(text)
            log.warning("feed %s: %s", self.name, text)

    # --- Frames ----------------------------------------------------------------------------

    def _control(self, message: object) -> None:
        if type(message) is DepthUpdate:
            self._depth(message)
        elif isinstance(message, Reply):
            self._confirm(message.id)  # type: ignore[arg-type]
        elif isinstance(message, ErrorReply):
            error = message.error
            self._refuse(
                message.id if isinstance(message.id, int) else None,  # type: ignore[arg-type]
                f"server error {error.code}: {error.msg}",
                unknown_symbols=error.code == _INVALID_REQUEST,
            )
        elif isinstance(message, wire.Shutdown):
            self._shutdown_announced = True
            log.info("feed %s: serverShutdown: reconnecting", self.name)
        # Events TradeDash shows nothing of (bookTicker, miniTicker) pass silently.

    def _depth(self, event: DepthUpdate) -> None:
        symbol = event.symbol
        if wire.Subscription("book", symbol) not in self.subscriptions:
            if symbol not in self._wanted_symbols:  # (late updates of a book just unsubscribed are expected)
                self._malformed(f"a depth update of {symbol!r}, whose book is not subscribed")
            return
        sync = self.books.get(symbol)
        if sync is None:
            sync = self.books[symbol] = BookSync(symbol, limit=self.depth_limit)
        outcome = sync.apply_event(event)
        if outcome is _APPLIED:  # the usual: one book update in sequence (no fetch to start, no resync to end)
            for book in sync.take():
                self._deliver(book)
        else:
            self._settle(sync, outcome)

    def _settle(self, sync: BookSync, outcome: SyncOutcome) -> None:
        """Pass on what ``sync`` produced (book messages to the market, fetches to the pump)."""
        symbol = sync.symbol
        if outcome in RESYNC_CAUSES:
            log.info("feed %s: %s book: %s, resyncing", self.name, symbol, outcome.value)
            self.stats.record_error(f"{symbol} book: {outcome.value}", symbol)
            self.stats.record_book_outcome(symbol, BookOutcome.GAP)  # (feed health's Gaps)
            self.market.clear_book(symbol)  # an empty book rather than a wrong one until the snapshot
        for out in sync.take():
            if type(out) is FetchDepth:
                self._tickets[symbol] = out.ticket
                if sync.update_id is None and symbol not in self._resyncing_books and sync.applied + sync.snapshots:
                    self._resyncing_books.add(symbol)
                    self.lifecycle.handle(FeedEvent.GAP)
                request = out.request
                self.rest.submit(FetchSnapshot(symbol, self.rest_url + request.path), request.weight)
            else:
                self._deliver(out)
        if symbol in self._resyncing_books and sync.synced:
            self._resyncing_books.discard(symbol)
            self.stats.record_book_outcome(symbol, BookOutcome.RESYNCED)  # (feed health's Resyncs)
            if not self._resyncing_books:
                self.lifecycle.handle(FeedEvent.RESYNCED)

    def _deliver(self, book: wire.Book) -> None:
        """Apply one book message made by a book sync, as :meth:`receive_frame` applies a decoded one."""
        outcome = self._handlers[wire.Book](book)
        self.stats.record_market(book, outcome)  # type: ignore[arg-type]
        if outcome is BookOutcome.DUPLICATE:
            return
        self._applied = self._book_data = True
        if wire.Book in self._notified:
            self._on_message(book)  # type: ignore[misc]

    # --- REST ------------------------------------------------------------------------------

    def requests_to_send(self, now: float) -> list[Outgoing]:
        return super().requests_to_send(now) + self.rest.release(now)  # type: ignore[operator]

    def wants_to_send(self) -> bool:
        return super().wants_to_send() or bool(self.rest)

    def end_burst(self, now: float) -> bool:
        if super().end_burst(now):
            return True
        release = self.rest.next_release() if self.rest else None
        return release is not None and release <= now

    def next_deadline(self) -> float | None:
        deadline = super().next_deadline()
        release = self.rest.next_release()
        if deadline is None or release is None:
            return deadline
        return min(deadline, release)

    def rest_answered(self, status: int | None, headers: dict[str, str], now: float) -> None:
        held = self.rest.budget.blocked_until > now  # a 429's or 418's hold already said
        refusal = self.rest.answered(status, headers, now)
        if refusal is not None and not (held and status == self._refused_with):
            self._refused_with = status  # (the other answers of the requests out with it: the same news)
            self.stats.record_error(refusal)
            log.warning("feed %s: %s", self.name, refusal)

    def _request_snapshot(self, symbol: str) -> None:
        """The market asks for a fresh book: start its sync over (the next event fetches a snapshot)."""
        sync = self.books.get(symbol)
        if sync is not None:
            sync.reset()
            self._tickets.pop(symbol, None)

    def receive_snapshot(self, symbol: str, body: bytes, now: float) -> None:
        if symbol == EXCHANGE_INFO:
            self._receive_exchange_info(body, now)
            return
        ticket = self._tickets.pop(symbol, None)
        sync = self.books.get(symbol)
        if ticket is None or sync is None:
            return  # an answer from before a reconnect or an unsubscribe
        try:
            snapshot = decode_depth(body)
        except BinanceError as exc:
            snapshot = ErrorBody(-1, str(exc))
        if isinstance(snapshot, ErrorBody):
            self.snapshot_failed(symbol, f"error {snapshot.code}: {snapshot.msg}")
            return
        self._settle(sync, sync.apply_snapshot(snapshot, ticket))

    def snapshot_failed(self, symbol: str, reason: str) -> None:
        super().snapshot_failed(symbol, reason)
        if symbol == EXCHANGE_INFO:
            log.warning("feed %s: exchangeInfo: %s", self.name, reason)
            self._list_fetch = None
            self.symbol_list.read_failed(self)
            return
        sync = self.books.get(symbol)
        if sync is not None:  # the next depth event asks again
            sync.reset()
            self._tickets.pop(symbol, None)

    def _request_history(self, request: wire.HistoryRequest) -> None:
        klines = klines_request(request.symbol, request.interval, request.count)
        path = klines.path
        if request.end is not None:
            path += f"&endTime={request.end // 1_000_000 - 1}"
        self._history[request.id] = request
        self.rest.submit(FetchHistory(request.id, self.rest_url + path), klines.weight)

    def receive_history(self, request_id: int, body: bytes) -> None:
        request = self._history.pop(request_id, None)
        if request is None:
            return
        try:
            rows = decode_klines(body)
        except BinanceError as exc:
            rows = ErrorBody(-1, str(exc))
        if isinstance(rows, ErrorBody):
            self._settle_history(request_id, HistoryError("fetch_failed", f"klines: error {rows.code}: {rows.msg}"))
            return
        bars = [(row[0] * 1_000_000, row[1], row[2], row[3], row[4], row[5]) for row in rows]
        next_end = bars[0][0] if bars and len(bars) >= request.count else None
        page = wire.History(request_id, request.symbol, request.interval, self._wall_clock_ns(), bars, next_end)
        self._settle_history(request_id, page)

    def history_fetch_failed(self, request_id: int, reason: str) -> None:
        self._history.pop(request_id, None)
        super().history_fetch_failed(request_id, reason)

    def _receive_exchange_info(self, body: bytes, now: float) -> None:
        try:
            info = decode_exchange_info(body)
        except BinanceError as exc:
            info = ErrorBody(-1, str(exc))
        if isinstance(info, ErrorBody):
            self.snapshot_failed(EXCHANGE_INFO, f"error {info.code}: {info.msg}")
            return
        self._list_fetch = None
        self.rest.budget.limit = weight_limit(info, self.rest.budget.limit)
        self.symbols = [s.info() for s in symbols_of(info)]
        self.symbol_list.read(self.symbols, now)



def _unread(frame: bytes | bytearray) -> list[object]:
    """The frames a connection still brings after its feed stopped: none is read."""
    return []


def _is_v1_hello(frame: bytes | bytearray) -> bool:
    try:
        return any(isinstance(message, wire.Hello) for message in wire.decode_server_frame(bytes(frame)))
    except wire.WireError:
        return False


def _order(subscription: wire.Subscription) -> tuple[str, str]:
    """Subscriptions in a stable order (symbol, then channel): the same URL and frames every time."""
    return subscription.symbol, subscription.channel
