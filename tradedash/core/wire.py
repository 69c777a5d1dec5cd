"""Wire protocol v1: typed messages and the codec that turns frames into them.

Every frame that crosses the socket is decoded here, once, into a msgspec
Struct; nothing untyped travels further in. The protocol itself is written
down in ``docs/protocol.md``; this module is its executable form and is shared
by the dashboard (which decodes server messages) and the mock exchange (which
decodes client requests).

Decoding never raises anything but :class:`WireError`, so a caller at the edge
has exactly one exception to count and log.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from typing import Annotated, Any, Literal, Union, get_args

import msgspec

__all__ = [
    "PROTOCOL_VERSION",
    "CHANNELS",
    "CANDLE_INTERVALS",
    "INTERVAL_NS",
    "candle_channel",
    "WireError",
    "RequestError",
    "Level",
    "Hello",
    "Ack",
    "Error",
    "Ticker",
    "Trade",
    "Book",
    "Candle",
    "Heartbeat",
    "Shutdown",
    "Bar",
    "History",
    "HISTORY_MAX_COUNT",
    "Subscription",
    "SymbolInfo",
    "MarketMessage",
    "ServerMessage",
    "BOOK_MAX_DEPTH",
    "BOOK_DEFAULT_DEPTH",
    "Subscribe",
    "Unsubscribe",
    "ListSubscriptions",
    "ListSymbols",
    "SnapshotRequest",
    "AdminRequest",
    "HistoryRequest",
    "Request",
    "REQUEST_OPS",
    "channel_of",
    "subscriptions_of",
    "group_subscriptions",
    "decode_server_frame",
    "server_frame_decoder",
    "DECODE_ERRORS",
    "decode_request",
    "encode",
    "book_checksum",
    "level_text",
    "checksum_of_texts",
]

PROTOCOL_VERSION = 1

#: Every channel a client may subscribe to. ``candles:<interval>`` names one
#: candle interval; messages of all four carry ``type == "candles"``.
#: Length of each candle interval in nanoseconds; the keys, in order, are :data:`CANDLE_INTERVALS`.
INTERVAL_NS: dict[str, int] = {
    "1s": 1_000_000_000,
    "1m": 60_000_000_000,
    "5m": 300_000_000_000,
    "1h": 3_600_000_000_000,
}
CANDLE_INTERVALS: tuple[str, ...] = tuple(INTERVAL_NS)


def candle_channel(interval: str) -> str:
    """The channel name of one candle interval: ``candles:<interval>``."""
    return f"candles:{interval}"


CHANNELS: tuple[str, ...] = ("ticker", "trades", "book") + tuple(map(candle_channel, CANDLE_INTERVALS))

Side = Literal["buy", "sell"]
BookKind = Literal["snapshot", "update"]
#: One price level of a book: ``[price, size]``. Size 0 in an update removes the level.
Level = tuple[float, float]


class WireError(ValueError):
    """A frame that is not valid protocol v1: bad JSON, wrong types or an unknown type."""


class RequestError(WireError):
    """A frame that is not a valid request, with what the ``error`` reply to it says.

    ``code`` is the reply's code (``malformed``, ``bad_request`` or ``unknown_op``) and
    ``request_id`` the frame's ``id`` when that is an integer (not a boolean), else None.
    """

    def __init__(self, code: str, message: str, request_id: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.request_id = request_id


# --- Shared records ---------------------------------------------------------------


class Subscription(msgspec.Struct, frozen=True, gc=False):
    """One (channel, symbol) pair a connection is subscribed to."""

    channel: str
    symbol: str


class SymbolInfo(msgspec.Struct, frozen=True, gc=False):
    """A tradable symbol as the exchange lists it."""

    symbol: str
    tick_size: float
    lot_size: float


# --- Server to client ---------------------------------------------------------------


class Hello(msgspec.Struct, tag_field="type", tag="hello", gc=False):
    """First message on every connection: the protocol version and heartbeat period."""

    version: int
    server: str
    heartbeat_interval: float


class Ack(msgspec.Struct, tag_field="type", tag="ack", gc=False):
    """Success reply to the request with the same ``id``.

    ``subscriptions`` is set for ``subscribe``, ``unsubscribe`` and ``list``
    (the connection's subscriptions after the request); ``symbols`` for ``symbols``.
    """

    id: int
    op: str
    subscriptions: list[Subscription] | None = None
    symbols: list[SymbolInfo] | None = None


class Error(msgspec.Struct, tag_field="type", tag="error", gc=False):
    """Failure reply: ``id`` is the request's, or None when the request had none."""

    id: int | None
    code: str
    message: str


class Ticker(msgspec.Struct, tag_field="type", tag="ticker", gc=False):
    """Best bid/ask, last price and rolling 24 h statistics of one symbol."""

    symbol: str
    seq: int
    ts: int
    bid: float
    bid_size: float
    ask: float
    ask_size: float
    last: float
    open_24h: float
    high_24h: float
    low_24h: float
    volume_24h: float
    change_24h: float


class Trade(msgspec.Struct, tag_field="type", tag="trades", gc=False):
    """One executed trade; ``side`` is the aggressor's."""

    symbol: str
    seq: int
    ts: int
    trade_id: int
    price: float
    size: float
    side: Side


class Book(msgspec.Struct, tag_field="type", tag="book", gc=False):
    """A level-2 book snapshot or incremental update.

    Updates carry ``prev_seq``: the ``seq`` of the book message before it, so a
    client can tell a gap from a duplicate. ``checksum`` is :func:`book_checksum`
    of the server's book after this message.
    """

    symbol: str
    seq: int
    ts: int
    kind: BookKind
    bids: list[Level]
    asks: list[Level]
    prev_seq: int | None = None
    checksum: int | None = None


class Candle(msgspec.Struct, tag_field="type", tag="candles", gc=False):
    """OHLCV for one interval starting at ``start`` (ns); ``closed`` once final."""

    symbol: str
    seq: int
    ts: int
    interval: str
    start: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    closed: bool


class Heartbeat(msgspec.Struct, tag_field="type", tag="heartbeat", gc=False):
    """Sent on every connection once per heartbeat interval, data or not."""

    seq: int
    ts: int


class Shutdown(msgspec.Struct, tag_field="type", tag="shutdown", gc=False):
    """The server announces it will close the connection (1001) shortly."""

    ts: int
    reason: str


#: One bar of a :class:`History` page: ``[start, open, high, low, close, volume]`` (start in ns).
Bar = tuple[int, float, float, float, float, float]

#: The most bars one ``history`` request may ask for (and one reply carries).
HISTORY_MAX_COUNT = 1000


class History(msgspec.Struct, tag_field="type", tag="history", gc=False):
    """The reply to a :class:`HistoryRequest` (with its ``id``): one page of past bars.

    - ``bars`` are the newest bars of ``interval`` that start before the request's
      ``end`` (at most its ``count``), oldest first, one per interval that had trades
      (a quiet interval has no bar); starts are multiples of the interval.
    - ``ts`` is the server's time when the page was cut: a bar is final when it ended by
      then (``start + interval <= ts``); the newest bar may still be in progress (then the
      live ``candles`` stream continues that same bar).
    - ``next_end`` is the ``end`` that asks for the page just older than this one (the
      oldest bar's start), or None when there is nothing older: the history starts here.
    """

    id: int
    symbol: str
    interval: str
    ts: int
    bars: list[Bar]
    next_end: int | None

    def candles(self) -> list[Candle]:
        """The bars as :class:`Candle` messages (``seq`` 0, ``ts`` the page's), ``closed`` as above."""
        length, ts, symbol, interval = INTERVAL_NS[self.interval], self.ts, self.symbol, self.interval
        return [
            Candle(symbol, 0, ts, interval, start, o, h, low, c, v, start + length <= ts)
            for start, o, h, low, c, v in self.bars
        ]


MarketMessage = Union[Ticker, Trade, Book, Candle]
ServerMessage = Union[Hello, Ack, Error, Ticker, Trade, Book, Candle, Heartbeat, Shutdown, History]


# --- Client to server ---------------------------------------------------------------


#: Book levels per side a ``subscribe`` may ask for (``depth``), and what it gets without one.
BOOK_MAX_DEPTH, BOOK_DEFAULT_DEPTH = 50, 10


class Subscribe(msgspec.Struct, tag_field="op", tag="subscribe", forbid_unknown_fields=True):
    """Add (channel, symbol) pairs: every channel for every symbol. ``depth`` (1..:data:`BOOK_MAX_DEPTH`,
    default :data:`BOOK_DEFAULT_DEPTH`) applies to book; subscribing to a book again with another
    depth replaces its depth and brings a new snapshot."""

    id: int
    channels: list[str]
    symbols: list[str]
    depth: int | None = None


class Unsubscribe(msgspec.Struct, tag_field="op", tag="unsubscribe", forbid_unknown_fields=True):
    """Remove (channel, symbol) pairs."""

    id: int
    channels: list[str]
    symbols: list[str]


class ListSubscriptions(msgspec.Struct, tag_field="op", tag="list", forbid_unknown_fields=True):
    """Ask for the connection's current subscriptions."""

    id: int


class ListSymbols(msgspec.Struct, tag_field="op", tag="symbols", forbid_unknown_fields=True):
    """Ask for the symbols the exchange lists."""

    id: int


class SnapshotRequest(msgspec.Struct, tag_field="op", tag="snapshot", forbid_unknown_fields=True):
    """Ask for a fresh book snapshot of one symbol (used to resynchronise)."""

    id: int
    channel: str
    symbol: str


class AdminRequest(msgspec.Struct, tag_field="op", tag="admin", forbid_unknown_fields=True):
    """Apply one fault of the mock exchange now; needs the admin token it was started with."""

    id: int
    token: str
    fault: str
    args: dict[str, Any] = {}
    target: Literal["others", "self"] = "others"


class HistoryRequest(msgspec.Struct, tag_field="op", tag="history", forbid_unknown_fields=True):
    """Ask for the last ``count`` bars of ``interval`` for ``symbol`` that start before ``end``.

    ``end`` (ns since the epoch, exclusive) defaults to no bound: the newest bars,
    the one in progress included. Page backwards by asking again with the reply's
    ``next_end``. Answered by one :class:`History` or one :class:`Error`.
    """

    id: int
    symbol: str
    interval: str
    count: Annotated[int, msgspec.Meta(ge=1, le=HISTORY_MAX_COUNT)] = HISTORY_MAX_COUNT
    end: Annotated[int, msgspec.Meta(ge=0)] | None = None


Request = Union[Subscribe, Unsubscribe, ListSubscriptions, ListSymbols, SnapshotRequest, AdminRequest, HistoryRequest]
#: The ``op`` of every request, in the order of :data:`Request`.
REQUEST_OPS: tuple[str, ...] = tuple(kind.__struct_config__.tag for kind in get_args(Request))


# --- Subscriptions -------------------------------------------------------------------


def channel_of(message: MarketMessage) -> str:
    """The channel a market message belongs to (``candles:<interval>`` for candles)."""
    if type(message) is Candle:
        return candle_channel(message.interval)
    return type(message).__struct_config__.tag  # type: ignore[return-value]


def subscriptions_of(channels: Iterable[str], symbols: Iterable[str]) -> list[Subscription]:
    """Every channel for every symbol, channel by channel in the order given: what one
    subscribe request with these lists covers."""
    symbols = tuple(symbols)
    return [Subscription(channel, symbol) for channel in channels for symbol in symbols]


def group_subscriptions(subscriptions: Iterable[Subscription]) -> list[tuple[list[str], list[str]]]:
    """Group (channel, symbol) pairs into as few ``(channels, symbols)`` requests as cover them exactly.

    Channels that share the same set of symbols go in one request; the result is
    sorted, and each request's lists are sorted, so equal inputs give equal requests.
    """
    by_channel: dict[str, set[str]] = {}
    for subscription in subscriptions:
        by_channel.setdefault(subscription.channel, set()).add(subscription.symbol)
    by_symbols: dict[frozenset[str], list[str]] = {}
    for channel, symbols in by_channel.items():
        by_symbols.setdefault(frozenset(symbols), []).append(channel)
    return sorted((sorted(channels), sorted(symbols)) for symbols, channels in by_symbols.items())


# --- Codec ----------------------------------------------------------------------------

_server_decoder = msgspec.json.Decoder(Union[ServerMessage, list[MarketMessage]])
_request_decoder = msgspec.json.Decoder(Request)
_loose_decoder = msgspec.json.Decoder()
_encoder = msgspec.json.Encoder()


#: Everything msgspec's decoders raise for a frame that is not valid: bad JSON, wrong types,
#: text that is not UTF-8, and JSON nested deeper than the interpreter's recursion limit
#: (``RecursionError``, from a few hundred levels inside an object). Catch all of them at
#: the decode edge.
DECODE_ERRORS: tuple[type[Exception], ...] = (msgspec.DecodeError, UnicodeDecodeError, RecursionError)

#: The decoder behind :func:`decode_server_frame`, for a receive loop that cannot afford a
#: call per frame: ``.decode(frame)`` returns one message, or a list of market messages for a
#: batch, and raises one of :data:`DECODE_ERRORS` on anything else.
server_frame_decoder = _server_decoder


def decode_server_frame(frame: str | bytes) -> list[ServerMessage]:
    """Decode one server frame (a message, or an array of market messages).

    Returns the messages in order. Raises :class:`WireError` on anything that is
    not valid protocol v1.
    """
    try:
        decoded = _server_decoder.decode(frame)
    except DECODE_ERRORS as exc:
        raise WireError(str(exc)) from None
    return decoded if isinstance(decoded, list) else [decoded]


def decode_request(frame: str | bytes) -> Request:
    """Decode one client request, or raise :class:`RequestError` saying why it is not one.

    The error's ``code``, first rule that applies:

    - ``malformed``: the frame is not JSON (bad syntax, truncated, not UTF-8);
    - ``bad_request``: JSON nested too deep or with a number out of range, not an
      object, without ``op``, or a known op with wrong, missing or unknown fields;
    - ``unknown_op``: ``op`` is not one of :data:`REQUEST_OPS`.
    """
    try:
        return _request_decoder.decode(frame)
    except DECODE_ERRORS as exc:
        reason = str(exc)
    try:
        loose = _loose_decoder.decode(frame)
    except RecursionError:
        raise RequestError("bad_request", "JSON nested too deep") from None
    except msgspec.ValidationError as exc:  # valid JSON whose number no decoder can hold
        raise RequestError("bad_request", f"JSON value not accepted: {exc}") from None
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise RequestError("malformed", f"frame is not valid JSON: {exc}") from None
    if not isinstance(loose, dict):
        raise RequestError("bad_request", "a request must be a JSON object")
    request_id = loose.get("id")
    if not isinstance(request_id, int) or isinstance(request_id, bool):
        request_id = None
    if "op" not in loose:
        raise RequestError("bad_request", 'a request needs an "op"', request_id)
    op = loose["op"]
    if op not in REQUEST_OPS:
        known = _encoder.encode(sorted(REQUEST_OPS)).decode()
        raise RequestError("unknown_op", f"unknown op {_encoder.encode(op).decode()}; known: {known}", request_id)
    raise RequestError("bad_request", reason, request_id)


def encode(message: msgspec.Struct | list[msgspec.Struct]) -> bytes:
    """Encode a message, or a batch of market messages, as one JSON frame (UTF-8 bytes)."""
    return _encoder.encode(message)


def book_checksum(bids: list[Level], asks: list[Level], levels: int = 10) -> int:
    """CRC-32 of the top ``levels`` of a book, as both sides compute it.

    The string hashed joins, for i = 0, 1, ... up to ``levels``, the i-th bid's
    price and size then the i-th ask's price and size (a side that has run out
    contributes nothing), each written with ``repr(float)`` (shortest round-trip
    form), separated by ``:``. Bids are sorted best (highest) first, asks best
    (lowest) first.
    """
    return checksum_of_texts(
        [level_text(p, s) for p, s in bids[:levels]], [level_text(p, s) for p, s in asks[:levels]], levels
    )


def level_text(price: float, size: float) -> str:
    """One level as :func:`book_checksum` writes it; a book may keep these to check faster."""
    return f"{float(price)!r}:{float(size)!r}"


def checksum_of_texts(bid_texts: list[str], ask_texts: list[str], levels: int = 10) -> int:
    """:func:`book_checksum` of the levels whose :func:`level_text` are given, best first."""
    bids, asks = bid_texts[:levels], ask_texts[:levels]
    both = min(len(bids), len(asks))
    # The i-th bid then the i-th ask while both sides last, then the rest of the longer side.
    parts = [""] * (2 * both)
    parts[0::2] = bids[:both]
    parts[1::2] = asks[:both]
    parts += bids[both:] or asks[both:]
    return zlib.crc32(":".join(parts).encode())
