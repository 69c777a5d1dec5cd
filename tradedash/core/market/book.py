"""A level-2 order book that applies updates strictly in sequence and knows when it is wrong.

The book is rebuilt from ``book`` snapshots and moved forward by ``book`` updates
whose ``prev_seq`` is the ``seq`` of the last message applied. Anything else is
classified (:class:`BookOutcome`): an old or repeated ``seq`` is ignored, a gap,
an update before any snapshot or a checksum that does not match
:func:`~tradedash.core.wire.book_checksum` stops the book, which then drops
updates until the next snapshot rebuilds it. An update's checksum is checked
when the owner calls :meth:`OrderBook.verify` (once per burst of frames: the
newest claim covers every update before it, and checking each one would cost
more than everything else the book does). Who asks for that snapshot is the
caller's business (:class:`~tradedash.core.market.state.MarketState` queues it).
"""

from __future__ import annotations

import enum

from tradedash.core.wire import Book, Level, checksum_of_texts, level_text

__all__ = ["BookOutcome", "RESYNC_CAUSES", "OrderBook"]

#: How many levels per side the wire checksum covers.
CHECKSUM_LEVELS = 10


class BookOutcome(enum.Enum):
    """What :meth:`OrderBook.apply` did with one message."""

    APPLIED = "applied"  # an update in sequence, applied
    REBUILT = "rebuilt"  # a snapshot replaced the book
    RESYNCED = "resynced"  # a snapshot replaced a book that was waiting for one
    DUPLICATE = "duplicate"  # seq already applied (repeat or old): ignored
    GAP = "gap"  # prev_seq is not the last applied seq: the book stops
    NO_SNAPSHOT = "no snapshot"  # an update before any snapshot: the book stops
    CHECKSUM_MISMATCH = "checksum mismatch"  # the book after the message differs from the server's
    DROPPED = "dropped"  # an update while waiting for a snapshot: not applied


#: Outcomes after which the book waits for a snapshot.
RESYNC_CAUSES = frozenset({BookOutcome.GAP, BookOutcome.NO_SNAPSHOT, BookOutcome.CHECKSUM_MISMATCH})
#: A side holding this many entries (levels and removed ones) drops the removed ones at its next update.
_COMPACT_MIN = 64


class _Side:
    """One side of the book: size by price, and the prices best first when read.

    An update is one ``dict.update``: a level of size 0 (or less) stays in
    ``sizes`` as a removed level, and a busy book changes most levels again
    before anyone reads them. The first read after a change sorts the prices
    of the levels there are (highest first for bids, lowest first for asks)
    and drops the removed ones; so does an update once they pile up. Later
    reads reuse the order. ``texts`` remembers, by price, the size a level had
    when the checksum last wrote it and that text, so a check formats only the
    top levels that changed since.
    """

    __slots__ = ("sizes", "texts", "_order", "_descending", "_compact_at")

    def __init__(self, *, descending: bool) -> None:
        self.sizes: dict[float, float] = {}
        self.texts: dict[float, tuple[float, str]] = {}
        self._order: list[float] | None = []
        self._descending = descending
        self._compact_at = _COMPACT_MIN  # entries in sizes (levels and removed ones) that make an update compact

    def clear(self) -> None:
        self.sizes.clear()
        self.texts.clear()
        self._order = []

    def update(self, levels: list[Level]) -> None:
        """Set (size > 0) or remove each level; a price listed twice ends as its last entry says."""
        if not levels:
            return
        sizes = self.sizes
        sizes.update(levels)
        self._order = None
        if len(sizes) >= self._compact_at:
            self.order()

    def order(self) -> list[float]:
        """The price of every level, best first."""
        order = self._order
        if order is None:
            sizes = self.sizes
            live = {price: size for price, size in sizes.items() if size > 0.0}
            if len(live) < len(sizes):
                self.sizes = sizes = live
            self._compact_at = max(_COMPACT_MIN, 2 * len(sizes))
            order = self._order = sorted(sizes, reverse=self._descending)
        return order

    def depth(self) -> int:
        return len(self.order())

    def top(self, n: int | None) -> list[Level]:
        sizes = self.sizes
        prices = self.order() if n is None else self.order()[:n]
        return [(price, sizes[price]) for price in prices]

    def top_texts(self, n: int) -> list[str]:
        sizes, texts = self.sizes, self.texts
        top = self.order()[:n]
        out = []
        for price in top:
            size = sizes[price]
            known = texts.get(price)
            if known is None or known[0] != size:
                known = texts[price] = (size, level_text(price, size))
            out.append(known[1])
        if len(texts) > 4 * n:  # forget the texts of levels long gone from the top
            self.texts = {price: texts[price] for price in top}
        return out


