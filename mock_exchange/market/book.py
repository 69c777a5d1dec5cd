"""The exchange's level-2 books: one full book per symbol and the views clients see.

Pure: no sockets, no clock. :class:`LevelBook` keeps up to ``MAX_BOOK_DEPTH`` levels
a side in integer ticks and moves them with the simulator's quote. :class:`DepthView`
is what every subscriber of one depth has been sent, so an update is the difference
between the new top levels and that view, and its checksum is the view's.
"""

from __future__ import annotations

import random

from tradedash.core.wire import BOOK_DEFAULT_DEPTH, BOOK_MAX_DEPTH, Level, book_checksum

from .simulator import SimTrade, SymbolSimulator

__all__ = ["MAX_BOOK_DEPTH", "DEFAULT_BOOK_DEPTH", "LevelBook", "DepthView"]

#: The protocol's book depths (docs/protocol.md), stated once in the wire module.
MAX_BOOK_DEPTH, DEFAULT_BOOK_DEPTH = BOOK_MAX_DEPTH, BOOK_DEFAULT_DEPTH
#: Levels a side whose size changes (or that vanish) on each step, besides the best.
_CHURN = 3
#: Typical distance between two levels, as a fraction of the price.
_LEVEL_SPACING = 0.00002


class LevelBook:
    """One symbol's book: ``MAX_BOOK_DEPTH`` levels a side below the bid and above the ask.

    Contract: after ``move(trade)`` the best bid and ask are the trade's quote with
    its sizes, every bid is below every ask, and each side holds ``MAX_BOOK_DEPTH``
    levels with no hole: two neighbouring levels are never more than a few spacings
    apart, also right after a fast move (the side the quote moved away from is
    refilled from the new best level down to the old ones). ``top(depth)`` gives both
    sides best first as ``[price, size]``.
    """

    def __init__(self, sim: SymbolSimulator, seed: int) -> None:
        self._sim = sim
        self._rng = random.Random(seed)
        self.bids: dict[int, float] = {}
        self.asks: dict[int, float] = {}
        #: Ticks of each side, best first, as of the last move.
        self._order: dict[int, list[int]] = {-1: [], 1: []}
        spec = sim.spec
        self._lot_notional = 1_000.0 / spec.start_price / spec.lot_size
        #: Typical distance between levels: 0.2 basis points of the price, at least a tick.
        self._spacing = max(1, round(spec.start_price * _LEVEL_SPACING / spec.tick_size))

    def move(self, trade: SimTrade) -> None:
        bids, asks = self.bids, self.asks
        for tick in [t for t in bids if t > trade.bid_ticks]:
            del bids[tick]
        for tick in [t for t in asks if t < trade.ask_ticks]:
            del asks[tick]
        bids[trade.bid_ticks] = trade.bid_size
        asks[trade.ask_ticks] = trade.ask_size
        self._fill_gap(bids, trade.bid_ticks, -1)
        self._fill_gap(asks, trade.ask_ticks, +1)
        self._churn(bids, trade.bid_ticks, -1)
        self._churn(asks, trade.ask_ticks, +1)

    def _fill_gap(self, side: dict[int, float], best: int, away: int) -> None:
        """Levels every spacing or two between ``best`` and the side's next level, if that is far
        (the quote moved away from this side): at most ``MAX_BOOK_DEPTH`` of them."""
        others = [t for t in side if t != best]
        nearest = (max(others) if away < 0 else min(others)) if others else None
        limit = 3 * self._spacing
        tick, rng = best, self._rng
        for _ in range(MAX_BOOK_DEPTH):
            tick += away * self._spacing * (1 + int(rng.expovariate(1.0)))
            if tick <= 0 or (nearest is not None and abs(nearest - tick) <= limit) or (
                nearest is not None and (tick - nearest) * away > 0
            ):
                break
            side[tick] = self._size(rng)

    def _churn(self, side: dict[int, float], best: int, away: int) -> None:
        rng = self._rng
        fill = best + away * self._spacing * (1 + int(rng.expovariate(0.5)))
        if fill > 0 and fill not in side:
            side[fill] = self._size(rng)
        ordered = sorted(side, reverse=away < 0)
        for _ in range(_CHURN):
            if len(ordered) < 2:
                break
            tick = ordered[min(len(ordered) - 1, 1 + int(rng.expovariate(0.25)))]
            if rng.random() < 0.15:
                del side[tick]
                ordered.remove(tick)
            else:
                side[tick] = self._size(rng)
        worst = ordered[-1] if ordered else best
        while len(ordered) < MAX_BOOK_DEPTH:
            worst += away * self._spacing * (1 + int(rng.expovariate(1.0)))
            if worst <= 0:
                break
            side[worst] = self._size(rng)
            ordered.append(worst)
        for tick in ordered[MAX_BOOK_DEPTH:]:
            del side[tick]
        self._order[away] = ordered[:MAX_BOOK_DEPTH]

    def _size(self, rng: random.Random) -> float:
        return self._sim.size_of(rng.expovariate(1.0) * self._lot_notional * 8)

    def top(self, depth: int) -> tuple[list[Level], list[Level]]:
        price = self._sim.price_of
        bids = [(price(t), self.bids[t]) for t in self._order[-1][:depth]]
        asks = [(price(t), self.asks[t]) for t in self._order[1][:depth]]
        return bids, asks


class DepthView:
    """The top ``depth`` levels that subscribers of this depth hold, and the changes to reach the next.

    Contract: ``advance(bids, asks)`` returns the levels that changed (size 0 for a
    level that left the view), best first, and the checksum of the new view.
    """

    def __init__(self, depth: int, bids: list[Level], asks: list[Level]) -> None:
        self.depth = depth
        self._bids = dict(bids)
        self._asks = dict(asks)

    def advance(self, bids: list[Level], asks: list[Level]) -> tuple[list[Level], list[Level], int]:
        bid_changes = _diff(self._bids, bids, reverse=True)
        ask_changes = _diff(self._asks, asks, reverse=False)
        self._bids = dict(bids)
        self._asks = dict(asks)
        return bid_changes, ask_changes, book_checksum(bids, asks)


def _diff(old: dict[float, float], new: list[Level], *, reverse: bool) -> list[Level]:
    new_map = dict(new)
    changes = [(p, s) for p, s in new if old.get(p) != s]
    changes += [(p, 0.0) for p in old if p not in new_map]
    changes.sort(key=lambda level: level[0], reverse=reverse)
    return changes
