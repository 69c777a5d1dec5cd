"""Binance stream names: from TradeDash subscriptions to streams and back, and the combined-stream URL.

A stream is named ``<symbol>@<kind>`` with the symbol in lower case (``btcusdt@trade``,
``btcusdt@depth@100ms``, ``btcusdt@kline_1m``), as "WebSocket Streams for Binance" writes
them; a combined connection is opened at ``/stream?streams=<name>/<name>/...``.

Which stream serves each TradeDash channel (:data:`CHANNEL_KINDS`):

- ``ticker`` -> ``@ticker``, the 24 h rolling ticker. It carries every field of
  :class:`~tradedash.core.wire.Ticker` (best bid and ask with their quantities, last price,
  open/high/low/volume of the rolling 24 h and the price change), once a second.
  ``@bookTicker`` is real time but has no last price and no 24 h figures.
- ``trades`` -> ``@trade`` (every trade; ``@aggTrade`` merges the fills of one taker order).
- ``book`` -> ``@depth@100ms``, the diff-depth stream that
  :class:`~.book_sync.BookSync` keeps in step with a REST snapshot.
- ``candles:1s/1m/5m/1h`` -> ``@kline_1s/1m/5m/1h``.

Used by :mod:`.messages` (which symbol and kind a combined-stream frame carries),
:mod:`.subscriptions` (the streams of each connection) and the Binance session to come
(subscriptions in, streams out; the URL it connects to).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

from tradedash.core.wire import CANDLE_INTERVALS, Subscription, candle_channel

__all__ = [
    "CHANNEL_KINDS",
    "stream_name",
    "split_stream",
    "streams_of",
    "subscription_of",
    "combined_url",
    "stream_base",
]

#: The stream kind (what follows ``<symbol>@``) that serves each TradeDash channel.
CHANNEL_KINDS: dict[str, str] = {
    "ticker": "ticker",
    "trades": "trade",
    "book": "depth@100ms",
    **{candle_channel(interval): f"kline_{interval}" for interval in CANDLE_INTERVALS},
}
_CHANNEL_OF_KIND = {kind: channel for channel, kind in CHANNEL_KINDS.items()}


def stream_name(symbol: str, kind: str) -> str:
    """``<symbol>@<kind>`` with the symbol in lower case: ``stream_name("BTCUSDT", "trade") == "btcusdt@trade"``."""
    return f"{symbol.lower()}@{kind}"


def split_stream(name: str) -> tuple[str, str]:
    """The venue symbol (upper case) and the kind of a stream name.

    ``"bnbbtc@depth@100ms"`` -> ``("BNBBTC", "depth@100ms")``; a stream of no symbol
    (``"!serverShutdown"``) gives ``("", "!serverShutdown")``.
    """
    symbol, at, kind = name.partition("@")
    if not at:
        return "", name
    return symbol.upper(), kind


def streams_of(subscriptions: Iterable[Subscription]) -> list[str]:
    """The stream of each subscription, in order. Raises ``KeyError`` for a channel Binance has no stream for."""
    return [stream_name(s.symbol, CHANNEL_KINDS[s.channel]) for s in subscriptions]


def subscription_of(stream: str) -> Subscription | None:
    """The TradeDash subscription a stream serves (symbol upper case), or None for other streams."""
    symbol, kind = split_stream(stream)
    channel = _CHANNEL_OF_KIND.get(kind)
    return Subscription(channel, symbol) if channel and symbol else None


def combined_url(base: str, streams: Iterable[str]) -> str:
    """The combined-stream URL: ``<base>/stream?streams=<a>/<b>/...``.

    ``base`` is the WebSocket endpoint without a path (``wss://stream.binance.com:9443``);
    characters outside ASCII letters, digits and ``@/_.-`` are percent-encoded.
    """
    joined = "/".join(streams)
    return f"{base.rstrip('/')}/stream?streams={quote(joined, safe='@/_.-')}"


def stream_base(url: str) -> str:
    """The WebSocket endpoint without a path from what a user gave: Binance's pages (and many clients)
    write the base with the path of a kind of connection, ``wss://stream.binance.com:9443/ws`` or
    ``.../stream``; both mean ``wss://stream.binance.com:9443``. Any other path (the mock exchange's
    ``/binance``) stays."""
    base = url.strip().rstrip("/")
    for path in ("/ws", "/stream"):
        if base.endswith(path):
            return base[: -len(path)]
    return base
