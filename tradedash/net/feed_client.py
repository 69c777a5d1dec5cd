"""One persistent WebSocket feed: connect, subscribe, receive, resync, reconnect.

This is the only layer that owns sockets. Each frame is decoded once with
:mod:`tradedash.core.wire` and applied at once to a market state object; the
feed drives its :class:`~tradedash.core.lifecycle.FeedLifecycle` from what it
sees. Which failures are retried is decided by :func:`classify_failure`; how
long to wait comes from a :class:`~tradedash.core.backoff.ReconnectPolicy`.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import ssl
import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import Protocol

import msgspec

from websockets.asyncio.client import ClientConnection, connect
from websockets.client import process_exception
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.frames import CloseCode

from tradedash.core import wire
from tradedash.core.backoff import ReconnectPolicy
from tradedash.core.book import BookOutcome
from tradedash.core.lifecycle import FeedEvent, FeedLifecycle, FeedState
from tradedash.core.ratelog import RateLimitedLog
from tradedash.core.stats import FeedStats

from .callback_connection import CallbackConnection
from .recorder import FrameRecorder

__all__ = ["FeedClient", "FatalFeedError", "MarketSink", "classify_failure"]

log = logging.getLogger("tradedash.feed")

_MARKET_TYPES = frozenset((wire.Ticker, wire.Trade, wire.Book, wire.Candle))
# Module-level names for the hot path (one global lookup instead of a chain).
_decode_frame = wire.server_frame_decoder.decode
_Book, _Heartbeat, _LIVE = wire.Book, wire.Heartbeat, FeedState.LIVE
#: HTTP statuses of a refused handshake that are worth retrying (server trouble or "slow down").
_RETRIED_STATUSES = frozenset((408, 429, 500, 502, 503, 504))


class FatalFeedError(Exception):
    """A failure that retrying will not fix (401/403/404, wrong protocol version, bad certificate)."""


class MarketSink(Protocol):
    """What a feed feeds: :class:`~tradedash.core.market.MarketState` or anything shaped like it."""

    def handler(self, kind: type) -> Callable[[wire.MarketMessage], object]: ...

    def verify_books(self) -> list[tuple[str, BookOutcome]]: ...

    def take_snapshot_requests(self) -> list[str]: ...

    def resyncing_symbols(self) -> set[str]: ...

    def reset_sequences(self) -> None: ...

    def clear_book(self, symbol: str) -> None: ...


def classify_failure(exc: BaseException) -> str | None:
    """Return why ``exc`` is fatal, or None when a reconnect may fix it.

    Network errors, timeouts, closes and HTTP 5xx/408/429 are transient; other
    refused handshakes (401, 403, 404, ...), certificate failures and protocol
    mismatches are fatal.
    """
    if isinstance(exc, FatalFeedError):
        return str(exc)
    if isinstance(exc, InvalidStatus):
        status = exc.response.status_code
        if status in _RETRIED_STATUSES:
            return None
        return f"the server refused the connection: HTTP {status} {exc.response.reason_phrase}".rstrip()
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"the server's TLS certificate was not accepted: {exc.verify_message or exc}"
    if isinstance(exc, ConnectionClosed):
        return None
    if process_exception(exc) is None:  # type: ignore[arg-type]
        return None
    return f"{type(exc).__name__}: {exc}"


class FeedClient:
    """A feed from one exchange URL that keeps itself connected, subscribed and in sync.

    Contract:

    - While ``run()`` runs the client is connected or trying to be. After every
      connection it sends one subscribe request per group of channels sharing the
      same symbols, covering :attr:`subscriptions` exactly once.
    - Every market message of every frame is applied to ``market`` in order, as
      soon as the frame is parsed (:class:`~.callback_connection.CallbackConnection`:
      one socket read's worth of frames per turn of the event loop, so a backlog
      never freezes the UI), then passed to ``on_message`` if given (only messages of
      ``on_message_types``, if those are given). At the end of each burst of frames
      with book data, book checksums (``market.verify_books()``) are checked, at most
      every ``book_check_interval`` seconds (a book that went wrong is found within
      that, or at the next frame after it); symbols from
      ``market.take_snapshot_requests()`` get a snapshot request, and the lifecycle
      goes to ``resyncing`` until ``market.resyncing_symbols()`` is empty again.
      Each new connection first calls ``market.reset_sequences()``.
    - No frame for ``2 x heartbeat_interval`` (monotonic ``clock``) makes the feed
      ``stale``; keepalive pings close a dead link after ``ping_interval + ping_timeout``
      (+ ``close_timeout``), and the feed reconnects.
    - Failures that :func:`classify_failure` calls transient are retried after the
      policy's delays (full jitter); a ``shutdown`` message or a close with 1001
      reconnects at once. Fatal failures end ``run()`` with :class:`FatalFeedError`
      (its message is the reason for the user); they are never retried.
    - Malformed frames, unknown message types and server errors are counted in
      :attr:`stats` and logged at a bounded rate (:class:`RateLimitedLog`); nothing
      raised by decoding or applying a frame escapes. A text frame that is not
      UTF-8 also closes the connection with 1007 (invalid data), and the feed
      reconnects; a binary frame is counted as malformed.
    - ``close()`` stops the feed; ``run()`` then returns and the lifecycle is ``closed``.
    """

    def __init__(
        self,
        url: str,
        *,
        market: MarketSink,
        subscriptions: Iterable[wire.Subscription] = (),
        on_message: Callable[[wire.MarketMessage], object] | None = None,
        on_message_types: Iterable[type] | None = None,
        token: str | None = None,
        ca_file: str | None = None,
        policy: ReconnectPolicy | None = None,
        rng: random.Random | None = None,
        recorder: FrameRecorder | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock_ns: Callable[[], int] = time.time_ns,
        # Timeouts
        open_timeout: float = 5.0,
        ping_interval: float = 5.0,
        ping_timeout: float = 5.0,
        close_timeout: float = 1.0,
        book_check_interval: float = 0.05,
        # Limits
        max_size: int = 2**20,
        max_queue: int = 4096,
    ) -> None:
        self.url = url
        self.market = market
        self.subscriptions: set[wire.Subscription] = set(subscriptions)
        #: Symbols whose messages are applied: subscribed, or unsubscribed but not yet acknowledged.
        self._wanted_symbols: frozenset[str] = frozenset(s.symbol for s in self.subscriptions)
        self.lifecycle = FeedLifecycle(clock)
        self.stats = FeedStats(clock, wall_clock_ns=wall_clock_ns)
        #: What applies each market message type, looked up once (``market`` is never replaced).
        self._handlers = {kind: market.handler(kind) for kind in _MARKET_TYPES}
        self.symbols: list[wire.SymbolInfo] = []
        #: Why the feed stopped for good, once a fatal error ended ``run()``.
        self.fatal_reason: str | None = None
        #: The delay chosen before the next connection attempt, set before ``backing off`` is entered.
        self.retry_delay: float | None = None
        #: The server's heartbeat period, from its ``hello``.
        self.heartbeat_interval: float | None = None
        self._on_message = on_message
        #: The message types passed to on_message (none without one).
        self._notified = frozenset(() if on_message is None else on_message_types or _MARKET_TYPES)
        #: How long to wait before each reconnection attempt.
        self.policy = policy or ReconnectPolicy()
        self._rng = rng
        self._recorder = recorder
        self._clock = clock
        self._wall_clock_ns = wall_clock_ns
        self._connect_options: dict[str, object] = dict(
            create_connection=partial(
                CallbackConnection, on_message=self.take_frame, on_binary=self._binary_frame, on_read_done=self.end_burst
            ),
            open_timeout=open_timeout,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            close_timeout=close_timeout,
            max_size=max_size,
            max_queue=max_queue,
            # Small JSON messages: inflating each costs more CPU than it saves on the
            # wire, and without compression there is no compression bomb to defuse.
            compression=None,
        )
        if token is not None:
            self._connect_options["additional_headers"] = {"Authorization": f"Bearer {token}"}
        self._ca_file = ca_file
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[str, frozenset[wire.Subscription]]] = {}
        self._connection: ClientConnection | None = None
        self._closing = False
        self._closer: asyncio.Future[None] | None = None  # a close we started from a callback
        self._stop = asyncio.Event()
        self._shutdown_announced = False
        self._resyncing: set[str] = set()
        # Frames and messages taken since the last end_burst().
        self._uncounted = 0
        self._frames_taken = False
        self._book_data = False  # book messages came since the books were last verified
        self._book_check_interval = book_check_interval
        self._next_book_check = 0.0  # monotonic
        self._snapshots_wanted: list[str] = []
        self._snapshots_due = asyncio.Event()  # set when _snapshots_wanted gets a symbol
        self._bad_input_log = RateLimitedLog(log, clock=clock)

    @property
    def state(self) -> FeedState:
        return self.lifecycle.state

    # --- Subscriptions ----------------------------------------------------------------

    async def subscribe(self, channels: Iterable[str], symbols: Iterable[str]) -> None:
        """Add every channel for every symbol; sent at once when connected, and after every reconnect."""
        added = set(wire.subscriptions_of(channels, symbols)) - self.subscriptions
        self.subscriptions |= added
        self._wanted_symbols |= {s.symbol for s in added}
        await self._send_subscriptions("subscribe", added)

    async def unsubscribe(self, channels: Iterable[str], symbols: Iterable[str]) -> None:
        """Remove subscriptions; sent at once when connected."""
        removed = set(wire.subscriptions_of(channels, symbols)) & self.subscriptions
        self.subscriptions -= removed
        self._forget_books(removed)
        await self._send_subscriptions("unsubscribe", removed)

    def _forget_books(self, subscriptions: Iterable[wire.Subscription]) -> None:
        """Books no longer subscribed are emptied, and no longer wait for a snapshot."""
        for subscription in subscriptions:
            if subscription.channel == "book":
                self.market.clear_book(subscription.symbol)
                self._resyncing.discard(subscription.symbol)
        if not self._resyncing and self.lifecycle.state is FeedState.RESYNCING:
            self.lifecycle.handle(FeedEvent.RESYNCED)

    async def _send_subscriptions(self, op: str, subscriptions: set[wire.Subscription]) -> None:
        connection = self._connection
        if connection is None or not subscriptions:
            return
        request_type = wire.Subscribe if op == "subscribe" else wire.Unsubscribe
        for channels, symbols in wire.group_subscriptions(subscriptions):
            request = request_type(id=next(self._ids), channels=channels, symbols=symbols)
            self._pending[request.id] = (op, frozenset(wire.subscriptions_of(channels, symbols)))
            await self._send(connection, request)

    async def _send(self, connection: ClientConnection, request: wire.Request) -> None:
        try:
            await connection.send(wire.encode(request), text=True)
        except ConnectionClosed:
            pass  # _serve sees the close and reconnects; everything is sent again then

    # --- Running ----------------------------------------------------------------------

    async def run(self) -> None:
        """Connect and stay connected until ``close()``; raises :class:`FatalFeedError` on a fatal failure."""
        delays = None
        try:
            self._load_ca_file()
            while not self._closing:
                self.lifecycle.handle(FeedEvent.CONNECT)
                at_once = False
                try:
                    self._prepare_connection()
                    connection = await self._open()
                    if connection is None:  # close() came first
                        break
                    async with connection:
                        await self._check_hello(connection)
                        delays = None
                        at_once = await self._serve(connection)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # classified here: fatal ones end the feed, the rest are retried
                    if self._closing:
                        break
                    reason = classify_failure(exc)
                    if reason is not None:
                        self._fail(reason)
                        raise FatalFeedError(reason) from exc
                    self.stats.record_error(_describe(exc))
                    log.info("feed %s: %s", self.url, _describe(exc))
                if self._closing:
                    break
                if delays is None:
                    delays = self.policy.delays(self._rng)
                self.retry_delay = 0.0 if at_once else next(delays)
                self.stats.reconnects += 1
                self.lifecycle.handle(FeedEvent.DISCONNECTED)
                if self.retry_delay:
                    try:
                        await asyncio.wait_for(self._stop.wait(), self.retry_delay)
                    except TimeoutError:
                        pass
        finally:
            self._connection = None
            self.retry_delay = None
            if self.lifecycle.state is not FeedState.CLOSED:
                self.lifecycle.handle(FeedEvent.CLOSE)

    def _load_ca_file(self) -> None:
        """Trust ``ca_file`` for wss://; a CA file that cannot be used is a fatal error."""
        if self._ca_file is None or "ssl" in self._connect_options:
            return
        if not self.url.startswith("wss://"):
            reason = f"a CA file ({self._ca_file}) needs a wss:// URL, not {self.url}"
        else:
            try:
                self._connect_options["ssl"] = ssl.create_default_context(cafile=self._ca_file)
                return
            except (OSError, ssl.SSLError) as exc:
                reason = f"cannot use the CA file {self._ca_file}: {exc}"
        self._fail(reason)
        raise FatalFeedError(reason)

    async def _open(self) -> CallbackConnection | None:
        """Open a connection; None if ``close()`` was called while the attempt was under way."""
        attempt = asyncio.ensure_future(connect(self.url, **self._connect_options))  # type: ignore[arg-type]
        stopped = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait((attempt, stopped), return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
            if not attempt.done():
                attempt.cancel()
        if attempt.cancelled():
            return None
        connection = attempt.result()
        self._connection = connection  # so that close() during the greeting closes it
        return connection

    async def close(self) -> None:
        """Stop reconnecting and close the connection; ``run()`` then returns."""
        self._closing = True
        self._stop.set()
        if self._connection is not None:
            await self._connection.close()

    def _fail(self, reason: str) -> None:
        self.fatal_reason = reason
        self.stats.record_error(reason)
        self.lifecycle.handle(FeedEvent.CLOSE)
        log.error("feed %s stopped: %s", self.url, reason)

    async def _check_hello(self, connection: CallbackConnection) -> None:
        closed = asyncio.ensure_future(connection.wait_closed())
        try:
            await asyncio.wait((connection.greeting, closed), return_when=asyncio.FIRST_COMPLETED)
        finally:
            closed.cancel()
        if not connection.greeting.done():
            raise connection.protocol.close_exc
        frame = connection.greeting.result()
        try:
            hello = wire.decode_server_frame(frame)[0]
        except wire.WireError as exc:
            raise FatalFeedError(f"the server's greeting is not protocol v{wire.PROTOCOL_VERSION}: {exc}") from None
        if not isinstance(hello, wire.Hello):
            raise FatalFeedError(f"the server greeted with {type(hello).__name__}, not hello")
        if hello.version != wire.PROTOCOL_VERSION:
            await connection.close(CloseCode.PROTOCOL_ERROR, "unsupported protocol version")
            raise FatalFeedError(
                f"the server speaks protocol v{hello.version}; this client speaks v{wire.PROTOCOL_VERSION}"
            )
        self.heartbeat_interval = hello.heartbeat_interval
        if self._recorder is not None:
            self._recorder.write(self._wall_clock_ns(), frame)

    def _prepare_connection(self) -> None:
        """Reset what belongs to one connection; frames may be ingested as soon as it is open."""
        self._shutdown_announced = False
        self._pending.clear()
        self._wanted_symbols = frozenset(s.symbol for s in self.subscriptions)
        self._resyncing.clear()
        self._snapshots_wanted.clear()
        self._snapshots_due.clear()
        self.market.reset_sequences()  # the old connection's sequence numbers mean nothing now

    async def _serve(self, connection: CallbackConnection) -> bool:
        """Subscribe, then ask for snapshots when books need them until the connection ends;
        True if the server asked for a reconnect at once. Frames are ingested as they arrive."""
        self._connection = connection
        watchdog = asyncio.create_task(self._watch_staleness(), name=f"staleness {self.url}")
        closed = asyncio.ensure_future(connection.wait_closed())
        try:
            await self._send(connection, wire.ListSymbols(id=next(self._ids)))
            await self._send_subscriptions("subscribe", self.subscriptions)
            while not closed.done():
                due = asyncio.ensure_future(self._snapshots_due.wait())
                try:
                    await asyncio.wait((closed, due), return_when=asyncio.FIRST_COMPLETED)
                finally:
                    due.cancel()
                if self._snapshots_wanted:
                    await self._request_snapshots(connection)
            raise connection.protocol.close_exc
        except ConnectionClosed as exc:
            if self._closing:
                return False
            log.info("feed %s closed: %s", self.url, _describe(exc))
            self.stats.record_error(_describe(exc))
            return self._shutdown_announced or (exc.rcvd is not None and exc.rcvd.code == CloseCode.GOING_AWAY)
        finally:
            closed.cancel()
            watchdog.cancel()
            self._connection = None

    # --- The hot path -----------------------------------------------------------------

    def ingest(self, frame: bytes | bytearray) -> None:
        """Take one frame as a burst of its own: :meth:`take_frame`, then :meth:`end_burst`; never raises."""
        self.take_frame(frame)
        self.end_burst()

    def take_frame(self, frame: bytes | bytearray) -> None:
        """Decode one received frame and apply it at once (the connection calls this per frame); never raises.

        Market messages for symbols the feed is not subscribed to are counted as
        malformed and ignored. The message counters, clocks and book checks wait
        for :meth:`end_burst`.
        """
        self._frames_taken = True
        try:
            decoded = _decode_frame(frame)
        except (msgspec.DecodeError, UnicodeDecodeError) as exc:
            self._malformed(f"malformed frame: {exc}")
            if self._connection is not None and not _is_utf8(frame):  # text that is not UTF-8: close 1007
                self._close_connection(CloseCode.INVALID_DATA, "invalid UTF-8 in a text frame")
            return
        messages = decoded if type(decoded) is list else (decoded,)
        if self._recorder is not None:
            self._recorder.write(self._wall_clock_ns(), frame)
        applied = saw_book = False
        handlers, record = self._handlers, self.stats.record_market
        on_message, notified = self._on_message, self._notified
        wanted = self._wanted_symbols
        for message in messages:
            kind = type(message)
            try:
                apply = handlers.get(kind)
                if apply is not None:
                    if message.symbol not in wanted:  # type: ignore[union-attr]
                        self._malformed(f"{message.symbol!r} is not subscribed")  # type: ignore[union-attr]
                        continue
                    record(message, apply(message))  # type: ignore[arg-type]
                    applied = True
                    if kind is _Book:
                        saw_book = True
                    if kind in notified:
                        on_message(message)  # type: ignore[arg-type,misc]
                elif kind is _Heartbeat:
                    self.stats.record_heartbeat(message)  # type: ignore[arg-type]
                else:
                    self._control(message)
            except Exception as exc:  # a message the state could not take must not end the feed, nor its frame
                self._malformed(f"message not applied: {type(exc).__name__}: {exc}")
        if saw_book:
            self._book_data = True
        self._uncounted += len(messages)
        if applied:
            if self.lifecycle.state is not _LIVE:
                self.lifecycle.handle(FeedEvent.DATA)
        elif self.lifecycle.state is FeedState.STALE or (
            self.lifecycle.state is FeedState.CONNECTING and not self.subscriptions
        ):
            self.lifecycle.handle(FeedEvent.DATA)

    def end_burst(self) -> None:
        """After the frames of one socket read: message counters, clocks and book checks."""
        if not self._frames_taken:
            return
        self._frames_taken = False
        self.stats.record_messages(self._uncounted)
        self._uncounted = 0
        if self._book_data or self._resyncing:
            self._track_resync()

    def _track_resync(self) -> None:
        """After book data: verify the books (when due), note those that lost sync, move the lifecycle through resyncing."""
        if self._book_data:
            now = self._clock()
            if now >= self._next_book_check:
                self._book_data = False
                self._next_book_check = now + self._book_check_interval
                for symbol, outcome in self.market.verify_books():
                    self.stats.record_book_outcome(symbol, outcome)
        requested = self.market.take_snapshot_requests()
        if requested:
            requested = self._drop_unsubscribed_books(requested)
        if requested:
            self._resyncing.update(requested)
            self._snapshots_wanted.extend(requested)
            self._snapshots_due.set()
        elif not self._resyncing:
            return
        self._resyncing &= self.market.resyncing_symbols()
        state = self.lifecycle.state
        if self._resyncing:
            if state is not FeedState.RESYNCING:
                self.lifecycle.handle(FeedEvent.GAP)
        elif state is FeedState.RESYNCING:
            self.lifecycle.handle(FeedEvent.RESYNCED)

    def _drop_unsubscribed_books(self, symbols: list[str]) -> list[str]:
        """A late update of a book just unsubscribed needs no snapshot: empty that book instead."""
        subscribed = [s for s in symbols if wire.Subscription("book", s) in self.subscriptions]
        for symbol in set(symbols).difference(subscribed):
            self.market.clear_book(symbol)
        return subscribed

    async def _request_snapshots(self, connection: ClientConnection) -> None:
        symbols, self._snapshots_wanted = self._snapshots_wanted, []
        self._snapshots_due.clear()
        for symbol in symbols:
            log.info("feed %s: %s book out of sync, requesting a snapshot", self.url, symbol)
            await self._send(connection, wire.SnapshotRequest(id=next(self._ids), channel="book", symbol=symbol))

    def _control(self, message: wire.ServerMessage) -> None:
        if isinstance(message, wire.Ack):
            if self._pending.pop(message.id, ("",))[0] == "unsubscribe":
                self._wanted_symbols = frozenset(s.symbol for s in self.subscriptions)
            if message.symbols is not None:
                self.symbols = message.symbols
        elif isinstance(message, wire.Error):
            self._refused(message)
        elif isinstance(message, wire.Shutdown):
            self._shutdown_announced = True
            log.info("feed %s: server shutting down: %s", self.url, message.reason)
        else:
            self._malformed(f"unexpected {type(message).__name__} message")

    def _refused(self, error: wire.Error) -> None:
        """A request failed: a refused subscribe is dropped, so it is not sent again on every reconnect."""
        pending = self._pending.pop(error.id, None) if error.id is not None else None
        text = f"server error {error.code}: {error.message}"
        if pending is not None and pending[0] == "subscribe":
            self.subscriptions -= pending[1]
            self._forget_books(pending[1])
            self._wanted_symbols = frozenset(s.symbol for s in self.subscriptions)
            text += " (subscription dropped)"
        self.stats.record_error(text)
        log.warning("feed %s: %s", self.url, text)

    def _binary_frame(self, frame: bytes | bytearray) -> None:
        self._frames_taken = True  # garbage, but the link is alive
        self._malformed(f"a binary frame of {len(frame)} bytes (protocol v1 sends JSON text)")

    def _close_connection(self, code: CloseCode, reason: str) -> None:
        """Close the current connection from a callback (``_serve`` then reconnects)."""
        connection = self._connection
        if connection is not None and self._closer is None:
            self._closer = asyncio.ensure_future(connection.close(code, reason))
            self._closer.add_done_callback(self._closed_by_us)

    def _closed_by_us(self, closer: asyncio.Future[None]) -> None:
        self._closer = None

    def _malformed(self, text: str) -> None:
        self.stats.malformed += 1
        self.stats.record_error(text)
        self._bad_input_log.report("feed %s: %s", self.url, text[:200])

    async def _watch_staleness(self) -> None:
        """Mark the feed stale once no frame came for twice the heartbeat interval (monotonic time)."""
        interval = self.heartbeat_interval or 1.0
        limit = 2.0 * interval
        connected_at = self._clock()
        while True:
            last = max(self.stats.last_message_at or connected_at, connected_at)
            until_stale = last + limit - self._clock()
            if until_stale < 0 and self.lifecycle.state in (FeedState.LIVE, FeedState.RESYNCING):
                log.info("feed %s: no message for %.1f s, stale", self.url, limit)
                self.lifecycle.handle(FeedEvent.QUIET)
            await asyncio.sleep(min(interval / 4, until_stale + 0.005) if until_stale > 0 else interval / 4)


def _is_utf8(frame: bytes | bytearray) -> bool:
    try:
        frame.decode()
    except UnicodeDecodeError:
        return False
    return True


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ConnectionClosed):
        frame = exc.rcvd or exc.sent
        if frame is None:
            return "connection lost"
        return f"connection closed: {frame.code}{' ' + frame.reason if frame.reason else ''}"
    if isinstance(exc, InvalidStatus):
        return f"server refused the connection: HTTP {exc.response.status_code}"
    if isinstance(exc, OSError):
        return f"cannot connect: {exc.strerror or exc}"
    return str(exc) or type(exc).__name__
