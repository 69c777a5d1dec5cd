"""One persistent WebSocket feed: connect, subscribe, receive, reconnect.

This is the only layer that owns sockets. It decodes every frame once with
:mod:`tradedash.core.wire`, hands market messages to a callback, and drives the
feed's :class:`~tradedash.core.lifecycle.FeedLifecycle`. Which failures are
worth a retry is decided by ``websockets``' own ``process_exception`` (network
errors and 5xx are retried, everything else is fatal); how long to wait comes
from a :class:`~tradedash.core.backoff.ReconnectPolicy`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Callable, Iterable

from websockets.asyncio.client import ClientConnection, connect
from websockets.client import process_exception
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tradedash.core import wire
from tradedash.core.backoff import ReconnectPolicy
from tradedash.core.lifecycle import FeedEvent, FeedLifecycle, FeedState
from tradedash.core.stats import FeedStats

__all__ = ["FeedClient", "FatalFeedError"]

log = logging.getLogger("tradedash.feed")


class FatalFeedError(Exception):
    """A failure that retrying will not fix (4xx handshake, wrong protocol version)."""


class FeedClient:
    """A feed to one exchange URL that keeps itself connected and subscribed.

    Contract: while ``run()`` is running, the client is connected or trying to
    be; after every (re)connection it subscribes again to every subscription in
    :attr:`subscriptions`, once. Each decoded market message is passed to
    ``on_message`` as soon as it arrives. Malformed frames are counted in
    :attr:`stats` and skipped. ``run()`` returns after ``close()``, or raises
    :class:`FatalFeedError` (after moving the lifecycle to ``closed``) when the
    server refuses in a way a retry cannot fix.
    """

    def __init__(
        self,
        url: str,
        *,
        subscriptions: Iterable[wire.Subscription] = (),
        on_message: Callable[[wire.MarketMessage], None],
        policy: ReconnectPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        # Timeouts
        open_timeout: float = 5.0,
        ping_interval: float = 5.0,
        ping_timeout: float = 5.0,
        # Limits
        max_size: int = 2**20,
        max_queue: int = 1024,
    ) -> None:
        self.url = url
        self.subscriptions: set[wire.Subscription] = set(subscriptions)
        self.lifecycle = FeedLifecycle(clock)
        self.stats = FeedStats(clock)
        self.symbols: list[wire.SymbolInfo] = []
        self._on_message = on_message
        self._policy = policy or ReconnectPolicy()
        self._connect_options = dict(
            open_timeout=open_timeout,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            max_size=max_size,
            max_queue=max_queue,
        )
        self._ids = itertools.count(1)
        self._connection: ClientConnection | None = None
        self._closing = False

    @property
    def state(self) -> FeedState:
        return self.lifecycle.state

    # --- Subscriptions ----------------------------------------------------------------

    async def subscribe(self, channels: Iterable[str], symbols: Iterable[str]) -> None:
        """Add subscriptions; sent at once when connected, and after every reconnect."""
        added = {wire.Subscription(c, s) for c in channels for s in symbols}
        self.subscriptions |= added
        await self._send_subscriptions(wire.Subscribe, added)

    async def unsubscribe(self, channels: Iterable[str], symbols: Iterable[str]) -> None:
        """Remove subscriptions; sent at once when connected."""
        removed = {wire.Subscription(c, s) for c in channels for s in symbols} & self.subscriptions
        self.subscriptions -= removed
        await self._send_subscriptions(wire.Unsubscribe, removed)

    async def _send_subscriptions(
        self, request_type: type[wire.Subscribe] | type[wire.Unsubscribe], subscriptions: set[wire.Subscription]
    ) -> None:
        connection = self._connection
        if connection is None or not subscriptions:
            return
        by_channel: dict[str, list[str]] = {}
        for subscription in sorted(subscriptions, key=lambda s: (s.channel, s.symbol)):
            by_channel.setdefault(subscription.channel, []).append(subscription.symbol)
        with contextlib.suppress(ConnectionClosed):
            for channel, symbols in by_channel.items():
                request = request_type(id=next(self._ids), channels=[channel], symbols=symbols)
                await connection.send(wire.encode(request), text=True)

    # --- Running ----------------------------------------------------------------------

    async def run(self) -> None:
        delays = None
        while not self._closing:
            self.lifecycle.handle(FeedEvent.CONNECT)
            try:
                async with connect(self.url, **self._connect_options) as connection:
                    delays = None
                    await self._serve(connection)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # classified just below: fatal ones end the feed
                if self._closing:
                    break
                if process_exception(exc) is not None or isinstance(exc, FatalFeedError):
                    reason = _describe(exc)
                    self.stats.record_error(reason)
                    self.lifecycle.handle(FeedEvent.CLOSE)
                    log.error("feed %s failed: %s", self.url, reason)
                    raise FatalFeedError(reason) from exc
                self.stats.record_error(_describe(exc))
                log.info("feed %s: %s", self.url, _describe(exc))
            if self._closing:
                break
            self.lifecycle.handle(FeedEvent.DISCONNECTED)
            self.stats.reconnects += 1
            if delays is None:
                delays = self._policy.delays()
            await asyncio.sleep(next(delays))
        if self.lifecycle.state is not FeedState.CLOSED:
            self.lifecycle.handle(FeedEvent.CLOSE)

    async def close(self) -> None:
        """Stop reconnecting and close the connection; ``run()`` then returns."""
        self._closing = True
        if self._connection is not None:
            await self._connection.close()

    async def _serve(self, connection: ClientConnection) -> None:
        try:
            await self._check_hello(connection)
            self._connection = connection
            await connection.send(wire.encode(wire.ListSymbols(id=next(self._ids))), text=True)
            await self._send_subscriptions(wire.Subscribe, self.subscriptions)
            while True:
                frame = await connection.recv(decode=False)
                try:
                    messages = wire.decode_server_frame(frame)
                except wire.WireError as exc:
                    self.stats.malformed += 1
                    self.stats.record_error(f"malformed message: {exc}")
                    continue
                self.stats.record_messages(len(messages))
                for message in messages:
                    self._dispatch(message)
        except ConnectionClosed:
            if not self._closing:
                log.info("feed %s closed: %s", self.url, connection.close_reason or connection.close_code)
        finally:
            self._connection = None

    async def _check_hello(self, connection: ClientConnection) -> None:
        try:
            hello = wire.decode_server_frame(await connection.recv(decode=False))[0]
        except wire.WireError as exc:
            raise FatalFeedError(f"the server's greeting is not protocol v{wire.PROTOCOL_VERSION}: {exc}") from None
        if not isinstance(hello, wire.Hello) or hello.version != wire.PROTOCOL_VERSION:
            raise FatalFeedError(f"the server speaks {hello!r}, not protocol v{wire.PROTOCOL_VERSION}")

    def _dispatch(self, message: wire.ServerMessage) -> None:
        if isinstance(message, (wire.Ticker, wire.Trade, wire.Book, wire.Candle)):
            self._on_message(message)
            if self.lifecycle.state is not FeedState.LIVE:
                self.lifecycle.handle(FeedEvent.DATA)
        elif isinstance(message, wire.Ack):
            if message.symbols is not None:
                self.symbols = message.symbols
        elif isinstance(message, wire.Error):
            self.stats.record_error(f"{message.code}: {message.message}")
            log.warning("feed %s: server error %s: %s", self.url, message.code, message.message)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, InvalidStatus):
        return f"server refused the connection: HTTP {exc.response.status_code}"
    if isinstance(exc, OSError):
        return f"cannot connect: {exc.strerror or exc}"
    return str(exc) or type(exc).__name__
