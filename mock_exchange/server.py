"""The mock exchange's WebSocket server: protocol v1 over ``websockets``.

The server owns sockets and timing only; prices come from :class:`~mock_exchange.market.Market`
and every frame is built by :mod:`tradedash.core.wire`. Each market message is
encoded once and fanned out with :func:`websockets.asyncio.server.broadcast`, so
a slow client never slows the others.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field

import msgspec
from websockets.asyncio.server import Server, ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

from tradedash.core import wire

from .market import Market
from .simulator import DEFAULT_SPECS, SymbolSpec

__all__ = ["ExchangeConfig", "ExchangeServer"]

log = logging.getLogger("mock_exchange")

SERVER_NAME = "tradedash-mock-exchange/0.1"


@dataclass
class ExchangeConfig:
    """Everything the server needs to start; defaults make a small, calm, local market."""

    host: str = "127.0.0.1"
    port: int = 8765
    symbols: list[str] = field(default_factory=lambda: ["BTC-USD", "ETH-USD", "SOL-USD"])
    seed: int = 7
    #: Market updates per second per symbol (each is one trade and one ticker).
    rate: float = 5.0
    heartbeat_interval: float = 1.0
    # Limits
    max_message_size: int = 4096
    max_queue: int = 64

    def specs(self) -> list[SymbolSpec]:
        unknown = [s for s in self.symbols if s not in DEFAULT_SPECS]
        if unknown:
            raise ValueError(f"unknown symbols {unknown}; listed: {sorted(DEFAULT_SPECS)}")
        return [DEFAULT_SPECS[s] for s in self.symbols]


class _Session:
    """One client connection's subscriptions and heartbeat counter."""

    def __init__(self, connection: ServerConnection) -> None:
        self.connection = connection
        self.subscriptions: set[wire.Subscription] = set()
        self.heartbeat_seq = 0


