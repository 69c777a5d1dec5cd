"""Binance's local-order-book procedure: every way it goes wrong, and any damaged stream ends equal to the venue's book."""

from __future__ import annotations

import msgspec
import hypothesis
from hypothesis import event, given, settings
from hypothesis import strategies as st

from tests.core.venues.binance.binance_docs import example
from tests.core.venues.binance.depth_server import DepthServer
from tradedash.core import wire
from tradedash.core.market.book import BookOutcome, OrderBook
from tradedash.core.venues.binance import messages as m
from tradedash.core.venues.binance.book_sync import RESYNC_CAUSES, BookSync, FetchDepth, SyncOutcome
from tradedash.core.venues.binance.rest import RestRequest

SYMBOL = "BNBBTC"


def _update(first: int, last: int, bids=(), asks=()) -> m.DepthUpdate:
    return m.DepthUpdate(1, SYMBOL, first, last, list(bids), list(asks))


def _fetch(sync: BookSync) -> FetchDepth:
    """The one fetch the last call asked for."""
    fetches = [a for a in sync.take() if isinstance(a, FetchDepth)]
    assert len(fetches) == 1
    return fetches[0]


def _books(sync: BookSync) -> list[wire.Book]:
    out = sync.take()
    assert not [a for a in out if isinstance(a, FetchDepth)]
    return out


# --- The documented example ------------------------------------------------------------------


def test_documented_diff_depth_event_against_snapshots_before_across_and_after_it():
    """The "Diff. Depth Stream" example covers updates 157..160."""
    documented = m.decode_frame(example("depthUpdate"))
    depth = m.decode_event('{"stream": "bnbbtc@depth5", "data": ' + example("partial depth") + "}")[1]
    assert depth.last_update_id == 160

    sync = BookSync(SYMBOL)
    assert sync.apply_event(documented) is SyncOutcome.BUFFERED
    fetch = _fetch(sync)
    assert fetch.request == RestRequest("/api/v3/depth?symbol=BNBBTC&limit=1000", 50)
    # 156 < U = 157: the snapshot is older than the first event: fetch again.
    assert sync.apply_snapshot(msgspec.structs.replace(depth, last_update_id=156), fetch.ticket) is (
        SyncOutcome.STALE_SNAPSHOT)
    fetch = _fetch(sync)
    # 158: the event bridges it (157 <= 159 <= 160) and is applied on top.
    assert sync.apply_snapshot(msgspec.structs.replace(depth, last_update_id=158), fetch.ticket) is SyncOutcome.SYNCED
    snapshot, update = _books(sync)
    assert snapshot == wire.Book(SYMBOL, 158, 1672515782136 * 1_000_000, "snapshot", depth.bids, depth.asks)
    assert update == wire.Book(SYMBOL, 160, 1672515782136 * 1_000_000, "update", [(0.0024, 10.0)], [(0.0026, 100.0)],
                               prev_seq=158)
    assert sync.update_id == 160 and sync.synced

    # 160: the event is older than the snapshot and dropped.
    sync = BookSync(SYMBOL)
    sync.apply_event(documented)
    assert sync.apply_snapshot(depth, _fetch(sync).ticket) is SyncOutcome.SYNCED
    assert [b.kind for b in _books(sync)] == ["snapshot"]
    assert sync.apply_event(_update(161, 165)) is SyncOutcome.APPLIED


# --- Each way it goes wrong --------------------------------------------------------------------


def test_stale_snapshot_is_fetched_again_and_its_late_answer_ignored():
    sync = BookSync(SYMBOL, limit=5000)
    sync.apply_event(_update(50, 52))
    first = _fetch(sync)
    assert first.request.weight == 250
    assert sync.apply_snapshot(m.DepthSnapshot(49, [], []), first.ticket) is SyncOutcome.STALE_SNAPSHOT
    second = _fetch(sync)
    assert second.ticket != first.ticket and sync.awaiting_snapshot and not sync.synced
    assert sync.apply_snapshot(m.DepthSnapshot(60, [], []), first.ticket) is SyncOutcome.UNSOLICITED
    assert sync.apply_snapshot(m.DepthSnapshot(51, [], []), second.ticket) is SyncOutcome.SYNCED
    assert sync.apply_snapshot(m.DepthSnapshot(51, [], []), second.ticket) is SyncOutcome.UNSOLICITED  # answered once
    assert sync.resyncs == 1 and sync.snapshots == 1 and sync.fetches == 2


