"""CallbackConnection cuts plain text frames out of the bytes read itself: against a raw TCP server
that writes exactly the bytes and the pieces a test chooses (frames split anywhere, frames in the
handshake's read, control frames between, a close, an end of stream inside a frame)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import struct
from collections.abc import Sequence
from contextlib import asynccontextmanager
from functools import partial

from websockets.asyncio.client import connect
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosedError, ConnectionClosedOK

from tests.support.waiting import wait_for
from tradedash.net.callback_connection import CallbackConnection

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def frame(opcode: int, payload: bytes, *, fin: bool = True, mask: bytes | None = None) -> bytes:
    """One WebSocket frame as a server writes it (RFC 6455, section 5.2)."""
    first = (0x80 if fin else 0) | opcode
    masked = 0x80 if mask else 0
    n = len(payload)
    if n < 126:
        head = bytes((first, masked | n))
    elif n < 1 << 16:
        head = bytes((first, masked | 126)) + struct.pack("!H", n)
    else:
        head = bytes((first, masked | 127)) + struct.pack("!Q", n)
    if mask:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        head += mask
    return head + payload


def text(payload: bytes | str, **options) -> bytes:
    return frame(0x1, payload.encode() if isinstance(payload, str) else payload, **options)


class RawServer:
    """A TCP server that answers the WebSocket handshake by hand, then writes what it is given."""

    def __init__(self) -> None:
        self.client_bytes = bytearray()  # what the client sent after its handshake
        self._writer: asyncio.StreamWriter | None = None
        self._first: bytes = b""
        self.connected = asyncio.Event()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readuntil(b"\r\n\r\n")
        key = next(line.split(b":", 1)[1].strip() for line in request.split(b"\r\n") if line.lower().startswith(b"sec-websocket-key:"))
        accept = base64.b64encode(hashlib.sha1(key + _GUID).digest())
        writer.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n" + self._first  # frames in the handshake's write
        )
        self._writer = writer
        self.connected.set()
        try:
            while data := await reader.read(65536):
                self.client_bytes += data
                if data[0] == 0x88:  # the client's close frame: end the connection, as a server does
                    writer.close()
                    return
        except (asyncio.CancelledError, ConnectionError):  # the test is over
            writer.close()

    async def write(self, data: bytes, pieces: Sequence[int] = ()) -> None:
        """Write ``data``, cut into pieces of these sizes in turn (the rest at once), each one read on its own."""
        assert self._writer is not None
        sizes, start = list(pieces), 0
        while start < len(data) and not self._writer.is_closing():  # (closed: the client ended it)
            size = sizes.pop(0) if sizes else len(data) - start
            self._writer.write(data[start : start + size])
            await asyncio.sleep(0.002)  # read before the next piece comes
            start += size

    def close(self) -> None:
        assert self._writer is not None
        self._writer.close()

    @asynccontextmanager
    async def running(self, first: bytes = b""):
        self._first = first
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        try:
            yield f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        finally:
            server.close()


def _factory(received: list, *, greets: bool = False, **options):
    return partial(
        CallbackConnection,
        on_messages=lambda ms: received.extend(bytes(m) for m in ms),
        on_binary=lambda m: received.append(("binary", bytes(m))),
        on_read_start=lambda: None,
        on_read_done=lambda: None,
        greets=greets,
        **options,
    )


async def test_frames_split_anywhere_arrive_whole_and_in_order_with_control_frames_answered():
    sizes = [0, 1, 125, 126, 300, 65535, 65536, 70000]  # every length encoding, at its edges
    payloads = [bytes([65 + i % 26]) * n for i, n in enumerate(sizes)]
    stream = b"".join(text(p) for p in payloads)
    stream += frame(0x9, b"are you there")  # a ping between data frames
    stream += text("frag", fin=False) + frame(0x0, b"men", fin=False) + frame(0x9, b"p2") + frame(0x0, b"ted")
    stream += frame(0x2, b"\x00\xff") + text("last")
    expected = [*payloads, b"fragmented", ("binary", b"\x00\xff"), b"last"]
    for pieces in ([1] * 300 + [7] * 100, [2, 3, 5, 11, 130, 4096], [len(stream) // 3]):
        received: list = []
        server = RawServer()
        async with server.running() as url:
            async with connect(url, create_connection=_factory(received), compression=None, max_size=2**20) as connection:
                await server.connected.wait()
                await server.write(stream, pieces)
                await wait_for(lambda: len(received) == len(expected))
                assert received == expected
                assert connection.cutting  # the data frames were cut here, not parsed by websockets
                # websockets answered both pings, in order, with their data (client frames are masked)
                await wait_for(lambda: server.client_bytes.count(b"\x8a\x8d") == 1 and server.client_bytes.count(b"\x8a\x82") == 1)
                assert server.client_bytes.index(b"\x8a\x8d") < server.client_bytes.index(b"\x8a\x82")


async def test_frames_read_with_the_handshake_response_are_the_greeting_and_what_follows():
    received: list = []
    server = RawServer()
    async with server.running(first=text("hello") + text("m1") + text("m2")[:3]) as url:
        factory = _factory(received, greets=True)
        async with connect(url, create_connection=factory, compression=None) as connection:
            assert await connection.greeting == b"hello"
            await server.write(text("m2")[3:] + text("m3"))
            await wait_for(lambda: received == [b"m1", b"m2", b"m3"])
            assert connection.cutting


async def test_a_close_frame_ends_the_stream_and_what_follows_it_is_dropped():
    received: list = []
    server = RawServer()
    async with server.running() as url:
        connection = await connect(url, create_connection=_factory(received), compression=None)
        await server.connected.wait()
        await server.write(text("m1") + frame(0x8, struct.pack("!H", 1001) + b"bye") + text("after the close"))
        await asyncio.wait_for(connection.wait_closed(), 5)
        assert received == [b"m1"]
        assert isinstance(connection.protocol.close_exc, ConnectionClosedOK)
        assert connection.protocol.close_exc.rcvd.code == 1001


async def test_an_end_of_stream_inside_a_frame_is_an_abnormal_closure_after_every_whole_message():
    received: list = []
    server = RawServer()
    async with server.running() as url:
        connection = await connect(url, create_connection=_factory(received), compression=None)
        await server.connected.wait()
        await server.write(text("m1") + text("m2") + text("cut short")[:5])
        await wait_for(lambda: received == [b"m1", b"m2"])
        server.close()
        await asyncio.wait_for(connection.wait_closed(), 5)
        assert received == [b"m1", b"m2"]
        assert isinstance(connection.protocol.close_exc, ConnectionClosedError)
        assert connection.protocol.close_exc.rcvd is None  # 1006: no close frame came


async def test_a_masked_frame_from_the_server_fails_the_connection_with_1002():
    received: list = []
    server = RawServer()
    async with server.running() as url:
        connection = await connect(url, create_connection=_factory(received), compression=None)
        await server.connected.wait()
        await server.write(text("m1") + text("masked", mask=b"\x01\x02\x03\x04") + text("m2"))
        await asyncio.wait_for(connection.wait_closed(), 5)
        assert received == [b"m1"]
        assert connection.protocol.close_exc.sent.code == 1002


async def test_with_compression_negotiated_websockets_parses_every_frame():
    received: list = []

    async def handler(connection):
        for i in range(20):
            await connection.send(f"compressed {i} " * 20)
        await connection.wait_closed()

    async with serve(handler, "127.0.0.1", 0, compression="deflate") as server:
        url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        async with connect(url, create_connection=_factory(received), compression="deflate") as connection:
            await wait_for(lambda: len(received) == 20)
            assert received == [(f"compressed {i} " * 20).encode() for i in range(20)]
            assert not connection.cutting