class ExchangeServer:
    """A protocol v1 market-data server.

    Contract: after ``await start()``, ``port`` and ``url`` name the socket it
    listens on (port 0 in the config picks a free one); every connection first
    receives ``hello``, then a heartbeat every ``heartbeat_interval`` seconds and
    the market messages of what it subscribed to; every request gets exactly one
    ``ack`` or ``error`` and never closes the connection. ``stop()`` closes all
    connections (1001) and the listening socket.
    """

    def __init__(self, config: ExchangeConfig | None = None) -> None:
        self.config = config or ExchangeConfig()
        self.market = Market(self.config.specs(), self.config.seed)
        self._sessions: dict[ServerConnection, _Session] = {}
        self._subscribers: dict[wire.Subscription, set[ServerConnection]] = defaultdict(set)
        self._server: Server | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.port: int | None = None

    @property
    def url(self) -> str:
        return f"ws://{self.config.host}:{self.port}"

    @property
    def connection_count(self) -> int:
        return len(self._sessions)

    async def start(self) -> None:
        self._server = await serve(
            self._handle,
            self.config.host,
            self.config.port,
            max_size=self.config.max_message_size,
            max_queue=self.config.max_queue,
            server_header=SERVER_NAME,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._tasks = [
            asyncio.create_task(self._run_market(), name="mock-exchange market"),
            asyncio.create_task(self._run_heartbeats(), name="mock-exchange heartbeats"),
        ]
        log.info("listening on %s", self.url)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        log.info("stopped")

    async def serve_forever(self) -> None:
        await self.start()
        try:
            await asyncio.Future()
        finally:
            await self.stop()

    # --- Connections ------------------------------------------------------------------

    async def _handle(self, connection: ServerConnection) -> None:
        peer = connection.remote_address
        log.info("connection from %s:%s", *(peer or ("?", "?"))[:2])
        session = _Session(connection)
        self._sessions[connection] = session
        try:
            await connection.send(
                wire.encode(wire.Hello(wire.PROTOCOL_VERSION, SERVER_NAME, self.config.heartbeat_interval)),
                text=True,
            )
            async for frame in connection:
                reply = self._answer(session, frame)
                await connection.send(wire.encode(reply), text=True)
        except ConnectionClosed:
            pass
        finally:
            for subscription in session.subscriptions:
                self._subscribers[subscription].discard(connection)
            del self._sessions[connection]
            log.info("connection from %s:%s closed (%s)", *(peer or ("?", "?"))[:2], connection.close_code)

    def _answer(self, session: _Session, frame: str | bytes) -> wire.Ack | wire.Error:
        try:
            request = wire.decode_request(frame)
        except wire.WireError as exc:
            return _error_for_undecodable(frame, str(exc))
        if isinstance(request, (wire.Subscribe, wire.Unsubscribe)):
            return self._change_subscriptions(session, request)
        if isinstance(request, wire.ListSubscriptions):
            return wire.Ack(request.id, "list", subscriptions=sorted(session.subscriptions, key=_sub_key))
        if isinstance(request, wire.ListSymbols):
            return wire.Ack(request.id, "symbols", symbols=self.market.symbol_infos())
        return wire.Error(request.id, "unsupported", f"op {type(request).__name__} is not served yet")

    def _change_subscriptions(
        self, session: _Session, request: wire.Subscribe | wire.Unsubscribe
    ) -> wire.Ack | wire.Error:
        op = "subscribe" if isinstance(request, wire.Subscribe) else "unsubscribe"
        bad_channels = [c for c in request.channels if c not in wire.CHANNELS]
        if bad_channels:
            return wire.Error(request.id, "unknown_channel", f"unknown channels {bad_channels}; known: {list(wire.CHANNELS)}")
        bad_symbols = [s for s in request.symbols if s not in self.market.symbols]
        if bad_symbols:
            return wire.Error(request.id, "unknown_symbol", f"unknown symbols {bad_symbols}; listed: {self.market.symbols}")
        if not request.channels or not request.symbols:
            return wire.Error(request.id, "bad_request", "channels and symbols must not be empty")
        for channel in request.channels:
            for symbol in request.symbols:
                subscription = wire.Subscription(channel, symbol)
                if op == "subscribe":
                    session.subscriptions.add(subscription)
                    self._subscribers[subscription].add(session.connection)
                else:
                    session.subscriptions.discard(subscription)
                    self._subscribers[subscription].discard(session.connection)
        return wire.Ack(request.id, op, subscriptions=sorted(session.subscriptions, key=_sub_key))

    # --- Streams ----------------------------------------------------------------------

    async def _run_market(self) -> None:
        loop = asyncio.get_running_loop()
        interval = 1.0 / self.config.rate
        started = loop.time()
        steps_done = 0
        while True:
            due = int((loop.time() - started) / interval) + 1
            for _ in range(min(due - steps_done, 1000)):
                ts = time.time_ns()
                for symbol in self.market.symbols:
                    for message in self.market.step(symbol, ts):
                        self._publish(wire.Subscription(_channel_of(message), symbol), message)
            steps_done = due
            await asyncio.sleep(max(0.0, started + steps_done * interval - loop.time()))

    def _publish(self, subscription: wire.Subscription, message: msgspec.Struct) -> None:
        connections = self._subscribers.get(subscription)
        if connections:
            broadcast(connections, wire.encode(message), text=True)

    async def _run_heartbeats(self) -> None:
        while True:
            await asyncio.sleep(self.config.heartbeat_interval)
            ts = time.time_ns()
            for session in list(self._sessions.values()):
                session.heartbeat_seq += 1
                broadcast([session.connection], wire.encode(wire.Heartbeat(session.heartbeat_seq, ts)), text=True)


def _channel_of(message: msgspec.Struct) -> str:
    return type(message).__struct_config__.tag  # type: ignore[return-value]


def _sub_key(subscription: wire.Subscription) -> tuple[str, str]:
    return (subscription.symbol, subscription.channel)


_KNOWN_OPS = {"subscribe", "unsubscribe", "list", "symbols", "snapshot"}


def _error_for_undecodable(frame: str | bytes, reason: str) -> wire.Error:
    """Build the error reply for a frame that is not a valid request, echoing its id if it has one."""
    try:
        loose = msgspec.json.decode(frame)
    except (msgspec.DecodeError, UnicodeDecodeError):
        return wire.Error(None, "malformed", "frame is not valid JSON")
    if not isinstance(loose, dict):
        return wire.Error(None, "bad_request", "a request must be a JSON object")
    request_id = loose.get("id") if isinstance(loose.get("id"), int) else None
    if loose.get("op") not in _KNOWN_OPS:
        return wire.Error(request_id, "unknown_op", f"unknown op {loose.get('op')!r}; known: {sorted(_KNOWN_OPS)}")
    return wire.Error(request_id, "bad_request", reason)
