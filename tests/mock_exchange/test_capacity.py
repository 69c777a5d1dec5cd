"""Resources: descriptors kept in reserve, limits below the descriptor limit, a clear 503, a quiet log, capped headers."""

from __future__ import annotations

import asyncio
import logging
import re
import resource
import socket
import sys
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from mock_exchange.server.capacity import AcceptErrorLimiter
from tests.mock_exchange.raw_client import recv_json

ROOT = Path(__file__).resolve().parents[2]
_HANDSHAKE = (
    b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
)


async def _handshake_status(port: int, extra_headers: bytes = b"", source: str = "127.0.0.1") -> tuple[int, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
    writer.write(_HANDSHAKE + extra_headers + b"\r\n")
    status = await asyncio.wait_for(reader.readuntil(b"\r\n"), 10)
    return int(status.split()[1]), writer


async def test_a_full_exchange_answers_503_and_counts_it(make_exchange):
    exchange = await make_exchange(max_connections=2, max_connections_per_address=0)
    first, second = await connect(exchange.url), await connect(exchange.url)
    with pytest.raises(InvalidStatus) as info:
        await connect(exchange.url)
    assert info.value.response.status_code == 503 and b"at capacity" in info.value.response.body
    assert exchange.counters.handshakes_refused == 1
    await first.close()
    await asyncio.sleep(0.05)
    async with connect(exchange.url) as ws:  # a place came free
        assert (await recv_json(ws))["type"] == "hello"
    await second.close()


async def test_request_headers_are_capped_in_total(make_exchange):
    exchange = await make_exchange()
    many = b"".join(b"X-Filler-%d: %s\r\n" % (i, b"a" * 8000) for i in range(120))
    status, writer = await _handshake_status(exchange.port, many)
    writer.close()
    assert status == 431 and exchange.connection_count == 0
    status, writer = await _handshake_status(exchange.port, b"Cookie: " + b"c" * 4000 + b"\r\n")
    assert status == 101
    writer.close()


def test_accept_errors_are_logged_once_per_period_with_a_count_of_the_rest():
    now = [0.0]
    limiter = AcceptErrorLimiter(period=10.0, clock=lambda: now[0])

    def record() -> logging.LogRecord:
        return logging.LogRecord("asyncio", logging.ERROR, __file__, 1, "socket.accept() out of system resource", None, (ValueError, ValueError(), None))

    passed = []
    for step in range(1000):
        now[0] = step * 0.006  # 6 s of errors
        if limiter.filter(r := record()):
            passed.append(r)
    assert len(passed) == 1 and passed[0].exc_info is None
    now[0] = 20.0
    later = record()
    assert limiter.filter(later) and "999 more" in later.getMessage()
    other = logging.LogRecord("asyncio", logging.ERROR, __file__, 1, "Task was destroyed", None, None)
    assert limiter.filter(other)


def _limit_descriptors(soft: int, hard: int | None = None):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard if hard is not None else resource.getrlimit(resource.RLIMIT_NOFILE)[1]))

    return apply


async def _start_exchange(preexec) -> tuple[asyncio.subprocess.Process, int, str]:
    """Start the exchange as a process; returns it, its port and its log up to "listening"."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "mock_exchange", "--port", "0", cwd=ROOT, stderr=asyncio.subprocess.PIPE, preexec_fn=preexec
    )
    lines = []
    while True:
        line = (await asyncio.wait_for(process.stderr.readline(), 30)).decode()
        assert line, "the exchange exited early"
        lines.append(line)
        match = re.search(r"listening on ws://127\.0\.0\.1:(\d+)", line)
        if match:
            return process, int(match.group(1)), "".join(lines)


def _loopback_alias_works() -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.2", 0))
        except OSError:
            return False
    return True


@pytest.mark.skipif(not _loopback_alias_works(), reason="127.0.0.2 cannot be a source address here")
async def test_under_a_low_descriptor_limit_one_client_cannot_lock_the_others_out():
    process, port, _ = await _start_exchange(_limit_descriptors(256, 256))
    writers: list[asyncio.StreamWriter] = []
    try:
        statuses = []
        for _ in range(300):
            try:
                status, writer = await _handshake_status(port)
            except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError):
                status, writer = 0, None
            statuses.append(status)
            if writer is not None:
                writers.append(writer)
        assert statuses.count(101) < 256 - 32  # the per-address limit holds below the descriptor limit
        assert set(statuses) <= {101, 429, 503}, set(statuses)  # refused with a clear status, never hung or reset
        status, writer = await _handshake_status(port, source="127.0.0.2")
        writers.append(writer)
        assert status == 101  # another address still gets in
    finally:
        for writer in writers:
            writer.transport.abort()
        process.terminate()
        log = (await asyncio.wait_for(process.stderr.read(), 30)).decode()
        await process.wait()
    assert log.count("out of system resource") <= 2


async def test_the_soft_descriptor_limit_is_raised_where_allowed():
    if resource.getrlimit(resource.RLIMIT_NOFILE)[1] <= 256:
        pytest.skip("the hard limit is too low to raise to")
    process, _, log = await _start_exchange(_limit_descriptors(256))
    process.terminate()
    log += (await asyncio.wait_for(process.stderr.read(), 30)).decode()
    await process.wait()
    assert re.search(r"descriptor limit raised from 256 to \d+", log)
