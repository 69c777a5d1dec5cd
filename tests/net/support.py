"""Test support for the async layer: a scriptable protocol v1 server.

:class:`ScriptedExchange` is a real ``websockets`` server on a free port of 127.0.0.1 that
speaks just enough protocol v1 (hello, heartbeats, acks) for a test to make it misbehave in
one precise way: refuse the handshake with a status, greet with another version, send
arbitrary frames or raw bytes, stop reading.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from http import HTTPStatus

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from tests.support.builders import ticker
from tradedash.core import wire

__all__ = ["ScriptedExchange"]


class ScriptedExchange:
    """A protocol v1 server whose behaviour a test scripts.

    Every connection gets ``hello`` (with ``version``), heartbeats every
    ``heartbeat_interval`` if set, and one ack per request; a subscription to
    ``ticker`` is followed by one ticker per symbol (so the client goes live);
    ``snapshot`` requests are acked and then handed to ``on_snapshot``. ``status(attempt)`` may refuse a
    handshake with an HTTP status. ``requests`` records ``(connection number,
    request)``; ``handshakes`` records each handshake's request headers.
    """

    def __init__(
        self,
        *,
        version: int = wire.PROTOCOL_VERSION,
        heartbeat_interval: float | None = 0.2,
        status: Callable[[int], int | None] | None = None,
        on_snapshot: Callable[[ServerConnection, str], Awaitable[None]] | None = None,
        clock_offset_ns: int = 0,
    ) -> None:
        self.version = version
        self.heartbeat_interval = heartbeat_interval
        self._status = status
        self._on_snapshot = on_snapshot
        #: How far this server's clock (the ``ts`` of heartbeats and greeting tickers) is off.
        self.clock_offset_ns = clock_offset_ns
        self.handshakes: list[Headers] = []
        self.connections: list[ServerConnection] = []
        self.requests: list[tuple[int, wire.Request]] = []
        self.port: int | None = None
        self._server: Server | None = None
        self._silenced: set[ServerConnection] = set()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def latest(self) -> ServerConnection:
        return self.connections[-1]

    async def start(self, port: int = 0) -> None:
        self._server = await serve(self._handle, "127.0.0.1", port, process_request=self._process_request, compression=None)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for connection in self._silenced:
            connection.transport.abort()  # a silenced link would hold up the close handshake
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> ScriptedExchange:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def go_silent(self, connection: ServerConnection) -> None:
        """Half-open: stop reading (so pings go unanswered) and stop sending, keeping the socket open."""
        self._silenced.add(connection)
        connection.transport.pause_reading()

    def subscribe_requests(self, connection_number: int) -> list[wire.Subscribe]:
        return [r for n, r in self.requests if n == connection_number and isinstance(r, wire.Subscribe)]

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        self.handshakes.append(request.headers)
        status = self._status(len(self.handshakes)) if self._status is not None else None
        if status is not None:
            return connection.respond(HTTPStatus(status), f"refused with {status}\n")
        return None

    async def _handle(self, connection: ServerConnection) -> None:
        number = len(self.connections)
        self.connections.append(connection)
        hello = wire.Hello(self.version, "scripted-exchange", self.heartbeat_interval or 1.0)
        beats = asyncio.create_task(self._heartbeats(connection)) if self.heartbeat_interval else None
        try:
            await connection.send(wire.encode(hello), text=True)
            async for frame in connection:
                request = wire.decode_request(frame)
                self.requests.append((number, request))
                subscriptions = None
                if isinstance(request, (wire.Subscribe, wire.Unsubscribe)):
                    subscriptions = [wire.Subscription(c, s) for c in request.channels for s in request.symbols]
                op = request.__struct_config__.tag
                await connection.send(wire.encode(wire.Ack(request.id, op, subscriptions=subscriptions)), text=True)
                if isinstance(request, wire.Subscribe) and "ticker" in request.channels:
                    await connection.send(wire.encode([ticker(s, ts=time.time_ns() + self.clock_offset_ns) for s in request.symbols]), text=True)
                if isinstance(request, wire.SnapshotRequest) and self._on_snapshot is not None:
                    await self._on_snapshot(connection, request.symbol)
        except ConnectionClosed:
            pass
        finally:
            if beats is not None:
                beats.cancel()

    async def _heartbeats(self, connection: ServerConnection) -> None:
        seq = 0
        while True:
            await asyncio.sleep(self.heartbeat_interval)
            if connection in self._silenced:
                continue
            seq += 1
            try:
                await connection.send(wire.encode(wire.Heartbeat(seq, time.time_ns() + self.clock_offset_ns)), text=True)
            except ConnectionClosed:
                return
