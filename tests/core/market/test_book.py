"""The order book: in-sequence updates only, and any damaged stream ends equal to the server's book."""

from __future__ import annotations

import msgspec
from hypothesis import event, given, settings
from hypothesis import strategies as st

from tests.reference_book import ReferenceBook
from tradedash.core import wire
from tradedash.core.market.book import BookOutcome, OrderBook
from tradedash.core.market.state import MarketState

SYMBOL = "BTC-USD"


# Bids below 100, asks above; sizes 0 remove a level.
sizes = st.sampled_from([0.0, 0.0, 0.5, 1.0, 2.25, 7.0])
bid_changes = st.lists(st.tuples(st.integers(0, 30).map(lambda k: 99.5 - 0.5 * k), sizes), max_size=4)
ask_changes = st.lists(st.tuples(st.integers(0, 30).map(lambda k: 100.5 + 0.5 * k), sizes), max_size=4)
#: What the network and a buggy server do to the stream: (fault, position, distance).
faults = st.lists(
    st.tuples(st.sampled_from(["drop", "duplicate", "replay old", "move later", "tamper"]), st.integers(0, 10**6),
              st.integers(1, 6)),
    max_size=8,
)


def _levels(book: OrderBook) -> tuple[list[wire.Level], list[wire.Level]]:
    return book.bids(), book.asks()


def _damage(published: list[wire.Book], damage) -> list[wire.Book]:
    stream = list(published)
    for fault, position, distance in damage:
        if not stream:
            break
        i = position % len(stream)
        message = stream[i]
        if fault == "drop":
            del stream[i]
        elif fault == "duplicate":
            stream.insert(min(len(stream), i + distance), message)
        elif fault == "replay old":
            stream.insert(i, stream[max(0, i - distance)])
        elif fault == "move later":
            stream.insert(min(len(stream), i + distance), stream.pop(i))
        elif fault == "tamper" and message.kind == "update":  # a level the server never sent, at the top of the bids
            stream[i] = msgspec.structs.replace(message, bids=[*message.bids, (99.75, 3.0)])
    return stream


@settings(max_examples=150, deadline=None)
@given(
    initial=st.lists(st.tuples(bid_changes, ask_changes), max_size=5),
    changes=st.lists(st.tuples(bid_changes, ask_changes), min_size=1, max_size=60),
    damage=faults,
    snapshot_delay=st.integers(0, 5),
    snapshot_first=st.booleans(),
    burst=st.integers(1, 8),
)
def test_damaged_stream_ends_equal_to_server_book_after_resync(
    initial, changes, damage, snapshot_delay, snapshot_first, burst
):
    """Drops, duplicates, old replays, reorders and tampered levels; snapshots answered a few messages late;
    checksums verified once per burst of ``burst`` messages."""
    server = ReferenceBook(SYMBOL)
    for bids, asks in initial:
        server.update(bids, asks)
    snapshots = {server.seq: server.snapshot()}  # what the server answers at each of its seqs
    published = [server.snapshot()] if snapshot_first else []
    for bids, asks in changes:
        published.append(server.update(bids, asks))
        snapshots[server.seq] = server.snapshot()

    market = MarketState(clock=lambda: 0.0)
    applied_seqs: list[int] = []
    answers_due: list[int] = []  # after how many delivered messages each snapshot request is answered
    delivered = newest_sent = 0  # newest_sent: the newest seq the server has published by now

    def deliver(message: wire.Book, burst_ends: bool = True) -> None:
        nonlocal newest_sent
        newest_sent = max(newest_sent, message.seq)
        if market.apply(message) is BookOutcome.APPLIED:
            applied_seqs.append(message.seq)
        if burst_ends:
            market.verify_books()
            answers_due.extend(delivered + snapshot_delay for _ in market.take_snapshot_requests())

    for message in _damage(published, damage):
        delivered += 1
        deliver(message, burst_ends=delivered % burst == 0)
        while answers_due and answers_due[0] <= delivered:
            answers_due.pop(0)
            deliver(snapshots[newest_sent])
    while answers_due:
        answers_due.pop(0)
        deliver(snapshots[newest_sent])
    # The stream goes on cleanly: a trailing update reveals any gap left at the end; answers come at once.
    deliver(server.update([], []))
    while answers_due:
        answers_due.pop(0)
        deliver(server.snapshot())

    book = market.symbols[SYMBOL].book
    assert market.resyncing_symbols() == set()
    assert book.synced
    assert _levels(book) == server.levels()
    assert book.seq == server.seq
    assert book.checksum() == wire.book_checksum(book.bids(), book.asks())
    assert len(applied_seqs) == len(set(applied_seqs))  # never applied twice
    event(f"gaps={min(book.gaps, 3)} dups={min(book.duplicates, 1)} mismatches={min(book.checksum_mismatches, 1)}")


#: Resize or remove the i-th best level of one side: aims at the edge of the checksummed top ten.
relative_changes = st.tuples(st.sampled_from(["bids", "asks"]), st.integers(0, 12), sizes)


