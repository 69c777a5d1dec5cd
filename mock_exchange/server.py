"""The mock exchange's WebSocket server: protocol v1 over ``websockets``.

The server owns sockets and timing only; prices come from :class:`~mock_exchange.market.Market`
(or a recording, :mod:`mock_exchange.replay`) and every frame is built by
:mod:`tradedash.core.wire`. Each market message is encoded once and fanned out with
:func:`websockets.asyncio.server.broadcast`, so a slow client never slows the others.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections import defaultdict, deque
from collections.abc import Iterable
from typing import Any

import msgspec
from websockets.asyncio.server import Server, ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

from tradedash.core import wire

from .admin import AdminRequest, apply_admin
from .config import ExchangeConfig, ServerCounters
from .fault_schedule import run_schedule
from .faults import FaultInjector
from .limits import HandshakeGuard, RequestBudget
from .market import DEFAULT_BOOK_DEPTH, MAX_BOOK_DEPTH, Market
from .replay import ReplayMarket, replay
from .simulator import DEFAULT_SPECS

__all__ = ["ExchangeConfig", "ExchangeServer", "ServerCounters"]

log = logging.getLogger("mock_exchange")

SERVER_NAME = "tradedash-mock-exchange/0.2"

#: At most this many simulator steps are taken in one go when the loop falls behind.
_MAX_CATCH_UP_STEPS = 1000

_request_decoder = msgspec.json.Decoder(wire.Request | AdminRequest)  # type: ignore[operator]
_KNOWN_OPS = {"subscribe", "unsubscribe", "list", "symbols", "snapshot", "admin"}

#: A fan-out key: (channel, symbol, book depth or 0).
_Key = tuple[str, str, int]


class _Session:
    """One client connection's subscriptions (with book depth), request budget and heartbeat counter."""

    def __init__(self, connection: ServerConnection, budget: RequestBudget) -> None:
        self.connection = connection
        self.subscriptions: set[wire.Subscription] = set()
        #: Book depth of each subscribed book, by symbol.
        self.book_depths: dict[str, int] = {}
        self.heartbeat_seq = 0
        self.budget = budget
        self.full_since: float | None = None
        self.dropped = False


