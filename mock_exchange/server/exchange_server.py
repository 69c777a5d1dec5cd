"""The mock exchange's WebSocket server: protocol v1 over ``websockets``.

The server owns sockets and timing only: prices come from
:class:`~mock_exchange.market.Market` (or a recording, :class:`~mock_exchange.market.ReplayMarket`),
each connection's requests are answered by its pure
:class:`~mock_exchange.server.session.RequestSession`, and market messages go out
through the :class:`~mock_exchange.server.fanout.Fanout`, encoded once per frame.
"""

from __future__ import annotations

import asyncio
import logging
import random
import signal
import ssl
import time
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

from tradedash.core import wire

from ..config import ExchangeConfig, ServerCounters
from ..faults import FaultInjector, run_schedule
from ..faults.admin import admin_fault
from ..market import DEFAULT_SPECS, Market, PastOptions, ReplayMarket, past_available
from .binance import BinanceEndpoint, FanoutPair, serves
from .capacity import connection_capacity, install_accept_error_limiter, raise_descriptor_limit
from .closing import close_or_abort
from .fanout import Fanout
from .heartbeats import Heartbeats
from .limits import HandshakeGuard, RequestBudget
from .redact import install_token_redactor
from .session import RequestSession
from .streams import run_market, run_replay

__all__ = ["ExchangeServer", "SERVER_NAME"]

log = logging.getLogger("mock_exchange")

SERVER_NAME = "tradedash-mock-exchange/0.2"
#: Seconds a client has to answer the server's close frame before its socket is cut.
CLOSE_TIMEOUT = 2.0


