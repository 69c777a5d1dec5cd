"""A fault-injecting TCP proxy: put real network faults between any client and any server.

``mock-exchange proxy --listen 127.0.0.1:9000 --upstream 127.0.0.1:8765 --latency 0.5 --jitter 0.25``
forwards every TCP connection it accepts to the upstream address, and on the way
delays, throttles, slices, stalls, resets or cuts the byte stream. Tests drive the
same faults at run time through :class:`FaultProxy`. Pure asyncio streams; it knows
nothing of WebSocket, so it works under any client and server.
"""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import struct
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["FaultProxy", "ProxyStats", "DIRECTIONS"]

log = logging.getLogger("mock_exchange.proxy")

#: ``up`` is client to upstream, ``down`` is upstream to client.
DIRECTIONS = ("up", "down")

_READ_SIZE = 65536
_QUEUE_CHUNKS = 256


@dataclass
class ProxyStats:
    """What the proxy has done since it started: connections accepted and open, bytes forwarded
    per direction, connections ended with a RST."""

    connections: int = 0
    open_connections: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    resets: int = 0


@dataclass
class _Shaping:
    """One direction's delay and throughput limit."""

    latency: float = 0.0
    jitter: float = 0.0
    bandwidth: float | None = None


class _Conditions:
    """The network faults in force, which every link reads as it forwards (a switch applies at once).

    ``delay(direction)`` is the hold time of the next chunk; ``pieces(chunk, direction)``
    splits a chunk for slicing and bandwidth; ``flowing`` is clear while half-open.
    """

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.shaping = {direction: _Shaping() for direction in DIRECTIONS}
        self.max_piece: int | None = None
        self.flowing = asyncio.Event()
        self.flowing.set()

    def delay(self, direction: str) -> float:
        shaping = self.shaping[direction]
        if not shaping.jitter:
            return shaping.latency
        return max(0.0, shaping.latency + self.rng.uniform(-shaping.jitter, shaping.jitter))

    def pieces(self, chunk: bytes, direction: str) -> Iterator[bytes]:
        """Split a chunk for slicing, and into about 20 ms worth of bytes under a bandwidth limit.

        Read lazily: a fault switched while a chunk is on its way applies to the rest of it.
        """
        if self.max_piece is None and not self.shaping[direction].bandwidth:
            yield chunk
            return
        view = memoryview(chunk)
        while view:
            size = len(view)
            if self.max_piece is not None:
                size = self.rng.randint(1, self.max_piece)
            bandwidth = self.shaping[direction].bandwidth
            if bandwidth:
                size = min(size, max(1, int(bandwidth / 50)))
            yield bytes(view[:size])
            view = view[size:]


