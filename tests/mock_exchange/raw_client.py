"""Helpers for speaking protocol v1 by hand with any client that has async ``send``/``recv``."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable
from typing import Any

__all__ = ["recv_json", "recv_until", "request", "raw_websocket", "masked_text", "read_frame", "read_close"]


async def recv_json(ws: Any, timeout: float = 5.0) -> Any:
    """The next frame, decoded."""
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def recv_until(ws: Any, predicate: Callable[[dict], bool], timeout: float = 5.0) -> dict:
    """Read messages (arrays unpacked) until one satisfies ``predicate``; returns it."""
    async def scan() -> dict:
        while True:
            frame = json.loads(await ws.recv())
            for message in frame if isinstance(frame, list) else [frame]:
                if predicate(message):
                    return message

    return await asyncio.wait_for(scan(), timeout)


async def request(ws: Any, body: dict | str, timeout: float = 5.0) -> dict:
    """Send a request and return the ack or error that answers it."""
    await ws.send(body if isinstance(body, str) else json.dumps(body))
    return await recv_until(ws, lambda m: m.get("type") in ("ack", "error"), timeout)


async def raw_websocket(port: int, *, receive_buffer: int | None = None) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A bare TCP client after a WebSocket handshake: it answers nothing (no close frame, no pong).

    With ``receive_buffer`` the socket's kernel receive buffer is that small and the reader
    holds at most a few KiB, so what the client does not read stays with the server.
    """
    sock = socket.socket()
    sock.setblocking(False)
    if receive_buffer is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    reader, writer = await asyncio.open_connection(sock=sock, limit=2048 if receive_buffer else 2**16)
    writer.write(
        b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 101")
    return reader, writer


def masked_text(payload: bytes) -> bytes:
    """A client text frame (mask key zero, so the payload goes as is)."""
    length = len(payload)
    header = bytes([0x81, 0x80 | length]) if length < 126 else bytes([0x81, 0x80 | 126]) + length.to_bytes(2, "big")
    return header + b"\0\0\0\0" + payload


async def read_frame(reader: asyncio.StreamReader, timeout: float = 5.0) -> tuple[int, bytes, int]:
    """The next server frame: its opcode, its payload and its size on the wire."""
    first, second = await asyncio.wait_for(reader.readexactly(2), timeout)
    length, header = second & 0x7F, 2
    if length == 126:
        length, header = int.from_bytes(await reader.readexactly(2), "big"), 4
    elif length == 127:
        length, header = int.from_bytes(await reader.readexactly(8), "big"), 10
    payload = await asyncio.wait_for(reader.readexactly(length), timeout)
    return first & 0x0F, payload, header + length


async def read_close(reader: asyncio.StreamReader, timeout: float = 5.0) -> tuple[int, str, int]:
    """Skip frames until the server's close frame; returns its code, its reason and the bytes read before it."""
    skipped = 0
    while True:
        opcode, payload, size = await read_frame(reader, timeout)
        if opcode == 0x8:
            return int.from_bytes(payload[:2], "big"), payload[2:].decode(), skipped
        skipped += size