class _Connection:
    """One client connection: its request session and request budget, and whether it is being dropped as slow."""

    def __init__(self, connection: ServerConnection, session: RequestSession, budget: RequestBudget) -> None:
        self.connection = connection
        self.session = session
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
    faults (:class:`~mock_exchange.faults.FaultInjector`; the server is its
    :class:`~mock_exchange.faults.FaultTarget`). ``stop()`` closes all connections
    (1001) and the listening socket.
    """

    def __init__(self, config: ExchangeConfig | None = None) -> None:
        self.config = config or ExchangeConfig()
        self.config.check()
        install_token_redactor()
        self.market: Market | ReplayMarket
        #: The seed of the simulated market and the fault schedule: the config's, else a new one.
        self.seed = self.config.seed if self.config.seed is not None else random.SystemRandom().randrange(2**31)
        if self.config.replay is None:
            config = self.config
            past = PastOptions(config.history_days, config.history_seconds)
            self.market = Market(config.specs(), self.seed, start_ns=time.time_ns(), past=past, rate=config.rate)
        else:
            self.market = ReplayMarket(self.config.replay, {**DEFAULT_SPECS, **self.config.symbol_specs})
        self.faults = FaultInjector(self)
        self.counters = ServerCounters()
        self._connections: dict[ServerConnection, _Connection] = {}
        self._fanout = Fanout(
            self.market.symbols,
            batch=self.config.batch,
            max_batch_messages=self.config.max_batch_messages,
            max_send_buffer=self.config.max_send_buffer,
            delay_of=lambda: self.faults.delay_seconds,
            on_delayed=self._count_delayed,
        )
        self._first_subscription = asyncio.Event()
        self.binance = BinanceEndpoint(
            self.market, self.config, self.counters, self.faults,
            delay_of=lambda: self.faults.delay_seconds, on_delayed=self._count_delayed, on_subscribed=self._first_subscription.set,
        )
        self._heartbeats = Heartbeats(self.config.heartbeat_interval)
        self._guard = HandshakeGuard(self.config, self.counters)
        self._ssl = self._ssl_context()
        self._servers: list[Server] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._relisten: asyncio.Task[None] | None = None
        self.port: int | None = None

    # --- Lifecycle --------------------------------------------------------------------

    @property
    def url(self) -> str:
        scheme = "wss" if self._ssl is not None else "ws"
        host = self.config.host
        return f"{scheme}://[{host}]:{self.port}" if ":" in host else f"{scheme}://{host}:{self.port}"

    @property
    def connection_count(self) -> int:
        return len(self._connections)

    @property
    def connections(self) -> list[ServerConnection]:
        """Open connections, oldest first (protocol v1's, then the Binance dialect's)."""
        return list(self._connections) + self.binance.connections

    @property
    def symbols(self) -> list[str]:
        return self.market.symbols

    def unsent_bytes(self, connection: ServerConnection) -> int:
        """Bytes written for ``connection`` and not sent yet (market data held back for it included)."""
        return self._fanout.unsent_bytes(connection)

    @property
    def listening_addresses(self) -> list[tuple[Any, ...]]:
        """The socket address of every listening socket (none while listening is paused)."""
        return [sock.getsockname() for server in self._servers if server.server.is_serving() for sock in server.sockets]

    async def start(self) -> None:
        if self.config.replay is None:
            log.info("simulated market: seed %d (--seed %d repeats this market)", self.seed, self.seed)
            if not past_available():
                log.warning("numpy is not installed: the simulated market starts without a past (history pages are empty)")
        self._set_connection_limits()
        await self._listen(self.config.port)
        self._spawn(self._run_stream(), "market")
        self._spawn(self.binance.run(), "binance")
        self._spawn(self._heartbeats.run(), "heartbeats")
        self._spawn(self._watch_slow_clients(), "slow clients")
        if self.config.faults:
            self._spawn(run_schedule(self.faults, self.config.faults, self.seed), "fault schedule")
        log.info("listening on %s", self.url)
        rest = ("https" if self._ssl is not None else "http") + self.url[self.url.index(":"):]
        log.info("Binance Spot's dialect: streams %s/binance, REST %s/binance (docs/binance.md)", self.url, rest)

    async def stop(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        self.faults.cancel()
        self._fanout.cancel()
        self.binance.cancel()
        for connection in list(self._connections):
            if self._fanout.unsent_bytes(connection) > self.config.max_send_buffer:
                connection.transport.abort()
        for server in self._servers:
            server.close()
        for server in self._servers:
            await server.wait_closed()
        self._servers = []
        log.info("stopped")

    async def serve_forever(self) -> None:
        """Serve until SIGINT or SIGTERM (or until cancelled), then :meth:`stop`: clients get 1001.

        The handlers replace whatever disposition the process inherited, so an exchange
        started in the background by a script (where SIGINT is ignored) stops on SIGINT too.
        """
        loop = asyncio.get_running_loop()
        stopping = asyncio.Event()
        installed = []
        for number in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(number, self._on_signal, number, stopping)
            except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
                continue
            installed.append(number)
        await self.start()
        try:
            await stopping.wait()
        finally:
            for number in installed:
                loop.remove_signal_handler(number)
            await self.stop()

    def _on_signal(self, number: signal.Signals, stopping: asyncio.Event) -> None:
        log.info("%s received, stopping", number.name)
        stopping.set()

    def _set_connection_limits(self) -> None:
        """Raise the descriptor limit where allowed and derive the connection limits not given from it."""
        raised = raise_descriptor_limit()
        if raised is not None and raised[1] > raised[0]:
            log.info("descriptor limit raised from %d to %d", *raised)
        install_accept_error_limiter()
        total = self.config.max_connections
        if total is None:
            total = connection_capacity()
        per_address = self.config.max_connections_per_address
        if per_address is None and total:
            per_address = max(1, total // 2)
        self._guard.set_limits(total or None, per_address or None)

    async def _listen(self, port: int) -> None:
        server = await serve(
            self._handle,
            self.config.host,
            port,
            ssl=self._ssl,
            process_request=self._process_request,
            compression=None,
            max_size=self.config.max_message_size,
            max_queue=self.config.max_queue,
            close_timeout=CLOSE_TIMEOUT,
            server_header=SERVER_NAME,
        )
        self._servers.append(server)
        self.port = server.sockets[0].getsockname()[1]

    def _process_request(self, connection: ServerConnection, request: Any) -> Any:
        """The handshake checks, then the Binance dialect's answer to its own paths."""
        refused = self._guard.process_request(connection, request)
        if refused is not None or not serves(request.path):
            return refused
        answer = self.binance.process_request(connection, request)
        if answer is not None:
            self._guard.closed(connection)
        return answer

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

    def _ssl_context(self) -> ssl.SSLContext | None:
        if self.config.certfile is None:
            return None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.config.certfile, self.config.keyfile)
        return context

    # --- Connections ------------------------------------------------------------------

    async def _handle(self, connection: ServerConnection) -> None:
        peer = _peer(connection)
        log.info("connection from %s", peer)
        if connection.request is not None and serves(connection.request.path):
            try:
                await self.binance.handle(connection)
            finally:
                self._guard.closed(connection)
                self.faults.forget(connection)
                log.info("Binance connection from %s %s", peer, _how_closed(connection))
            return
        session = RequestSession(
            self.market, max_subscriptions=self.config.max_subscriptions, admin_token=self.config.admin_token, peer=peer
        )
        client = _Connection(connection, session, RequestBudget(self.config.max_requests_per_second, self.config.max_request_burst))
        self._connections[connection] = client
        self._heartbeats.add(connection)
        try:
            await connection.send(
                wire.encode(wire.Hello(wire.PROTOCOL_VERSION, SERVER_NAME, self.config.heartbeat_interval)),
                text=True,
            )
            async for frame in connection:
                if not client.budget.take(time.monotonic()):
                    self.counters.rate_limited += 1
                    reason = f"request rate limit: more than {self.config.max_requests_per_second:g} requests per second"
                    log.warning("closing %s: %s", peer, reason)
                    await connection.close(1008, reason)
                    break
                self._carry_out(client, frame)
        except ConnectionClosed:
            pass
        finally:
            self.forget_subscriptions(connection)
            self._fanout.drop(connection)
            del self._connections[connection]
            self._heartbeats.remove(connection)
            self._guard.closed(connection)
            self.faults.forget(connection)
            log.info("connection from %s %s", peer, _how_closed(connection))

    def _carry_out(self, client: _Connection, frame: str | bytes) -> None:
        """Answer one request frame: send the replies, then change the fan-out and start a fault as asked."""
        connection = client.connection
        answer = client.session.receive_request(frame, time.time_ns())
        for reply in answer.replies:
            broadcast([connection], wire.encode(reply), text=True)
        changed = self._fanout.leave(connection, answer.left) | self._fanout.join(connection, answer.joined)
        self._set_book_depths(changed)
        if answer.joined:
            self._first_subscription.set()
        if answer.fault is not None:
            self._spawn(admin_fault(self.faults, connection, answer.fault), f"fault {answer.fault.fault}")

    def forget_subscriptions(self, connection: ServerConnection) -> None:
        """Stop sending market data to ``connection`` (it stays open)."""
        client = self._connections.get(connection)
        if client is not None:
            self._set_book_depths(self._fanout.leave(connection, client.session.clear()))
        else:
            self.binance.forget(connection)

    def announce_shutdown(self, connections: list[ServerConnection], reason: str) -> None:
        """Protocol v1's ``shutdown`` message to v1 connections, ``serverShutdown`` to Binance ones."""
        v1 = [c for c in connections if c in self._connections]
        broadcast(v1, wire.encode(wire.Shutdown(time.time_ns(), reason)), text=True)
        self.binance.announce_shutdown(connections)

    def _set_book_depths(self, symbols: set[str]) -> None:
        for symbol in symbols:
            self.market.set_book_depths(symbol, self._fanout.book_depths(symbol))

    def _count_delayed(self) -> None:
        self.counters.frames_delayed += 1

    # --- Streams ----------------------------------------------------------------------

    async def _run_stream(self) -> None:
        market = self.market
        if isinstance(market, Market):
            await run_market(market, FanoutPair(self._fanout, self.binance), self.faults, self.counters, self.config.rate)  # type: ignore[arg-type]
        else:
            assert self.config.replay is not None
            await self._first_subscription.wait()
            pair = FanoutPair(self._fanout, self.binance)
            await run_replay(market, self.config.replay, self.config.speed, pair, self.faults, self.counters)  # type: ignore[arg-type]

    async def _watch_slow_clients(self) -> None:
        limit, patience = self.config.max_send_buffer, self.config.slow_client_timeout
        while True:
            await asyncio.sleep(min(0.5, patience / 4))
            self._fanout.drain()
            now = time.monotonic()
            waiting = self._fanout.waiting_bytes()
            for connection, client in list(self._connections.items()):
                if client.dropped:
                    continue
                if connection.transport.get_write_buffer_size() + waiting.get(connection, 0) < limit:
                    client.full_since = None
                elif client.full_since is None:
                    client.full_since = now
                elif now - client.full_since >= patience:
                    self._drop_slow(client, limit, patience)

    def _drop_slow(self, client: _Connection, limit: int, patience: float) -> None:
        """Drop the market data waiting for a slow client, then close it with 1008 ahead of nothing else."""
        connection = client.connection
        self.counters.slow_clients_dropped += 1
        reason = f"slow consumer: send buffer above {limit} bytes for {patience:g} s"
        log.warning("dropping %s: %s", _peer(connection), reason)
        self.forget_subscriptions(connection)
        self._fanout.drop(connection)
        client.dropped = True
        self._spawn(close_or_abort(connection, 1008, reason, CLOSE_TIMEOUT), "close slow client")


def _peer(connection: ServerConnection) -> str:
    address = connection.remote_address
    return f"{address[0]}:{address[1]}" if address else "?"


def _how_closed(connection: ServerConnection) -> str:
    """Who closed the connection and with which code: the server's own close code when it closed first
    (a client that then drops the socket does not turn a 1008 or 1009 into 1006)."""
    protocol = connection.protocol
    sent, received = protocol.close_sent, protocol.close_rcvd
    if sent is not None and not protocol.close_rcvd_then_sent:
        return f"closed by the server: {sent}"
    if received is not None:
        return f"closed by the client: {received}"
    return "closed: 1006 (no close frame)"