class FaultProxy:
    """A TCP proxy from a local port to ``upstream`` that injects faults on command.

    Contract: after ``await start()``, ``port`` is the port it listens on (port 0
    picks a free one) and every accepted connection is forwarded to ``upstream``,
    byte for byte and in order, until a fault says otherwise. Faults apply at once
    to open connections and to new ones, and each switch is logged:

    - ``set_latency(seconds, jitter=0, direction="both")``: each chunk is held for
      ``seconds`` +- ``jitter`` (uniform), never overtaking the chunk before it.
    - ``set_bandwidth(bytes_per_second | None, direction="both")``: per connection and direction.
    - ``set_slicing(max_piece | None)``: writes come out in pieces of 1..max_piece bytes.
    - ``half_open()`` / ``resume()``: stop forwarding in both directions but keep
      every socket open; bytes already read are held (not lost) and nothing more is
      read until ``resume()`` lets them through, as after a healed partition.
    - ``reset_all()``: close every open connection with a TCP RST on both sides.
    - ``reset_after(seconds | None)``: reset each new connection that long after it opened.
    - ``close_after(n | None)``: each connection may forward ``n`` more bytes (both
      directions together), then both its sides are closed (FIN).
    - ``down()`` / ``await up()``: stop listening, so new connections are refused;
      open ones are untouched. ``up()`` listens again on the same port.
    - ``clear_faults()``: everything above back to a transparent pipe, except ``down``.

    ``stats`` counts connections and forwarded bytes. ``stop()`` closes everything.
    Random choices (jitter, piece sizes) come from ``random.Random(seed)``.
    """

    def __init__(self, upstream: tuple[str, int], *, host: str = "127.0.0.1", port: int = 0, seed: int = 0) -> None:
        self.upstream = upstream
        self.host = host
        self.port = port
        self.stats = ProxyStats()
        self._conditions = _Conditions(seed)
        self._close_after: int | None = None
        self._reset_after: float | None = None
        self._server: asyncio.Server | None = None
        self._links: set[_Link] = set()
        self._link_tasks: set[asyncio.Task[None]] = set()

    @property
    def is_down(self) -> bool:
        return self._server is None

    # --- Lifecycle --------------------------------------------------------------------

    async def start(self) -> None:
        await self._listen()
        log.info("proxy listening on %s:%s, upstream %s:%s", self.host, self.port, *self.upstream)

    async def stop(self) -> None:
        """Stop listening and close every connection (RST); returns when all are gone."""
        self._close_listener()
        for link in list(self._links):
            link.reset()
        await asyncio.gather(*self._link_tasks, return_exceptions=True)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._accept, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    def _close_listener(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    # --- Faults -----------------------------------------------------------------------

    def set_latency(self, seconds: float, jitter: float = 0.0, direction: str = "both") -> None:
        if seconds < 0 or jitter < 0:
            raise ValueError("latency and jitter must be >= 0")
        for shaping in self._directions(direction):
            shaping.latency, shaping.jitter = seconds, jitter
        log.warning("fault: latency %.3f s +- %.3f s (%s)", seconds, jitter, direction)

    def set_bandwidth(self, bytes_per_second: float | None, direction: str = "both") -> None:
        if bytes_per_second is not None and bytes_per_second <= 0:
            raise ValueError("bandwidth must be > 0 bytes/s, or None for no limit")
        for shaping in self._directions(direction):
            shaping.bandwidth = bytes_per_second
        log.warning("fault: bandwidth %s (%s)", f"{bytes_per_second:g} B/s" if bytes_per_second else "unlimited", direction)

    def set_slicing(self, max_piece: int | None) -> None:
        if max_piece is not None and max_piece < 1:
            raise ValueError("max_piece must be >= 1, or None for no slicing")
        self._conditions.max_piece = max_piece
        log.warning("fault: slicing %s", f"into 1..{max_piece}-byte pieces" if max_piece else "off")

    def half_open(self) -> None:
        self._conditions.flowing.clear()
        log.warning("fault: half-open, forwarding stopped on %d open connections", len(self._links))

    def resume(self) -> None:
        self._conditions.flowing.set()
        log.warning("fault: half-open over, forwarding again")

    def reset_all(self) -> None:
        links = list(self._links)
        for link in links:
            link.reset()
        log.warning("fault: reset (RST) %d connections", len(links))

    def reset_after(self, seconds: float | None) -> None:
        if seconds is not None and seconds < 0:
            raise ValueError("reset_after must be >= 0 seconds, or None")
        self._reset_after = seconds
        log.warning("fault: reset each new connection %s", f"after {seconds:g} s" if seconds is not None else "never")

    def close_after(self, n_bytes: int | None) -> None:
        if n_bytes is not None and n_bytes < 0:
            raise ValueError("close_after must be >= 0 bytes, or None")
        self._close_after = n_bytes
        for link in self._links:
            link.budget = n_bytes
        log.warning("fault: close each connection %s", f"after {n_bytes} more bytes" if n_bytes is not None else "never")

    def down(self) -> None:
        self._close_listener()
        log.warning("fault: down, refusing new connections on port %s", self.port)

    async def up(self) -> None:
        if self._server is None:
            await self._listen()
        log.warning("fault: up, accepting connections on port %s", self.port)

    def clear_faults(self) -> None:
        for direction in DIRECTIONS:
            self._conditions.shaping[direction] = _Shaping()
        self._conditions.max_piece = None
        self._close_after = self._reset_after = None
        for link in self._links:
            link.budget = None
        self._conditions.flowing.set()
        log.warning("fault: cleared, transparent again")

    def _directions(self, direction: str) -> list[_Shaping]:
        shaping = self._conditions.shaping
        if direction == "both":
            return list(shaping.values())
        if direction not in shaping:
            raise ValueError(f"direction must be 'up', 'down' or 'both', not {direction!r}")
        return [shaping[direction]]

    # --- Connections ------------------------------------------------------------------

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        peer = client_writer.get_extra_info("peername")
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.upstream)
        except OSError as exc:
            log.info("connection from %s: upstream %s:%s unreachable (%s), closing", peer, *self.upstream, exc)
            client_writer.close()
            return
        link = _Link(self._conditions, self.stats, (client_reader, client_writer), (upstream_reader, upstream_writer))
        link.budget = self._close_after
        self.stats.connections += 1
        self.stats.open_connections += 1
        self._links.add(link)
        task = asyncio.current_task()
        assert task is not None
        self._link_tasks.add(task)
        log.info("connection %d from %s opened", self.stats.connections, peer)
        reset_timer = None
        if self._reset_after is not None:
            reset_timer = asyncio.get_running_loop().call_later(self._reset_after, link.reset_by_schedule)
        try:
            await link.run()
        finally:
            if reset_timer is not None:
                reset_timer.cancel()
            self._links.discard(link)
            self._link_tasks.discard(task)
            self.stats.open_connections -= 1
            log.info("connection from %s closed", peer)