def test_missed_bridge_in_the_buffer_keeps_the_events_after_it_and_fetches_again():
    sync = BookSync(SYMBOL)
    sync.apply_event(_update(10, 12, bids=[(1.0, 1.0)]))
    ticket = _fetch(sync).ticket
    assert sync.apply_event(_update(16, 18, bids=[(2.0, 1.0)])) is SyncOutcome.BUFFERED  # 13..15 never came
    assert sync.take() == []  # one fetch at a time
    assert sync.apply_snapshot(m.DepthSnapshot(13, [], []), ticket) is SyncOutcome.MISSED_BRIDGE
    ticket = _fetch(sync).ticket  # and nothing was passed on: no wrong book shown
    assert not sync.synced
    assert sync.apply_snapshot(m.DepthSnapshot(17, [(3.0, 1.0)], []), ticket) is SyncOutcome.SYNCED
    snapshot, update = _books(sync)
    assert (snapshot.seq, update.seq, update.prev_seq, update.bids) == (17, 18, 17, [(2.0, 1.0)])


def test_missed_bridge_on_the_first_live_event():
    sync = BookSync(SYMBOL)
    sync.apply_event(_update(10, 12))
    assert sync.apply_snapshot(m.DepthSnapshot(20, [], []), _fetch(sync).ticket) is SyncOutcome.SYNCED
    _books(sync)
    assert sync.apply_event(_update(22, 25)) is SyncOutcome.MISSED_BRIDGE  # 21 is missing
    assert not sync.synced
    ticket = _fetch(sync).ticket
    assert sync.apply_snapshot(m.DepthSnapshot(23, [], []), ticket) is SyncOutcome.SYNCED
    assert [b.seq for b in _books(sync)] == [23, 25]


def test_gap_discards_the_book_and_starts_again_from_the_event_after_it():
    sync = BookSync(SYMBOL)
    sync.apply_event(_update(1, 3))
    sync.apply_snapshot(m.DepthSnapshot(2, [], []), _fetch(sync).ticket)
    assert sync.apply_event(_update(4, 6)) is SyncOutcome.APPLIED
    _books(sync)
    assert sync.apply_event(_update(9, 10)) is SyncOutcome.GAP  # 7..8 lost
    ticket = _fetch(sync).ticket
    assert sync.apply_event(_update(11, 12)) is SyncOutcome.BUFFERED
    assert sync.apply_event(_update(13, 14)) is SyncOutcome.BUFFERED
    assert sync.apply_snapshot(m.DepthSnapshot(11, [], []), ticket) is SyncOutcome.SYNCED
    assert [(b.kind, b.seq, b.prev_seq) for b in _books(sync)] == [
        ("snapshot", 11, None), ("update", 12, 11), ("update", 14, 12)]
    assert sync.resyncs == 1 and SyncOutcome.GAP in RESYNC_CAUSES


def test_a_gap_inside_the_buffered_events_is_found_while_applying_them():
    sync = BookSync(SYMBOL)
    for first, last in [(1, 2), (3, 4), (7, 8), (9, 9)]:
        sync.apply_event(_update(first, last))
    assert sync.apply_snapshot(m.DepthSnapshot(2, [], []), _fetch(sync).ticket) is SyncOutcome.GAP
    out = sync.take()
    assert [b.seq for b in out if isinstance(b, wire.Book)] == [2, 4]
    ticket = next(a.ticket for a in out if isinstance(a, FetchDepth))
    assert sync.apply_snapshot(m.DepthSnapshot(8, [], []), ticket) is SyncOutcome.SYNCED  # 7..8 and 9 were kept
    assert [b.seq for b in _books(sync)] == [8, 9]


