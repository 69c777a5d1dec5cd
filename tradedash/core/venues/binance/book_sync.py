"""Binance's "How to manage a local order book correctly", as a state machine with no I/O.

The diff-depth stream (``<symbol>@depth@100ms``) says which levels changed between update
ids ``U`` and ``u``; it means something only on top of a REST snapshot
(``GET /api/v3/depth``) taken at ``lastUpdateId``. The procedure, as "WebSocket Streams
for Binance" documents it:

1. Buffer the events received; note the ``U`` of the first one; fetch a snapshot.
2. If the snapshot's ``lastUpdateId`` is strictly less than that first ``U``, fetch again.
3. Discard buffered events with ``u <= lastUpdateId``. The first one left must bridge the
   snapshot: ``U <= lastUpdateId + 1 <= u``.
4. The book is the snapshot; apply the buffered events, then every later one: an event
   whose ``u`` is at most the book's update id is old (ignored); one whose ``U`` is greater
   than the book's id + 1 follows missed events (discard the book and start again);
   otherwise set each level (quantity 0 removes it) and the book's id becomes ``u``.

:class:`BookSync` does exactly that for one symbol. It keeps no levels: what it passes on
is a stream of :class:`~tradedash.core.wire.Book` messages (a ``snapshot`` at
``lastUpdateId``, then each applied event as an ``update`` with ``seq = u`` and
``prev_seq`` the book's id before it) that TradeDash's venue-blind
:class:`~tradedash.core.market.book.OrderBook` applies in sequence, and :class:`FetchDepth`
actions: the REST request to make, whose answer is handed back to
:meth:`BookSync.apply_snapshot` with the action's ``ticket``.

Used by the Binance session to come (one per symbol on the ``book`` channel: depth events
and REST answers in, book messages and fetches out).
"""

from __future__ import annotations

import enum
from collections import deque

import msgspec

from tradedash.core import wire

from .messages import DepthSnapshot, DepthUpdate
from .rest import RestRequest, depth_request

__all__ = ["SyncOutcome", "RESYNC_CAUSES", "FetchDepth", "BookSync"]

#: Milliseconds to nanoseconds.
_MS = 1_000_000


class SyncOutcome(enum.Enum):
    """What :meth:`BookSync.apply_event` or :meth:`BookSync.apply_snapshot` did."""

    BUFFERED = "buffered"  # no snapshot yet: the event is kept for later
    APPLIED = "applied"  # in sequence: passed on as a book update
    SYNCED = "synced"  # the snapshot became the book, the buffered events after it applied
    OLD = "old"  # u <= the book's update id: a duplicate or an old event, ignored
    STALE_SNAPSHOT = "stale snapshot"  # lastUpdateId < the first buffered U: fetched again
    MISSED_BRIDGE = "missed bridge"  # the first event after the snapshot has U > lastUpdateId + 1: start again
    GAP = "gap"  # U > the book's update id + 1: events were missed, start again
    UNSOLICITED = "unsolicited"  # a snapshot nobody is waiting for (an old ticket): ignored


#: Outcomes after which the book waits for a new snapshot (a fetch is out).
RESYNC_CAUSES = frozenset({SyncOutcome.STALE_SNAPSHOT, SyncOutcome.MISSED_BRIDGE, SyncOutcome.GAP})


class FetchDepth(msgspec.Struct, frozen=True, gc=False):
    """An output action: fetch ``GET /api/v3/depth?symbol=<symbol>&limit=<limit>`` and hand the
    body back to :meth:`BookSync.apply_snapshot` with ``ticket``."""

    symbol: str
    limit: int
    ticket: int

    @property
    def request(self) -> RestRequest:
        """The GET to make: its path and query after the REST base URL, and its request weight."""
        return depth_request(self.symbol, self.limit)


