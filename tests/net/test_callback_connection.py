"""CallbackConnection against a real websockets server: order, fragments, slicing, nothing lost."""

from __future__ import annotations

import asyncio
import time
from functools import partial

from websockets.asyncio.client import connect
from websockets.asyncio.server import serve

from tests.support.waiting import wait_for
from tradedash.net.callback_connection import SLICE, CallbackConnection


async def _serve_frames(frames: list, **send_options):
    """A server that greets, then sends ``frames`` back to back: str as text, bytes as binary, a list fragmented."""

    async def handler(connection):
        await connection.send(b"hello", text=True)
        for frame in frames:
            await connection.send(frame)
        await connection.wait_closed()

    return await serve(handler, "127.0.0.1", 0, compression=None, **send_options)


async def test_messages_arrive_in_order_after_the_greeting_fragments_joined():
    frames = [f"m{i}" for i in range(50)] + [["frag", "ment", "ed"], b"\x00\xff", [b"bi", b"nary"]] + ["last"]
    received, reads, starts = [], [], []
    async with await _serve_frames(frames) as server:
        url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        factory = partial(
            CallbackConnection,
            on_messages=lambda ms: received.extend(bytes(m) for m in ms),
            on_binary=lambda m: received.append(("binary", bytes(m))),
            on_read_start=lambda: starts.append(len(received)),
            on_read_done=lambda: reads.append(len(received)),
        )
        async with connect(url, create_connection=factory, compression=None) as connection:
            assert await connection.greeting == b"hello"
            await wait_for(lambda: received and received[-1] == b"last")
    assert received == [f"m{i}".encode() for i in range(50)] + [
        b"fragmented", ("binary", b"\x00\xff"), ("binary", b"binary"), b"last"
    ]
    assert reads and reads[-1] == len(received)  # every stretch of messages ended with on_read_done
    assert len(starts) == len(reads) and all(s <= d for s, d in zip(starts, reads))  # ...and began with on_read_start


async def test_a_burst_longer_than_a_slice_lets_the_event_loop_run_and_loses_nothing():
    count = 400
    received: list[int] = []
    turns: list[int] = []  # messages handled when another task got a turn

    def slow_handler(messages) -> None:
        for message in messages:
            received.append(int(message))
            deadline = time.perf_counter() + 50e-6  # 400 x 50 us = 20 ms, ten slices
            while time.perf_counter() < deadline:
                pass

    async def other_task() -> None:
        while len(received) < count:
            turns.append(len(received))
            await asyncio.sleep(0)

    async with await _serve_frames([str(i) for i in range(count)]) as server:
        url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        factory = partial(CallbackConnection, on_messages=slow_handler, on_binary=received.append,
                          on_read_start=lambda: None, on_read_done=lambda: None)
        async with connect(url, create_connection=factory, compression=None) as connection:
            await connection.greeting
            watcher = asyncio.create_task(other_task())
            await wait_for(lambda: len(received) == count)
            await watcher
    assert received == list(range(count))
    during = sorted({n for n in turns if 0 < n < count})
    assert len(during) >= 3, during  # the loop turned several times inside the burst
    # No stretch of handling between two turns much longer than a slice (plus one check interval).
    assert max(b - a for a, b in zip(during, during[1:])) * 50e-6 < SLICE + 0.005
