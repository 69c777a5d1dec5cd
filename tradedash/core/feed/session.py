"""The feed session: everything a feed decides, without I/O.

Split out of the feed client the way websockets splits ``protocol.py`` from its
``asyncio/connection.py``: frames and clock readings go in, requests to send and
a lifecycle come out. A session owns the subscriptions (wanted and confirmed),
the requests awaiting an answer, snapshot requests and resync tracking,
staleness, the :class:`~tradedash.core.feed.lifecycle.FeedLifecycle`, and the hot
path (decode, apply to the market, count). It opens no socket, starts no task
and reads no clock of its own: :mod:`tradedash.net.feed_client` is the pump.

:class:`FeedSession` is the part every venue shares; a venue (protocol v1 in
:class:`~tradedash.core.venues.protocol_v1.ProtocolV1Session`, Binance, Coinbase,
Kraken) implements its hooks.
"""

from __future__ import annotations

import abc
import itertools
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, Union

from tradedash.core import wire
from tradedash.core.market.book import BookOutcome
from tradedash.core.feed.lifecycle import FeedEvent, FeedLifecycle, FeedState
from tradedash.core.feed.pacing import RequestPacer
from tradedash.core.feed.ratelog import RateLimitedLog
from tradedash.core.feed.stats import FeedStats

__all__ = [
    "SendText",
    "FetchSnapshot",
    "FetchHistory",
    "CloseConnection",
    "Outgoing",
    "FatalFeedError",
    "HistoryError",
    "HistoryDone",
    "MarketSink",
    "FrameSink",
    "FeedSession",
    "MARKET_TYPES",
]

log = logging.getLogger("tradedash.feed")

#: The normalized market message types every venue's session produces.
MARKET_TYPES = frozenset((wire.Ticker, wire.Trade, wire.Book, wire.Candle))
_Book, _Heartbeat = wire.Book, wire.Heartbeat
_DATA, _HEARD = FeedEvent.DATA, FeedEvent.HEARD
_DUPLICATE = BookOutcome.DUPLICATE
#: What a frame that does not decode stands for in a batch (it was counted as malformed).
_UNDECODED = object()
_LIVE = FeedState.LIVE
#: WebSocket close codes the session asks for.
CLOSE_NORMAL, CLOSE_INVALID_DATA = 1000, 1007


# --- What a session asks the pump to do ------------------------------------------------


@dataclass(frozen=True, slots=True)
class SendText:
    """Send ``frame`` (UTF-8 bytes) as one text message on the connection."""

    frame: bytes


@dataclass(frozen=True, slots=True)
class FetchSnapshot:
    """GET ``url`` over HTTP (a venue's REST book snapshot) and hand the body back through
    :meth:`FeedSession.receive_snapshot` (or the failure through :meth:`FeedSession.snapshot_failed`)."""

    symbol: str
    url: str


@dataclass(frozen=True, slots=True)
class FetchHistory:
    """GET ``url`` over HTTP (a venue's REST candle endpoint, e.g. Binance ``/api/v3/klines``) for
    history request ``request_id``, and hand the body back through :meth:`FeedSession.receive_history`
    (or the failure through :meth:`FeedSession.history_fetch_failed`)."""

    request_id: int
    url: str


@dataclass(frozen=True, slots=True)
class CloseConnection:
    """Close the connection with this WebSocket close code and reason; the pump then reconnects."""

    code: int
    reason: str


Outgoing = Union[SendText, FetchSnapshot, FetchHistory, CloseConnection]


class FatalFeedError(Exception):
    """A failure that retrying will not fix (401/403/404, wrong protocol version, bad certificate)."""


