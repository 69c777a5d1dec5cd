"""A Binance-dialect server that streams pre-encoded combined-stream frames as fast as loopback takes them.

Used by bench/ingest.py (the Binance mix), in its own process so the client under test has a core
to itself. The same realistic market as bench/feed_stream.py (trades, 24 h tickers, diff-depth
updates, 1 m klines), written as Binance's events with string-encoded numbers inside the
``{"stream", "data"}`` envelope, as prebuilt WebSocket frames; the stream starts as soon as a
client connects to ``/stream?streams=...``. ``GET /api/v3/depth?symbol=...`` answers with the
book snapshot the diff-depth events continue from.

    .venv/bin/python -m bench.binance_stream --messages 200000

Prints ``ws://127.0.0.1:PORT`` on stdout once listening (the stream endpoint; the REST base is
``http://127.0.0.1:PORT``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from urllib.parse import parse_qs, urlsplit

import msgspec
from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from bench.feed_stream import CHANNELS, SYMBOLS, _ws_frame, market_messages
from tradedash.core import wire
from tradedash.core.venues.binance import messages as m
from tradedash.core.venues.binance.streams import CHANNEL_KINDS, stream_name

__all__ = ["venue_symbol", "binance_frames", "main"]

_MS = 1_000_000


def venue_symbol(symbol: str) -> str:
    """The Binance name of a bench symbol: ``BTC-USD`` -> ``BTCUSD``."""
    return symbol.replace("-", "")


def _text(value: object) -> object:
    """Binance writes prices and quantities as decimal strings."""
    if isinstance(value, float):
        return f"{value:.8f}"
    if isinstance(value, (list, tuple)):
        return [_text(v) for v in value]
    if isinstance(value, dict):
        return {k: _text(v) for k, v in value.items()}
    return value


def _event(message: wire.MarketMessage) -> tuple[str, object] | None:
    name = venue_symbol(message.symbol)
    ms = message.ts // _MS
    if isinstance(message, wire.Trade):
        event = m.TradeEvent(ms, name, message.trade_id, message.price, message.size, ms, message.side == "sell")
        return stream_name(name, CHANNEL_KINDS["trades"]), event
    if isinstance(message, wire.Ticker):
        t = message
        event = m.TickerEvent(
            ms, name, t.change_24h, 0.0, t.last, t.open_24h, t.last, 1.0, t.bid, t.bid_size, t.ask, t.ask_size,
            t.open_24h, t.high_24h, t.low_24h, t.volume_24h, t.volume_24h * t.last, ms - 86_400_000, ms, 0, 0, 0,
        )
        return stream_name(name, CHANNEL_KINDS["ticker"]), event
    if isinstance(message, wire.Candle):
        c = message
        start = c.start // _MS
        kline = m.Kline(start, start + 59_999, name, c.interval, 0, 0, c.open, c.close, c.high, c.low, c.volume, 0,
                        c.closed, 0.0, 0.0, 0.0)
        return stream_name(name, CHANNEL_KINDS[wire.candle_channel(c.interval)]), m.KlineEvent(ms, name, kline)
    if isinstance(message, wire.Book) and message.kind == "update":
        assert message.prev_seq is not None
        event = m.DepthUpdate(ms, name, message.prev_seq + 1, message.seq, message.bids, message.asks)
        return stream_name(name, CHANNEL_KINDS["book"]), event
    return None


#: The update id of the REST snapshot: a client buffers the events before it, as Binance's procedure says.
_SNAPSHOT_AT = 3


def _apply(book: tuple[dict[float, float], dict[float, float]], update: wire.Book) -> None:
    for side, levels in zip(book, (update.bids, update.asks)):
        for price, size in levels:
            if size == 0:
                side.pop(price, None)
            else:
                side[price] = size


def binance_frames(count: int, channels: tuple[str, ...] = CHANNELS) -> tuple[list[bytes], dict[str, bytes], list[str]]:
    """``count`` messages of the bench market as Binance combined-stream frames (book snapshots
    excluded: they are the REST depth bodies, by symbol), and the streams they belong to."""
    frames: list[bytes] = []
    depth: dict[str, bytes] = {}
    books: dict[str, tuple[dict[float, float], dict[float, float]]] = {}
    streams: dict[str, None] = {}
    for message in market_messages(count + (len(SYMBOLS) if "book" in channels else 0), channels):
        if isinstance(message, wire.Book):
            name = venue_symbol(message.symbol)
            if message.kind == "snapshot":
                books[name] = dict(message.bids), dict(message.asks)
            elif name in books and name not in depth:
                _apply(books[name], message)
                if message.seq >= _SNAPSHOT_AT:  # the REST snapshot: taken after the first events, as on Binance
                    bids, asks = books.pop(name)
                    body = {"lastUpdateId": message.seq, "bids": _text(sorted(bids.items(), reverse=True)),
                            "asks": _text(sorted(asks.items()))}
                    depth[name] = json.dumps(body).encode()
            if message.kind == "snapshot":
                continue
        found = _event(message)
        if found is None:
            continue
        stream, event = found
        streams[stream] = None
        data = json.dumps(_text(msgspec.to_builtins(event)), separators=(",", ":"))
        frames.append(f'{{"stream":"{stream}","data":{data}}}'.encode())
    return frames, depth, list(streams)


async def _serve(args: argparse.Namespace) -> None:
    frames, depth, _ = binance_frames(args.messages, tuple(args.channels.split(",")))
    blob = b"".join(_ws_frame(frame) for frame in frames)

    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        if parts.path == "/api/v3/depth":
            symbol = parse_qs(parts.query).get("symbol", [""])[0]
            body = depth.get(symbol)
            if body is None:
                return Response(400, "Bad Request", Headers({"Content-Type": "application/json"}), b'{"code":-1121,"msg":"Invalid symbol."}')
            return Response(200, "OK", Headers({"Content-Type": "application/json", "Content-Length": str(len(body))}), body)
        return None

    async def handle(connection: ServerConnection) -> None:
        connection.transport.write(blob)
        await connection.wait_closed()

    async with serve(handle, "127.0.0.1", 0, process_request=process_request, compression=None, max_size=2**20,
                     ping_interval=None) as server:
        print(f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
        await asyncio.Future()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--channels", default=",".join(CHANNELS))
    args = parser.parse_args(argv)
    try:
        asyncio.run(_serve(args))
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