@settings(max_examples=200, deadline=None)
@given(changes=st.lists(st.one_of(st.tuples(bid_changes, ask_changes), relative_changes), min_size=1, max_size=80))
def test_a_clean_stream_applies_every_update_and_every_checksum_matches(changes):
    """No false alarms: deep books, levels changing at, above and below the tenth."""
    server = ReferenceBook(SYMBOL)
    server.update([(99.5 - k, 1.0) for k in range(15)], [(100.5 + k, 1.0) for k in range(15)])  # deep from the start
    book = OrderBook(SYMBOL)
    book.apply(server.snapshot())
    for change in changes:
        if isinstance(change[0], str):
            side, index, size = change
            levels = server.levels()[0 if side == "bids" else 1]
            if index >= len(levels):
                continue
            edit = [(levels[index][0], size)]
            message = server.update(edit, []) if side == "bids" else server.update([], edit)
        else:
            message = server.update(*change)
        assert book.apply(message) is BookOutcome.APPLIED
        assert book.verify() is None
    assert _levels(book) == server.levels()


def test_updates_in_sequence_are_applied_and_levels_are_best_first():
    server = ReferenceBook(SYMBOL)
    book = OrderBook(SYMBOL)
    assert book.apply(server.snapshot()) is BookOutcome.REBUILT
    assert book.apply(server.update([(99.0, 1.0), (98.0, 2.0), (99.5, 0.5)], [(101.0, 1.0), (100.5, 3.0)])) is (
        BookOutcome.APPLIED
    )
    assert book.bids() == [(99.5, 0.5), (99.0, 1.0), (98.0, 2.0)]
    assert book.asks(1) == [(100.5, 3.0)]
    assert book.best_bid() == (99.5, 0.5) and book.best_ask() == (100.5, 3.0)
    assert book.spread() == 1.0 and book.mid() == 100.0
    assert book.apply(server.update([(99.5, 0.0)], [])) is BookOutcome.APPLIED
    assert book.best_bid() == (99.0, 1.0)
    assert book.depth() == (2, 2)
    assert book.synced and book.updates == 2


def test_empty_book_has_no_spread_or_mid():
    book = OrderBook(SYMBOL)
    assert book.best_bid() is None and book.best_ask() is None
    assert book.spread() is None and book.mid() is None
    assert not book.synced


def test_duplicate_and_old_updates_are_ignored_and_counted_never_applied_twice():
    server = ReferenceBook(SYMBOL)
    book = OrderBook(SYMBOL)
    book.apply(server.snapshot())
    first = server.update([(99.0, 1.0)], [])
    assert book.apply(first) is BookOutcome.APPLIED
    second = server.update([(99.0, 0.0)], [(101.0, 2.0)])
    assert book.apply(second) is BookOutcome.APPLIED
    version = book.version
    assert book.apply(second) is BookOutcome.DUPLICATE
    assert book.apply(first) is BookOutcome.DUPLICATE
    assert book.duplicates == 2 and book.version == version
    assert _levels(book) == server.levels()
    assert book.synced


def test_gap_stops_the_book_until_a_snapshot_rebuilds_it():
    server = ReferenceBook(SYMBOL)
    market = MarketState(clock=lambda: 0.0)
    market.apply(server.snapshot())
    server.update([(99.0, 1.0)], [])  # lost on the way
    assert market.apply(server.update([(98.0, 1.0)], [])) is BookOutcome.GAP
    assert market.resyncing_symbols() == {SYMBOL}
    assert market.take_snapshot_requests() == [SYMBOL]
    assert market.take_snapshot_requests() == []  # asked once
    assert market.apply(server.update([(97.0, 1.0)], [])) is BookOutcome.DROPPED
    assert market.symbols[SYMBOL].book.bids() == []  # nothing applied while resyncing
    assert market.apply(server.snapshot()) is BookOutcome.RESYNCED
    assert market.resyncing_symbols() == set()
    book = market.symbols[SYMBOL].book
    assert _levels(book) == server.levels()
    assert (book.gaps, book.resyncs, book.dropped) == (1, 1, 1)
    assert market.apply(server.update([(96.0, 1.0)], [])) is BookOutcome.APPLIED


def test_checksum_mismatch_triggers_a_resync():
    server = ReferenceBook(SYMBOL)
    market = MarketState(clock=lambda: 0.0)
    market.apply(server.snapshot())
    good = server.update([(99.0, 1.0)], [])
    bad = wire.Book(SYMBOL, good.seq, 0, "update", [(99.0, 1.5)], [], prev_seq=good.prev_seq, checksum=good.checksum)
    assert market.apply(bad) is BookOutcome.APPLIED  # checked once per burst, not per message
    assert market.take_snapshot_requests() == []
    assert market.verify_books() == [(SYMBOL, BookOutcome.CHECKSUM_MISMATCH)]
    assert market.verify_books() == []  # reported once
    assert market.take_snapshot_requests() == [SYMBOL]
    book = market.symbols[SYMBOL].book
    assert book.resyncing and book.checksum_mismatches == 1
    market.apply(server.snapshot())
    assert book.synced and _levels(book) == server.levels()


