"""Binance Spot public market data: every documented frame as a typed Struct, and its decoder.

The shapes are those of Binance's public pages "WebSocket Streams for Binance" (every
public spot market stream, the combined-stream envelope, live subscribing and its
replies and errors) and "Public Rest API for Binance" (``/api/v3/depth``,
``/api/v3/exchangeInfo``, ``/api/v3/klines``, error bodies), field for field; the Structs
keep Binance's one-letter names on the wire and readable names in Python.

- :func:`decode_event` turns a frame into ``(stream, event)``: the typed Binance event
  (envelope unwrapped), a :class:`Reply` or an :class:`ErrorReply`.
- :func:`market_message` turns an event into TradeDash's normalized message
  (:mod:`tradedash.core.wire`) where TradeDash has one; :func:`decode_frame` does both.
- Decoding never raises anything but :class:`BinanceError` (deep nesting included). A
  combined-stream frame whose payload names its event type (``e``: every stream TradeDash
  subscribes to) is read in one pass, envelope and payload together; any other frame is read
  field by field, to the same result.

Numbers. Prices and quantities arrive as decimal strings. They are parsed exactly once,
by msgspec while decoding (lax mode, which turns a string into the type the field asks
for), straight into ``float``: a decimal string becomes the nearest double, the same value
``float(text)`` gives, so the same price text is always the same book key, and distinct
prices of up to 15 significant digits (Binance's have at most 8 decimals) stay distinct.
Non-finite values ("nan", "inf") and negative prices or quantities are refused. Exactness
is kept where a float would lie: ``tickSize`` and ``stepSize`` stay decimal strings, and
:mod:`.symbols` reads them as ``Decimal``. Lax mode also reads an integer field given as
a string of digits; nothing else is coerced. Times are milliseconds on the wire and
nanoseconds in TradeDash's messages.

Used by: the Binance session to come (every received frame; its REST pump decodes the
bodies), :mod:`.book_sync` (:class:`DepthUpdate`, :class:`DepthSnapshot`), :mod:`.symbols`
and :mod:`.rest` (:class:`ExchangeInfo`), :mod:`.subscriptions` (:class:`StreamRequest`), and the mock
exchange's Binance dialect (``mock_exchange.venues.binance``), which encodes what it sends with
these Structs, prices and quantities given as decimal strings (msgspec encodes the ``str`` as
it is, and decoding reads it back into the ``float`` the field declares); its tests read what it
serves with :func:`decode_event`.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any, Literal, Union

import msgspec

from tradedash.core import wire

from .streams import split_stream

__all__ = [
    "BinanceError",
    "TradeEvent",
    "AggTradeEvent",
    "Kline",
    "KlineEvent",
    "MiniTickerEvent",
    "TickerEvent",
    "BookTickerEvent",
    "DepthSnapshot",
    "DepthUpdate",
    "ServerShutdown",
    "RollingTickerEvent",
    "HourTickerEvent",
    "FourHourTickerEvent",
    "DayTickerEvent",
    "AvgPriceEvent",
    "StreamEvent",
    "StreamRequest",
    "Reply",
    "ErrorBody",
    "ErrorReply",
    "SymbolFilter",
    "SymbolRecord",
    "RateLimit",
    "ExchangeInfo",
    "KlineRow",
    "decode_event",
    "decode_frame",
    "market_message",
    "decode_request",
    "decode_depth",
    "decode_exchange_info",
    "decode_klines",
    "candles_of_klines",
    "encode_request",
]

_MAX = sys.float_info.max
#: A price or quantity: a decimal string (or a JSON number) read as a finite float >= 0.
Amount = Annotated[float, msgspec.Meta(ge=0.0, le=_MAX)]
#: A signed decimal (a price change): a finite float.
Signed = Annotated[float, msgspec.Meta(ge=-_MAX, le=_MAX)]
#: One price level: ``[price, quantity]``; quantity 0 removes the level.
Level = tuple[Amount, Amount]
#: Milliseconds to nanoseconds.
_MS = 1_000_000


class BinanceError(ValueError):
    """A frame or body that is not one Binance documents: bad JSON, wrong types, an unknown stream."""


def _f(name: str) -> Any:
    """A required field written ``name`` on the wire."""
    return msgspec.field(name=name)


# --- Stream events ("WebSocket Streams for Binance", "Detailed Stream information") ----------


class TradeEvent(msgspec.Struct, frozen=True, gc=False, tag_field="e", tag="trade"):
    """``<symbol>@trade``: one trade. ``buyer_is_maker`` true means the seller was the aggressor."""

    event_time: int = _f("E")
    symbol: str = _f("s")
    trade_id: int = _f("t")
    price: Amount = _f("p")
    quantity: Amount = _f("q")
    trade_time: int = _f("T")
    buyer_is_maker: bool = _f("m")
    ignore: bool | None = msgspec.field(name="M", default=None)


class AggTradeEvent(msgspec.Struct, frozen=True, gc=False, tag_field="e", tag="aggTrade"):
    """``<symbol>@aggTrade``: the fills of one taker order at one price, aggregated."""

    event_time: int = _f("E")
    symbol: str = _f("s")
    agg_trade_id: int = _f("a")
    price: Amount = _f("p")
    quantity: Amount = _f("q")
    first_trade_id: int = _f("f")
    last_trade_id: int = _f("l")
    trade_time: int = _f("T")
    buyer_is_maker: bool = _f("m")
    ignore: bool | None = msgspec.field(name="M", default=None)


class Kline(msgspec.Struct, frozen=True, gc=False):
    """The ``k`` object of a kline event: one bar, ``closed`` once final."""

    start_time: int = _f("t")
    close_time: int = _f("T")
    symbol: str = _f("s")
    interval: str = _f("i")
    first_trade_id: int = _f("f")
    last_trade_id: int = _f("L")
    open: Amount = _f("o")
    close: Amount = _f("c")
    high: Amount = _f("h")
    low: Amount = _f("l")
    volume: Amount = _f("v")
    trades: int = _f("n")
    closed: bool = _f("x")
    quote_volume: Amount = _f("q")
    taker_buy_volume: Amount = _f("V")
    taker_buy_quote_volume: Amount = _f("Q")
    ignore: str | None = msgspec.field(name="B", default=None)


class KlineEvent(msgspec.Struct, frozen=True, gc=False, tag_field="e", tag="kline"):
    """``<symbol>@kline_<interval>``: the current bar, pushed every second (1s) or two (others)."""

    event_time: int = _f("E")
    symbol: str = _f("s")
    kline: Kline = _f("k")


class MiniTickerEvent(msgspec.Struct, frozen=True, gc=False, tag_field="e", tag="24hrMiniTicker"):
    """``<symbol>@miniTicker``: rolling 24 h close, open, high, low and volumes (no bid or ask)."""

    event_time: int = _f("E")
    symbol: str = _f("s")
    close: Amount = _f("c")
    open: Amount = _f("o")
    high: Amount = _f("h")
    low: Amount = _f("l")
    volume: Amount = _f("v")
    quote_volume: Amount = _f("q")


class TickerEvent(msgspec.Struct, frozen=True, gc=False, tag_field="e", tag="24hrTicker"):
    """``<symbol>@ticker``: rolling 24 h statistics with the best bid and ask, once a second."""

    event_time: int = _f("E")
    symbol: str = _f("s")
    price_change: Signed = _f("p")
    price_change_percent: Signed = _f("P")
    weighted_average: Amount = _f("w")
    first_trade_price: Amount = _f("x")
    last: Amount = _f("c")
    last_quantity: Amount = _f("Q")
    bid: Amount = _f("b")
    bid_quantity: Amount = _f("B")
    ask: Amount = _f("a")
    ask_quantity: Amount = _f("A")
    open: Amount = _f("o")
    high: Amount = _f("h")
    low: Amount = _f("l")
    volume: Amount = _f("v")
    quote_volume: Amount = _f("q")
    open_time: int = _f("O")
    close_time: int = _f("C")
    first_trade_id: int = _f("F")
    last_trade_id: int = _f("L")
    trades: int = _f("n")


class BookTickerEvent(msgspec.Struct, frozen=True, gc=False):
    """``<symbol>@bookTicker``: the best bid and ask in real time. It has no ``e`` and no time."""

    update_id: int = _f("u")
    symbol: str = _f("s")
    bid: Amount = _f("b")
    bid_quantity: Amount = _f("B")
    ask: Amount = _f("a")
    ask_quantity: Amount = _f("A")


class DepthSnapshot(msgspec.Struct, frozen=True, gc=False):
    """A whole book at ``last_update_id``: the ``<symbol>@depth<levels>`` payload, and the
    body of ``GET /api/v3/depth``. Neither names the symbol (a stream frame's does)."""

    last_update_id: int = _f("lastUpdateId")
    bids: list[Level]
    asks: list[Level]


class DepthUpdate(msgspec.Struct, frozen=True, gc=False, tag_field="e", tag="depthUpdate"):
    """``<symbol>@depth[@100ms]``: the levels changed by updates ``first_update_id`` (``U``)
    to ``final_update_id`` (``u``); each quantity is absolute, 0 removes the level.
    (Spot has no ``pu``: that is the futures stream.)"""

    event_time: int = _f("E")
    symbol: str = _f("s")
    first_update_id: int = _f("U")
    final_update_id: int = _f("u")
    bids: list[Level] = _f("b")
    asks: list[Level] = _f("a")


class ServerShutdown(msgspec.Struct, frozen=True, gc=False, tag_field="e", tag="serverShutdown"):
    """Sent before the server shuts down; connect again at once."""

    event_time: int = _f("E")


class RollingTickerEvent(msgspec.Struct, frozen=True, gc=False, tag_field="e"):
    """``<symbol>@ticker_<1h|4h|1d>``: statistics of a rolling window, once a second
    ("Individual Symbol Rolling Window Statistics Streams"); ``e`` is ``1hTicker``, ``4hTicker``
    or ``1dTicker`` (the subclasses below)."""

    event_time: int = _f("E")
    symbol: str = _f("s")
    price_change: Signed = _f("p")
    price_change_percent: Signed = _f("P")
    open: Amount = _f("o")
    high: Amount = _f("h")
    low: Amount = _f("l")
    last: Amount = _f("c")
    weighted_average: Amount = _f("w")
    volume: Amount = _f("v")
    quote_volume: Amount = _f("q")
    open_time: int = _f("O")
    close_time: int = _f("C")
    first_trade_id: int = _f("F")
    last_trade_id: int = _f("L")
    trades: int = _f("n")


class HourTickerEvent(RollingTickerEvent, frozen=True, gc=False, tag="1hTicker"):
    """``<symbol>@ticker_1h``."""


class FourHourTickerEvent(RollingTickerEvent, frozen=True, gc=False, tag="4hTicker"):
    """``<symbol>@ticker_4h``."""


class DayTickerEvent(RollingTickerEvent, frozen=True, gc=False, tag="1dTicker"):
    """``<symbol>@ticker_1d``."""


class AvgPriceEvent(msgspec.Struct, frozen=True, gc=False, tag_field="e", tag="avgPrice"):
    """``<symbol>@avgPrice``: the average price over ``interval`` (``5m``), once a second."""

    event_time: int = _f("E")
    symbol: str = _f("s")
    interval: str = _f("i")
    average: Amount = _f("w")
    last_trade_time: int = _f("T")


StreamEvent = Union[
    TradeEvent, AggTradeEvent, KlineEvent, MiniTickerEvent, TickerEvent, BookTickerEvent,
    DepthSnapshot, DepthUpdate, ServerShutdown, HourTickerEvent, FourHourTickerEvent, DayTickerEvent, AvgPriceEvent,
]
#: The events a raw stream (``/ws/<stream>``) tells apart by their ``e`` alone.
_TaggedEvent = Union[
    TradeEvent, AggTradeEvent, KlineEvent, MiniTickerEvent, TickerEvent, DepthUpdate, ServerShutdown,
    HourTickerEvent, FourHourTickerEvent, DayTickerEvent, AvgPriceEvent,
]


# --- Live subscribing ("Live Subscribing/Unsubscribing to streams") -------------------------

RequestId = Union[int, str, None]


class StreamRequest(msgspec.Struct, frozen=True, omit_defaults=True, forbid_unknown_fields=True):
    """A control message: ``SUBSCRIBE`` / ``UNSUBSCRIBE`` (stream names in ``params``),
    ``LIST_SUBSCRIPTIONS`` (no params), ``SET_PROPERTY`` / ``GET_PROPERTY``."""

    method: Literal["SUBSCRIBE", "UNSUBSCRIBE", "LIST_SUBSCRIPTIONS", "SET_PROPERTY", "GET_PROPERTY"]
    params: list[Union[str, bool]] | None = None
    id: RequestId = None


class Reply(msgspec.Struct, frozen=True, gc=False):
    """Success reply to the request with the same ``id``: ``result`` is None for
    (un)subscribing, the stream names for ``LIST_SUBSCRIPTIONS``, a value for ``GET_PROPERTY``."""

    result: list[str] | bool | None
    id: RequestId


class ErrorBody(msgspec.Struct, frozen=True, gc=False):
    """``{"code", "msg"}``: a stream request's error, and any REST error body."""

    code: int
    msg: str


class ErrorReply(msgspec.Struct, frozen=True, gc=False):
    """Failure reply to the request with ``id`` (None when the request's id could not be read)."""

    error: ErrorBody
    id: RequestId = None


# --- REST ("Public Rest API for Binance") --------------------------------------------------


class SymbolFilter(msgspec.Struct, frozen=True, gc=False, omit_defaults=True):
    """One entry of a symbol's ``filters``; TradeDash reads ``PRICE_FILTER``'s ``tickSize``
    and ``LOT_SIZE``'s ``stepSize``, kept as the decimal strings they are. The bounds
    (``minPrice``, ``maxPrice``, ``minQty``, ``maxQty``) are what the mock exchange sends
    besides; fields left None are not encoded."""

    filter_type: str = _f("filterType")
    tick_size: str | None = msgspec.field(name="tickSize", default=None)
    step_size: str | None = msgspec.field(name="stepSize", default=None)
    min_price: str | None = msgspec.field(name="minPrice", default=None)
    max_price: str | None = msgspec.field(name="maxPrice", default=None)
    min_qty: str | None = msgspec.field(name="minQty", default=None)
    max_qty: str | None = msgspec.field(name="maxQty", default=None)


class SymbolRecord(msgspec.Struct, frozen=True, gc=False):
    """One symbol of ``exchangeInfo`` (the fields TradeDash uses; the others are skipped)."""

    symbol: str
    status: str
    base_asset: str = _f("baseAsset")
    quote_asset: str = _f("quoteAsset")
    filters: list[SymbolFilter] = msgspec.field(default_factory=list)


class RateLimit(msgspec.Struct, frozen=True, gc=False):
    """One entry of ``exchangeInfo``'s ``rateLimits``: ``limit`` per ``interval_num`` ``interval``s."""

    rate_limit_type: str = msgspec.field(name="rateLimitType", default="")
    interval: str = ""
    interval_num: int = msgspec.field(name="intervalNum", default=1)
    limit: int = 0


class ExchangeInfo(msgspec.Struct, frozen=True, gc=False):
    """The body of ``GET /api/v3/exchangeInfo`` (the parts TradeDash uses)."""

    timezone: str
    server_time: int = _f("serverTime")
    rate_limits: list[RateLimit] = msgspec.field(name="rateLimits", default_factory=list)
    symbols: list[SymbolRecord] = msgspec.field(default_factory=list)


#: One row of ``GET /api/v3/klines``: open time, open, high, low, close, volume, close time,
#: quote volume, number of trades, taker buy base volume, taker buy quote volume, unused.
KlineRow = tuple[int, Amount, Amount, Amount, Amount, Amount, int, Amount, int, Amount, Amount, str]


# --- Decoding ------------------------------------------------------------------------------


class _Combined(msgspec.Struct, gc=False):
    """A combined-stream frame whose payload names its event type (``e``), as every stream
    TradeDash subscribes to does: envelope and payload are read in one pass."""

    stream: str
    data: _TaggedEvent


class _Frame(msgspec.Struct, gc=False):
    """What any frame on a stream connection may hold at its top level."""

    stream: str | None = None
    data: msgspec.Raw = msgspec.Raw()
    e: str | None = None
    result: msgspec.Raw = msgspec.Raw()
    error: ErrorBody | None = None
    code: int | None = None
    msg: str | None = None
    id: RequestId = None


def _lax(kind: object) -> msgspec.json.Decoder:
    return msgspec.json.Decoder(kind, strict=False)


_combined_decoder = _lax(_Combined)
_frame_decoder = msgspec.json.Decoder(_Frame)
_tagged_decoder = _lax(_TaggedEvent)
_reply_decoder = msgspec.json.Decoder(Reply)
_request_decoder = msgspec.json.Decoder(StreamRequest)
_depth_decoder = _lax(DepthSnapshot)
_exchange_info_decoder = _lax(ExchangeInfo)
_klines_decoder = _lax(list[KlineRow])
_error_body_decoder = msgspec.json.Decoder(ErrorBody)
#: The event each stream kind carries (the kind's first part: ``depth@100ms`` -> ``depth``);
#: every ``kline_<interval>`` stream carries a :class:`KlineEvent`.
_STREAM_EVENTS: dict[str, type] = {
    "trade": TradeEvent,
    "aggTrade": AggTradeEvent,
    "miniTicker": MiniTickerEvent,
    "ticker": TickerEvent,
    "bookTicker": BookTickerEvent,
    "depth": DepthUpdate,
    "!serverShutdown": ServerShutdown,
    "ticker_1h": HourTickerEvent,
    "ticker_4h": FourHourTickerEvent,
    "ticker_1d": DayTickerEvent,
    "avgPrice": AvgPriceEvent,
    **{f"depth{levels}": DepthSnapshot for levels in (5, 10, 20)},
}
_payload_decoders = {kind: _lax(kind) for kind in {*_STREAM_EVENTS.values(), KlineEvent}}
_DECODE_ERRORS = (msgspec.DecodeError, UnicodeDecodeError, RecursionError)


#: The event type of each stream name seen (a cache of :func:`_stream_event`'s answers).
_EVENT_OF_STREAM: dict[str, type] = {}
#: The stream names :data:`_EVENT_OF_STREAM` holds at most (a server naming ever new streams cannot grow it further).
_STREAMS_CACHED = 4096


def _stream_event(stream: str) -> type:
    """The event type a stream carries. Raises :class:`BinanceError` for a stream Binance does not document."""
    event = _EVENT_OF_STREAM.get(stream)
    if event is not None:
        return event
    kind = split_stream(stream)[1].partition("@")[0]
    event = _STREAM_EVENTS.get(kind)
    if event is None:
        if not kind.startswith("kline_"):
            raise BinanceError(f"unknown stream {stream!r}")
        event = KlineEvent
    if len(_EVENT_OF_STREAM) >= _STREAMS_CACHED:
        _EVENT_OF_STREAM.clear()
    _EVENT_OF_STREAM[stream] = event
    return event


def decode_event(frame: str | bytes) -> tuple[str | None, StreamEvent | Reply | ErrorReply]:
    """Decode one frame received on a stream connection.

    Returns ``(stream, event)``: a combined-stream frame's stream name and its payload as a
    typed event (the stream name says which); for a frame without the envelope, None and the
    event (told apart by its ``e``), the :class:`Reply` or the :class:`ErrorReply`. An error
    written without the ``error`` wrapper (``{"code", "msg", "id"}``, as Binance's error
    table shows it) is an :class:`ErrorReply` too. Raises :class:`BinanceError` on anything else.
    """
    try:
        try:
            combined = _combined_decoder.decode(frame)
        except msgspec.ValidationError:
            pass  # not a combined-stream frame with an ``e`` in its payload: read field by field below
        else:
            if type(combined.data) is _stream_event(combined.stream):
                return combined.stream, combined.data
        top = _frame_decoder.decode(frame)
        if top.stream is not None:
            if not top.data:
                raise BinanceError("a combined-stream frame without data")
            return top.stream, _payload_decoders[_stream_event(top.stream)].decode(top.data)
        if top.e is not None:
            return None, _tagged_decoder.decode(frame)
        if top.error is not None:
            return None, ErrorReply(top.error, top.id)
        if top.code is not None and top.msg is not None:
            return None, ErrorReply(ErrorBody(top.code, top.msg), top.id)
        if top.result:
            return None, _reply_decoder.decode(frame)
    except _DECODE_ERRORS as exc:
        raise BinanceError(str(exc) or type(exc).__name__) from None
    raise BinanceError("not a frame Binance documents")


# The buyer made the resting order, so the seller took it: the aggressor sold.
_AGGRESSOR: dict[bool, wire.Side] = {True: "sell", False: "buy"}


def _trade(stream: str | None, e: TradeEvent) -> wire.Trade:
    return wire.Trade(e.symbol, e.trade_id, e.trade_time * _MS, e.trade_id, e.price, e.quantity, _AGGRESSOR[e.buyer_is_maker])


def _agg_trade(stream: str | None, e: AggTradeEvent) -> wire.Trade:
    return wire.Trade(
        e.symbol, e.agg_trade_id, e.trade_time * _MS, e.agg_trade_id, e.price, e.quantity, _AGGRESSOR[e.buyer_is_maker]
    )


def _ticker(stream: str | None, e: TickerEvent) -> wire.Ticker:
    return wire.Ticker(
        e.symbol, e.event_time, e.event_time * _MS, e.bid, e.bid_quantity, e.ask, e.ask_quantity, e.last,
        e.open, e.high, e.low, e.volume, e.price_change,
    )


def _candle(stream: str | None, e: KlineEvent) -> wire.Candle | None:
    k = e.kline
    if k.interval not in wire.INTERVAL_NS:
        return None
    return wire.Candle(
        e.symbol, e.event_time, e.event_time * _MS, k.interval, k.start_time * _MS,
        k.open, k.high, k.low, k.close, k.volume, k.closed,
    )


def _partial_book(stream: str | None, e: DepthSnapshot) -> wire.Book | None:
    symbol = split_stream(stream)[0] if stream else ""
    if not symbol:
        return None
    return wire.Book(symbol, e.last_update_id, 0, "snapshot", e.bids, e.asks)


def _shutdown(stream: str | None, e: ServerShutdown) -> wire.Shutdown:
    return wire.Shutdown(e.event_time * _MS, "serverShutdown")


_NORMALIZERS = {
    TradeEvent: _trade,
    AggTradeEvent: _agg_trade,
    TickerEvent: _ticker,
    KlineEvent: _candle,
    DepthSnapshot: _partial_book,
    ServerShutdown: _shutdown,
}


def market_message(stream: str | None, event: object) -> wire.MarketMessage | wire.Shutdown | None:
    """The TradeDash message an event stands for, or None where TradeDash has none.

    - trade and aggTrade -> :class:`~tradedash.core.wire.Trade` (``seq`` and ``trade_id``
      are the trade's id, ``ts`` the trade time, ``side`` the aggressor's);
    - ticker -> :class:`~tradedash.core.wire.Ticker` (``seq`` is the event time in ms,
      ``change_24h`` the price change);
    - kline of 1s, 1m, 5m or 1h -> :class:`~tradedash.core.wire.Candle` (``seq`` the event time);
    - partial depth -> a ``snapshot`` :class:`~tradedash.core.wire.Book` at ``lastUpdateId``,
      its symbol from the stream name (``ts`` 0: the payload has no time);
    - serverShutdown -> :class:`~tradedash.core.wire.Shutdown`;
    - None for diff depth (it goes through :class:`~.book_sync.BookSync`), bookTicker,
      miniTicker, klines of other intervals, replies and errors.
    """
    normalize = _NORMALIZERS.get(type(event))
    return normalize(stream, event) if normalize is not None else None  # type: ignore[operator]


def decode_frame(
    frame: str | bytes,
) -> wire.MarketMessage | wire.Shutdown | StreamEvent | Reply | ErrorReply:
    """One frame as TradeDash uses it: the :func:`market_message` where there is one, else the
    event of :func:`decode_event` itself (a :class:`DepthUpdate` for the book sync, a reply,
    an error, an event TradeDash shows nothing of). Raises :class:`BinanceError` only."""
    # The hot path, once per market data frame: a combined-stream frame read in one pass, as in decode_event.
    try:
        combined = _combined_decoder.decode(frame)
    except msgspec.ValidationError:
        stream, event = decode_event(frame)
    except _DECODE_ERRORS as exc:
        raise BinanceError(str(exc) or type(exc).__name__) from None
    else:
        stream, event = combined.stream, combined.data
        if type(event) is not (_EVENT_OF_STREAM.get(stream) or _stream_event(stream)):
            stream, event = decode_event(frame)
    normalize = _NORMALIZERS.get(type(event))
    if normalize is None:
        return event
    message = normalize(stream, event)  # type: ignore[operator]
    return event if message is None else message


def decode_request(frame: str | bytes) -> StreamRequest:
    """Decode one control message sent to a stream connection. Raises :class:`BinanceError`."""
    try:
        return _request_decoder.decode(frame)
    except _DECODE_ERRORS as exc:
        raise BinanceError(str(exc) or type(exc).__name__) from None


def _decode_rest(decoder: msgspec.json.Decoder, body: str | bytes) -> Any:
    try:
        return decoder.decode(body)
    except msgspec.ValidationError:
        try:
            return _error_body_decoder.decode(body)
        except _DECODE_ERRORS:
            pass
        raise BinanceError("not the documented body, nor an error body") from None
    except _DECODE_ERRORS as exc:
        raise BinanceError(str(exc) or type(exc).__name__) from None


def decode_depth(body: str | bytes) -> DepthSnapshot | ErrorBody:
    """The body of ``GET /api/v3/depth``, or the error body instead. Raises :class:`BinanceError`."""
    return _decode_rest(_depth_decoder, body)


def decode_exchange_info(body: str | bytes) -> ExchangeInfo | ErrorBody:
    """The body of ``GET /api/v3/exchangeInfo``, or the error body instead. Raises :class:`BinanceError`."""
    return _decode_rest(_exchange_info_decoder, body)


def decode_klines(body: str | bytes) -> list[KlineRow] | ErrorBody:
    """The body of ``GET /api/v3/klines``, or the error body instead. Raises :class:`BinanceError`."""
    return _decode_rest(_klines_decoder, body)


def candles_of_klines(symbol: str, interval: str, rows: list[KlineRow], now_ms: int) -> list[wire.Candle]:
    """The klines of one symbol and TradeDash interval as candles, as of ``now_ms`` (the server's
    time): a row is ``closed`` once its close time has passed; ``seq`` and ``ts`` are ``now_ms``."""
    return [
        wire.Candle(symbol, now_ms, now_ms * _MS, interval, row[0] * _MS, row[1], row[2], row[3], row[4], row[5],
                    row[6] < now_ms)
        for row in rows
    ]


_encoder = msgspec.json.Encoder()


def encode_request(request: StreamRequest) -> bytes:
    """A control message as one JSON frame: ``{"method": ..., "params": [...], "id": ...}``."""
    return _encoder.encode(request)
