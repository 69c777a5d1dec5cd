"""Fan-out: the mock exchange against a bare ``websockets.broadcast()`` server, in the same run.

Run: ``python -m bench.fanout`` (about 90 s; ``--help`` for options), with the project installed
(``.venv/bin/python -m bench.fanout`` from the project root).

For N = 100 and 1,000 clients, each server runs alone in a child process and the
clients run here, in this process. Both servers send the same messages at the same
rate to every subscribed client (the exchange's ``ticker`` and ``trades`` frames of
one symbol, which the bare server replays as recorded at the start of the run, step
by step), and a heartbeat per connection each second.
Figures per server:

- delivered frames/s: text frames the clients received per second, over a window
  after warm-up, at the offered rate (both servers should keep up with it);
- frames per server CPU second: delivered frames divided by the server process's
  CPU time in the window. On a shared machine this is the steadier measure of
  capacity: what one core would deliver flat out;
- memory per idle connection: the server's RSS after N connected, unsubscribed
  clients minus its RSS before them, divided by N.

The clients are a minimal WebSocket client (handshake, then frame headers only,
answering pings) so that the client process costs much less per frame than the
servers it measures; a full client would make the client side the bottleneck.
Results go to bench/results/fanout.json.

``--latency`` measures reliability scenario 18 instead: N = 1,000 clients x 10 subscriptions
(``ticker`` and ``trades`` of five symbols each, spread so that every symbol has as many
subscribers) at 1,000 market messages per second in total (``--msgs-per-s``, over
``--symbols`` symbols), the exchange in a child process and the clients here. Figures:
stamp-to-received latency of every market frame (the exchange's ``ts``, taken when the
message is made, against this process's wall clock when the bytes arrive: one clock, one
machine) as p50 / p99 / max, delivered frames per second, server CPU, and memory per
idle connection. Goal: p99 < 50 ms. With ``--slow`` each round runs again with one more client
that subscribes to every symbol's ticker, trades and 50-level book and reads 10 KB/s
(scenario 9: the exchange logs when it drops it; goals: the others' p99 grows < 10 %, the
server's memory < 50 MB), the two cases taking turns to go first; the summary compares the medians
over the rounds, and beside the others' p99 the server's own share of it, measured in its process
(stamp to written to every subscriber, which a busy machine disturbs less than a figure that also
crosses the client process). Results go to bench/results/fanout_latency.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import socket
import time
from pathlib import Path
from statistics import median

from bench.harness import wait_until

ROOT = Path(__file__).resolve().parents[1]

SYMBOL = "BTC-USD"
CHANNELS = ("ticker", "trades")
_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
#: Text frames that carry no market data (their ``ts`` is not a market stamp).
_NOT_MARKET = (b'{"type":"heartbeat"', b'{"type":"hello"', b'{"type":"ack"', b'{"type":"error"')
_TS = re.compile(rb'"ts":(\d+)')
_HANDSHAKE = (
    "GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)


# --- Servers (child processes) ----------------------------------------------------------


def _run_server(kind: str, rate: float, steps: list[list[bytes]], ports: multiprocessing.Queue) -> None:
    asyncio.run(_serve_exchange(rate, ports) if kind == "exchange" else _serve_bare(rate, steps, ports))


async def _serve_exchange(rate: float, ports: multiprocessing.Queue) -> None:
    from mock_exchange.server import ExchangeConfig, ExchangeServer

    server = ExchangeServer(ExchangeConfig(port=0, rate=rate, symbols=[SYMBOL], max_connections_per_address=0))
    await server.start()
    ports.put(server.port)
    await asyncio.Future()


async def _serve_bare(rate: float, steps: list[list[bytes]], ports: multiprocessing.Queue) -> None:
    """The baseline: the exchange's recorded frames, step by step at the same rate, broadcast to whoever
    has sent anything, paced like the exchange, plus a heartbeat per connection each second."""
    from websockets.asyncio.server import broadcast, serve

    from tradedash.core import wire

    heartbeat = wire.encode(wire.Heartbeat(1, time.time_ns()))
    connections: set = set()
    subscribers: set = set()

    async def handle(connection) -> None:
        connections.add(connection)
        try:
            await connection.send(heartbeat, text=True)
            async for _ in connection:
                subscribers.add(connection)
        finally:
            connections.discard(connection)
            subscribers.discard(connection)

    async def heartbeats() -> None:
        while True:
            await asyncio.sleep(1.0)
            for connection in list(connections):
                broadcast([connection], heartbeat, text=True)

    async def market() -> None:
        loop = asyncio.get_running_loop()
        interval, started, steps_done = 1.0 / rate, loop.time(), 0
        while True:
            due = int((loop.time() - started) / interval) + 1
            for step in range(steps_done, steps_done + min(due - steps_done, 1000)):
                for frame in steps[step % len(steps)]:
                    if subscribers:
                        broadcast(subscribers, frame, text=True)
            steps_done = due
            await asyncio.sleep(max(0.0, started + steps_done * interval - loop.time()))

    async with serve(handle, "127.0.0.1", 0, max_size=4096, max_queue=64) as server:
        ports.put(server.sockets[0].getsockname()[1])
        await asyncio.gather(heartbeats(), market())


async def _record_steps(count: int = 300) -> list[list[bytes]]:
    """The frames a subscriber of the exchange receives, one list per simulator step (each step ends with its ticker)."""
    from websockets.asyncio.client import connect

    from mock_exchange.server import ExchangeConfig, ExchangeServer

    server = ExchangeServer(ExchangeConfig(port=0, rate=500, symbols=[SYMBOL]))
    await server.start()
    steps: list[list[bytes]] = []
    step: list[bytes] = []
    try:
        async with connect(server.url, compression=None) as ws:
            await ws.send(json.dumps({"op": "subscribe", "id": 1, "channels": list(CHANNELS), "symbols": [SYMBOL]}))
            while len(steps) <= count:
                frame = await asyncio.wait_for(ws.recv(decode=False), 5)
                message = json.loads(frame)
                if isinstance(message, dict) and message.get("type") in CHANNELS:
                    step.append(frame)
                    if message["type"] == "ticker":
                        steps.append(step)
                        step = []
    finally:
        await server.stop()
    return steps[1:]  # the first step may have begun before the subscription


def _rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS_PER_SECOND


# --- Clients (this process) -------------------------------------------------------------


def _client_frame(opcode: int, payload: bytes) -> bytes:
    """A masked client frame (mask key zero, so the payload goes as is)."""
    if len(payload) < 126:
        header = bytes([0x80 | opcode, 0x80 | len(payload)])
    else:
        header = bytes([0x80 | opcode, 0x80 | 126]) + len(payload).to_bytes(2, "big")
    return header + b"\0\0\0\0" + payload


class _CountingClient(asyncio.Protocol):
    """A WebSocket client that counts the text frames it receives and answers pings; nothing else."""

    def __init__(self, port: int, latencies: list[int] | None = None) -> None:
        self.port = port
        self.frames = 0
        #: With a list: the stamp-to-received latency (ns) of every market frame is appended to it.
        self.latencies = latencies
        self.market_frames = 0
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self._buffer = bytearray()

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(_HANDSHAKE.format(port=self.port).encode())

    def connection_lost(self, exc) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(f"closed during handshake: {exc}"))

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        if not self.opened.done():
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buffer.startswith(b"HTTP/1.1 101"):
                self.opened.set_exception(ConnectionError(bytes(buffer[:end]).decode(errors="replace")))
                return
            del buffer[: end + 4]
            self.opened.set_result(None)
        position, size = 0, len(buffer)
        while size - position >= 2:
            length, header = buffer[position + 1] & 0x7F, 2
            if length == 126:
                length, header = int.from_bytes(buffer[position + 2 : position + 4], "big"), 4
            elif length == 127:
                length, header = int.from_bytes(buffer[position + 2 : position + 10], "big"), 10
            end = position + header + length
            if end > size:
                break
            opcode = buffer[position] & 0x0F
            if opcode == 0x1:
                self.frames += 1
                if self.latencies is not None:
                    self._stamp(buffer, position + header, end)
            elif opcode == 0x9:
                self.transport.write(_client_frame(0xA, bytes(buffer[position + header : end])))
            position = end
        del buffer[:position]

    def send_text(self, payload: bytes) -> None:
        self.transport.write(_client_frame(0x1, payload))

    def _stamp(self, buffer: bytearray, start: int, end: int) -> None:
        if any(buffer.startswith(prefix, start) for prefix in _NOT_MARKET):
            return
        self.market_frames += 1
        match = _TS.search(buffer, start, end)
        if match is not None:
            self.latencies.append(time.time_ns() - int(match.group(1)))  # type: ignore[union-attr]


async def _connect_clients(port: int, n: int, batch: int = 50, latencies: list[int] | None = None) -> list[_CountingClient]:
    loop = asyncio.get_running_loop()
    clients: list[_CountingClient] = []
    for start in range(0, n, batch):
        made = await asyncio.gather(
            *(loop.create_connection(lambda: _CountingClient(port, latencies), "127.0.0.1", port) for _ in range(min(batch, n - start)))
        )
        batch_clients = [protocol for _, protocol in made]
        await asyncio.wait_for(asyncio.gather(*(c.opened for c in batch_clients)), 30)
        clients.extend(batch_clients)
    return clients


# --- One measurement --------------------------------------------------------------------


async def _measure(kind: str, n: int, rate: float, steps: list[list[bytes]], warmup: float, window: float) -> dict:
    """Start one server, measure its RSS with N idle clients of each kind, then its fan-out to N subscribers."""
    from websockets.asyncio.client import connect

    context = multiprocessing.get_context("spawn")
    ports = context.Queue()
    process = context.Process(target=_run_server, args=(kind, rate, steps, ports), daemon=True)
    process.start()
    clients: list[_CountingClient] = []
    websockets_clients: list = []
    try:
        port = await asyncio.get_running_loop().run_in_executor(None, ports.get, True, 30)
        await asyncio.sleep(0.5)
        rss = [_rss_bytes(process.pid)]
        clients = await _connect_clients(port, n)
        await wait_until(lambda: all(c.frames for c in clients), 10, interval=0.05)  # every hello arrived
        await asyncio.sleep(0.5)
        rss.append(_rss_bytes(process.pid))
        for start in range(0, n, 50):
            websockets_clients += await asyncio.gather(*(connect(f"ws://127.0.0.1:{port}") for _ in range(min(50, n - start))))
        await asyncio.sleep(0.5)
        rss.append(_rss_bytes(process.pid))

        subscribe = json.dumps({"op": "subscribe", "id": 1, "channels": list(CHANNELS), "symbols": [SYMBOL]}).encode()
        for client in clients:
            client.send_text(subscribe)
        await asyncio.sleep(warmup)
        frames0, cpu0, client_cpu0, t0 = _counters(clients, process.pid)
        await asyncio.sleep(window)
        frames1, cpu1, client_cpu1, t1 = _counters(clients, process.pid)
        return {
            "server": kind,
            "clients": n,
            "rate_per_symbol": rate,
            "seconds": t1 - t0,
            "frames": frames1 - frames0,
            "server_cpu_s": cpu1 - cpu0,
            "client_cpu_s": client_cpu1 - client_cpu0,
            "bytes_per_idle_connection": (rss[1] - rss[0]) / n,
            "bytes_per_idle_websockets_connection": (rss[2] - rss[1]) / n,
        }
    finally:
        for client in clients:
            client.transport.abort()
        for connection in websockets_clients:
            connection.transport.abort()
        process.terminate()
        process.join(10)


def _counters(clients: list[_CountingClient], pid: int) -> tuple[int, float, float, float]:
    return sum(c.frames for c in clients), _cpu_seconds(pid), time.process_time(), time.monotonic()


async def _run(args: argparse.Namespace) -> list[dict]:
    """Every (N, server) pair once per round, bare and exchange taking turns to go first."""
    steps = await _record_steps()
    frames_per_step = sum(map(len, steps)) / len(steps)
    print(f"recorded {len(steps)} steps of the exchange, {frames_per_step:.2f} frames per step", flush=True)
    samples = []
    for round_number in range(args.rounds):
        for n in args.clients:
            rate = args.frames_per_s / n / frames_per_step
            for kind in ("bare", "exchange")[:: 1 if round_number % 2 == 0 else -1]:
                sample = await _measure(kind, n, rate, steps, args.warmup, args.window)
                samples.append(sample)
                print(
                    f"  round {round_number + 1} {kind:8} N={n:5}: {sample['frames'] / sample['seconds']:9,.0f} frames/s, "
                    f"server CPU {sample['server_cpu_s'] / sample['seconds']:4.0%}, "
                    f"client CPU {sample['client_cpu_s'] / sample['seconds']:4.0%}",
                    flush=True,
                )
    return samples


def _summarise(samples: list[dict], args: argparse.Namespace) -> list[dict]:
    """Per (N, server): the median over the rounds of each rate (one disturbed round does not move it),
    the largest memory figure; ratios of the exchange to the bare server."""
    rows = []
    for n in args.clients:
        row: dict = {"clients": n, "offered_frames_per_s": args.frames_per_s + n}
        for kind in ("bare", "exchange"):
            mine = [s for s in samples if s["clients"] == n and s["server"] == kind]
            row[kind] = {
                "delivered_frames_per_s": median(s["frames"] / s["seconds"] for s in mine),
                "server_cpu_fraction": median(s["server_cpu_s"] / s["seconds"] for s in mine),
                "client_cpu_fraction": median(s["client_cpu_s"] / s["seconds"] for s in mine),
                "frames_per_server_cpu_s": median(s["frames"] / max(s["server_cpu_s"], 1e-9) for s in mine),
                "kib_per_idle_connection": max(s["bytes_per_idle_connection"] for s in mine) / 1024,
                "kib_per_idle_websockets_connection": max(s["bytes_per_idle_websockets_connection"] for s in mine) / 1024,
            }
        row["delivered_ratio"] = row["exchange"]["delivered_frames_per_s"] / row["bare"]["delivered_frames_per_s"]
        row["capacity_ratio"] = row["exchange"]["frames_per_server_cpu_s"] / row["bare"]["frames_per_server_cpu_s"]
        rows.append(row)
    return rows


def _table(rows: list[dict]) -> str:
    lines = [
        f"{'N':>6} {'server':>9} {'frames/s':>10} {'ratio':>6} {'server CPU':>10} {'frames/CPU-s':>13} {'ratio':>6}"
        f" {'KiB/idle conn':>14} {'(deflate)':>10}"
    ]
    for row in rows:
        for kind in ("bare", "exchange"):
            r = row[kind]
            ratios = ("", "") if kind == "bare" else (f"{row['delivered_ratio']:.2f}", f"{row['capacity_ratio']:.2f}")
            lines.append(
                f"{row['clients']:>6} {kind:>9} {r['delivered_frames_per_s']:>10,.0f} {ratios[0]:>6} "
                f"{r['server_cpu_fraction']:>10.0%} {r['frames_per_server_cpu_s']:>13,.0f} {ratios[1]:>6} "
                f"{r['kib_per_idle_connection']:>14.1f} {r['kib_per_idle_websockets_connection']:>10.1f}"
            )
    return "\n".join(lines)


# --- Scenario 18: subscriptions and stamp-to-received latency ------------------------------


def _symbol_names(count: int) -> list[str]:
    return [f"S{i:03d}-USD" for i in range(count)]


def _run_latency_server(symbols: int, rate: float, ports: multiprocessing.Queue, commands: multiprocessing.Queue) -> None:
    asyncio.run(_serve_latency_exchange(symbols, rate, ports, commands))


async def _serve_latency_exchange(symbols: int, rate: float, ports: multiprocessing.Queue, commands: multiprocessing.Queue) -> None:
    """The exchange, and on ``start`` / ``stop`` from ``commands`` the stamp-to-written times of the deliveries
    in between (put on ``ports``)."""
    from mock_exchange.market import SymbolSpec
    from mock_exchange.server import ExchangeConfig, ExchangeServer

    names = _symbol_names(symbols)
    specs = {name: SymbolSpec(name, 0.01, 0.001, 100.0 + i) for i, name in enumerate(names)}
    server = ExchangeServer(ExchangeConfig(port=0, rate=rate, symbols=names, symbol_specs=specs, max_connections_per_address=0))
    written = _time_deliveries(server)
    await server.start()
    ports.put(server.port)
    loop = asyncio.get_running_loop()
    while True:
        command = await loop.run_in_executor(None, commands.get)
        if command == "start":
            written.clear()
        else:
            ports.put(list(written))


def _time_deliveries(server) -> list[int]:
    """Stamp-to-written (ns) of each delivery of market frames, taken in the exchange's own process: the
    frames' ``ts`` against the wall clock once they are written to every subscriber (or held back for
    one that does not keep up). The server's share of the latency, without the client process's or
    the kernel's. A probe of the exchange's internals (its fan-out), for this bench only."""
    fanout = server._fanout
    flush = fanout.flush
    written: list[int] = []

    def timed_flush() -> None:
        stamp = _TS.search(fanout._frames[0][1]) if fanout._frames else None
        flush()
        if stamp is not None:
            written.append(time.time_ns() - int(stamp.group(1)))

    fanout.flush = timed_flush
    return written


def _percentile(values: list[int], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] / 1e6 if ordered else float("nan")


class _TricklingClient(_CountingClient):
    """A client that reads about ``rate`` bytes a second (scenario 9's slow consumer): its kernel buffer is
    small and it reads one chunk, then pauses reading for as long as that chunk is worth."""

    def __init__(self, port: int, rate: float = 10_000) -> None:
        super().__init__(port)
        self._rate = rate

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.opened.done() and self.transport is not None:
            self.transport.pause_reading()
            asyncio.get_running_loop().call_later(len(data) / self._rate, self._resume)

    def _resume(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.resume_reading()


async def _slow_client(port: int, subscribe: bytes) -> _CountingClient:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(sock, ("127.0.0.1", port))
    _, client = await loop.create_connection(lambda: _TricklingClient(port), sock=sock)
    await asyncio.wait_for(client.opened, 30)
    client.send_text(subscribe)
    return client


async def _measure_latency(
    n: int, subscriptions: int, symbols: int, msgs_per_s: float, warmup: float, window: float, slow: bool = False
) -> dict:
    """Scenario 18 once: N clients with ``subscriptions`` each, market latency over ``window`` seconds.

    With ``slow``, one more client subscribes to everything and reads 10 KB/s (scenario 9)."""
    per_client = max(1, subscriptions // len(CHANNELS))
    rate = msgs_per_s / symbols / len(CHANNELS)
    context = multiprocessing.get_context("spawn")
    ports, commands = context.Queue(), context.Queue()
    process = context.Process(target=_run_latency_server, args=(symbols, rate, ports, commands), daemon=True)
    process.start()
    latencies: list[int] = []
    clients: list[_CountingClient] = []
    try:
        port = await asyncio.get_running_loop().run_in_executor(None, ports.get, True, 60)
        await asyncio.sleep(0.5)
        rss0 = _rss_bytes(process.pid)
        clients = await _connect_clients(port, n, latencies=latencies)
        await wait_until(lambda: all(c.frames for c in clients), 30, interval=0.05)
        await asyncio.sleep(0.5)
        rss1 = _rss_bytes(process.pid)
        names = _symbol_names(symbols)
        for i, client in enumerate(clients):
            mine = [names[(i * per_client + k) % symbols] for k in range(per_client)]
            client.send_text(json.dumps({"op": "subscribe", "id": 1, "channels": list(CHANNELS), "symbols": mine}).encode())
        if slow:  # every symbol's ticker, trades and 50-level book: about 0.7 MB/s, read at 10 KB/s
            everything = {"op": "subscribe", "id": 1, "channels": [*CHANNELS, "book"], "symbols": names, "depth": 50}
            slow_client = await _slow_client(port, json.dumps(everything).encode())
        await asyncio.sleep(warmup)
        latencies.clear()
        rss2 = _rss_bytes(process.pid)
        commands.put("start")
        frames0, cpu0, _, t0 = _market_counters(clients, process.pid)
        await asyncio.sleep(window)
        frames1, cpu1, _, t1 = _market_counters(clients, process.pid)
        commands.put("stop")
        written = await asyncio.get_running_loop().run_in_executor(None, ports.get, True, 30)
        rss3 = _rss_bytes(process.pid)
        if slow:
            slow_client.transport.abort()
        sample = list(latencies)
        seconds = t1 - t0
        return {
            "clients": n,
            "subscriptions_per_client": per_client * len(CHANNELS),
            "symbols": symbols,
            "rate_per_symbol": rate,
            "offered_msgs_per_s": msgs_per_s,
            "expected_deliveries_per_s": msgs_per_s * n * per_client / symbols,
            "delivered_frames_per_s": (frames1 - frames0) / seconds,
            "server_cpu_fraction": (cpu1 - cpu0) / seconds,
            "latency_ms": {
                "p50": _percentile(sample, 0.50),
                "p90": _percentile(sample, 0.90),
                "p99": _percentile(sample, 0.99),
                "max": _percentile(sample, 1.0),
                "samples": len(sample),
            },
            "server_written_ms": {"p50": _percentile(written, 0.50), "p99": _percentile(written, 0.99), "deliveries": len(written)},
            "kib_per_idle_connection": (rss1 - rss0) / n / 1024,
            "slow_client": slow,
            "server_rss_growth_mb": (rss3 - rss2) / 2**20,
        }
    finally:
        for client in clients:
            client.transport.abort()
        process.terminate()
        process.join(10)


def _market_counters(clients: list[_CountingClient], pid: int) -> tuple[int, float, float, float]:
    return sum(c.market_frames for c in clients), _cpu_seconds(pid), time.process_time(), time.monotonic()


def _slow_summary(samples: list[dict]) -> list[dict]:
    """Scenario 9 per N: the median over the rounds of the others' p99 (and of the server's CPU) without and
    with the slow client, the growth of that median (one disturbed round does not move it), the largest RSS growth."""
    rows = []
    for n in sorted({s["clients"] for s in samples}):
        alone = [s for s in samples if s["clients"] == n and not s["slow_client"]]
        beside = [s for s in samples if s["clients"] == n and s["slow_client"]]
        if not alone or not beside:
            continue
        p99, p99_slow = (median(s["latency_ms"]["p99"] for s in group) for group in (alone, beside))
        written, written_slow = (median(s["server_written_ms"]["p99"] for s in group) for group in (alone, beside))
        rows.append({
            "clients": n,
            "rounds": min(len(alone), len(beside)),
            "p99_ms": p99,
            "p99_ms_slow": p99_slow,
            "p99_growth": p99_slow / p99 - 1,
            "server_written_p99_ms": written,
            "server_written_p99_ms_slow": written_slow,
            "server_written_growth": written_slow / written - 1,
            "server_cpu": median(s["server_cpu_fraction"] for s in alone),
            "server_cpu_slow": median(s["server_cpu_fraction"] for s in beside),
            "max_rss_growth_mb": max(s["server_rss_growth_mb"] for s in beside),
        })
    return rows


def _latency_main(args: argparse.Namespace) -> None:
    started = time.monotonic()
    samples = []
    for round_number in range(args.rounds):
        kinds = ((False, True) if round_number % 2 == 0 else (True, False)) if args.slow else (False,)  # taking turns first
        cases = [(n, slow) for n in args.clients or [1000] for slow in kinds]
        for n, slow in cases:
            sample = asyncio.run(_measure_latency(n, args.subscriptions, args.symbols, args.msgs_per_s, args.warmup, args.window, slow))
            samples.append(sample)
            lat = sample["latency_ms"]
            print(
                f"  round {round_number + 1} N={n:5}{' +slow' if slow else '      '}: p50 {lat['p50']:7.1f} ms  p99 {lat['p99']:7.1f} ms  max {lat['max']:7.1f} ms  "
                f"{sample['delivered_frames_per_s']:8,.0f} of {sample['expected_deliveries_per_s']:8,.0f} frames/s  "
                f"server CPU {sample['server_cpu_fraction']:4.0%}  {sample['kib_per_idle_connection']:.1f} KiB/idle conn  "
                f"RSS {sample['server_rss_growth_mb']:+.1f} MB over the window  server's stamp-to-written p99 {sample['server_written_ms']['p99']:.2f} ms",
                flush=True,
            )
    print(
        f"\nscenario 18: {args.subscriptions} subscriptions per client, {args.msgs_per_s:g} market msgs/s over {args.symbols} symbols"
        " (ticker and trades); goal: stamp-to-received p99 < 50 ms, <= 100 KiB per idle connection"
    )
    summary = _slow_summary(samples) if args.slow else []
    for row in summary:
        print(
            f"scenario 9, N={row['clients']}: the others' p99 {row['p99_ms']:.1f} ms alone, {row['p99_ms_slow']:.1f} ms beside the slow"
            f" client ({row['p99_growth']:+.0%}; goal < +10 %); the server's own stamp-to-written p99 {row['server_written_p99_ms']:.2f}"
            f" -> {row['server_written_p99_ms_slow']:.2f} ms ({row['server_written_growth']:+.0%}), server CPU {row['server_cpu']:.0%} -> {row['server_cpu_slow']:.0%},"
            f" server RSS growth at most {row['max_rss_growth_mb']:+.1f} MB (goal < 50 MB); medians of {row['rounds']} rounds"
        )
    out = ROOT / "bench" / "results" / "fanout_latency.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"args": vars(args), "slow_summary": summary, "samples": samples}, indent=2))
    print(f"wrote {out.relative_to(ROOT)} in {time.monotonic() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", help="numbers of clients (default 100 1000; with --latency 1000)")
    parser.add_argument("--latency", action="store_true", help="measure scenario 18 (subscriptions, stamp-to-received latency) instead")
    parser.add_argument("--subscriptions", type=int, default=10, help="with --latency: subscriptions per client (default 10)")
    parser.add_argument("--symbols", type=int, default=100, help="with --latency: symbols listed (default 100)")
    parser.add_argument("--slow", action="store_true", help="with --latency: each round also with one client reading 10 KB/s (scenario 9)")
    parser.add_argument("--msgs-per-s", type=float, default=1000, help="with --latency: market messages per second in total (default 1000)")
    parser.add_argument(
        "--frames-per-s", type=float, default=40_000, help="market frames per second offered in total to all clients (default 40000)"
    )
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds between subscribing and measuring")
    parser.add_argument("--window", type=float, default=4.0, help="seconds measured per round")
    parser.add_argument("--rounds", type=int, default=3, help="measurements of each pair, bare and exchange taking turns first")
    args = parser.parse_args()
    if args.latency:
        _latency_main(args)
        return
    args.clients = args.clients or [100, 1000]

    started = time.monotonic()
    samples = asyncio.run(_run(args))
    rows = _summarise(samples, args)
    print()
    print(_table(rows))
    print(
        "\nratio: exchange / bare, measured in this run. Goals: >= 0.9 of the bare server's frames per second "
        "(here: per server CPU second, its capacity), <= 100 KiB per idle connection.\n"
        "KiB/idle conn: minimal clients without compression; (deflate): websockets clients, permessage-deflate negotiated."
    )
    out = ROOT / "bench" / "results" / "fanout.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"args": vars(args), "summary": rows, "samples": samples}, indent=2))
    print(f"wrote {out.relative_to(ROOT)} in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