def test_duplicates_and_old_events_are_ignored_never_applied_twice():
    sync = BookSync(SYMBOL)
    first = _update(5, 6)
    sync.apply_event(first)
    assert sync.apply_snapshot(m.DepthSnapshot(5, [], []), _fetch(sync).ticket) is SyncOutcome.SYNCED
    second = _update(7, 9)
    assert sync.apply_event(second) is SyncOutcome.APPLIED
    _books(sync)
    assert sync.apply_event(second) is SyncOutcome.OLD
    assert sync.apply_event(first) is SyncOutcome.OLD
    assert sync.take() == [] and sync.old == 2 and sync.update_id == 9
    assert sync.apply_event(_update(8, 11)) is SyncOutcome.APPLIED  # overlapping but new: quantities are absolute


def test_reconnect_or_24h_cut_resets_and_the_new_server_may_number_afresh():
    server = DepthServer(update_id=1_000)
    sync, book = BookSync(SYMBOL), OrderBook(SYMBOL)

    def show() -> None:
        for message in _books(sync):
            assert book.apply(message) in (BookOutcome.APPLIED, BookOutcome.REBUILT)

    sync.apply_event(server.update([(1.0, 1.0)], []))
    assert sync.apply_snapshot(server.snapshot(), _fetch(sync).ticket) is SyncOutcome.SYNCED
    assert sync.apply_event(server.update([], [(2.0, 1.0)])) is SyncOutcome.APPLIED
    show()
    assert (book.bids(), book.asks()) == server.levels()

    server.update([(1.5, 1.0)], [])  # lost
    assert sync.apply_event(server.update([(1.0, 0.0)], [])) is SyncOutcome.GAP
    before_cut = _fetch(sync)  # still out when the connection is cut

    sync.reset()
    book.forget_sequence()
    assert not sync.synced and not sync.awaiting_snapshot
    assert sync.apply_snapshot(server.snapshot(), before_cut.ticket) is SyncOutcome.UNSOLICITED  # not used now
    # The venue came back numbering from 1.
    restarted = DepthServer(update_id=0)
    restarted.bids = {1.0: 3.0}
    assert sync.apply_event(restarted.update([], [(4.0, 1.0)])) is SyncOutcome.BUFFERED
    assert sync.apply_snapshot(restarted.snapshot(), _fetch(sync).ticket) is SyncOutcome.SYNCED
    show()
    assert (book.bids(), book.asks()) == restarted.levels()
    assert book.seq == sync.update_id == restarted.update_id == 1


def test_the_buffer_is_bounded_and_its_oldest_event_sets_the_staleness_rule():
    sync = BookSync(SYMBOL, max_buffered=3)
    for first in range(1, 6):
        sync.apply_event(_update(first, first))
    ticket = _fetch(sync).ticket
    assert sync.apply_snapshot(m.DepthSnapshot(2, [], []), ticket) is SyncOutcome.STALE_SNAPSHOT  # 3..5 are kept
    assert sync.apply_snapshot(m.DepthSnapshot(3, [], []), _fetch(sync).ticket) is SyncOutcome.SYNCED
    assert [b.seq for b in _books(sync)] == [3, 4, 5]


# --- Any damaged stream ends equal to the venue's book ------------------------------------------

sizes = st.sampled_from([0.0, 0.0, 0.5, 1.0, 2.25])
bid_changes = st.lists(st.tuples(st.integers(0, 20).map(lambda k: 99.5 - 0.5 * k), sizes), max_size=3)
ask_changes = st.lists(st.tuples(st.integers(0, 20).map(lambda k: 100.5 + 0.5 * k), sizes), max_size=3)
faults = st.lists(
    st.tuples(st.sampled_from(["drop", "duplicate", "replay old", "move later", "cut"]), st.integers(0, 10**6),
              st.integers(1, 6)),
    max_size=6,
)


