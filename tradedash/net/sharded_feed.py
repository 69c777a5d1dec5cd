"""One feed over several connections, for a venue that limits the streams of one connection.

Binance carries at most 1024 streams a connection and asks a client to open another beyond
that. :class:`ShardedFeed` splits the feed's subscriptions with a
:class:`~tradedash.core.venues.binance.subscriptions.ShardPlanner` and runs one
:class:`~.feed_client.FeedClient` per shard, each with a session of its own over its part
of the feed's one market (:class:`~tradedash.core.market.state.MarketShard`), all counting into
the feed's one :class:`~tradedash.core.feed.stats.FeedStats`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from tradedash.core import wire
from tradedash.core.feed.session import FatalFeedError, FeedSession
from tradedash.core.feed.lifecycle import CombinedLifecycle, FeedState
from tradedash.core.market.state import MarketShard, MarketState
from tradedash.core.feed.redact import redact
from tradedash.core.feed.stats import FeedStats
from tradedash.core.venues.binance.subscriptions import ShardPlanner
from tradedash.core.venues.binance.symbol_share import SharedSymbolList

from .feed_client import FeedClient

__all__ = ["ShardedFeed", "SessionFactory"]

log = logging.getLogger("tradedash.feed")

#: Builds one connection's session: ``(market, subscriptions=..., stats=..., symbol_list=...)``;
#: ``symbol_list`` is the venue's list as the feed's connections share it (read by one of them).
SessionFactory = Callable[..., FeedSession]


class _Shard:
    """One connection of the feed: its client, the symbols it carries (its market view reads them), its task."""

    def __init__(self, client: FeedClient, symbols: set[str]) -> None:
        self.client = client
        self.symbols = symbols
        self.task: asyncio.Task[None] | None = None


class ShardedFeed:
    """A feed whose subscriptions may need several connections: reads like one :class:`FeedClient`.

    Contract:

    - ``url``, ``name``, ``market`` (the one :class:`~tradedash.core.market.state.MarketState`),
      ``stats`` (one :class:`~tradedash.core.feed.stats.FeedStats` every connection counts into),
      ``lifecycle`` and ``state`` (the worst connection's:
      :class:`~tradedash.core.feed.lifecycle.CombinedLifecycle`), ``subscriptions``, ``refused``,
      ``symbols``, ``fatal_reason`` and ``retry_delay`` read as a :class:`FeedClient`'s do;
      :attr:`connections` lists the connections' clients, one per shard in use.
    - A symbol's subscriptions are all on one connection, no connection carries more than
      ``max_streams``; losing a connection resyncs only its own books (its session's market
      view touches only its symbols), and each connection paces its own control frames.
    - :meth:`set_subscriptions` plans the change: each connection subscribes and unsubscribes
      its part live, a connection left with nothing closes, a new one opens when needed.
    - :meth:`set_book_depths` reaches each connection with its own symbols' wishes.
    - :meth:`fetch_history` goes through the connection that carries the symbol (else the first).
    - ``run()`` runs every connection until :meth:`close`; a fatal failure of one stops them
      all and ends ``run()`` with :class:`FatalFeedError`.
    - The venue's symbol list (``exchangeInfo``) is read once for all the connections, by one of
      them, the others waiting for it (:class:`~tradedash.core.venues.binance.symbol_share.SharedSymbolList`);
      a connection that reconnects or opens later uses it as it is while it is fresh.
    - ``client_options`` go to every :class:`FeedClient` (token, CA file, policy, timeouts...).
      Give ``make_session`` the REST weight budgets of the app (``budgets=``, see
      :meth:`~tradedash.core.venues.registry.Venue.session`) so that the connections spend one budget.
    """

    def __init__(
        self,
        url: str,
        *,
        market: MarketState,
        make_session: SessionFactory,
        subscriptions: Iterable[wire.Subscription] = (),
        max_streams: int,
        clock: Callable[[], float] = time.monotonic,
        wall_clock_ns: Callable[[], int] = time.time_ns,
        **client_options: Any,
    ) -> None:
        self.url = url
        self.name = redact(url)
        self.market = market
        self.stats = FeedStats(clock, wall_clock_ns=wall_clock_ns)
        self.lifecycle = CombinedLifecycle(clock)
        self._make_session = make_session
        self._client_options = client_options
        self._planner = ShardPlanner(max_streams)
        self._shards: list[_Shard | None] = []
        self._closing = False
        self._running = False
        self._stopped = asyncio.Event()
        self._fatal: FatalFeedError | None = None
        self._closes: set[asyncio.Task[None]] = set()
        self._book_depths: dict[str, int] = {}
        self._symbol_list = SharedSymbolList(on_news=self._wake_connections)
        self.set_subscriptions(subscriptions)

    # --- Read as a FeedClient ---------------------------------------------------------------

    @property
    def connections(self) -> list[FeedClient]:
        return [shard.client for shard in self._shards if shard is not None]

    @property
    def state(self) -> FeedState:
        return self.lifecycle.state

    @property
    def subscriptions(self) -> set[wire.Subscription]:
        return set().union(*(client.subscriptions for client in self.connections))

    @property
    def refused(self) -> set[wire.Subscription]:
        return set().union(*(client.refused for client in self.connections))

    @property
    def symbols(self) -> list[wire.SymbolInfo]:
        return self._symbol_list.symbols or []

    @property
    def fatal_reason(self) -> str | None:
        return next((client.fatal_reason for client in self.connections if client.fatal_reason), None)

    @property
    def retry_delay(self) -> float | None:
        waiting = [client.retry_delay for client in self.connections if client.state is FeedState.BACKING_OFF]
        return max((delay for delay in waiting if delay is not None), default=None)

    # --- Subscriptions and history -----------------------------------------------------------

    def set_subscriptions(self, wanted: Iterable[wire.Subscription]) -> None:
        """Want exactly ``wanted``, split over as many connections as it takes."""
        plan = self._planner.plan(wanted)
        self._shards += [None] * (len(plan) - len(self._shards))
        for index, shard in enumerate(self._shards):  # first let go of what moves, then take it up
            part = plan[index] if index < len(plan) else frozenset()
            if shard is not None:
                shard.client.set_subscriptions(part & shard.client.subscriptions)
        for index, part in enumerate(plan):
            shard = self._shards[index]
            if not part:
                if shard is not None:
                    self._retire(index)
            elif shard is None:
                self._open(index, part)
            else:
                shard.symbols.clear()
                shard.symbols.update(s.symbol for s in part)
                shard.client.set_subscriptions(part)
        for index in range(len(plan), len(self._shards)):
            if self._shards[index] is not None:
                self._retire(index)
        del self._shards[len(plan):]
        self.set_book_depths(self._book_depths)  # symbols may have moved between connections

    def set_book_depths(self, depths: Mapping[str, int]) -> None:
        """Want ``depths[symbol]`` levels a side of those books, as :meth:`FeedClient.set_book_depths`:
        each connection is told the wishes of the symbols it carries, a connection opened later too."""
        self._book_depths = dict(depths)
        for shard in self._shards:
            if shard is not None:
                shard.client.set_book_depths(self._depths_of(shard.symbols))

    def _depths_of(self, symbols: set[str]) -> dict[str, int]:
        return {symbol: levels for symbol, levels in self._book_depths.items() if symbol in symbols}

    async def fetch_history(self, symbol: str, *args: Any, **kwargs: Any) -> wire.History:
        """One page of past bars, as :meth:`FeedClient.fetch_history`, through the connection of ``symbol``."""
        index = self._planner.shard_of(symbol)
        shard = self._shards[index] if index is not None and index < len(self._shards) else None
        client = shard.client if shard is not None else (self.connections or [None])[0]
        if client is None:
            raise FatalFeedError("the feed has no connection")
        return await client.fetch_history(symbol, *args, **kwargs)

    # --- Running ----------------------------------------------------------------------------

    async def run(self) -> None:
        """Run every connection until :meth:`close`; raises :class:`FatalFeedError` if one failed for good."""
        self._running = True
        for shard in self._shards:
            if shard is not None:
                self._start(shard)
        try:
            await self._stopped.wait()
        finally:
            self._closing = True
            for shard in self._shards:
                if shard is not None:
                    await shard.client.close()
            tasks = [shard.task for shard in self._shards if shard is not None and shard.task is not None]
            await asyncio.gather(*tasks, *self._closes, return_exceptions=True)
        if self._fatal is not None:
            raise self._fatal

    async def close(self) -> None:
        """Stop every connection; ``run()`` then returns."""
        self._closing = True
        self._stopped.set()

    def _open(self, index: int, part: frozenset[wire.Subscription]) -> None:
        symbols = {s.symbol for s in part}
        session = self._make_session(
            MarketShard(self.market, symbols), subscriptions=part, stats=self.stats, symbol_list=self._symbol_list
        )
        client = FeedClient(self.url, session=session, **self._client_options)
        shard = self._shards[index] = _Shard(client, symbols)
        client.set_book_depths(self._depths_of(symbols))
        self.lifecycle.add(client.lifecycle)
        if self._running and not self._closing:
            self._start(shard)

    def _start(self, shard: _Shard) -> None:
        task = asyncio.get_running_loop().create_task(shard.client.run(), name=f"feed {self.name} connection")
        shard.task = task
        task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[None]) -> None:
        if task.cancelled() or self._closing:
            return
        error = task.exception()
        if isinstance(error, FatalFeedError):
            self._fatal = error
            self._stopped.set()
        elif error is not None:
            log.error("feed %s: a connection ended", self.name, exc_info=error)
            self._fatal = FatalFeedError(f"a connection ended: {type(error).__name__}: {error}")
            self._stopped.set()

    def _wake_connections(self) -> None:
        """The shared symbol list's news changed what some sessions want to send: let their pumps send it."""
        for client in self.connections:
            client.session_changed()

    def _retire(self, index: int) -> None:
        """Close the connection of a shard left with nothing to carry."""
        shard = self._shards[index]
        assert shard is not None
        self._shards[index] = None
        self.lifecycle.remove(shard.client.lifecycle)
        closing = asyncio.ensure_future(self._close(shard)) if self._running else None
        if closing is not None:
            self._closes.add(closing)
            closing.add_done_callback(self._closes.discard)

    @staticmethod
    async def _close(shard: _Shard) -> None:
        await shard.client.close()
        if shard.task is not None:
            with contextlib.suppress(Exception):
                await shard.task