def test_verify_checks_the_newest_claim_of_a_burst_and_nothing_a_snapshot_replaced():
    server = ReferenceBook(SYMBOL)
    book = OrderBook(SYMBOL)
    book.apply(server.snapshot())
    good = server.update([(99.0, 1.0)], [])
    wrong = msgspec.structs.replace(good, bids=[(99.0, 4.0)])  # the book diverges...
    assert book.apply(wrong) is BookOutcome.APPLIED
    assert book.apply(server.update([(99.0, 2.0)], [])) is BookOutcome.APPLIED  # ...and the next update repairs it
    assert book.verify() is None and book.synced and _levels(book) == server.levels()
    assert book.apply(msgspec.structs.replace(server.update([(98.0, 1.0)], []), bids=[(98.0, 9.0)]))
    assert book.apply(server.update([(97.0, 1.0)], [])) is BookOutcome.APPLIED  # the divergence at 98 stays
    assert book.verify() is BookOutcome.CHECKSUM_MISMATCH and book.resyncing
    assert book.verify() is None  # one report per claim
    assert book.apply(server.snapshot()) is BookOutcome.RESYNCED
    lying = msgspec.structs.replace(server.update([(96.0, 1.0)], []), checksum=1)
    assert book.apply(lying) is BookOutcome.APPLIED
    assert book.apply(server.snapshot()) is BookOutcome.REBUILT  # same seq: rebuilds, and forgets the claim
    assert book.verify() is None and book.synced


def test_update_before_any_snapshot_asks_for_one():
    server = ReferenceBook(SYMBOL)
    market = MarketState(clock=lambda: 0.0)
    assert market.apply(server.update([(99.0, 1.0)], [])) is BookOutcome.NO_SNAPSHOT
    assert market.take_snapshot_requests() == [SYMBOL]


def test_message_without_checksum_is_not_checked():
    book = OrderBook(SYMBOL)
    book.apply(wire.Book(SYMBOL, 5, 0, "snapshot", [(99.0, 1.0)], [(101.0, 1.0)]))
    assert book.apply(wire.Book(SYMBOL, 6, 0, "update", [(99.0, 2.0)], [], prev_seq=5)) is BookOutcome.APPLIED
    assert book.bids() == [(99.0, 2.0)]


def test_unanswered_snapshot_request_is_repeated_after_the_retry_period():
    now = [0.0]
    server = ReferenceBook(SYMBOL)
    market = MarketState(clock=lambda: now[0], snapshot_retry=2.0)
    market.apply(server.update([], []))
    assert market.take_snapshot_requests() == [SYMBOL]
    now[0] = 1.9
    assert market.take_snapshot_requests() == []
    now[0] = 2.0
    assert market.take_snapshot_requests() == [SYMBOL]


def test_reset_sequences_after_reconnect_accepts_the_new_servers_numbering():
    server = ReferenceBook(SYMBOL)
    market = MarketState(clock=lambda: 0.0)
    market.apply(server.snapshot())
    for _ in range(5):
        market.apply(server.update([(99.0, 1.0)], []))
    market.reset_sequences()
    restarted = ReferenceBook(SYMBOL)  # numbers from 1 again
    assert market.apply(restarted.update([(98.0, 1.0)], [])) is BookOutcome.NO_SNAPSHOT
    assert market.take_snapshot_requests() == [SYMBOL]
    assert market.apply(restarted.snapshot()) is BookOutcome.RESYNCED
    assert market.apply(restarted.update([(97.0, 1.0)], [])) is BookOutcome.APPLIED
    assert _levels(market.symbols[SYMBOL].book) == restarted.levels()


def test_a_snapshot_older_than_the_book_is_ignored_but_one_at_the_same_seq_repairs_it():
    server = ReferenceBook(SYMBOL)
    book = OrderBook(SYMBOL)
    old = server.snapshot()
    book.apply(old)
    good = server.update([(99.0, 1.0)], [])
    book.apply(good)
    assert book.apply(old) is BookOutcome.DUPLICATE and book.seq == good.seq
    book.apply(server.update([(98.0, 1.0)], []))
    tampered = msgspec.structs.replace(server.update([(97.0, 1.0)], []), asks=[(100.75, 1.0)])
    assert book.apply(tampered) is BookOutcome.APPLIED
    assert book.verify() is BookOutcome.CHECKSUM_MISMATCH
    assert book.apply(server.snapshot()) is BookOutcome.RESYNCED  # same seq as the tampered update
    assert _levels(book) == server.levels()


def test_clearing_an_unsubscribed_book_ends_its_resync():
    server = ReferenceBook(SYMBOL)
    market = MarketState(clock=lambda: 0.0)
    market.apply(server.snapshot())
    server.update([(99.0, 1.0)], [])
    market.apply(server.update([(98.0, 1.0)], []))  # a gap
    assert market.resyncing_symbols() == {SYMBOL}
    market.clear_book(SYMBOL)
    book = market.symbols[SYMBOL].book
    assert market.resyncing_symbols() == set() and market.take_snapshot_requests() == []
    assert book.bids() == [] and book.seq is None and not book.resyncing
    market.clear_book("never seen")  # harmless
