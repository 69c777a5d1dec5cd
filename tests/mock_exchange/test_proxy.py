"""The fault-injecting proxy between a real mock exchange and a plain websockets client."""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosedError

from mock_exchange.proxy import FaultProxy

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def proxy(exchange) -> AsyncIterator[FaultProxy]:
    fault_proxy = FaultProxy(("127.0.0.1", exchange.port), seed=3)
    await fault_proxy.start()
    try:
        yield fault_proxy
    finally:
        await fault_proxy.stop()


def _url(proxy: FaultProxy) -> str:
    return f"ws://127.0.0.1:{proxy.port}"


async def _reply(ws: ClientConnection, request: dict) -> dict:
    """Send a request and return the ack or error that answers it."""
    await ws.send(json.dumps(request))
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 5))
        if message["type"] in ("ack", "error"):
            return message


async def _tickers(ws: ClientConnection, count: int) -> dict[int, str]:
    """The next ``count`` BTC-USD ticker frames, exactly as received, by seq."""
    frames: dict[int, str] = {}
    while len(frames) < count:
        frame = await asyncio.wait_for(ws.recv(), 5)
        message = json.loads(frame)
        if message["type"] == "ticker":
            frames[message["seq"]] = frame
    return frames


async def _same_frames_as_direct(exchange, url: str, count: int = 40) -> None:
    """Frames read through ``url`` equal, byte for byte, the same seqs read straight from the exchange."""
    async with connect(exchange.url) as direct, connect(url) as proxied:
        subscribe = {"op": "subscribe", "id": 1, "channels": ["ticker"], "symbols": ["BTC-USD"]}
        assert (await _reply(direct, subscribe))["type"] == "ack"
        assert (await _reply(proxied, subscribe))["type"] == "ack"
        direct_frames = await _tickers(direct, count)
        proxied_frames = await _tickers(proxied, count)
    common = direct_frames.keys() & proxied_frames.keys()
    assert len(common) >= count // 2
    assert all(direct_frames[seq] == proxied_frames[seq] for seq in common)


async def test_without_faults_frames_pass_unchanged_and_are_counted(exchange, proxy):
    async with connect(_url(proxy)) as ws:
        hello = json.loads(await ws.recv())
        assert hello["type"] == "hello"
        ack = await _reply(ws, {"op": "symbols", "id": 2})
        assert [s["symbol"] for s in ack["symbols"]] == exchange.market.symbols
    await _same_frames_as_direct(exchange, _url(proxy))
    assert proxy.stats.connections == 2
    assert proxy.stats.bytes_up > 0 and proxy.stats.bytes_down > proxy.stats.bytes_up


async def test_sliced_into_tiny_pieces_every_payload_arrives_identical(exchange, proxy):
    proxy.set_slicing(16)
    await _same_frames_as_direct(exchange, _url(proxy))


async def test_latency_adds_the_injected_delay(proxy):
    async with connect(_url(proxy)) as ws:
        await ws.recv()
        started = time.monotonic()
        await _reply(ws, {"op": "list", "id": 1})
        plain = time.monotonic() - started
        proxy.set_latency(0.2, jitter=0.05)
        started = time.monotonic()
        await _reply(ws, {"op": "list", "id": 2})
        delayed = time.monotonic() - started
    # 0.15 s at least each way; no upper bound, a busy machine may add more.
    assert delayed >= 0.3 and delayed > plain


async def test_half_open_makes_the_clients_ping_time_out(proxy):
    async with connect(_url(proxy), ping_interval=0.2, ping_timeout=0.3, close_timeout=0.3) as ws:
        await ws.recv()
        proxy.half_open()
        with pytest.raises(ConnectionClosedError) as caught:
            while True:
                await asyncio.wait_for(ws.recv(), 5)
    assert caught.value.sent is not None and "keepalive ping timeout" in caught.value.sent.reason
    assert proxy.stats.open_connections == 1  # the proxy still holds its sockets


async def test_resume_after_half_open_delivers_what_was_held(proxy):
    async with connect(_url(proxy), ping_interval=None) as ws:
        await ws.recv()
        await _reply(ws, {"op": "subscribe", "id": 1, "channels": ["ticker"], "symbols": ["BTC-USD"]})
        seqs = list(await _tickers(ws, 5))
        proxy.half_open()
        await asyncio.sleep(0.3)
        proxy.resume()
        seqs += list(await _tickers(ws, 30))
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # nothing lost across the stall