class OrderBook:
    """The level-2 book of one symbol, correct or explicitly waiting for a snapshot.

    Contract:

    - :meth:`apply` takes every ``book`` message of the symbol in arrival order and
      returns a :class:`BookOutcome`. A snapshot rebuilds the book
      (``RESYNCED`` if the book was waiting for it, else ``REBUILT``) unless
      its ``seq`` is older than :attr:`seq`. An update is applied only if
      ``prev_seq`` equals :attr:`seq`; an update whose ``seq`` is at most
      :attr:`seq` is ignored. So :attr:`seq` never goes back, and no update is
      ever applied twice (:meth:`forget_sequence` starts the numbering afresh).
    - A snapshot's ``checksum`` is checked at once. An update's is remembered:
      :meth:`verify` checks the newest one remembered since the last check
      against the book as it is then (returning ``CHECKSUM_MISMATCH``, or None
      if it matches or there is nothing to check). A divergence that a later
      update in the same burst repaired is not reported (the book is right);
      any other is. A message without a ``checksum`` is not checked.
    - After a gap, an update before any snapshot or a checksum mismatch,
      :attr:`resyncing` is True and updates are dropped (not applied) until a
      snapshot arrives.
    - :meth:`bids` and :meth:`asks` return ``(price, size)`` levels best first;
      :meth:`best_bid`, :meth:`best_ask`, :meth:`spread` and :meth:`mid` are None
      while a side is empty.
    - Counters (never reset): ``updates``, ``snapshots``, ``duplicates``, ``gaps``
      (every resync cause), ``checksum_mismatches``, ``dropped``, ``resyncs``
      (snapshots that ended a resync). ``version`` goes up on every change of the
      levels, so a view can tell cheaply whether to repaint.
    """

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.seq: int | None = None
        self.resyncing = False
        self.version = 0
        self._bids = _Side(descending=True)
        self._asks = _Side(descending=False)
        self._checksum: int | None = None  # of the current levels; None when it must be computed again
        self._claimed: int | None = None  # the newest update's checksum, not verified yet
        self.updates = 0
        self.snapshots = 0
        self.duplicates = 0
        self.gaps = 0
        self.checksum_mismatches = 0
        self.dropped = 0
        self.resyncs = 0

    # --- Applying messages ------------------------------------------------------------

    def apply(self, message: Book) -> BookOutcome:
        seq = self.seq
        if message.kind == "snapshot":
            if seq is not None and message.seq < seq:
                self.duplicates += 1
                return BookOutcome.DUPLICATE
            return self._rebuild(message)
        if self.resyncing:
            self.dropped += 1
            return BookOutcome.DROPPED
        if seq is None:
            return self._stop(BookOutcome.NO_SNAPSHOT)
        if message.seq <= seq:
            self.duplicates += 1
            return BookOutcome.DUPLICATE
        if message.prev_seq != seq:
            return self._stop(BookOutcome.GAP)
        self._bids.update(message.bids)
        self._asks.update(message.asks)
        self._checksum = None
        self.seq = message.seq
        self.updates += 1
        self.version += 1
        if message.checksum is not None:
            self._claimed = message.checksum
        return BookOutcome.APPLIED

    def verify(self) -> BookOutcome | None:
        """Check the newest update checksum not checked yet: ``CHECKSUM_MISMATCH`` (the book stops) or None."""
        claimed, self._claimed = self._claimed, None
        if claimed is None or claimed == self.checksum():
            return None
        self.checksum_mismatches += 1
        return self._stop(BookOutcome.CHECKSUM_MISMATCH)

    def _rebuild(self, message: Book) -> BookOutcome:
        self._bids.clear()
        self._asks.clear()
        self._bids.update(message.bids)
        self._asks.update(message.asks)
        self._checksum = self._claimed = None
        self.seq = message.seq
        self.snapshots += 1
        self.version += 1
        if message.checksum is not None and message.checksum != self.checksum():
            self.checksum_mismatches += 1
            return self._stop(BookOutcome.CHECKSUM_MISMATCH)
        if self.resyncing:
            self.resyncing = False
            self.resyncs += 1
            return BookOutcome.RESYNCED
        return BookOutcome.REBUILT

    def _stop(self, cause: BookOutcome) -> BookOutcome:
        self._claimed = None
        self.resyncing = True
        self.gaps += 1
        return cause

    def clear(self) -> None:
        """Forget everything (levels, :attr:`seq`, a pending resync); counters stay."""
        self._bids.clear()
        self._asks.clear()
        self._checksum = self._claimed = None
        self.seq = None
        self.resyncing = False
        self.version += 1

    def forget_sequence(self) -> None:
        """Forget :attr:`seq` (after a reconnect the server may number from 1 again).

        The levels stay visible; the next update before a snapshot starts a resync.
        """
        self.seq = None

    # --- Reading ----------------------------------------------------------------------

    @property
    def synced(self) -> bool:
        """True once a snapshot was applied and no resync is pending."""
        return self.seq is not None and not self.resyncing

    def bids(self, depth: int | None = None) -> list[Level]:
        """The top ``depth`` bid levels (all if None), highest price first."""
        return self._bids.top(depth)

    def asks(self, depth: int | None = None) -> list[Level]:
        """The top ``depth`` ask levels (all if None), lowest price first."""
        return self._asks.top(depth)

    def depth(self) -> tuple[int, int]:
        """How many (bid, ask) levels the book holds."""
        return self._bids.depth(), self._asks.depth()

    def best_bid(self) -> Level | None:
        order = self._bids.order()
        return (order[0], self._bids.sizes[order[0]]) if order else None

    def best_ask(self) -> Level | None:
        order = self._asks.order()
        return (order[0], self._asks.sizes[order[0]]) if order else None

    def spread(self) -> float | None:
        bid, ask = self._bids.order(), self._asks.order()
        return ask[0] - bid[0] if bid and ask else None

    def mid(self) -> float | None:
        bid, ask = self._bids.order(), self._asks.order()
        return (ask[0] + bid[0]) / 2.0 if bid and ask else None

    def checksum(self) -> int:
        """:func:`~tradedash.core.wire.book_checksum` of the book as it is now."""
        if self._checksum is None:
            self._checksum = checksum_of_texts(
                self._bids.top_texts(CHECKSUM_LEVELS), self._asks.top_texts(CHECKSUM_LEVELS), CHECKSUM_LEVELS
            )
        return self._checksum
