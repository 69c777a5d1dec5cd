"""The depth chart's data: cumulative bid and ask size outward from the mid, as numpy arrays.

Who calls it: the depth chart (ui) will call :func:`depth_curve` with the
symbol's :class:`~tradedash.core.market.book.OrderBook` on its repaint tick (when the
book's version moved) and the depth the user chose from :data:`DEPTH_CHOICES`,
then plot :meth:`DepthCurve.step_line` of each side (bids left of the mid,
asks right) with ``setData``, greyed when :attr:`DepthCurve.synced` is False.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from tradedash.core.market.book import OrderBook

__all__ = ["DEPTH_CHOICES", "LADDER_CHOICES", "LADDER_DEFAULT", "DEPTH_CHART_DEFAULT", "DepthCurve", "depth_curve"]

#: Levels per side a user can choose for the depth chart (None: every level).
DEPTH_CHOICES: tuple[int | None, ...] = (10, 20, 50, 100, None)
#: Levels per side a user can choose for the order book ladder (a row each: no "every level").
LADDER_CHOICES: tuple[int, ...] = tuple(choice for choice in DEPTH_CHOICES if choice is not None)
#: What the ladder and the depth chart show before the user picks.
LADDER_DEFAULT, DEPTH_CHART_DEFAULT = 10, 50


class DepthCurve(NamedTuple):
    """Cumulative size on each side of a book, best price first.

    ``bid_total[i]`` is the size of every bid at ``bid_price[i]`` or higher
    (what a market sell down to that price would meet); ``ask_total[i]`` the
    size of every ask at ``ask_price[i]`` or lower. Prices move away from the
    mid (bids falling, asks rising) and totals never fall. ``mid`` is NaN when
    a side is empty. ``synced`` is False while the book waits for a snapshot
    (the data is stale then).
    """

    mid: float
    bid_price: np.ndarray
    bid_total: np.ndarray
    ask_price: np.ndarray
    ask_total: np.ndarray
    synced: bool

    def total_at(self, price: float) -> tuple[str, float] | None:
        """What a market order reaching ``price`` would meet: ``("bid", size of every bid at ``price``
        or higher)`` left of the mid, ``("ask", size of every ask at ``price`` or lower)`` right of it
        (0.0 between the mid and the best level); None without a mid or past the last level shown."""
        if math.isnan(self.mid) or not math.isfinite(price):
            return None
        if price <= self.mid:
            reached = int(np.searchsorted(-self.bid_price, -price, side="right"))  # bids at price or higher
            if reached >= len(self.bid_price) and price < self.bid_price[-1]:
                return None
            return "bid", float(self.bid_total[reached - 1]) if reached else 0.0
        reached = int(np.searchsorted(self.ask_price, price, side="right"))  # asks at price or lower
        if reached >= len(self.ask_price) and price > self.ask_price[-1]:
            return None
        return "ask", float(self.ask_total[reached - 1]) if reached else 0.0

    def step_line(self, side: str) -> tuple[np.ndarray, np.ndarray]:
        """``(x, y)`` of one side (``"bid"`` or ``"ask"``) as a step line from the mid at 0 outward:
        flat between levels, rising at each level's price. Empty arrays for an empty side."""
        if side not in ("bid", "ask"):
            raise ValueError(f"side must be 'bid' or 'ask', not {side!r}")
        price, total = (self.bid_price, self.bid_total) if side == "bid" else (self.ask_price, self.ask_total)
        if not len(price):
            return np.empty(0), np.empty(0)
        start = self.mid if not math.isnan(self.mid) else price[0]
        x = np.empty(2 * len(price) + 1)
        y = np.empty(2 * len(price) + 1)
        x[0], y[0] = start, 0.0
        x[1::2] = price  # reaching a level's price ...
        x[2::2] = price
        y[1] = 0.0
        y[3::2] = total[:-1]  # ... at the total before it,
        y[2::2] = total  # then rising by its size
        return x, y


def depth_curve(book: OrderBook, levels: int | None = None, span: float | None = None) -> DepthCurve:
    """The depth of ``book``: at most ``levels`` levels per side (None: all), and only prices within
    ``span`` (a fraction, 0.01 for 1 %) of the mid when given and the mid is known."""
    if levels is not None and levels < 1:
        raise ValueError("levels must be at least 1")
    if span is not None and not span > 0:
        raise ValueError("span must be above 0")
    mid = book.mid()
    mid = math.nan if mid is None else mid
    bid_price, bid_total = _side(book.bids(levels))
    ask_price, ask_total = _side(book.asks(levels))
    if span is not None and not math.isnan(mid):
        bids_kept = int(np.searchsorted(-bid_price, -mid * (1 - span), side="right"))
        asks_kept = int(np.searchsorted(ask_price, mid * (1 + span), side="right"))
        bid_price, bid_total = bid_price[:bids_kept], bid_total[:bids_kept]
        ask_price, ask_total = ask_price[:asks_kept], ask_total[:asks_kept]
    return DepthCurve(mid, bid_price, bid_total, ask_price, ask_total, book.synced)


def _side(levels: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    if not levels:
        return np.empty(0), np.empty(0)
    array = np.array(levels, dtype=np.float64)
    return array[:, 0], np.cumsum(array[:, 1])