class BookSync:
    """The diff-depth stream of one symbol, kept in step with REST snapshots.

    Contract:

    - :meth:`apply_event` takes every ``depthUpdate`` of the symbol in arrival order;
      :meth:`apply_snapshot` takes the body fetched for a :class:`FetchDepth` with its
      ``ticket``. Both return a :class:`SyncOutcome` and leave their results in :meth:`take`:
      :class:`~tradedash.core.wire.Book` messages and :class:`FetchDepth` actions, in order.
    - Before a book exists, events are buffered (the oldest dropped beyond ``max_buffered``)
      and the first one asks for a snapshot. A snapshot older than the first buffered ``U``
      asks again. A snapshot becomes the book only if the first buffered event left after
      dropping those with ``u <= lastUpdateId`` bridges it (else ``MISSED_BRIDGE``: the
      events left are kept and a new snapshot is asked for).
    - Once there is a book, an event is passed on only if ``U <= update_id + 1 <= u``, so
      :attr:`update_id` never goes back and no event is applied twice. ``u <= update_id`` is
      ``OLD`` (ignored); ``U > update_id + 1`` discards the book and starts again from that
      event (``MISSED_BRIDGE`` if it was the first after the snapshot, else ``GAP``).
    - :meth:`reset` forgets everything, a fetch under way included (its answer will be
      ``UNSOLICITED``): call it when the connection is lost or cut (the 24 h cut). The next
      snapshot may be older than the last update passed on (a lagging REST server, a venue
      that restarted its numbering): make the book downstream forget its sequence too
      (:meth:`~tradedash.core.market.book.OrderBook.forget_sequence`, which
      :meth:`~tradedash.core.market.state.MarketState.reset_sequences` does for every book).
    - Counters (never reset): ``applied``, ``old``, ``resyncs`` (every
      :data:`RESYNC_CAUSES` outcome), ``snapshots`` (taken), ``fetches`` (asked for).
    """

    def __init__(self, symbol: str, *, limit: int = 1000, max_buffered: int = 10_000) -> None:
        self.symbol = symbol
        self.limit = limit
        #: The book's update id: ``lastUpdateId`` of its snapshot, then ``u`` of the last event applied.
        self.update_id: int | None = None
        self._buffer: deque[DepthUpdate] = deque(maxlen=max_buffered)
        self._awaiting: int | None = None  # the ticket of the fetch under way
        self._tickets = 0
        self._bridged = False  # whether an event was applied on top of the current snapshot
        self._last_ts = 0  # the newest event's time (ns): a snapshot's stamp
        self._out: list[wire.Book | FetchDepth] = []
        self.applied = 0
        self.old = 0
        self.resyncs = 0
        self.snapshots = 0
        self.fetches = 0

    @property
    def synced(self) -> bool:
        """True while there is a book (a snapshot taken, no gap since)."""
        return self.update_id is not None

    @property
    def awaiting_snapshot(self) -> bool:
        """True while a :class:`FetchDepth` is out and not answered."""
        return self._awaiting is not None

    def take(self) -> list[wire.Book | FetchDepth]:
        """The book messages and fetches produced since the last call, in order."""
        out, self._out = self._out, []
        return out

    def apply_event(self, event: DepthUpdate) -> SyncOutcome:
        self._last_ts = event.event_time * _MS
        if self.update_id is None:
            self._buffer.append(event)
            if self._awaiting is None:
                self._fetch()
            return SyncOutcome.BUFFERED
        return self._apply(event)

    def apply_snapshot(self, snapshot: DepthSnapshot, ticket: int) -> SyncOutcome:
        if ticket != self._awaiting:
            return SyncOutcome.UNSOLICITED
        self._awaiting = None
        buffer = self._buffer
        last = snapshot.last_update_id
        if last < buffer[0].first_update_id:
            self.resyncs += 1
            self._fetch()
            return SyncOutcome.STALE_SNAPSHOT
        while buffer and buffer[0].final_update_id <= last:
            buffer.popleft()
        if buffer and buffer[0].first_update_id > last + 1:
            self.resyncs += 1
            self._fetch()
            return SyncOutcome.MISSED_BRIDGE
        self.update_id = last
        self._bridged = False
        self.snapshots += 1
        self._out.append(wire.Book(self.symbol, last, self._last_ts, "snapshot", snapshot.bids, snapshot.asks))
        pending = list(buffer)
        buffer.clear()
        for i, event in enumerate(pending):
            outcome = self._apply(event)
            if outcome in RESYNC_CAUSES:
                buffer.extend(pending[i + 1:])
                return outcome
        return SyncOutcome.SYNCED

    def reset(self) -> None:
        """Forget the book, the buffered events and any fetch under way; counters stay."""
        self.update_id = None
        self._buffer.clear()
        self._awaiting = None
        self._bridged = False

    def _apply(self, event: DepthUpdate) -> SyncOutcome:
        update_id = self.update_id
        assert update_id is not None
        if event.final_update_id <= update_id:
            self.old += 1
            return SyncOutcome.OLD
        if event.first_update_id > update_id + 1:
            cause = SyncOutcome.GAP if self._bridged else SyncOutcome.MISSED_BRIDGE
            self.resyncs += 1
            self.update_id = None
            self._buffer.clear()
            self._buffer.append(event)
            self._fetch()
            return cause
        self._out.append(
            wire.Book(self.symbol, event.final_update_id, event.event_time * _MS, "update", event.bids, event.asks,
                      prev_seq=update_id)
        )
        self.update_id = event.final_update_id
        self._bridged = True
        self.applied += 1
        return SyncOutcome.APPLIED

    def _fetch(self) -> None:
        self._tickets += 1
        self._awaiting = self._tickets
        self.fetches += 1
        self._out.append(FetchDepth(self.symbol, self.limit, self._tickets))
