"""The venue's symbol list (``exchangeInfo``, request weight 20) read once for every connection of a feed.

A feed of more than 1024 streams runs several connections
(:class:`tradedash.net.sharded_feed.ShardedFeed`); they all need the same list, so one of them
reads it and the others wait for it. A feed of one connection has a share of its own.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol

from tradedash.core import wire

__all__ = ["SharedSymbolList", "SymbolListMember", "LIST_MAX_AGE"]

#: How long a list read is used before the next connection that opens reads it again (in the
#: background: that connection subscribes with the older list meanwhile). Binance cuts every
#: connection after 24 hours: a list is read about once a day, not once a connection.
LIST_MAX_AGE = 24 * 3600.0


class SymbolListMember(Protocol):
    """A connection's session waiting for the list (see :meth:`SharedSymbolList.wait`)."""

    def symbol_list_news(self) -> None:
        """A read of the list ended (:attr:`SharedSymbolList.symbols` or :attr:`~SharedSymbolList.failed`
        says how), or its reader gave it up (then :meth:`SharedSymbolList.take_read` may be True)."""


class SharedSymbolList:
    """The symbol list the connections of one feed share: read by one of them at a time, used by all.

    Contract:

    - :attr:`symbols` is the list once read (None before); :meth:`fresh` is True while the newest
      read is younger than ``max_age`` (a list given to the constructor never ages).
    - :meth:`take_read` is True when the caller is to fetch the list now: it is not fresh and no
      member's read is under way. That member then ends the read with :meth:`read` or
      :meth:`read_failed`, or :meth:`give_up` if its request will never be made (its connection
      ended before the request went out, or its feed stopped).
    - :meth:`wait` puts a member (a connection that subscribes once the list is in) among those
      told of every end of a read (``symbol_list_news()``, in the order they started waiting),
      until it calls :meth:`stop_waiting`. :attr:`failed` is True after a failed read until the
      next one starts: the members waiting then go on without the list. After a read given up,
      a waiting member may take the read over (:meth:`take_read`).
    - ``on_news`` is called after the waiting members were told (the pump sends what they ask for).
    - ``now`` is a monotonic clock in seconds.
    """

    def __init__(
        self,
        symbols: list[wire.SymbolInfo] | None = None,
        *,
        max_age: float = LIST_MAX_AGE,
        on_news: Callable[[], None] | None = None,
    ) -> None:
        self.symbols = symbols
        self.failed = False
        self.max_age = math.inf if symbols is not None else max_age
        self.on_news = on_news
        self._read_at = -math.inf if symbols is None else 0.0
        self._reader: object | None = None
        self._waiting: list[SymbolListMember] = []

    @property
    def reading(self) -> bool:
        """True while a member's read is under way."""
        return self._reader is not None

    def fresh(self, now: float) -> bool:
        return self.symbols is not None and now - self._read_at < self.max_age

    def take_read(self, member: object, now: float) -> bool:
        if self._reader is not None or self.fresh(now):
            return False
        self._reader, self.failed = member, False
        return True

    def read(self, symbols: list[wire.SymbolInfo], now: float) -> None:
        """The list was read (by any member: an answer that comes after its reader gave up counts too)."""
        self.symbols, self._read_at, self._reader, self.failed = symbols, now, None, False
        self._tell()

    def read_failed(self, member: object) -> None:
        if self._reader is member:
            self._reader, self.failed = None, True
            self._tell()

    def give_up(self, member: object) -> None:
        if self._reader is member:
            self._reader = None
            self._tell()

    def wait(self, member: SymbolListMember) -> None:
        if member not in self._waiting:
            self._waiting.append(member)

    def stop_waiting(self, member: SymbolListMember) -> None:
        if member in self._waiting:
            self._waiting.remove(member)

    def _tell(self) -> None:
        for member in list(self._waiting):
            member.symbol_list_news()
        if self.on_news is not None:
            self.on_news()