@settings(max_examples=200, deadline=None)
@given(
    initial=st.lists(st.tuples(bid_changes, ask_changes), max_size=4),
    changes=st.lists(st.tuples(bid_changes, ask_changes, st.integers(1, 3)), min_size=1, max_size=50),
    damage=faults,
    answer_delay=st.integers(0, 4),
    snapshot_lag=st.integers(0, 3),
)
@hypothesis.example(  # a cut, then a snapshot older than the book before it: events applied again, on the new base
    initial=[], changes=[([], [], 1)] * 5, damage=[("duplicate", 0, 5), ("duplicate", 207, 3), ("cut", 1125, 1)],
    answer_delay=0, snapshot_lag=2,
)
def test_damaged_stream_ends_equal_to_the_venues_book(initial, changes, damage, answer_delay, snapshot_lag):
    """Drops, duplicates, old replays, reorders and connection cuts; snapshots answered a few
    events late, sometimes as of a few updates before (stale)."""
    server = DepthServer()
    for bids, asks in initial:
        server.update(bids, asks)
    history = [server.snapshot()]  # the snapshot the REST side would serve, after each published event
    published = []
    for bids, asks, ids in changes:
        published.append(server.update(bids, asks, ids))
        history.append(server.snapshot())

    stream: list = list(published)
    for fault, position, distance in damage:
        i = position % len(stream)
        if fault == "drop":
            del stream[i]
        elif fault == "duplicate":
            stream.insert(min(len(stream), i + distance), stream[i])
        elif fault == "replay old":
            stream.insert(i, stream[max(0, i - distance)])
        elif fault == "move later":
            stream.insert(min(len(stream), i + distance), stream.pop(i))
        else:
            stream.insert(i, "cut")
        if not stream:
            break

    sync, book = BookSync(SYMBOL), OrderBook(SYMBOL)
    pending: list[tuple[int, FetchDepth]] = []  # (due after this many deliveries, fetch)
    applied: list[list[int]] = [[]]  # the updates applied on each snapshot, in order
    delivered = newest = 0  # newest: index in history of the newest event sent so far

    def drain() -> None:
        for action in sync.take():
            if isinstance(action, FetchDepth):
                pending.append((delivered + answer_delay, action))
            else:
                assert book.apply(action) in (BookOutcome.APPLIED, BookOutcome.REBUILT)  # always in sequence
                if action.kind == "update":
                    applied[-1].append(action.seq)
                else:  # a new base: after a cut or a resync a snapshot may be older than the book it replaces
                    applied.append([])

    def answer(lag: int) -> None:
        _, fetch = pending.pop(0)
        sync.apply_snapshot(history[max(0, newest - lag)], fetch.ticket)
        drain()

    for item in stream:
        delivered += 1
        if item == "cut":  # a reconnect: the same venue, its ids go on
            sync.reset()
            book.forget_sequence()
        else:
            newest = max(newest, published.index(item) + 1)
            sync.apply_event(item)
        drain()
        if pending and pending[0][0] <= delivered:  # one answer per event: a stale one is asked again
            answer(snapshot_lag)
    # The stream goes on cleanly; answers are now up to date.
    for _ in range(3):
        while pending:
            answer(0)
        published.append(server.update([], []))
        history.append(server.snapshot())
        newest = len(published)
        sync.apply_event(published[-1])
        drain()
    while pending:
        answer(0)

    assert sync.synced and not sync.awaiting_snapshot
    assert (book.bids(), book.asks()) == server.levels()
    assert book.seq == sync.update_id == server.update_id
    assert all(run == sorted(set(run)) for run in applied)  # on one snapshot: never twice, never backwards
    assert not applied[0]  # nothing applied before a snapshot
    event(f"resyncs={min(sync.resyncs, 3)} old={min(sync.old, 1)}")
