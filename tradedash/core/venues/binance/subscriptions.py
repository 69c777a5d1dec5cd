"""Which connection carries which subscriptions, for a venue that limits streams per connection.

Binance's limits for a stream connection ("WebSocket Streams for Binance", "WebSocket
Limits"): at most 1024 streams (one per subscription), and "open another connection beyond
that". :class:`ShardPlanner` splits a feed's subscriptions into shards, one connection each:

- a symbol's subscriptions stay together on one connection, so that losing a connection
  costs only its own symbols (their books resync, the other connections' do not);
- no shard holds more than ``max_streams`` subscriptions;
- a change moves as little as it can: a symbol stays where it is while it fits, a new one
  goes to the first shard with room (a new shard when none has), a shard left empty is
  kept empty (its connection closes) and filled again first.

Each connection then keeps Binance's other rule, 5 incoming messages a second, itself: its
session paces its own ``SUBSCRIBE`` frames (:class:`~.session.BinanceSession`).
"""

from __future__ import annotations

from collections.abc import Iterable

from tradedash.core.wire import Subscription

__all__ = ["MAX_STREAMS", "ShardPlanner"]

#: Streams one Binance connection may carry.
MAX_STREAMS = 1024


class ShardPlanner:
    """The subscriptions of each connection of one feed.

    Contract:

    - :meth:`plan` takes every subscription wanted and returns the subscriptions of each
      shard, by index: an index keeps its meaning from one plan to the next (a shard's
      connection is the same one), and a shard may be empty (its connection is not needed).
    - Every wanted subscription is in exactly one shard; a symbol's are all in the same one;
      no shard holds more than ``max_streams``. A symbol with more subscriptions than that
      cannot be carried: :meth:`plan` raises ``ValueError``.
    - A symbol moves to another shard only when its own shard no longer has room for it.
    """

    def __init__(self, max_streams: int = MAX_STREAMS) -> None:
        if max_streams < 1:
            raise ValueError(f"max_streams must be at least 1, not {max_streams}")
        self.max_streams = max_streams
        self._shards: list[dict[str, frozenset[Subscription]]] = []  # per shard: symbol -> its subscriptions

    @property
    def shards(self) -> list[frozenset[Subscription]]:
        """The subscriptions of each shard as last planned."""
        return [frozenset().union(*shard.values()) for shard in self._shards]

    def shard_of(self, symbol: str) -> int | None:
        """The shard that carries ``symbol``, if one does."""
        return next((i for i, shard in enumerate(self._shards) if symbol in shard), None)

    def plan(self, wanted: Iterable[Subscription]) -> list[frozenset[Subscription]]:
        by_symbol: dict[str, set[Subscription]] = {}
        for subscription in wanted:
            by_symbol.setdefault(subscription.symbol, set()).add(subscription)
        too_many = [symbol for symbol, subs in by_symbol.items() if len(subs) > self.max_streams]
        if too_many:
            raise ValueError(f"{too_many[0]} has more than {self.max_streams} streams: no connection can carry them")
        homeless: list[str] = []
        for shard in self._shards:  # keep each symbol where it is, with what it wants now, while it fits
            for symbol in list(shard):
                if symbol not in by_symbol:
                    del shard[symbol]
                else:
                    shard[symbol] = frozenset(by_symbol[symbol])
            while _size(shard) > self.max_streams:  # grown past the limit: the newest symbols move
                homeless.append(next(reversed(shard)))
                del shard[homeless[-1]]
        placed = {symbol for shard in self._shards for symbol in shard}.union(homeless)
        homeless += sorted(symbol for symbol in by_symbol if symbol not in placed)
        for symbol in homeless:
            subs = frozenset(by_symbol[symbol])
            shard = next((s for s in self._shards if _size(s) + len(subs) <= self.max_streams), None)
            if shard is None:
                shard = {}
                self._shards.append(shard)
            shard[symbol] = subs
        while self._shards and not self._shards[-1]:
            self._shards.pop()  # (empty shards at the end are simply not there)
        return self.shards


def _size(shard: dict[str, frozenset[Subscription]]) -> int:
    return sum(len(subs) for subs in shard.values())