class HistoryError(Exception):
    """A history request that got no page. ``code`` says why:

    - the server's error code (``unknown_symbol``, ``bad_request``, ...) when it refused;
    - ``disconnected``: the connection ended before the reply came (ask again);
    - ``closed``: the feed was stopped; ``timeout``: the pump gave up waiting;
    - ``unsupported``: this venue serves no history;
    - ``fetch_failed``: the venue's REST candle endpoint could not be read or parsed.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


#: Called once with a history request's outcome: the page, or why there is none.
HistoryDone = Callable[[Union[wire.History, HistoryError]], object]


class MarketSink(Protocol):
    """What a feed feeds: :class:`~tradedash.core.market.state.MarketState` or anything shaped like it."""

    def handler(self, kind: type) -> Callable[[wire.MarketMessage], object]: ...

    def verify_books(self) -> list[tuple[str, BookOutcome]]: ...

    def take_snapshot_requests(self) -> list[str]: ...

    def resyncing_symbols(self) -> set[str]: ...

    def reset_sequences(self) -> None: ...

    def clear_book(self, symbol: str) -> None: ...


class FrameSink(Protocol):
    """Where received frames are recorded (:class:`~tradedash.net.recorder.FrameRecorder`)."""

    def write(self, ts_ns: int, frame: bytes) -> None: ...


# --- The part every venue shares --------------------------------------------------------


class FeedSession(abc.ABC):
    """One feed's state and decisions, fed by a pump; the base of every venue's session.

    Contract for the pump (websockets' ``receive_data`` / ``data_to_send`` style):

    - Before each connection attempt call :meth:`connect_started`; once the socket is
      open, :meth:`connection_opened`; if the venue :attr:`greets`, pass the first text
      frame to :meth:`receive_greeting` (it raises :class:`FatalFeedError` for a server that
      cannot be served: send what :meth:`requests_to_send` holds, then give up), every
      later text frame to :meth:`receive_frame` and binary ones to
      :meth:`receive_binary`, as soon as each is parsed, and call :meth:`begin_burst`
      before and :meth:`end_burst` after each stretch of them (one socket read). None
      of these raises on bad input.
    - After anything you fed it, and after :meth:`tick`, send what
      :meth:`requests_to_send` returns (when :meth:`wants_to_send` says so), in order:
      :class:`SendText`, :class:`CloseConnection`, :class:`FetchSnapshot`, :class:`FetchHistory`;
      when a fetch ends, call :meth:`rest_answered` with its status and headers first.
    - Call :meth:`tick` at :meth:`next_deadline` (on the session's monotonic clock),
      or sooner: it marks a silent feed stale.
    - When a connection or an attempt ends, :meth:`connection_lost` (True: reconnect at
      once); before waiting to retry, :meth:`backoff_started`; when the feed stops,
      :meth:`closed`, or :meth:`fail` for a fatal reason.
    - :meth:`set_subscriptions` may be called at any time; the requests it needs come
      out of :meth:`requests_to_send` while connected, and after every reconnect every
      wanted subscription is requested again.
    - :meth:`set_book_depths` may be called at any time, like :meth:`set_subscriptions`.
    - :meth:`request_history` may be called at any time; its ``done`` is called exactly
      once (unless :meth:`cancel_history` comes first) with the page or a :class:`HistoryError`.

    What the session promises:

    - every market message is applied to ``market`` in order, then passed to ``on_message``
      (only ``on_message_types``, if given), unless the market calls it a duplicate (counted
      in ``stats.duplicates``); messages of symbols not wanted (nor just unsubscribed) are
      counted as malformed, never applied;
    - book checksums are checked at the end of a burst with book data, at most every
      ``book_check_interval`` seconds; a book that lost sync gets a snapshot request and the
      lifecycle is ``resyncing`` until every one is rebuilt;
    - no frame for twice the heartbeat interval makes a live feed ``stale``; a held event
      loop is noticed before what waited is applied (:meth:`_notice_pause`);
    - requests fit ``max_request_size`` and are paced to ``requests_per_second``; an unknown
      symbol refused costs only its own subscriptions (:meth:`_refuse`).

    What a venue implements: ``_decode`` (set in ``__init__``: frame -> one message or a
    list of them, raising one of ``_decode_errors``), :meth:`receive_greeting` (or
    ``greets = False``), :meth:`_control` (its non-market messages), :meth:`_request_subscriptions` and
    :meth:`_request_snapshot`; optionally :meth:`connection_url`, :meth:`receive_snapshot` and
    :meth:`_request_history` (answered through :meth:`_settle_history`). It uses :meth:`_next_id`,
    :meth:`_track`, :meth:`_confirm`, :meth:`_refuse`, :meth:`_send`, :meth:`_fetch`,
    :meth:`_set_heartbeat` and :meth:`_subscribe_all` to do so.
    """

    #: True: the server's first frame is a greeting, for :meth:`receive_greeting`, and nothing
    #: is sent before it. False (a venue that never greets): every frame is for
    #: :meth:`receive_frame`, and the venue asks for its subscriptions from
    #: :meth:`connection_opened` (``super().connection_opened(now)``, then :meth:`_subscribe_all`).
    greets = True
    #: What ``_decode`` raises for a frame that is not this venue's protocol.
    _decode_errors: tuple[type[BaseException], ...] = ()
    #: Decodes one frame into a market or control message, or a list of them (set by the venue).
    _decode: Callable[[bytes | bytearray], object]

    def __init__(
        self,
        market: MarketSink,
        *,
        subscriptions: Iterable[wire.Subscription] = (),
        on_message: Callable[[wire.MarketMessage], object] | None = None,
        on_message_types: Iterable[type] | None = None,
        recorder: FrameSink | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock_ns: Callable[[], int] = time.time_ns,
        name: str = "feed",
        book_check_interval: float = 0.05,
        # Limits of the server's (docs/protocol.md, "Limits"); the defaults stay well inside protocol v1's.
        max_request_size: int = 4096,
        requests_per_second: float = 25.0,
        request_burst: int = 100,
        # A held event loop (README, "When the dashboard's event loop is held")
        stall_limit: float = 5.0,
        late_limit: float = 0.5,
        # Shared with the other connections of a feed that needs several (else its own)
        stats: FeedStats | None = None,
    ) -> None:
        self.market = market
        #: Name used in log lines (the feed's URL).
        self.name = name
        #: The subscriptions wanted: requested after every (re)connection.
        self.subscriptions: set[wire.Subscription] = set(subscriptions)
        #: The subscriptions the server confirmed on the current connection.
        self.confirmed: set[wire.Subscription] = set()
        #: Subscriptions the server refused (dropped from :attr:`subscriptions`) since they were last set.
        self.refused: set[wire.Subscription] = set()
        self.lifecycle = FeedLifecycle(clock)
        self.lifecycle.add_listener(self._state_changed)
        self.stats = stats if stats is not None else FeedStats(clock, wall_clock_ns=wall_clock_ns)
        #: The symbols the venue lists (with tick and lot sizes), once it said.
        self.symbols: list[wire.SymbolInfo] = []
        #: Why the feed stopped for good, once :meth:`fail` was called.
        self.fatal_reason: str | None = None
        #: The delay chosen before the next connection attempt, set before ``backing off`` is entered.
        self.retry_delay: float | None = None
        #: The server's heartbeat period (seconds), once known (set with :meth:`_set_heartbeat`).
        self.heartbeat_interval: float | None = None
        self._pause_limit = 2.0  # twice the heartbeat interval
        self._on_message = on_message
        #: The message types passed to on_message (none without one).
        self._notified = frozenset(() if on_message is None else on_message_types or MARKET_TYPES)
        #: What applies each market message type, looked up once (``market`` is never replaced).
        self._handlers = {kind: market.handler(kind) for kind in MARKET_TYPES}
        self._recorder = recorder
        self._clock = clock
        self._wall_clock_ns = wall_clock_ns
        self._book_check_interval = book_check_interval
        self._bad_input_log = RateLimitedLog(log, clock=clock)
        self._ids = itertools.count(1)
        #: The largest request frame the server takes (bytes); longer requests are split.
        self.max_request_size = max_request_size
        self._pacer = RequestPacer(requests_per_second, request_burst)
        #: A pause between two calls (monotonic seconds) past which what waits in the socket is too old
        #: to catch up on: the connection is dropped and the feed resyncs on a new one.
        self.stall_limit = stall_limit
        #: After a shorter pause the feed is stale until a burst's oldest message is at most this late.
        self.late_limit = late_limit
        self._last_turn = 0.0  # when the pump last called begin_burst, end_burst or tick
        self._held = False  # after a held loop: catching up, or discarding; bursts are judged by _held_event
        self._discarding = False  # this connection's frames are too old: dropped until it closes
        #: True once the current connection went live: only then does the next failure start a fresh backoff.
        self.went_live = False
        self._in_outage = False  # backing off since the feed was last live (or since the start)
        #: Levels per side wanted of some symbols' books (:meth:`set_book_depths`); every other book: the venue's default.
        self.book_depths: dict[str, int] = {}
        #: Symbols whose messages are applied: wanted, or unsubscribed but not yet acknowledged.
        self._wanted_symbols: frozenset[str] = frozenset(s.symbol for s in self.subscriptions)
        # One connection's state (reset by connect_started).
        self._outgoing: list[Outgoing] = []
        self._pending: dict[int, tuple[str, frozenset[wire.Subscription]]] = {}
        # History requests: asked for and not yet sent (they wait for a connection), and sent on this one.
        self._history_waiting: dict[int, tuple[wire.HistoryRequest, HistoryDone]] = {}
        self._history_sent: dict[int, HistoryDone] = {}
        self._resyncing: set[str] = set()
        self._connected = False
        self._connected_at = 0.0
        self._established = False  # greeted: requests may be sent
        self._closing_connection = False  # a CloseConnection is queued
        self._shutdown_announced = False
        # Frames and messages taken since the last end_burst().
        self._frames_taken = False
        self._applied = False
        self._uncounted = 0
        self._book_data = False  # book messages came since the books were last verified
        self._next_book_check = 0.0

    @property
    def state(self) -> FeedState:
        return self.lifecycle.state

    def _state_changed(self, old: FeedState, new: FeedState) -> None:
        if new is _LIVE:
            self.went_live = True
            self._in_outage = False

    # --- Subscriptions -----------------------------------------------------------------

    def set_subscriptions(self, wanted: Iterable[wire.Subscription]) -> None:
        """Want exactly ``wanted`` from now on: unsubscribe what is no longer wanted, then subscribe
        what is new (while connected, as few requests as cover the change; otherwise at the next
        connection). Books no longer wanted are emptied and stop waiting for a snapshot."""
        wanted = set(wanted)
        added, removed = wanted - self.subscriptions, self.subscriptions - wanted
        self.subscriptions = wanted
        self.refused.clear()  # what was refused and is still wanted is asked for again
        self._wanted_symbols |= {s.symbol for s in added}
        self._forget_books(removed)
        if self._established:
            if removed:
                self._request_subscriptions("unsubscribe", removed)
            if added:
                self._request_subscriptions("subscribe", added)

    def set_book_depths(self, depths: Mapping[str, int]) -> None:
        """Want ``depths[symbol]`` levels a side of those symbols' books from now on (every other book:
        the venue's default), now while connected and after every reconnect. The base keeps the wish
        and asks nothing: right for a venue whose book stream carries every level anyway (Binance's
        diff-depth stream over a 1,000-level snapshot); a venue with a depth per subscription overrides it."""
        self.book_depths = dict(depths)

    def _forget_books(self, subscriptions: Iterable[wire.Subscription]) -> None:
        """Books no longer subscribed are emptied, and no longer wait for a snapshot."""
        for subscription in subscriptions:
            if subscription.channel == "book":
                self.market.clear_book(subscription.symbol)
                self._resyncing.discard(subscription.symbol)
        if not self._resyncing:
            self.lifecycle.handle(FeedEvent.RESYNCED)

    def _subscribe_all(self) -> None:
        """Request every wanted subscription (a venue calls this once its connection is ready),
        then the history requests that waited for a connection."""
        self._established = True
        if self.subscriptions:
            self._request_subscriptions("subscribe", self.subscriptions)
        waiting, self._history_waiting = self._history_waiting, {}
        for request, done in waiting.values():
            self._history_sent[request.id] = done
            self._request_history(request)

    # --- History ---------------------------------------------------------------------

    def request_history(
        self, symbol: str, interval: str, *, end: int | None = None, count: int = wire.HISTORY_MAX_COUNT, done: HistoryDone
    ) -> int:
        """Ask for one page of past bars (see :class:`~tradedash.core.wire.HistoryRequest`); returns its id.

        - Sent at once while connected, else as soon as the next connection is ready.
        - ``done`` gets the :class:`~tradedash.core.wire.History` page, or a
          :class:`HistoryError`: the server's refusal, ``disconnected`` if the connection
          ends after the request was sent, ``closed`` if the feed stops.
        - Market data keeps flowing meanwhile; the reply is matched by id.
        """
        request = wire.HistoryRequest(self._next_id(), symbol, interval, count, end)
        if self._established:
            self._history_sent[request.id] = done
            self._request_history(request)
        else:
            self._history_waiting[request.id] = (request, done)
        return request.id

    def cancel_history(self, request_id: int) -> None:
        """Forget request ``request_id``: its ``done`` is not called, a late reply is ignored."""
        self._history_waiting.pop(request_id, None)
        if request_id in self._history_sent:
            self._history_sent[request_id] = _ignore

    def _request_history(self, request: wire.HistoryRequest) -> None:
        """Queue what gets this page of history, to be answered with :meth:`_settle_history`: a frame,
        or (a venue with a REST candle endpoint) :meth:`_fetch_history` of the page's URL, whose
        body comes back to :meth:`receive_history`. Default: unsupported."""
        self._settle_history(request.id, HistoryError("unsupported", f"{type(self).__name__} serves no history"))

    def _fetch_history(self, request_id: int, url: str) -> None:
        """Ask the pump to GET ``url`` over HTTP for history request ``request_id``."""
        self._outgoing.append(FetchHistory(request_id, url))

    def receive_history(self, request_id: int, body: bytes) -> None:
        """The body of a :class:`FetchHistory`: a venue that fetches history parses it into a
        :class:`~tradedash.core.wire.History` (or a ``fetch_failed`` :class:`HistoryError`) and
        hands it to :meth:`_settle_history`."""
        raise NotImplementedError(f"{type(self).__name__} never fetches history over HTTP")

    def history_fetch_failed(self, request_id: int, reason: str) -> None:
        """A :class:`FetchHistory` failed (network, HTTP status): the request fails with ``fetch_failed``."""
        self._settle_history(request_id, HistoryError("fetch_failed", reason))

    def _settle_history(self, request_id: int | None, result: wire.History | HistoryError) -> bool:
        """Hand ``result`` to history request ``request_id``; False if no such request is waiting."""
        done = self._history_sent.pop(request_id, None) if request_id is not None else None
        if done is None:
            return False
        done(result)
        return True

    def _fail_history(self, code: str, text: str, *, waiting_too: bool) -> None:
        """Fail every sent history request (and the waiting ones, with ``waiting_too``)."""
        sent, self._history_sent = self._history_sent, {}
        failed = list(sent.values())
        if waiting_too:
            failed += [done for _request, done in self._history_waiting.values()]
            self._history_waiting = {}
        for done in failed:
            done(HistoryError(code, text))

    def _next_id(self) -> int:
        """A new request id."""
        return next(self._ids)

    def _track(self, request_id: int, op: str, covered: Iterable[wire.Subscription]) -> None:
        """Request ``request_id`` (``op``: "subscribe" or "unsubscribe") is sent; its answer
        (:meth:`_confirm` or :meth:`_refuse`) settles ``covered``."""
        self._pending[request_id] = (op, frozenset(covered))

    def _confirm(self, request_id: int) -> None:
        """The server accepted request ``request_id``."""
        op, covered = self._pending.pop(request_id, ("", frozenset()))
        if op == "subscribe":
            self.confirmed |= covered & self.subscriptions
        elif op == "unsubscribe":
            self.confirmed -= covered
            self._wanted_symbols = frozenset(s.symbol for s in self.subscriptions)

    def _refuse(self, request_id: int | None, text: str, *, unknown_symbols: bool = False) -> None:
        """The server refused request ``request_id`` (None: a request it could not tell).

        A refused subscribe is dropped, so it is not sent again on every reconnect, and
        kept in :attr:`refused`. When the refusal is about unknown symbols and the venue
        listed its symbols, only the subscriptions of symbols it does not list are
        dropped; the rest are asked for again.
        """
        op, covered = self._pending.pop(request_id, ("", frozenset())) if request_id is not None else ("", frozenset())
        if op == "subscribe":
            dropped, kept = set(covered), set()
            if unknown_symbols and self.symbols:
                listed = {info.symbol for info in self.symbols}
                unlisted = {s for s in covered if s.symbol not in listed}
                if unlisted:  # else the listing cannot tell which: drop them all
                    dropped, kept = unlisted, set(covered) - unlisted
            self.subscriptions -= dropped
            self.refused |= dropped
            self._forget_books(dropped)
            self._wanted_symbols = frozenset(s.symbol for s in self.subscriptions)
            text += f" (dropped: {', '.join(sorted({s.symbol for s in dropped}))})"
            kept &= self.subscriptions
            if kept:
                self._request_subscriptions("subscribe", kept)
        self.stats.record_error(text)
        log.warning("feed %s: %s", self.name, text)

    # --- Connection lifecycle ----------------------------------------------------------

    def connection_url(self, url: str) -> str:
        """The URL to connect to for the wanted subscriptions (a venue with combined-stream URLs builds it)."""
        return url

    def connect_started(self) -> None:
        """A connection attempt starts: ``connecting``; what belonged to the last connection is forgotten."""
        self.lifecycle.handle(FeedEvent.CONNECT)
        self._outgoing.clear()
        self._pending.clear()
        self.confirmed.clear()
        self._resyncing.clear()
        self._wanted_symbols = frozenset(s.symbol for s in self.subscriptions)
        self._connected = self._established = self._closing_connection = self._shutdown_announced = False
        self.went_live = self._discarding = self._held = False
        self.market.reset_sequences()  # the old connection's sequence numbers mean nothing now

    def connection_opened(self, now: float) -> None:
        """The connection is open (frames may come from now on); silence is timed from ``now``."""
        self._connected = True
        self._connected_at = self._last_turn = now

    def receive_greeting(self, frame: bytes, now: float) -> None:
        """The connection's first text frame, for a venue whose server greets (:attr:`greets`).
        Raises :class:`FatalFeedError` if the server cannot be served (what
        :meth:`requests_to_send` holds then, e.g. a close, is still to be sent)."""
        raise NotImplementedError(f"{type(self).__name__} expects no greeting")

    def connection_lost(self, *, code: int | None = None, error: str | None = None) -> bool:
        """The connection (or the attempt) ended, with the close ``code`` received, if any, and
        ``error`` to show the user. Returns True when the server asked for an immediate
        reconnect (a ``shutdown`` announcement, or close code 1001 "going away"), or the
        session dropped the connection itself to resync after a stall."""
        self._connected = self._established = False
        if error:
            self.stats.record_error(error)
        self._fail_history("disconnected", f"the connection ended before the history reply came ({error or 'closed'})", waiting_too=False)
        return self._shutdown_announced or self._discarding or code == 1001

    def backoff_started(self, delay: float) -> None:
        """The pump waits ``delay`` seconds before the next attempt: ``backing off``, one more
        reconnect attempt, and one more outage if the feed had been live since the last."""
        self.retry_delay = delay
        self.stats.reconnects += 1
        if not self._in_outage:
            self._in_outage = True
            self.stats.outages += 1
        self.lifecycle.handle(FeedEvent.DISCONNECTED)

    def closed(self) -> None:
        """The feed stopped: ``closed``; history requests not answered yet fail with ``closed``."""
        self._connected = self._established = False
        self.retry_delay = None
        self._fail_history("closed", "the feed was stopped", waiting_too=True)
        self.lifecycle.handle(FeedEvent.CLOSE)

    def fail(self, reason: str) -> None:
        """The feed stopped for good because of ``reason`` (kept in :attr:`fatal_reason`)."""
        self.fatal_reason = reason
        self.stats.record_error(reason)
        log.error("feed %s stopped: %s", self.name, reason)
        self.closed()

    # --- Timers ------------------------------------------------------------------------

    def next_deadline(self) -> float | None:
        """When (session clock) :meth:`tick` or :meth:`requests_to_send` has something to do next;
        None while not connected."""
        if not self._connected:
            return None
        quiet = self._quiet_deadline()
        if self._outgoing:
            return min(quiet, self._pacer.next_slot())
        return quiet

    def _quiet_deadline(self) -> float:
        last = self.stats.last_message_at
        since = self._connected_at if last is None or last < self._connected_at else last
        return since + self._pause_limit

    def _set_heartbeat(self, interval: float) -> None:
        """The server said how often it sends something: silence (and a held loop) is judged by it."""
        self.heartbeat_interval = interval
        self._pause_limit = 2.0 * interval

    def tick(self, now: float) -> None:
        """Mark the feed stale once no frame came for twice the heartbeat interval (and notice
        a held event loop, as :meth:`begin_burst` does)."""
        self._notice_pause(now)
        if self._connected and now >= self._quiet_deadline():
            before = self.lifecycle.state
            if self.lifecycle.handle(FeedEvent.QUIET) is not before:
                log.info("feed %s: no message for %.1f s, %s", self.name, self._pause_limit, self.lifecycle.state.value)

    # --- Output ------------------------------------------------------------------------

    def wants_to_send(self) -> bool:
        """True when :meth:`requests_to_send` has something."""
        return bool(self._outgoing)

    def requests_to_send(self, now: float) -> list[Outgoing]:
        """What the pump must do now (``now``: the session's clock), in order; each is returned
        once. Frames are paced to the server's request rate: what must wait stays queued
        until :meth:`next_deadline`."""
        outgoing = self._outgoing
        ready = 0
        for action in outgoing:
            if type(action) is SendText and not self._pacer.take(now):
                break
            ready += 1
        taken, self._outgoing = outgoing[:ready], outgoing[ready:]
        return taken

    def _send(self, frame: bytes) -> None:
        self._outgoing.append(SendText(frame))

    def _fetch(self, symbol: str, url: str) -> None:
        """Ask the pump to GET ``url`` over HTTP, for ``symbol``'s book snapshot."""
        self._outgoing.append(FetchSnapshot(symbol, url))

    def _close_connection(self, code: int, reason: str) -> None:
        if not self._closing_connection:
            self._closing_connection = True
            # Frames still waiting for their turn are pointless on a closing connection (the next
            # one asks for everything again): the close goes first, and alone.
            self._outgoing = [CloseConnection(code, reason), *(a for a in self._outgoing if type(a) is not SendText)]

    # --- The hot path ------------------------------------------------------------------

    def begin_burst(self, now: float) -> bool:
        """Before the frames of one socket read (see :meth:`_notice_pause`). Returns
        :meth:`wants_to_send`."""
        if now - self._last_turn > self._pause_limit:
            self._notice_pause(now)
        self._last_turn = now
        return bool(self._outgoing)

    def _notice_pause(self, now: float) -> None:
        """A long pause since the pump's last call (begin_burst, end_burst, tick: several per
        heartbeat interval while connected) means the event loop was held, and what waits
        in the socket is as old as the pause:

        - longer than :attr:`stall_limit`: too old to catch up on. The feed goes stale, this
          connection's frames are dropped (counted in ``stats.dropped``), never shown nor
          passed to alerts, and the connection is closed to resync on a new one at once;
        - longer than twice the heartbeat interval: the feed is stale while it catches up,
          until a burst's oldest message is at most :attr:`late_limit` late.
        """
        pause, self._last_turn = now - self._last_turn, now
        # Not before the connection is established (a greeting awaited, the venue's symbols read): no
        # market data flows yet, and the pump's timers may not run (it waits for the greeting).
        if not self._established or pause <= self._pause_limit or self._discarding:
            return
        self.lifecycle.handle(FeedEvent.QUIET)
        self._held = True
        if pause > self.stall_limit:
            self._discarding = True
            text = f"the event loop was held {pause:.1f} s: reconnecting to resync rather than apply old data"
            self.stats.record_error(text)
            log.warning("feed %s: %s", self.name, text)
            self._close_connection(CLOSE_NORMAL, "resyncing after a stall")
        else:
            log.info("feed %s: the event loop was held %.1f s: stale until caught up", self.name, pause)

    def receive_frame(self, frame: bytes | bytearray) -> None:
        """Decode one text frame and apply it at once: :meth:`receive_frames` of that one frame."""
        self.receive_frames((frame,))

    def receive_frames(self, frames: Sequence[bytes | bytearray]) -> None:
        """Decode text frames and apply each at once, in order; never raises.

        Market messages for symbols not wanted are counted as malformed and
        ignored. Message counters, clocks and book checks wait for :meth:`end_burst`.
        A frame that is not UTF-8 also asks for a close with 1007 (invalid data).
        """
        self._frames_taken = True
        if self._discarding:
            self.stats.dropped += len(frames)
            return
        try:  # every frame decoded, then every message applied: two tight loops, kinder to the caches
            # (self._decode looked up for each frame: a venue's first frame may change the decoder)
            decoded_frames = [self._decode(frame) for frame in frames]
        except self._decode_errors:
            decoded_frames = [self._decode_or_say(frame) for frame in frames]
        applied = saw_book = False
        handlers, record = self._handlers, self.stats.record_market
        on_message, notified = self._on_message, self._notified
        wanted, duplicate = self._wanted_symbols, _DUPLICATE
        taken = 0
        for frame, decoded in zip(frames, decoded_frames):
            if decoded is _UNDECODED:
                continue
            messages = decoded if type(decoded) is list else (decoded,)
            taken += len(messages)
            if self._recorder is not None:
                self._recorder.write(self._wall_clock_ns(), frame)  # type: ignore[arg-type]
            for message in messages:
                kind = type(message)
                try:
                    apply = handlers.get(kind)
                    if apply is not None:
                        if message.symbol not in wanted:  # type: ignore[union-attr]
                            self._malformed(f"{message.symbol!r} is not subscribed")  # type: ignore[union-attr]
                            continue
                        outcome = apply(message)  # type: ignore[arg-type]
                        record(message, outcome)  # type: ignore[arg-type]
                        if outcome is duplicate:  # a repeat or an old message: counted, not passed on
                            continue
                        applied = True
                        if kind is _Book:
                            saw_book = True
                        if kind in notified:
                            on_message(message)  # type: ignore[misc]
                    elif kind is _Heartbeat:
                        self.stats.record_heartbeat(message)  # type: ignore[arg-type]
                    else:
                        self._control(message)
                        wanted = self._wanted_symbols  # (a reply may have changed what is wanted)
                except Exception as exc:  # a message the state could not take must not end the feed, nor its frame
                    self._malformed(f"message not applied: {type(exc).__name__}: {exc}")
        self._uncounted += taken
        if applied:
            self._applied = True
            if saw_book:
                self._book_data = True

    def _decode_or_say(self, frame: bytes | bytearray) -> object:
        """``frame`` decoded, or :data:`_UNDECODED` once it is counted as malformed (and a close with
        1007 asked for, if it is not UTF-8)."""
        try:
            return self._decode(frame)
        except self._decode_errors as exc:
            self._malformed(f"malformed frame: {exc}")
            if not _is_utf8(frame):
                self._close_connection(CLOSE_INVALID_DATA, "invalid UTF-8 in a text frame")
            return _UNDECODED

    def receive_binary(self, frame: bytes | bytearray) -> None:
        """A binary frame: counted as malformed (the link is alive, though)."""
        self._frames_taken = True
        self._malformed(f"a binary frame of {len(frame)} bytes (this protocol sends text)")

    def end_burst(self, now: float) -> bool:
        """After the frames of one socket read: message counters, clocks, lifecycle and book
        checks. Returns :meth:`wants_to_send`."""
        if not self._frames_taken:
            return bool(self._outgoing)
        self._frames_taken = False
        self._last_turn = now
        self.stats.record_messages(self._uncounted, now)
        self._uncounted = 0
        if self._applied:
            self._applied = False
            event = _DATA
        else:  # a feed that wants nothing (and was refused nothing) is live as soon as it hears from its server
            event = _DATA if not self.subscriptions and not self.refused else _HEARD
        if self._held:
            event = self._held_event(event)
        self.lifecycle.handle(event)
        if self._book_data or self._resyncing:
            self._track_resync(now)
        return bool(self._outgoing)

    def _held_event(self, event: FeedEvent) -> FeedEvent:
        """What a burst means after a held loop: nothing while dropping old frames; while catching
        up, quiet until the burst's oldest message is at most :attr:`late_limit` late."""
        if self._discarding:
            return FeedEvent.QUIET  # frames too old to show: stale until the new connection
        latency = self.stats.last_burst_lag()
        if latency is None or latency > self.late_limit:
            return FeedEvent.QUIET
        self._held = False
        log.info("feed %s: caught up", self.name)
        return event

    def _track_resync(self, now: float) -> None:
        """After book data: verify the books (when due), ask for snapshots of those that lost sync,
        and report the lifecycle's gap or resync."""
        if self._book_data and now >= self._next_book_check:
            self._book_data = False
            self._next_book_check = now + self._book_check_interval
            for symbol, outcome in self.market.verify_books():
                self.stats.record_book_outcome(symbol, outcome)
        requested = self.market.take_snapshot_requests()
        if requested:
            requested = self._drop_unsubscribed_books(requested)
        if requested:
            self._resyncing.update(requested)
            for symbol in requested:
                log.info("feed %s: %s book out of sync, requesting a snapshot", self.name, symbol)
                self._request_snapshot(symbol)
        elif not self._resyncing:
            return
        self._resyncing &= self.market.resyncing_symbols()
        self.lifecycle.handle(FeedEvent.GAP if self._resyncing else FeedEvent.RESYNCED)

    def _drop_unsubscribed_books(self, symbols: list[str]) -> list[str]:
        """A late update of a book just unsubscribed needs no snapshot: empty that book instead."""
        subscribed = [s for s in symbols if wire.Subscription("book", s) in self.subscriptions]
        for symbol in set(symbols).difference(subscribed):
            self.market.clear_book(symbol)
        return subscribed

    def _malformed(self, text: str) -> None:
        self.stats.malformed += 1
        self.stats.record_error(text)
        self._bad_input_log.report("feed %s: %s", self.name, text[:200])

    # --- What a venue implements --------------------------------------------------------

    @abc.abstractmethod
    def _control(self, message: object) -> None:
        """A decoded message that is neither market data nor a heartbeat (acks, errors, notices)."""

    @abc.abstractmethod
    def _request_subscriptions(self, op: str, subscriptions: set[wire.Subscription]) -> None:
        """Queue the requests (``op``: "subscribe" or "unsubscribe") that cover ``subscriptions``,
        each tracked with :meth:`_track`, each within :attr:`max_request_size` (the pacing
        of :meth:`requests_to_send` keeps to the request rate)."""

    @abc.abstractmethod
    def _request_snapshot(self, symbol: str) -> None:
        """Queue what gets a fresh book snapshot of ``symbol`` (a frame, or a :class:`FetchSnapshot`)."""

    def receive_snapshot(self, symbol: str, body: bytes, now: float) -> None:
        """The body of a :class:`FetchSnapshot` this session asked for (venues that fetch over HTTP)."""
        raise NotImplementedError(f"{type(self).__name__} never fetches snapshots over HTTP")

    def snapshot_failed(self, symbol: str, reason: str) -> None:
        """A :class:`FetchSnapshot` failed; the book's resync is asked for again after its retry period."""
        self.stats.record_error(f"{symbol} snapshot: {reason}", symbol)

    def rest_answered(self, status: int | None, headers: dict[str, str], now: float) -> None:
        """A :class:`FetchSnapshot` or :class:`FetchHistory` ended (called before its body or failure
        is handed back): ``status`` the HTTP status (None: no answer), ``headers`` the answer's, names in
        lower case. A venue that limits its REST requests reads its budget from them."""


def _ignore(_result: object) -> None:
    """The ``done`` of a cancelled history request."""


def _is_utf8(frame: bytes | bytearray) -> bool:
    try:
        frame.decode()
    except UnicodeDecodeError:
        return False
    return True
