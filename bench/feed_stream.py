"""A protocol v1 server that streams pre-encoded market data as fast as loopback takes it.

Used by bench/ingest.py and bench/latency.py, run in its own process so the client
under test has a core to itself. Every connection gets ``hello``; the stream starts
when the client sends its first frame (a request, or anything). Modes:

- ``blast``: ``--messages`` messages (``--batch`` per frame), written straight to the
  socket as prebuilt WebSocket frames, so the sender is never the bottleneck.
- ``paced``: ``--rate`` messages per second, one per frame, each stamped with
  ``time.time_ns()`` just before it is sent.

Prints ``ws://127.0.0.1:PORT`` on stdout once listening.
"""

from __future__ import annotations

import argparse
import asyncio
import struct
import sys
import time

import msgspec
from websockets.asyncio.server import ServerConnection, serve

from mock_exchange.market import Market
from mock_exchange.server import ExchangeConfig
from tradedash.core import wire

__all__ = ["SYMBOLS", "CHANNELS", "market_messages", "main"]

SYMBOLS = ["BTC-USD", "ETH-USD", "SOL-USD"]
#: What a dashboard typically subscribes to (the book is always in the stream).
CHANNELS = ("ticker", "trades", "book", "candles:1m")


def market_messages(count: int, channels: tuple[str, ...] = CHANNELS, seed: int = 7, depth: int = 10) -> list[wire.MarketMessage]:
    """``count`` realistic messages of ``channels`` from the mock exchange's simulator, round-robin
    over symbols: with ``book``, a snapshot per symbol first, then per step a trade, a ticker, a
    book update (top ``depth`` levels) and a 1 m candle, as far as ``channels`` has them."""
    market = Market(ExchangeConfig(symbols=SYMBOLS).specs(), seed)
    ts = time.time_ns()
    out: list[wire.MarketMessage] = []
    if "book" in channels:
        for symbol in SYMBOLS:
            market.set_book_depths(symbol, {depth})
            out.append(market.book_snapshot(symbol, depth, ts))
    while len(out) < count:
        for symbol in SYMBOLS:
            out.extend(message for _, _, message in market.step(symbol, ts, channels))
        ts += 1_000_000
    return out[:count]


def _ws_frame(payload: bytes) -> bytes:
    """An unmasked, final text frame (server to client)."""
    n = len(payload)
    if n < 126:
        return bytes((0x81, n)) + payload
    if n < 65536:
        return bytes((0x81, 126)) + struct.pack("!H", n) + payload
    return bytes((0x81, 127)) + struct.pack("!Q", n) + payload


def _blast_blob(stream: list[wire.MarketMessage], batch: int) -> bytes:
    """The whole stream as prebuilt WebSocket frames, ready to write in one go."""
    if batch > 1:
        payloads = [wire.encode(stream[i : i + batch]) for i in range(0, len(stream), batch)]
    else:
        payloads = [wire.encode(m) for m in stream]
    return b"".join(_ws_frame(p) for p in payloads)


async def _paced(connection: ServerConnection, stream: list[wire.MarketMessage], rate: float) -> None:
    encode = msgspec.json.Encoder().encode
    loop = asyncio.get_running_loop()
    started = loop.time()
    sent = 0
    while sent < len(stream):
        due = min(len(stream), int((loop.time() - started) * rate) + 1)
        while sent < due:
            message = stream[sent]
            message.ts = time.time_ns()
            await connection.send(encode(message), text=True)
            sent += 1
        await asyncio.sleep(0.0005)


async def _serve(args: argparse.Namespace) -> None:
    if args.mode == "blast":
        blob = _blast_blob(market_messages(args.messages, tuple(args.channels.split(","))), args.batch)
    else:
        stream = market_messages(int(args.rate * args.seconds), tuple(args.channels.split(",")))

    async def handle(connection: ServerConnection) -> None:
        await connection.send(wire.encode(wire.Hello(wire.PROTOCOL_VERSION, "bench-feed-stream", 60.0)), text=True)
        await connection.recv()  # the client's first request starts the stream
        if args.mode == "blast":
            connection.transport.write(blob)
        else:
            await _paced(connection, stream, args.rate)
        await connection.wait_closed()

    async with serve(handle, "127.0.0.1", 0, compression=None, max_size=2**20, ping_interval=None) as server:
        print(f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
        await asyncio.Future()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["blast", "paced"], default="blast")
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--channels", default=",".join(CHANNELS), help="channels in the stream")
    parser.add_argument("--rate", type=float, default=10_000.0)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args(argv)
    try:
        asyncio.run(_serve(args))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
