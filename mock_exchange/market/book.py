"""The exchange's level-2 books: one full book per symbol and the views clients see.

Pure: no sockets, no clock. :class:`LevelBook` keeps up to ``MAX_BOOK_DEPTH`` levels
a side in integer ticks and moves them with the simulator's quote. :class:`DepthView`
is what every subscriber of one depth has been sent, so an update is the difference
between the new top levels and that view, and its checksum is the view's.

Both work per step in proportion to what changed, not to the depth: a move notes the
levels it sized, and a view compares only those and the levels that entered or left
its top, so a deep book (50 levels) costs each step little more than a shallow one.
"""

from __future__ import annotations

import random
from collections.abc import Set as AbstractSet

from tradedash.core.wire import BOOK_DEFAULT_DEPTH, BOOK_MAX_DEPTH, Level, checksum_of_texts, level_text

from .simulator import SimTrade, SymbolSimulator

__all__ = ["MAX_BOOK_DEPTH", "DEFAULT_BOOK_DEPTH", "LevelBook", "DepthView"]

#: The protocol's book depths (docs/protocol.md), stated once in the wire module.
MAX_BOOK_DEPTH, DEFAULT_BOOK_DEPTH = BOOK_MAX_DEPTH, BOOK_DEFAULT_DEPTH
#: Levels a side whose size changes (or that vanish) on each step, besides the best.
_CHURN = 3
#: Typical distance between two levels, as a fraction of the price.
_LEVEL_SPACING = 0.00002
#: Prices a book remembers by tick before it forgets them all (levels mostly stay put from step to step).
_PRICE_MEMORY = 8 * MAX_BOOK_DEPTH
#: Levels a checksum covers (:func:`~tradedash.core.wire.book_checksum`).
_CHECKSUM_LEVELS = 10
_BID, _ASK = -1, 1
_NO_TICKS: frozenset[int] = frozenset()


class LevelBook:
    """One symbol's book: ``MAX_BOOK_DEPTH`` levels a side below the bid and above the ask.

    Contract:

    - after ``move(trade)`` the best bid and ask are the trade's quote with its sizes,
      every bid is below every ask, and each side holds ``MAX_BOOK_DEPTH`` levels with no
      hole: two neighbouring levels are never more than a few spacings apart, also right
      after a fast move (the side the quote moved away from is refilled from the new best
      level down to the old ones);
    - ``top(depth)`` gives both sides best first as ``[price, size]``;
    - :attr:`moves` counts the moves; ``sized(side)`` holds the ticks of ``side`` (-1 bids,
      +1 asks) given a size by the last move (every level whose size may have changed
      and is still there), ``ticks(side)`` the side's ticks best first and ``price_of(tick)``
      a tick's price.
    """

    def __init__(self, sim: SymbolSimulator, seed: int) -> None:
        self._sim = sim
        self._rng = random.Random(seed)
        self.bids: dict[int, float] = {}
        self.asks: dict[int, float] = {}
        self.moves = 0
        #: Ticks of each side, best first, and the ticks the last move sized.
        self._order: dict[int, list[int]] = {_BID: [], _ASK: []}
        self._sized: dict[int, set[int]] = {_BID: set(), _ASK: set()}
        self._prices: dict[int, float] = {}
        spec = sim.spec
        self._lot_notional = 1_000.0 / spec.start_price / spec.lot_size
        #: Typical distance between levels: 0.2 basis points of the price, at least a tick.
        self._spacing = max(1, round(spec.start_price * _LEVEL_SPACING / spec.tick_size))

    def move(self, trade: SimTrade) -> None:
        self.moves += 1
        bids, asks = self.bids, self.asks
        sized_bids, sized_asks = self._sized[_BID], self._sized[_ASK]
        sized_bids.clear()
        sized_asks.clear()
        bids[trade.bid_ticks] = trade.bid_size
        asks[trade.ask_ticks] = trade.ask_size
        sized_bids.add(trade.bid_ticks)
        sized_asks.add(trade.ask_ticks)
        self._fill_gap(bids, trade.bid_ticks, _BID, sized_bids)
        self._fill_gap(asks, trade.ask_ticks, _ASK, sized_asks)
        self._churn(bids, trade.bid_ticks, _BID, sized_bids)
        self._churn(asks, trade.ask_ticks, _ASK, sized_asks)

    def _fill_gap(self, side: dict[int, float], best: int, away: int, sized: set[int]) -> None:
        """Drop the levels the quote crossed; then, if the side's next level lies far from ``best``
        (the quote moved away from this side), levels every spacing or two between: at most
        ``MAX_BOOK_DEPTH`` of them."""
        # The side's keys are the last move's order, best first: the crossed levels lead it, the next follows.
        nearest = None
        for tick in self._order[away]:
            if (tick - best) * away < 0:
                del side[tick]
            elif tick != best:
                nearest = tick
                break
        limit = 3 * self._spacing
        tick, rng = best, self._rng
        for _ in range(MAX_BOOK_DEPTH):
            tick += away * self._spacing * (1 + int(rng.expovariate(1.0)))
            if tick <= 0 or (nearest is not None and abs(nearest - tick) <= limit) or (
                nearest is not None and (tick - nearest) * away > 0
            ):
                break
            side[tick] = self._size(rng)
            sized.add(tick)

    def _churn(self, side: dict[int, float], best: int, away: int, sized: set[int]) -> None:
        rng = self._rng
        fill = best + away * self._spacing * (1 + int(rng.expovariate(0.5)))
        if fill > 0 and fill not in side:
            side[fill] = self._size(rng)
            sized.add(fill)
        ordered = sorted(side, reverse=away < 0)
        for _ in range(_CHURN):
            if len(ordered) < 2:
                break
            tick = ordered[min(len(ordered) - 1, 1 + int(rng.expovariate(0.25)))]
            if rng.random() < 0.15:
                del side[tick]
                ordered.remove(tick)
                sized.discard(tick)
            else:
                side[tick] = self._size(rng)
                sized.add(tick)
        worst = ordered[-1] if ordered else best
        while len(ordered) < MAX_BOOK_DEPTH:
            worst += away * self._spacing * (1 + int(rng.expovariate(1.0)))
            if worst <= 0:
                break
            side[worst] = self._size(rng)
            sized.add(worst)
            ordered.append(worst)
        for tick in ordered[MAX_BOOK_DEPTH:]:
            del side[tick]
            sized.discard(tick)
        del ordered[MAX_BOOK_DEPTH:]
        self._order[away] = ordered

    def _size(self, rng: random.Random) -> float:
        return self._sim.size_of(rng.expovariate(1.0) * self._lot_notional * 8)

    def ticks(self, side: int) -> list[int]:
        """The ticks of ``side`` (-1 bids, +1 asks), best first (do not change the list)."""
        return self._order[side]

    def sized(self, side: int) -> set[int]:
        """The ticks of ``side`` that the last move gave a size (do not change the set)."""
        return self._sized[side]

    def price_of(self, tick: int) -> float:
        """A tick's price, worked out once while the book remembers it."""
        prices = self._prices
        price = prices.get(tick)
        if price is None:
            if len(prices) > _PRICE_MEMORY:
                prices.clear()
            price = prices[tick] = self._sim.price_of(tick)
        return price

    def top(self, depth: int) -> tuple[list[Level], list[Level]]:
        price = self.price_of
        bids = [(price(t), self.bids[t]) for t in self._order[_BID][:depth]]
        asks = [(price(t), self.asks[t]) for t in self._order[_ASK][:depth]]
        return bids, asks