class ExchangeServer:
    """A protocol v1 market-data server.

    Contract: after ``await start()``, ``port`` and ``url`` name the socket it
    listens on (port 0 in the config picks a free one); every connection first
    receives ``hello``, then a heartbeat every ``heartbeat_interval`` seconds and
    the market messages of what it subscribed to; every request gets exactly one
    ``ack`` or ``error`` and never closes the connection, except the limits of
    docs/protocol.md (request rate: 1008; message size: 1009). ``faults`` injects
    faults (:class:`~mock_exchange.faults.FaultInjector`). ``stop()`` closes all
    connections (1001) and the listening socket.
    """

    def __init__(self, config: ExchangeConfig | None = None) -> None:
        self.config = config or ExchangeConfig()
        self.config.check()
        self.market: Market | ReplayMarket
        if self.config.replay is None:
            self.market = Market(self.config.specs(), self.config.seed)
        else:
            self.market = ReplayMarket(self.config.replay, {**DEFAULT_SPECS, **self.config.symbol_specs})
        self.faults = FaultInjector(self)
        self.counters = ServerCounters()
        self._sessions: dict[ServerConnection, _Session] = {}
        self._subscribers: dict[_Key, set[ServerConnection]] = defaultdict(set)
        self._wanted: dict[str, set[str]] = {symbol: set() for symbol in self.market.symbols}
        self._guard = HandshakeGuard(self.config, self.counters)
        self._ssl = self._ssl_context()
        self._servers: list[Server] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._pending: dict[_Key, list[wire.MarketMessage]] = {}
        self._delayed: deque[tuple[float, _Key, bytes]] = deque()
        self._delay_timer: asyncio.TimerHandle | None = None
        self._first_subscription = asyncio.Event()
        self._relisten: asyncio.Task[None] | None = None
        self.port: int | None = None

    # --- Lifecycle --------------------------------------------------------------------

    @property
    def url(self) -> str:
        scheme = "wss" if self._ssl is not None else "ws"
        return f"{scheme}://{self.config.host}:{self.port}"

    @property
    def connection_count(self) -> int:
        return len(self._sessions)

    @property
    def connections(self) -> list[ServerConnection]:
        """Open connections, oldest first."""
        return list(self._sessions)

    @property
    def symbols(self) -> list[str]:
        return self.market.symbols

    async def start(self) -> None:
        await self._listen(self.config.port)
        self._spawn(self._run_market() if self.config.replay is None else self._run_replay(), "market")
        self._spawn(self._run_heartbeats(), "heartbeats")
        self._spawn(self._watch_slow_clients(), "slow clients")
        if self.config.faults:
            self._spawn(run_schedule(self.faults, self.config.faults, self.config.seed), "fault schedule")
        log.info("listening on %s", self.url)

    async def stop(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        self.faults.cancel()
        if self._delay_timer is not None:
            self._delay_timer.cancel()
        for session in list(self._sessions.values()):
            if session.connection.transport.get_write_buffer_size() > self.config.max_send_buffer:
                session.connection.transport.abort()
        for server in self._servers:
            server.close()
        for server in self._servers:
            await server.wait_closed()
        self._servers = []
        log.info("stopped")

    async def serve_forever(self) -> None:
        await self.start()
        try:
            await asyncio.Future()
        finally:
            await self.stop()

    async def _listen(self, port: int) -> None:
        server = await serve(
            self._handle,
            self.config.host,
            port,
            ssl=self._ssl,
            process_request=self._guard.process_request,
            origins=self._origins(),
            compression=None,
            max_size=self.config.max_message_size,
            max_queue=self.config.max_queue,
            close_timeout=2,
            server_header=SERVER_NAME,
        )
        self._servers.append(server)
        self.port = server.sockets[0].getsockname()[1]

    async def pause_listening(self, seconds: float, close_code: int | None = None) -> None:
        """Close the listening socket for ``seconds``, and with ``close_code`` every connection too.

        A second pause before the first one ends replaces it (the socket reopens after the later one).
        """
        if self._relisten is not None:
            self._relisten.cancel()
        for server in self._servers:
            server.server.close()
        self._servers = [server for server in self._servers if server.connections]
        if close_code is not None:
            await asyncio.gather(
                *(c.close(close_code, "server restart") for c in self.connections), return_exceptions=True
            )
        self._relisten = self._spawn(self._listen_again(seconds), "listen again")

    async def _listen_again(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        assert self.port is not None
        await self._listen(self.port)
        log.warning("listening again on %s", self.url)

    def _spawn(self, coroutine: Any, name: str) -> asyncio.Task[Any]:
        task = asyncio.create_task(coroutine, name=f"mock-exchange {name}")
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("task %s failed", task.get_name(), exc_info=task.exception())

    def spawn_fault(self, coroutine: Any, name: str) -> None:
        """Run a fault's coroutine in the background (the admin op acks before it runs)."""
        self._spawn(coroutine, f"fault {name}")

    def _ssl_context(self) -> ssl.SSLContext | None:
        if self.config.certfile is None:
            return None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.config.certfile, self.config.keyfile)
        return context

    def _origins(self) -> list[str | None] | None:
        return None if self.config.origins is None else [*self.config.origins, None]

    # --- Connections ------------------------------------------------------------------

    async def _handle(self, connection: ServerConnection) -> None:
        peer = connection.remote_address
        log.info("connection from %s:%s", *(peer or ("?", "?"))[:2])
        session = _Session(connection, RequestBudget(self.config.max_requests_per_second, self.config.max_request_burst))
        self._sessions[connection] = session
        self._guard.opened(connection)
        try:
            await connection.send(
                wire.encode(wire.Hello(wire.PROTOCOL_VERSION, SERVER_NAME, self.config.heartbeat_interval)),
                text=True,
            )
            async for frame in connection:
                if not session.budget.take(time.monotonic()):
                    self.counters.rate_limited += 1
                    reason = f"request rate limit: more than {self.config.max_requests_per_second:g} requests per second"
                    log.warning("closing %s:%s: %s", *(peer or ("?", "?"))[:2], reason)
                    await connection.close(1008, reason)
                    break
                for message in self._answer(session, frame):
                    broadcast([connection], wire.encode(message), text=True)
        except ConnectionClosed:
            pass
        finally:
            self.forget_subscriptions(connection)
            del self._sessions[connection]
            self._guard.closed(connection)
            self.faults.forget(connection)
            log.info("connection from %s:%s closed (%s)", *(peer or ("?", "?"))[:2], connection.close_code)

    def forget_subscriptions(self, connection: ServerConnection) -> None:
        """Stop sending market data to ``connection`` (it stays open)."""
        session = self._sessions.get(connection)
        if session is None:
            return
        for subscription in session.subscriptions:
            self._subscribers[_key(session, subscription)].discard(connection)
        symbols = {s.symbol for s in session.subscriptions}
        session.subscriptions = set()
        session.book_depths = {}
        self._refresh_interest(symbols)

    def _answer(self, session: _Session, frame: str | bytes) -> list[msgspec.Struct]:
        try:
            request = _request_decoder.decode(frame)
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
            return [_error_for_undecodable(frame, str(exc))]
        if isinstance(request, (wire.Subscribe, wire.Unsubscribe)):
            return self._change_subscriptions(session, request)
        if isinstance(request, wire.ListSubscriptions):
            return [wire.Ack(request.id, "list", subscriptions=_sorted(session.subscriptions))]
        if isinstance(request, wire.ListSymbols):
            return [wire.Ack(request.id, "symbols", symbols=self.market.symbol_infos())]
        if isinstance(request, wire.SnapshotRequest):
            return self._snapshot(session, request)
        return [apply_admin(self, session.connection, request)]

    def _change_subscriptions(self, session: _Session, request: wire.Subscribe | wire.Unsubscribe) -> list[msgspec.Struct]:
        op = "subscribe" if isinstance(request, wire.Subscribe) else "unsubscribe"
        bad_channels = [c for c in request.channels if c not in wire.CHANNELS]
        if bad_channels:
            return [wire.Error(request.id, "unknown_channel", f"unknown channels {bad_channels}; known: {list(wire.CHANNELS)}")]
        bad_symbols = [s for s in request.symbols if s not in self.market.symbols]
        if bad_symbols:
            return [wire.Error(request.id, "unknown_symbol", f"unknown symbols {bad_symbols}; listed: {self.market.symbols}")]
        if not request.channels or not request.symbols:
            return [wire.Error(request.id, "bad_request", "channels and symbols must not be empty")]
        depth = DEFAULT_BOOK_DEPTH
        if isinstance(request, wire.Subscribe) and request.depth is not None:
            if not 1 <= request.depth <= MAX_BOOK_DEPTH:
                return [wire.Error(request.id, "bad_request", f"depth must be 1..{MAX_BOOK_DEPTH}, got {request.depth}")]
            depth = request.depth
        pairs = wire.subscriptions_of(request.channels, request.symbols)
        if op == "subscribe":
            total = len(session.subscriptions | set(pairs))
            if total > self.config.max_subscriptions:
                return [wire.Error(request.id, "limit", f"too many subscriptions: {total} > {self.config.max_subscriptions} per connection")]
        snapshots: list[msgspec.Struct] = []
        connection = session.connection
        for subscription in pairs:
            if subscription in session.subscriptions:
                self._subscribers[_key(session, subscription)].discard(connection)
                session.subscriptions.discard(subscription)
                if subscription.channel == "book":
                    del session.book_depths[subscription.symbol]
            if op == "subscribe":
                session.subscriptions.add(subscription)
                if subscription.channel == "book":
                    session.book_depths[subscription.symbol] = depth
                self._subscribers[_key(session, subscription)].add(connection)
        self._refresh_interest({s.symbol for s in pairs})
        if op == "subscribe":
            self._first_subscription.set()
        if op == "subscribe" and "book" in request.channels:
            snapshots = [self.market.book_snapshot(symbol, depth, time.time_ns()) for symbol in request.symbols]
        ack = wire.Ack(request.id, op, subscriptions=_sorted(session.subscriptions))
        return [ack, *snapshots]

    def _snapshot(self, session: _Session, request: wire.SnapshotRequest) -> list[msgspec.Struct]:
        if request.channel != "book":
            return [wire.Error(request.id, "bad_request", f"snapshots exist for the book channel only, not {request.channel!r}")]
        if request.symbol not in self.market.symbols:
            return [wire.Error(request.id, "unknown_symbol", f"unknown symbol {request.symbol!r}; listed: {self.market.symbols}")]
        depth = session.book_depths.get(request.symbol, DEFAULT_BOOK_DEPTH)
        return [wire.Ack(request.id, "snapshot"), self.market.book_snapshot(request.symbol, depth, time.time_ns())]

    def _refresh_interest(self, symbols: Iterable[str]) -> None:
        for symbol in symbols:
            live = [key for key, conns in self._subscribers.items() if key[1] == symbol and conns]
            self._wanted[symbol] = {channel for channel, _, _ in live}
            self.market.set_book_depths(symbol, {depth for channel, _, depth in live if channel == "book"})

    # --- Streams ----------------------------------------------------------------------

    async def _run_market(self) -> None:
        market = self.market
        assert isinstance(market, Market)
        loop = asyncio.get_running_loop()
        interval = 1.0 / self.config.rate
        started = loop.time()
        steps_done = 0
        while True:
            due = int((loop.time() - started) / interval) + 1
            ts = time.time_ns()
            for _ in range(min(due - steps_done, _MAX_CATCH_UP_STEPS)):
                for symbol in self.market.symbols:
                    skip_book = bool(self.faults.book_skips) and self.faults.take_book_skip(symbol)
                    if skip_book:
                        self.counters.book_updates_skipped += 1
                    for channel, depth, message in market.step(symbol, ts, self._wanted[symbol]):
                        if not (skip_book and channel == "book"):
                            self._emit((channel, symbol, depth), message)
            self._flush()
            steps_done = due
            await asyncio.sleep(max(0.0, started + steps_done * interval - loop.time()))

    async def _run_replay(self) -> None:
        market = self.market
        assert isinstance(market, ReplayMarket) and self.config.replay is not None
        await self._first_subscription.wait()
        log.info("replaying %s at %gx", self.config.replay, self.config.speed)
        async for messages in replay(self.config.replay, self.config.speed):
            for message in messages:
                market.apply(message)
                if isinstance(message, wire.Book) and message.kind == "update" and self.faults.take_book_skip(message.symbol):
                    self.counters.book_updates_skipped += 1
                    continue
                channel = wire.channel_of(message)
                for key in [k for k in self._subscribers if k[0] == channel and k[1] == message.symbol]:
                    self._emit(key, message)
            self._flush()

    def _emit(self, key: _Key, message: wire.MarketMessage) -> None:
        if not self._subscribers.get(key):
            return
        if self.config.batch:
            self._pending.setdefault(key, []).append(message)
        else:
            self._send(key, wire.encode(message))

    def _flush(self) -> None:
        if self._pending:
            pending, self._pending = self._pending, {}
            size = self.config.max_batch_messages
            for key, messages in pending.items():
                for start in range(0, len(messages), size):
                    self._send(key, wire.encode(messages[start : start + size]))

    def _send(self, key: _Key, frame: bytes) -> None:
        delay = self.faults.delay_seconds
        if delay > 0 or self._delayed:
            loop = asyncio.get_running_loop()
            self._delayed.append((loop.time() + delay, key, frame))
            self.counters.frames_delayed += 1
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

    async def _run_heartbeats(self) -> None:
        while True:
            await asyncio.sleep(self.config.heartbeat_interval)
            ts = time.time_ns()
            for session in list(self._sessions.values()):
                session.heartbeat_seq += 1
                broadcast([session.connection], wire.encode(wire.Heartbeat(session.heartbeat_seq, ts)), text=True)

    async def _watch_slow_clients(self) -> None:
        limit, patience = self.config.max_send_buffer, self.config.slow_client_timeout
        while True:
            await asyncio.sleep(min(0.5, patience / 4))
            now = time.monotonic()
            for session in list(self._sessions.values()):
                connection = session.connection
                if session.dropped:
                    continue
                if connection.transport.get_write_buffer_size() <= limit:
                    session.full_since = None
                elif session.full_since is None:
                    session.full_since = now
                elif now - session.full_since >= patience:
                    self._drop_slow(session, limit, patience)

    def _drop_slow(self, session: _Session, limit: int, patience: float) -> None:
        connection = session.connection
        self.counters.slow_clients_dropped += 1
        reason = f"slow consumer: send buffer above {limit} bytes for {patience:g} s"
        log.warning("dropping %s: %s", connection.remote_address, reason)
        self.forget_subscriptions(connection)
        session.dropped = True
        self._spawn(connection.close(1008, reason), "close slow client")


def _key(session: _Session, subscription: wire.Subscription) -> _Key:
    depth = session.book_depths[subscription.symbol] if subscription.channel == "book" else 0
    return (subscription.channel, subscription.symbol, depth)


def _sorted(subscriptions: Iterable[wire.Subscription]) -> list[wire.Subscription]:
    return sorted(subscriptions, key=lambda s: (s.symbol, s.channel))


def _error_for_undecodable(frame: str | bytes, reason: str) -> wire.Error:
    """Build the error reply for a frame that is not a valid request, echoing its id if it has one."""
    try:
        loose = msgspec.json.decode(frame)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return wire.Error(None, "malformed", "frame is not valid JSON")
    if not isinstance(loose, dict):
        return wire.Error(None, "bad_request", "a request must be a JSON object")
    request_id = loose.get("id") if isinstance(loose.get("id"), int) else None
    op = loose.get("op")
    if not isinstance(op, str) or op not in _KNOWN_OPS:
        return wire.Error(request_id, "unknown_op", f"unknown op {op!r}; known: {sorted(_KNOWN_OPS)}")
    return wire.Error(request_id, "bad_request", reason)