class _Link:
    """One proxied connection: the client's and the upstream's streams and the two pumps between them."""

    def __init__(
        self,
        conditions: _Conditions,
        stats: ProxyStats,
        client: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    ) -> None:
        self._conditions = conditions
        self._stats = stats
        #: Bytes this link may still forward (both directions together); None: no limit.
        self.budget: int | None = None
        (client_reader, client_writer), (upstream_reader, upstream_writer) = client, upstream
        self._ends = {"up": (client_reader, upstream_writer), "down": (upstream_reader, client_writer)}
        self._writers = (client_writer, upstream_writer)
        self._tasks: list[asyncio.Task[None]] = []

    async def run(self) -> None:
        for direction in DIRECTIONS:
            queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue(_QUEUE_CHUNKS)
            self._tasks.append(asyncio.create_task(self._receive(direction, queue)))
            self._tasks.append(asyncio.create_task(self._send(direction, queue)))
        try:
            await asyncio.wait(self._tasks, return_when=asyncio.FIRST_EXCEPTION)
        finally:
            failed = any(not t.done() for t in self._tasks)  # one side broke: pass the reset on
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            if failed:
                self._abort_with_rst()
            for writer in self._writers:
                writer.close()

    async def _receive(self, direction: str, queue: asyncio.Queue[tuple[float, bytes]]) -> None:
        """Read chunks and stamp each with the time it may leave, never earlier than the one before."""
        reader = self._ends[direction][0]
        loop = asyncio.get_running_loop()
        conditions = self._conditions
        last_due = 0.0
        while True:
            await conditions.flowing.wait()
            chunk = await reader.read(_READ_SIZE)
            last_due = max(last_due, loop.time() + conditions.delay(direction))
            await queue.put((last_due, chunk))
            if not chunk:
                return

    async def _send(self, direction: str, queue: asyncio.Queue[tuple[float, bytes]]) -> None:
        writer = self._ends[direction][1]
        conditions = self._conditions
        loop = asyncio.get_running_loop()
        next_free = 0.0
        while True:
            due, chunk = await queue.get()
            if due > loop.time():
                await asyncio.sleep(due - loop.time())
            if not chunk:
                await conditions.flowing.wait()
                if writer.can_write_eof():
                    writer.write_eof()
                return
            for piece in conditions.pieces(chunk, direction):
                await conditions.flowing.wait()
                if self.budget is not None:
                    piece = piece[: self.budget]
                bandwidth = conditions.shaping[direction].bandwidth
                if bandwidth:
                    now = loop.time()
                    start = max(now, next_free)
                    if start > now:
                        await asyncio.sleep(start - now)
                    next_free = start + len(piece) / bandwidth
                writer.write(piece)
                self._count(direction, len(piece))
                await writer.drain()
                if self.budget == 0:
                    log.warning("fault: closing a connection after its byte budget")
                    self.close()
                    return
                if conditions.max_piece is not None:
                    await asyncio.sleep(0)

    def _count(self, direction: str, n: int) -> None:
        if direction == "up":
            self._stats.bytes_up += n
        else:
            self._stats.bytes_down += n
        if self.budget is not None:
            self.budget -= n

    def close(self) -> None:
        """End both sides with a FIN once the pumps have stopped."""
        for task in self._tasks:
            if task is not asyncio.current_task():
                task.cancel()

    def reset(self) -> None:
        """End both sides with a TCP RST (a fault, counted in ``stats.resets``)."""
        self._abort_with_rst()
        self._stats.resets += 1
        for task in self._tasks:
            task.cancel()

    def _abort_with_rst(self) -> None:
        """SO_LINGER 0, then close: the kernel sends RST instead of FIN."""
        for writer in self._writers:
            sock = writer.get_extra_info("socket")
            if sock is not None and sock.fileno() != -1:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()

    def reset_by_schedule(self) -> None:
        log.warning("fault: reset (RST) a connection on schedule")
        self.reset()