class DepthView:
    """The top ``depth`` levels of a book that subscribers of this depth hold, and the changes to reach the next.

    Contract: ``advance(book)`` returns the levels of the book's top ``depth`` that
    changed since the view was made or last advanced (size 0 for a level that left
    the view), each side best first, and the checksum of the new view; it compares only
    the levels the book's last move sized and those that entered or left the top, unless
    the book moved more than once since (then every level).
    """

    def __init__(self, depth: int, book: LevelBook) -> None:
        self.depth = depth
        self._moves = book.moves
        #: Per side: the view's ticks best first, their sizes, and their :func:`level_text` (the checksum's).
        self._ticks: dict[int, list[int]] = {}
        self._sizes: dict[int, dict[int, float]] = {}
        self._texts: dict[int, dict[int, str]] = {}
        for side, levels in ((_BID, book.bids), (_ASK, book.asks)):
            ticks = book.ticks(side)[:depth]
            self._ticks[side] = ticks
            self._sizes[side] = {t: levels[t] for t in ticks}
            self._texts[side] = {t: level_text(book.price_of(t), levels[t]) for t in ticks}

    def advance(self, book: LevelBook) -> tuple[list[Level], list[Level], int]:
        every_level = book.moves != self._moves + 1
        self._moves = book.moves
        bids = self._advance_side(book, _BID, book.bids, every_level)
        asks = self._advance_side(book, _ASK, book.asks, every_level)
        return bids, asks, self._checksum()

    def _advance_side(self, book: LevelBook, side: int, levels: dict[int, float], every_level: bool) -> list[Level]:
        ticks = book.ticks(side)[: self.depth]
        sizes = self._sizes[side]
        now: AbstractSet[int]
        if ticks == self._ticks[side]:  # the same levels: only sizes may have changed
            now, entered, left = sizes.keys(), _NO_TICKS, _NO_TICKS
        else:
            now = set(ticks)
            entered, left = now - sizes.keys(), sizes.keys() - now
        self._ticks[side] = ticks
        candidates = sizes.keys() if every_level else book.sized(side)
        changed = [t for t in candidates if t in now and t not in entered and levels[t] != sizes[t]]
        changed += entered
        texts = self._texts[side]
        for tick in left:
            del sizes[tick]
            del texts[tick]
        changed.sort(reverse=side == _BID)
        price = book.price_of
        out = []
        for tick in changed:
            level = (price(tick), levels[tick])
            sizes[tick] = level[1]
            texts[tick] = level_text(*level)
            out.append(level)
        if left:
            out += [(price(t), 0.0) for t in left]
            out.sort(reverse=side == _BID)
        return out

    def _checksum(self) -> int:
        """:func:`~tradedash.core.wire.book_checksum` of the view, from the texts kept of its levels."""
        bids, asks = self._texts[_BID], self._texts[_ASK]
        return checksum_of_texts(
            list(map(bids.__getitem__, self._ticks[_BID][:_CHECKSUM_LEVELS])),
            list(map(asks.__getitem__, self._ticks[_ASK][:_CHECKSUM_LEVELS])),
            _CHECKSUM_LEVELS,
        )
