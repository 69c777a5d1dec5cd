"""One persistent WebSocket feed: the I/O pump around a :class:`~tradedash.core.feed.session.FeedSession`.

This is the only layer that owns sockets. The session (pure, in the core) decides
everything about the feed; :class:`FeedClient` connects and backs off, hands every
frame to the session as websockets parses it, writes what the session wants sent,
and runs its timers. Which failures are retried is decided by
:func:`classify_failure`; how long to wait comes from a
:class:`~tradedash.core.feed.backoff.ReconnectPolicy`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
import ssl
import time
import urllib.parse
from collections.abc import Callable, Coroutine, Iterable, Mapping
from functools import partial

from websockets.asyncio.client import connect
from websockets.client import process_exception
from websockets.protocol import State
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tradedash.core import wire
from tradedash.core.feed.backoff import ReconnectPolicy
from tradedash.core.feed.session import (
    CloseConnection,
    FatalFeedError,
    FeedSession,
    FetchHistory,
    FetchSnapshot,
    HistoryError,
    MarketSink,
    SendText,
)
from tradedash.core.venues.protocol_v1 import ProtocolV1Session
from tradedash.core.venues.registry import venue_of_url
from tradedash.core.feed.lifecycle import FeedLifecycle, FeedState
from tradedash.core.feed.redact import redact
from tradedash.core.feed.stats import FeedStats

from .callback_connection import CallbackConnection
from .http import HttpReply, http_get, no_answer_reason
from .recorder import FrameRecorder

__all__ = ["FeedClient", "FatalFeedError", "HistoryError", "MarketSink", "NoGreeting", "classify_failure"]

log = logging.getLogger("tradedash.feed")

#: What an OSError without a message means, by its type.
_OS_ERRORS: dict[type[OSError], str] = {
    ConnectionResetError: "the connection was reset by the server",
    ConnectionRefusedError: "the connection was refused",
    ConnectionAbortedError: "the connection was aborted",
}
#: HTTP statuses of a refused handshake that are worth retrying (server trouble or "slow down").
_RETRIED_STATUSES = frozenset((408, 429, 500, 502, 503, 504))


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


class NoGreeting(TimeoutError):
    """The server of a venue that greets sent nothing within ``greeting_timeout`` after the handshake
    (retried, as a timeout is; the message says what the URL may be instead)."""


class FeedClient:
    """A feed from one exchange URL that keeps itself connected: the pump of a :class:`FeedSession`.

    Contract:

    - While ``run()`` runs the client is connected or trying to be. Every frame is
      handed to the session as soon as it is parsed
      (:class:`~.callback_connection.CallbackConnection`: one socket read's worth of
      frames per turn of the event loop, so a backlog never freezes the UI), each read
      begun and ended as a burst. What the session wants sent is sent at once, in
      order; snapshots it wants fetched over HTTP are fetched (with the connection's ``token``
      and trusting its ``ca_file``) and handed back; its
      timers run while connected (at least four times per heartbeat
      interval, since the session's clock may not be the event loop's).
    - The session is ``session`` if given (a venue's), else a
      :class:`~tradedash.core.venues.protocol_v1.ProtocolV1Session` built from ``market``,
      ``subscriptions``, ``on_message``, ``on_message_types``, ``recorder``, the clocks
      and ``book_check_interval``. Its state is read through this client's
      ``lifecycle``, ``state``, ``stats``, ``subscriptions``, ``refused``, ``symbols``,
      ``fatal_reason`` and ``retry_delay``.
    - :meth:`set_subscriptions` changes what is wanted, live; :meth:`fetch_history` reads
      past bars while the live stream flows; after changing the session from outside the pump
      call :meth:`session_changed`.
    - Keepalive pings close a dead link after ``ping_interval + ping_timeout``
      (+ ``close_timeout``), and the feed reconnects.
    - Failures that :func:`classify_failure` calls transient are retried after the
      policy's delays (full jitter; the first after losing a live connection spread
      wider, so a crowd that lost one server does not come back in step); a backoff
      starts over only after a connection that went live. A reconnect the session
      asks for at once (a ``shutdown`` message, a close with 1001) waits only the
      policy's short ``shutdown_delay``. Fatal failures end
      ``run()`` with :class:`FatalFeedError` (its message is the reason for the user);
      they are never retried.
    - ``close()`` stops the feed; ``run()`` then returns and the lifecycle is ``closed``.
    - ``compression`` offers permessage-deflate in the handshake (off by default).
    """

    def __init__(
        self,
        url: str,
        *,
        market: MarketSink | None = None,
        subscriptions: Iterable[wire.Subscription] = (),
        on_message: Callable[[wire.MarketMessage], object] | None = None,
        on_message_types: Iterable[type] | None = None,
        session: FeedSession | None = None,
        token: str | None = None,
        ca_file: str | None = None,
        policy: ReconnectPolicy | None = None,
        rng: random.Random | None = None,
        recorder: FrameRecorder | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock_ns: Callable[[], int] = time.time_ns,
        # Timeouts
        open_timeout: float = 5.0,
        greeting_timeout: float = 10.0,
        ping_interval: float = 5.0,
        ping_timeout: float = 5.0,
        close_timeout: float = 1.0,
        book_check_interval: float = 0.05,
        # Limits
        max_size: int = 2**20,
        max_queue: int = 4096,
        compression: bool = False,
    ) -> None:
        self.url = url
        #: The URL as logs and messages show it: any token in it redacted.
        self.name = redact(url)
        if session is None:
            if market is None:
                raise TypeError("FeedClient needs a market or a session")
            session = ProtocolV1Session(
                market, subscriptions=subscriptions, on_message=on_message, on_message_types=on_message_types,
                recorder=recorder, clock=clock, wall_clock_ns=wall_clock_ns, name=self.name,
                book_check_interval=book_check_interval,
            )
        self.session = session
        #: How long to wait before each reconnection attempt.
        self.policy = policy or ReconnectPolicy()
        self._rng = rng
        self._clock = clock
        self._connect_options: dict[str, object] = dict(
            create_connection=partial(
                CallbackConnection,
                on_messages=session.receive_frames,
                on_binary=session.receive_binary,
                on_read_start=self._begin_burst,
                on_read_done=self._end_burst,
                greets=session.greets,
            ),
            open_timeout=open_timeout,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            close_timeout=close_timeout,
            max_size=max_size,
            max_queue=max_queue,
            # Off by default: small JSON messages cost more CPU to inflate than they save on
            # the wire, there is no compression bomb to defuse, and some venues break when
            # permessage-deflate is offered. ``compression=True`` offers it.
            compression="deflate" if compression else None,
        )
        if token is not None:
            self._connect_options["additional_headers"] = {"Authorization": f"Bearer {token}"}
        self._ca_file = ca_file
        self._greeting_timeout = greeting_timeout  # after the handshake, for a venue whose server greets
        self._connection: CallbackConnection | None = None
        self._closing = False
        self._stop = asyncio.Event()
        self._send_due = asyncio.Event()  # set when the session has something to send
        self._fetches: set[asyncio.Task[None]] = set()

    # --- The session's state, as the window and the tools read it ------------------------

    @property
    def market(self) -> MarketSink:
        return self.session.market

    @property
    def connections(self) -> list[FeedClient]:
        """The feed's connections: this one (a :class:`~.sharded_feed.ShardedFeed` has several)."""
        return [self]

    @property
    def lifecycle(self) -> FeedLifecycle:
        return self.session.lifecycle

    @property
    def state(self) -> FeedState:
        return self.session.lifecycle.state

    @property
    def stats(self) -> FeedStats:
        return self.session.stats

    @property
    def subscriptions(self) -> set[wire.Subscription]:
        return self.session.subscriptions

    @property
    def refused(self) -> set[wire.Subscription]:
        return self.session.refused

    @property
    def symbols(self) -> list[wire.SymbolInfo]:
        return self.session.symbols

    @property
    def fatal_reason(self) -> str | None:
        return self.session.fatal_reason

    @property
    def retry_delay(self) -> float | None:
        return self.session.retry_delay

    def set_subscriptions(self, wanted: Iterable[wire.Subscription]) -> None:
        """Want exactly ``wanted``; the requests it takes are sent at once when connected, and
        every wanted subscription after every reconnect."""
        self.session.set_subscriptions(wanted)
        self._wake_writer()

    def set_book_depths(self, depths: Mapping[str, int]) -> None:
        """Want ``depths[symbol]`` levels a side of those symbols' books (every other book: the venue's
        default); asked for at once when connected, and after every reconnect. See
        :meth:`FeedSession.set_book_depths`."""
        self.session.set_book_depths(depths)
        self._wake_writer()

    def session_changed(self) -> None:
        """The session was told something from outside this pump (news another connection of the
        same feed brought): what it now wants sent is sent at once."""
        self._wake_writer()

    async def fetch_history(
        self, symbol: str, interval: str, *, end: int | None = None, count: int = wire.HISTORY_MAX_COUNT,
        timeout: float = 10.0,
    ) -> wire.History:
        """One page of past bars of ``symbol`` at ``interval``: the newest ``count`` (1..1,000,
        :data:`~tradedash.core.wire.HISTORY_MAX_COUNT`) that start before ``end``.

        - ``end`` is ns since the epoch, exclusive; None: the newest bars, the one in
          progress included (``page.candles()[-1].closed`` is False then, and the live
          ``candles`` stream continues that same bar).
        - Returns a :class:`~tradedash.core.wire.History`: ``bars`` oldest first as
          ``(start_ns, open, high, low, close, volume)``, ``candles()`` the same as
          :class:`~tradedash.core.wire.Candle`s. For the next older page pass
          ``end=page.next_end``; ``next_end`` None means the history starts here.
          Never pass a time from the local clock as ``end``: the server's clock decides.
        - Raises :class:`HistoryError` (``.code``): the server's error code if it refused
          (``unknown_symbol``, ``bad_request`` for an unknown interval, a count outside
          1..1,000 or an ``end`` in the future), ``disconnected`` if the connection ended
          before the reply, ``closed`` if the feed stopped, ``timeout`` after ``timeout``
          seconds (counting the wait for a connection: a request made while the feed is
          connecting is sent once it is connected).
        - Any number may be in flight; the live stream keeps flowing meanwhile.
        """
        future: asyncio.Future[wire.History] = asyncio.get_running_loop().create_future()

        def done(result: wire.History | HistoryError) -> None:
            if future.done():
                return
            if isinstance(result, HistoryError):
                future.set_exception(result)
            else:
                future.set_result(result)

        request_id = self.session.request_history(symbol, interval, end=end, count=count, done=done)
        self._wake_writer()
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout)
        except TimeoutError:
            raise HistoryError("timeout", f"no history reply within {timeout:g} s") from None
        finally:
            if not future.done():
                self.session.cancel_history(request_id)
                future.cancel()

    # --- Running ----------------------------------------------------------------------

    async def run(self) -> None:
        """Connect and stay connected until ``close()``; raises :class:`FatalFeedError` on a fatal failure."""
        session = self.session
        delays = None
        try:
            self._load_ca_file()
            while not self._closing:
                session.connect_started()
                at_once = False
                try:
                    connection = await self._open()
                    if connection is None:  # close() came first
                        break
                    session.connection_opened(self._clock())
                    async with connection:
                        await self._greet(connection)
                        at_once = await self._serve(connection)
                    if session.fatal_reason is not None:  # the session found the server unusable
                        raise FatalFeedError(session.fatal_reason)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # classified here: fatal ones end the feed, the rest are retried
                    if self._closing:
                        break
                    reason = classify_failure(exc)
                    if reason is not None and isinstance(exc, InvalidStatus):
                        reason += self._wrong_venue_hint()
                    if reason is not None:
                        if session.fatal_reason is None:
                            session.fail(reason)
                        raise FatalFeedError(reason) from exc
                    error = _describe(exc)
                    if self.url.startswith("wss://") and isinstance(exc, (ConnectionResetError, ssl.SSLError)):
                        error += " (a wss:// URL: does the server speak TLS?)"
                    at_once = session.connection_lost(error=error)
                    log.info("feed %s: %s", self.name, error)
                if self._closing:
                    break
                if delays is None or session.went_live:  # a connection that never went live continues the backoff
                    delays = self.policy.delays(self._rng, lost=session.went_live)
                session.backoff_started(self.policy.shutdown_delay(self._rng) if at_once else next(delays))
                if session.retry_delay:
                    try:
                        await asyncio.wait_for(self._stop.wait(), session.retry_delay)
                    except TimeoutError:
                        pass
        finally:
            self._connection = None
            for fetch in self._fetches:
                fetch.cancel()
            session.closed()

    def _wrong_venue_hint(self) -> str:
        """What to add to a refused handshake of a protocol v1 feed whose URL looks like another
        venue's endpoint (e.g. the mock exchange's ``/binance``): the venue to choose; else nothing."""
        venue = venue_of_url(self.url) if isinstance(self.session, ProtocolV1Session) else None
        if venue is None:
            return ""
        return f' (the URL looks like a {venue.label} endpoint: choose the venue "{venue.key}" for it)'

    def _load_ca_file(self) -> None:
        """Trust ``ca_file`` for wss://; a CA file that cannot be used is a fatal error."""
        if self._ca_file is None or "ssl" in self._connect_options:
            return
        if not self.url.startswith("wss://"):
            reason = f"a CA file ({self._ca_file}) needs a wss:// URL, not {self.name}"
        else:
            try:
                self._connect_options["ssl"] = ssl.create_default_context(cafile=self._ca_file)
                return
            except (OSError, ssl.SSLError) as exc:
                reason = f"cannot use the CA file {self._ca_file}: {exc}"
        self.session.fail(reason)
        raise FatalFeedError(reason)

    async def _open(self) -> CallbackConnection | None:
        """Open a connection; None if ``close()`` was called while the attempt was under way."""
        url = self.session.connection_url(self.url)
        attempt = asyncio.ensure_future(connect(url, **self._connect_options))  # type: ignore[arg-type]
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

    async def _greet(self, connection: CallbackConnection) -> None:
        """Wait for the server's first frame and hand it to the session (which may refuse the server);
        nothing to wait for with a venue that never greets."""
        if not self.session.greets:
            return
        closed = asyncio.ensure_future(connection.wait_closed())
        try:
            await asyncio.wait((connection.greeting, closed), timeout=self._greeting_timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            closed.cancel()
        if not connection.greeting.done():
            if connection.protocol.state is not State.CLOSED:  # open, and silent
                raise NoGreeting(
                    f"the server sent no greeting within {self._greeting_timeout:g} s after connecting: is it a TradeDash"
                    " protocol v1 server? (Binance's streams need the venue binance)"
                )
            raise connection.protocol.close_exc
        try:
            self.session.receive_greeting(connection.greeting.result(), self._clock())
        except FatalFeedError:
            await self._write(connection)  # e.g. the close the session asked for
            raise

    async def _serve(self, connection: CallbackConnection) -> bool:
        """Write what the session wants sent until the connection ends; True if the session asks
        for a reconnect at once. Frames reach the session as they arrive, without this loop."""
        timers = asyncio.create_task(self._run_timers(), name=f"timers {self.name}")
        closed = asyncio.ensure_future(connection.wait_closed())
        try:
            while not closed.done():
                await self._write(connection)
                due = asyncio.ensure_future(self._send_due.wait())
                try:
                    await asyncio.wait((closed, due), return_when=asyncio.FIRST_COMPLETED)
                finally:
                    due.cancel()
            raise connection.protocol.close_exc
        except ConnectionClosed as exc:
            if self._closing:
                self.session.connection_lost()
                return False
            log.info("feed %s closed: %s", self.name, _describe(exc))
            return self.session.connection_lost(code=exc.rcvd.code if exc.rcvd is not None else None, error=_describe(exc))
        finally:
            closed.cancel()
            timers.cancel()
            self._connection = None

    async def _write(self, connection: CallbackConnection) -> None:
        """Do what the session asked for, in order."""
        self._send_due.clear()
        for action in self.session.requests_to_send(self._clock()):
            if isinstance(action, SendText):
                try:
                    await connection.send(action.frame, text=True)
                except ConnectionClosed:
                    return  # _serve sees the close and reconnects; everything is asked for again then
            elif isinstance(action, CloseConnection):
                await connection.close(action.code, action.reason)
            elif isinstance(action, FetchSnapshot):
                self._start_fetch(self._fetch_snapshot(action), f"snapshot {action.url}")
            elif isinstance(action, FetchHistory):
                self._start_fetch(self._fetch_history(action), f"history {action.url}")

    def _start_fetch(self, fetch: Coroutine[object, object, None], name: str) -> None:
        """Run an HTTP fetch beside the connection (cancelled when the feed stops)."""
        task = asyncio.create_task(fetch, name=name)
        self._fetches.add(task)
        task.add_done_callback(self._fetches.discard)

    async def _fetch_snapshot(self, action: FetchSnapshot) -> None:
        reply = await self._http_get(action.url)
        if reply.failure is not None:
            self.session.snapshot_failed(action.symbol, reply.failure)
        else:
            self.session.receive_snapshot(action.symbol, reply.body, self._clock())
        self._wake_writer()

    async def _fetch_history(self, action: FetchHistory) -> None:
        reply = await self._http_get(action.url)
        if reply.failure is not None:
            self.session.history_fetch_failed(action.request_id, reply.failure)
        else:
            self.session.receive_history(action.request_id, reply.body)
        self._wake_writer()

    async def _http_get(self, url: str) -> HttpReply:
        """GET ``url`` beside the connection; the session hears of every answer (its status and
        headers: request weights, ``Retry-After``) before its body or failure is handed on."""
        options = self._connect_options  # the stream connection's token and CA file hold for REST too
        try:
            reply = await asyncio.to_thread(http_get, url, headers=options.get("additional_headers"), context=options.get("ssl"))
        except (OSError, ValueError) as exc:  # network, or a URL urllib refuses
            reply = HttpReply(None, {}, b"", f"{no_answer_reason(exc)} ({_origin(url)})")
        except asyncio.CancelledError:  # the feed stops: the request no longer counts as under way
            self.session.rest_answered(None, {}, self._clock())
            raise
        else:
            if reply.failure is not None:  # which URL answered so (a REST base without its path, say)
                reply = dataclasses.replace(reply, failure=f"{reply.failure} ({url.split('?')[0]})")
        self.session.rest_answered(reply.status, reply.headers, self._clock())
        return reply

    async def _run_timers(self) -> None:
        """Call the session's tick at its deadlines, and at least four times per heartbeat interval."""
        session, clock = self.session, self._clock
        while True:
            now = clock()
            session.tick(now)
            self._wake_writer()
            poll = (session.heartbeat_interval or 1.0) / 4
            deadline = session.next_deadline()
            until = poll if deadline is None else deadline - now
            await asyncio.sleep(min(poll, until + 0.005) if until > 0 else poll)

    def _begin_burst(self) -> None:
        """Before each socket read's frames (the connection calls this)."""
        if self.session.begin_burst(self._clock()):
            self._send_due.set()

    def _end_burst(self) -> None:
        """After each socket read's frames (the connection calls this)."""
        if self.session.end_burst(self._clock()):
            self._send_due.set()

    def _wake_writer(self) -> None:
        if self.session.wants_to_send():
            self._send_due.set()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ConnectionClosed):
        frame = exc.rcvd or exc.sent
        if frame is None:
            return "connection lost"
        return f"connection closed: {frame.code}{' ' + frame.reason if frame.reason else ''}"
    if isinstance(exc, InvalidStatus):
        return f"server refused the connection: HTTP {exc.response.status_code}"
    if isinstance(exc, NoGreeting):
        return str(exc)
    if isinstance(exc, OSError):
        return f"cannot connect: {exc.strerror or str(exc) or _OS_ERRORS.get(type(exc), type(exc).__name__)}"
    return str(exc) or type(exc).__name__


def _origin(url: str) -> str:
    """``scheme://host:port`` of ``url``: which server a REST failure is about, without the path and query."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url
