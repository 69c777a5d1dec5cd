"""The Binance dialect's sockets: stream connections, REST over HTTP, and the 100 ms market clock.

The dialect itself (stream names, events, sessions, REST answers) is pure and lives in
:mod:`mock_exchange.venues.binance`; this module is its thin socket layer.

Served on the exchange's own port under ``/binance``:

- ``/binance/ws``, ``/binance/ws/<stream>[/<stream>...]``: raw streams (payloads as they are);
- ``/binance/stream?streams=<a>/<b>/...``: combined streams (``{"stream", "data"}``);
- ``/binance/api/v3/...``: REST (:mod:`mock_exchange.venues.binance.rest`), answered from the opening handshake's HTTP
  request without upgrading it.

The exchange server hands this endpoint the connections and HTTP requests whose path
starts with ``/binance`` (after its own handshake checks: token, origin, capacity), and
every simulated trade and ticker through :class:`FanoutPair`. Binance's limits hold: more
than ``binance_messages_per_second`` incoming messages a second close a connection (1008),
a connection holds at most ``binance_max_streams`` streams, every connection is closed
after ``binance_max_connection_age`` seconds (Binance: 24 h), and the server pings every
``binance_ping_interval`` seconds and closes a connection whose pong does not come within
``binance_pong_timeout`` (Binance: 20 s and one minute).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import msgspec
from websockets.asyncio.server import ServerConnection, broadcast
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from tradedash.core import wire
from tradedash.core.venues.binance.messages import ServerShutdown

from ..venues.binance.market import BOOK_LEVELS, BinanceMarket
from ..venues.binance.rest import RestApi
from ..venues.binance.session import StreamSession
from ..venues.binance.streams import Stream, SymbolNames
from .closing import close_or_abort
from .fanout import Fanout
from .limits import RequestBudget
from .outlet import text_frame

if TYPE_CHECKING:
    from ..config import ExchangeConfig, ServerCounters
    from ..faults import FaultInjector
    from ..market import Market, ReplayMarket

__all__ = ["PREFIX", "BinanceEndpoint", "FanoutPair", "serves"]

log = logging.getLogger("mock_exchange.binance")

PREFIX = "/binance"
_WS = PREFIX + "/ws"
_STREAM = PREFIX + "/stream"
_API = PREFIX + "/api/"
#: Bars of the simulated market's past that the kline streams start from: 1 s bars, and 1 m bars (25 hours
#: of them, which also make the longer intervals' recent past; more would slow every start of the exchange).
#: ``GET /api/v3/klines`` reads older bars from the simulated market's past itself.
PAST_BARS = {"1s": 1500, "1m": 1500}
#: Seconds between two market ticks (the period of ``@100ms`` streams).
TICK = 0.1
_encoder = msgspec.json.Encoder()


def serves(path: str) -> bool:
    """True for a request path of the Binance dialect."""
    plain = urlsplit(path).path
    return plain == PREFIX or plain.startswith(PREFIX + "/")


class _Client:
    """One stream connection: its session and its budget of incoming messages."""

    def __init__(self, connection: ServerConnection, session: StreamSession, budget: RequestBudget) -> None:
        self.connection = connection
        self.session = session
        self.budget = budget
        #: Since when (monotonic) its unsent bytes have been above the limit, and whether it is being dropped.
        self.full_since: float | None = None
        self.dropped = False


def _key(stream: str, combined: bool) -> tuple[str, str, int]:
    return ("combined" if combined else "raw", stream, 0)


class BinanceEndpoint:
    """The Binance dialect of one exchange server.

    Contract:

    - after :meth:`run` starts, every stream connection gets the events of its streams as
      :mod:`mock_exchange.venues.binance.market` makes them, through a
      :class:`~mock_exchange.server.fanout.Fanout` of its own (so the ``delay`` fault and
      slow-client buffering apply; a client above ``max_send_buffer`` for
      ``slow_client_timeout`` seconds is closed with 1008);
    - :meth:`handle` answers each control message once;
    - :meth:`process_request` answers REST requests and refuses stream URLs naming invalid
      streams (400); :meth:`forget` stops a connection's streams.
    """

    def __init__(
        self, market: Market | ReplayMarket, config: ExchangeConfig, counters: ServerCounters, faults: FaultInjector,
        *, delay_of: Callable[[], float], on_delayed: Callable[[], None], on_subscribed: Callable[[], None],
    ) -> None:
        self._sim = market
        self._config = config
        self._counters = counters
        self._faults = faults
        self.names = SymbolNames(market.symbols)
        self.market = BinanceMarket(self.names, past=market.history)
        specs = {info.symbol: (info.tick_size, info.lot_size) for info in market.symbol_infos()}
        self.rest = RestApi(
            self.market, specs, weight_limit=config.binance_weight_limit, book_of=self._publish_unwatched,
            ban_seconds=config.binance_ban_seconds,
        )
        self._fanout = Fanout(
            [], batch=False, max_batch_messages=1, max_send_buffer=config.max_send_buffer,
            delay_of=delay_of, on_delayed=on_delayed,
        )
        now_ms = time.time_ns() // 1_000_000
        for symbol in market.symbols:  # klines start from the simulated market's past, where it has one
            for interval, count in PAST_BARS.items():
                self.market.seed_past(symbol, interval, market.history(symbol, interval, None, count)[0], now_ms)
        self._on_subscribed = on_subscribed
        self._closing: set[asyncio.Future[None]] = set()
        self._clients: dict[ServerConnection, _Client] = {}
        #: Subscribers of each stream, all connections counted.
        self._listeners: Counter[str] = Counter()
        #: Subscribers of depth streams by symbol: these books are published every tick.
        self._book_watchers: Counter[str] = Counter()

    @property
    def connections(self) -> list[ServerConnection]:
        return list(self._clients)

    # --- HTTP -----------------------------------------------------------------------

    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        """Answer a REST request, refuse a stream URL that names invalid streams, admit the rest (None)."""
        parts = urlsplit(request.path)
        if parts.path.startswith(_API):
            address = connection.remote_address[0] if connection.remote_address else "?"
            answer = self.rest.answer(parts.path[len(PREFIX):], parse_qs(parts.query), str(address), time.time_ns() // 1_000_000)
            headers = Headers({"Content-Type": "application/json;charset=UTF-8", "Connection": "close", **answer.headers})
            headers["Content-Length"] = str(len(answer.body))
            return Response(answer.status, _REASONS.get(answer.status, "Error"), headers, answer.body)
        names = _url_streams(request.path)
        if names is None:
            return connection.respond(404, f"no such path: {parts.path} (try {_WS}/<stream> or {_STREAM}?streams=...)\n")
        refused = StreamSession(self.names, combined=False, max_streams=self._config.binance_max_streams).open_with(names)
        if isinstance(refused, str):
            return connection.respond(400, f"{refused}\n")
        return None

    # --- Stream connections -----------------------------------------------------------

    async def handle(self, connection: ServerConnection) -> None:
        """Serve one stream connection until it closes."""
        path = connection.request.path if connection.request is not None else _WS
        names = _url_streams(path) or []
        session = StreamSession(self.names, combined=urlsplit(path).path == _STREAM, max_streams=self._config.binance_max_streams)
        opened = session.open_with(names)
        client = _Client(connection, session, RequestBudget(self._config.binance_messages_per_second, max(1, int(self._config.binance_messages_per_second))))
        self._clients[connection] = client
        self._restart_keepalive(connection)
        if isinstance(opened, list):
            self._join(client, opened)
        ager = asyncio.get_running_loop().call_later(self._config.binance_max_connection_age, self._expire, connection)
        try:
            async for frame in connection:
                if not client.budget.take(time.monotonic()):
                    self._counters.rate_limited += 1
                    limit = self._config.binance_messages_per_second
                    log.warning("closing a Binance stream connection: more than %g messages a second", limit)
                    await connection.close(1008, f"Too many messages: more than {limit:g} a second")
                    break
                self._carry_out(client, frame)
        except ConnectionClosed:
            pass
        finally:
            ager.cancel()
            self.forget(connection)
            self._fanout.drop(connection)
            del self._clients[connection]

    def _carry_out(self, client: _Client, frame: str | bytes) -> None:
        combined = client.session.combined
        answer = client.session.receive(frame)
        broadcast([client.connection], _encoder.encode(answer.reply), text=True)
        self._leave(client, answer.left, combined)
        if client.session.combined != combined:  # SET_PROPERTY combined: same streams, other framing
            held = list(client.session.streams.values())
            self._leave(client, held, combined)
            self._join(client, held)
        self._join(client, answer.joined)

    def _join(self, client: _Client, streams: Iterable[Stream]) -> None:
        streams = list(streams)
        if streams:
            self._on_subscribed()
        self._fanout.join(client.connection, [_key(s.name, client.session.combined) for s in streams])
        for stream in streams:
            self._listeners[stream.name] += 1
            if stream.symbol is not None and stream.kind in ("depth", "partial"):
                self._book_watchers[stream.symbol] += 1

    def _leave(self, client: _Client, streams: Iterable[Stream], combined: bool) -> None:
        streams = list(streams)
        self._fanout.leave(client.connection, [_key(s.name, combined) for s in streams])
        for stream in streams:
            self._listeners[stream.name] -= 1
            if self._listeners[stream.name] <= 0:
                del self._listeners[stream.name]
            if stream.symbol is not None and stream.kind in ("depth", "partial"):
                self._book_watchers[stream.symbol] -= 1
                if self._book_watchers[stream.symbol] <= 0:
                    del self._book_watchers[stream.symbol]

    def forget(self, connection: ServerConnection) -> None:
        """Stop sending market data to ``connection`` (it stays open)."""
        client = self._clients.get(connection)
        if client is not None:
            combined = client.session.combined
            self._leave(client, client.session.clear(), combined)

    def _restart_keepalive(self, connection: ServerConnection) -> None:
        """Ping at Binance's cadence and wait for the pong as long as Binance does."""
        connection.ping_interval = self._config.binance_ping_interval
        connection.ping_timeout = self._config.binance_pong_timeout
        if connection.keepalive_task is not None:
            connection.keepalive_task.cancel()
        connection.start_keepalive()

    def _expire(self, connection: ServerConnection) -> None:
        age = self._config.binance_max_connection_age
        log.info("closing a Binance stream connection after %g s (the 24 h limit)", age)
        self._close(connection, 1000, f"connection age limit: {age:g} s")

    def _close(self, connection: ServerConnection, code: int, reason: str) -> None:
        task = asyncio.ensure_future(close_or_abort(connection, code, reason))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def announce_shutdown(self, connections: Iterable[ServerConnection]) -> None:
        """Send ``serverShutdown`` to each of ``connections`` that is a Binance stream connection."""
        now = time.time_ns() // 1_000_000
        raw = _encoder.encode(ServerShutdown(now))
        combined = b'{"stream":"!serverShutdown","data":' + raw + b"}"
        for connection in connections:
            client = self._clients.get(connection)
            if client is not None:
                broadcast([connection], combined if client.session.combined else raw, text=True)

    # --- Market data ------------------------------------------------------------------

    def observe(self, message: wire.MarketMessage) -> None:
        """A simulated trade or ticker: count it in, and emit the real-time events it makes."""
        self._emit(self.market.observe(message, self._listeners))

    def _emit(self, events: list[tuple[str, object]]) -> None:
        for stream, event in events:
            payload = _encoder.encode(event)
            self._fanout.emit_frame(_key(stream, False), text_frame(payload))
            envelope = b'{"stream":"' + stream.encode() + b'","data":' + payload + b"}"
            self._fanout.emit_frame(_key(stream, True), text_frame(envelope))

    def flush(self) -> None:
        self._fanout.flush()

    def _publish(self, symbol: str, now_ms: int) -> None:
        bids, asks = self._book(symbol, now_ms)
        update = self.market.publish_book(symbol, bids, asks, now_ms, withhold=lambda: self._take_skip(symbol))
        if update is not None and self._listeners.get(f"{self.names.venue_of[symbol].lower()}@depth@100ms"):
            self._emit([(f"{self.names.venue_of[symbol].lower()}@depth@100ms", update)])

    def _take_skip(self, symbol: str) -> bool:
        if self._faults.take_depth_skip(symbol):
            self._counters.book_updates_skipped += 1
            return True
        return False

    def _book(self, symbol: str, now_ms: int) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
        book = self._sim.book_snapshot(symbol, BOOK_LEVELS, now_ms * 1_000_000)
        return list(book.bids), list(book.asks)

    def _publish_unwatched(self, symbol: str) -> None:
        """Before a REST snapshot: bring an unwatched book up to date (a watched one is, every tick)."""
        if symbol not in self._book_watchers:
            self._publish(symbol, time.time_ns() // 1_000_000)

    async def run(self) -> None:
        """Tick every 100 ms until cancelled: publish watched books, send the periodic events."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        number = 0
        while True:
            now_ms = time.time_ns() // 1_000_000
            for symbol in list(self._book_watchers):
                self._publish(symbol, now_ms)
            if self._listeners:
                self._emit(self.market.tick(number, now_ms, self._listeners))
            else:
                self.market.tick(number, now_ms, ())
            self._fanout.flush()
            self._drop_slow_clients(loop.time())
            number += 1
            await asyncio.sleep(max(0.0, started + number * TICK - loop.time()))

    def _drop_slow_clients(self, now: float) -> None:
        """Close (1008) a connection whose unsent bytes stayed above ``max_send_buffer`` for
        ``slow_client_timeout`` seconds, as protocol v1 does; its waiting events are dropped first."""
        limit, patience = self._config.max_send_buffer, self._config.slow_client_timeout
        for client in list(self._clients.values()):
            if client.dropped:
                continue
            if self._fanout.unsent_bytes(client.connection) < limit:
                client.full_since = None
            elif client.full_since is None:
                client.full_since = now
            elif now - client.full_since >= patience:
                client.dropped = True
                self._counters.slow_clients_dropped += 1
                reason = f"slow consumer: send buffer above {limit} bytes for {patience:g} s"
                log.warning("dropping a Binance stream connection: %s", reason)
                self.forget(client.connection)
                self._fanout.drop(client.connection)
                self._close(client.connection, 1008, reason)

    def cancel(self) -> None:
        self._fanout.cancel()
        for task in self._closing:
            task.cancel()


class FanoutPair:
    """The market loop's way out to both dialects: protocol v1's fan-out and the Binance endpoint.

    It has the fan-out's interface (``wanted``, ``emit``, ``keys_of``, ``flush``): the
    market builds trades and tickers for every symbol (the Binance dialect counts them into
    klines and 24 h figures whether or not anybody listens), v1 gets what it got before, and
    the Binance endpoint sees each trade and ticker once.
    """

    _ALWAYS = frozenset({"trades", "ticker"})

    def __init__(self, fanout: Fanout, binance: BinanceEndpoint) -> None:
        self._fanout = fanout
        self._binance = binance
        #: Live, like the fan-out's own: what each symbol's listeners want now, trades and tickers always.
        self.wanted: Mapping[str, set[str]] = _WithAlways(fanout.wanted, self._ALWAYS)

    def emit(self, key: tuple[str, str, int], message: Any) -> None:
        self._fanout.emit(key, message)
        if key[0] in self._ALWAYS:
            self._binance.observe(message)

    def keys_of(self, channel: str, symbol: str) -> list[tuple[str, str, int]]:
        keys = self._fanout.keys_of(channel, symbol)
        if channel in self._ALWAYS and (channel, symbol, 0) not in keys:
            keys.append((channel, symbol, 0))
        return keys

    def flush(self) -> None:
        self._fanout.flush()
        self._binance.flush()


class _WithAlways(Mapping[str, set[str]]):
    """A live view of a symbol -> channels mapping with ``always`` added to every entry."""

    def __init__(self, wanted: dict[str, set[str]], always: frozenset[str]) -> None:
        self._wanted = wanted
        self._always = always

    def __getitem__(self, symbol: str) -> set[str]:
        return self._wanted[symbol] | self._always

    def __iter__(self) -> Iterator[str]:
        return iter(self._wanted)

    def __len__(self) -> int:
        return len(self._wanted)


_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 418: "I'm a teapot", 429: "Too Many Requests"}


def _url_streams(path: str) -> list[str] | None:
    """The streams a stream URL names (``/ws/a/b`` or ``/stream?streams=a/b``), or None for another path."""
    parts = urlsplit(path)
    if parts.path == _WS or parts.path == _WS + "/":
        return []
    if parts.path.startswith(_WS + "/"):
        return [name for name in parts.path[len(_WS) + 1:].split("/") if name]
    if parts.path == _STREAM:
        joined = parse_qs(parts.query).get("streams", [""])[-1]
        return [name for name in joined.split("/") if name]
    return None
