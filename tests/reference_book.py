"""A server's own copy of one order book, for tests that play the exchange's side of the book channel."""

from __future__ import annotations

from collections.abc import Callable

from tradedash.core import wire


class ReferenceBook:
    """The server's book: it applies level changes and publishes them as protocol messages.

    Contract: ``update()`` applies the changes (size 0 removes a level), advances
    ``seq`` by one and returns the update with ``prev_seq`` and the checksum of the
    book after it; ``snapshot()`` returns the whole book at the current ``seq``.
    Every message is stamped with ``clock_ns()``.
    """

    def __init__(
        self,
        symbol: str = "BTC-USD",
        *,
        bids: dict[float, float] | None = None,
        asks: dict[float, float] | None = None,
        seq: int = 0,
        clock_ns: Callable[[], int] = lambda: 0,
    ) -> None:
        self.symbol = symbol
        self.bids: dict[float, float] = dict(bids or {})
        self.asks: dict[float, float] = dict(asks or {})
        self.seq = seq
        self._clock_ns = clock_ns

    def levels(self) -> tuple[list[wire.Level], list[wire.Level]]:
        return sorted(self.bids.items(), reverse=True), sorted(self.asks.items())

    def checksum(self) -> int:
        return wire.book_checksum(*self.levels())

    def snapshot(self) -> wire.Book:
        bids, asks = self.levels()
        return wire.Book(self.symbol, self.seq, self._clock_ns(), "snapshot", bids, asks, checksum=self.checksum())

    def update(self, bid_changes: list[wire.Level], ask_changes: list[wire.Level]) -> wire.Book:
        for side, changes in ((self.bids, bid_changes), (self.asks, ask_changes)):
            for price, size in changes:
                if size:
                    side[price] = size
                else:
                    side.pop(price, None)
        self.seq += 1
        return wire.Book(
            self.symbol, self.seq, self._clock_ns(), "update", bid_changes, ask_changes,
            prev_seq=self.seq - 1, checksum=self.checksum(),
        )