async def test_reset_after_resets_each_connection_on_schedule(proxy):
    proxy.reset_after(0.2)
    async with connect(_url(proxy)) as ws:
        with pytest.raises(ConnectionClosedError) as caught:
            while True:
                await asyncio.wait_for(ws.recv(), 5)
    assert isinstance(caught.value.__cause__, ConnectionResetError)
    assert proxy.stats.resets == 1


async def test_reset_gives_the_client_a_connection_reset(proxy):
    async with connect(_url(proxy)) as ws:
        await ws.recv()
        proxy.reset_all()
        with pytest.raises(ConnectionClosedError) as caught:
            while True:
                await asyncio.wait_for(ws.recv(), 5)
    assert isinstance(caught.value.__cause__, ConnectionResetError)
    assert proxy.stats.resets == 1


async def test_close_after_n_bytes_closes_after_exactly_n(proxy):
    async with connect(_url(proxy)) as ws:
        await ws.recv()
        before = proxy.stats.bytes_up + proxy.stats.bytes_down
        proxy.close_after(500)
        await ws.send(json.dumps({"op": "subscribe", "id": 1, "channels": ["ticker"], "symbols": ["BTC-USD"]}))
        with pytest.raises(ConnectionClosedError) as caught:
            while True:
                await asyncio.wait_for(ws.recv(), 5)
    assert caught.value.rcvd is None  # the TCP stream ended without a close frame
    assert proxy.stats.bytes_up + proxy.stats.bytes_down - before == 500


async def test_down_refuses_connections_until_up(proxy):
    proxy.down()
    assert proxy.is_down
    with pytest.raises(ConnectionRefusedError):
        await connect(_url(proxy), open_timeout=2)
    await proxy.up()
    async with connect(_url(proxy)) as ws:
        assert json.loads(await ws.recv())["type"] == "hello"


async def test_bandwidth_limit_slows_a_large_transfer(exchange, proxy):
    # No compression, to count real bytes; the close handshake waits behind the throttled backlog, hence close_timeout.
    async with connect(_url(proxy), compression=None, close_timeout=0.5) as ws:
        await ws.recv()
        subscribe = {"op": "subscribe", "id": 1, "channels": ["ticker", "trades"], "symbols": exchange.market.symbols}
        assert (await _reply(ws, subscribe))["type"] == "ack"  # about 60 KB/s from now on
        proxy.set_bandwidth(15_000, direction="down")
        before, started = proxy.stats.bytes_down, time.monotonic()
        while proxy.stats.bytes_down - before < 20_000:
            await asyncio.wait_for(ws.recv(), 5)
        elapsed = time.monotonic() - started
    assert elapsed >= 1.0  # 20 KB at 15 KB/s: 1.3 s at the least; unthrottled, about 0.3 s


async def test_command_line_proxy_starts_down_obeys_commands_and_forwards_with_faults(exchange):
    command = [sys.executable, "-m", "mock_exchange", "proxy", "--upstream", f"127.0.0.1:{exchange.port}", "--down"]
    command += ["--slice", "8", "--latency", "0.01", "--jitter", "0.01"]
    process = await asyncio.create_subprocess_exec(
        *command, cwd=REPO_ROOT, stdin=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )

    async def log_line(pattern: str) -> re.Match[str]:
        while True:
            line = (await asyncio.wait_for(process.stderr.readline(), 20)).decode()
            assert line, "proxy exited"
            if match := re.search(pattern, line):
                return match

    try:
        port = int((await log_line(r"proxy listening on 127\.0\.0\.1:(\d+)")).group(1))
        await log_line("fault: down")
        with pytest.raises(ConnectionRefusedError):
            await connect(f"ws://127.0.0.1:{port}", open_timeout=5)
        process.stdin.write(b"fly\nup\n")
        await log_line("command 'fly' not understood")
        await log_line("fault: up")
        await _same_frames_as_direct(exchange, f"ws://127.0.0.1:{port}", count=10)
    finally:
        process.terminate()
        await process.wait()
