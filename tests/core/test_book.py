"""The order book: in-sequence updates only, and any damaged stream ends equal to the server's book."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tradedash.core import wire
from tradedash.core.book import BookOutcome, OrderBook
from tradedash.core.market import MarketState

SYMBOL = "BTC-USD"


class ReferenceServer:
    """The server's side: a book it changes at random and the messages it publishes."""

    def __init__(self) -> None:
        self.bids: dict[float, float] = {}
        self.asks: dict[float, float] = {}
        self.seq = 0

    def levels(self) -> tuple[list[wire.Level], list[wire.Level]]:
        return sorted(self.bids.items(), reverse=True), sorted(self.asks.items())

    def checksum(self) -> int:
        return wire.book_checksum(*self.levels())

    def snapshot(self) -> wire.Book:
        bids, asks = self.levels()
        return wire.Book(SYMBOL, self.seq, 0, "snapshot", bids, asks, checksum=self.checksum())

    def update(self, bid_changes: list[wire.Level], ask_changes: list[wire.Level]) -> wire.Book:
        for side, changes in ((self.bids, bid_changes), (self.asks, ask_changes)):
            for price, size in changes:
                if size:
                    side[price] = size
                else:
                    side.pop(price, None)
        self.seq += 1
        return wire.Book(
            SYMBOL, self.seq, 0, "update", bid_changes, ask_changes, prev_seq=self.seq - 1, checksum=self.checksum()
        )


# Bids below 100, asks above; sizes 0 remove a level.
sizes = st.sampled_from([0.0, 0.0, 0.5, 1.0, 2.25, 7.0])
bid_changes = st.lists(st.tuples(st.integers(0, 30).map(lambda k: 99.5 - 0.5 * k), sizes), max_size=4)
ask_changes = st.lists(st.tuples(st.integers(0, 30).map(lambda k: 100.5 + 0.5 * k), sizes), max_size=4)
faults = st.sampled_from(["none"] * 6 + ["drop", "duplicate", "old", "swap", "tamper"])


def _levels(book: OrderBook) -> tuple[list[wire.Level], list[wire.Level]]:
    return book.bids(), book.asks()


@settings(max_examples=150, deadline=None)
@given(
    initial=st.lists(st.tuples(bid_changes, ask_changes), max_size=5),
    steps=st.lists(st.tuples(bid_changes, ask_changes, faults), min_size=1, max_size=60),
    snapshot_first=st.booleans(),
)
def test_damaged_stream_ends_equal_to_server_book_after_resync(initial, steps, snapshot_first):
    server = ReferenceServer()
    for bids, asks in initial:
        server.update(bids, asks)
    market = MarketState(clock=lambda: 0.0)
    delivered: list[wire.Book] = []
    requests = 0

    def deliver(message: wire.Book) -> None:
        nonlocal requests
        market.apply(message)
        for symbol in market.take_snapshot_requests():
            assert symbol == SYMBOL
            requests += 1
            market.apply(server.snapshot())  # the server answers with its book as it is now

    if snapshot_first:
        deliver(server.snapshot())
    held: wire.Book | None = None
    for bids, asks, fault in steps:
        message = server.update(bids, asks)
        if held is not None:  # the second half of a swap: the later message went first
            deliver(message)
            deliver(held)
            held = None
            delivered.append(message)
            continue
        if fault == "drop":
            continue
        if fault == "swap":
            held = message
            continue
        if fault == "tamper":  # a level the server never sent, at the top of the bids
            message = wire.Book(
                SYMBOL, message.seq, 0, "update", [*message.bids, (99.75, 3.0)], message.asks,
                prev_seq=message.prev_seq, checksum=message.checksum,
            )
        deliver(message)
        if fault == "duplicate":
            deliver(message)
        if fault == "old" and delivered:
            deliver(delivered[0])
        delivered.append(message)
    if held is not None:
        deliver(held)
    deliver(server.update([], []))  # one clean trailing update reveals any gap left at the end

    book = market.symbols[SYMBOL].book
    assert market.resyncing_symbols() == set()
    assert book.synced
    assert _levels(book) == server.levels()
    assert book.seq == server.seq
    assert book.checksum() == wire.book_checksum(book.bids(), book.asks())
    assert book.resyncs == book.gaps == requests  # every stop asked once, and every answer rebuilt the book


def test_updates_in_sequence_are_applied_and_levels_are_best_first():
    server = ReferenceServer()
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
    server = ReferenceServer()
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
    server = ReferenceServer()
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
    server = ReferenceServer()
    market = MarketState(clock=lambda: 0.0)
    market.apply(server.snapshot())
    good = server.update([(99.0, 1.0)], [])
    bad = wire.Book(SYMBOL, good.seq, 0, "update", [(99.0, 1.5)], [], prev_seq=good.prev_seq, checksum=good.checksum)
    assert market.apply(bad) is BookOutcome.CHECKSUM_MISMATCH
    assert market.take_snapshot_requests() == [SYMBOL]
    book = market.symbols[SYMBOL].book
    assert book.resyncing and book.checksum_mismatches == 1
    market.apply(server.snapshot())
    assert book.synced and _levels(book) == server.levels()


def test_update_before_any_snapshot_asks_for_one():
    server = ReferenceServer()
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
    server = ReferenceServer()
    market = MarketState(clock=lambda: now[0], snapshot_retry=2.0)
    market.apply(server.update([], []))
    assert market.take_snapshot_requests() == [SYMBOL]
    now[0] = 1.9
    assert market.take_snapshot_requests() == []
    now[0] = 2.0
    assert market.take_snapshot_requests() == [SYMBOL]


def test_reset_sequences_after_reconnect_accepts_the_new_servers_numbering():
    server = ReferenceServer()
    market = MarketState(clock=lambda: 0.0)
    market.apply(server.snapshot())
    for _ in range(5):
        market.apply(server.update([(99.0, 1.0)], []))
    market.reset_sequences()
    restarted = ReferenceServer()  # numbers from 1 again
    assert market.apply(restarted.update([(98.0, 1.0)], [])) is BookOutcome.NO_SNAPSHOT
    assert market.take_snapshot_requests() == [SYMBOL]
    assert market.apply(restarted.snapshot()) is BookOutcome.RESYNCED
    assert market.apply(restarted.update([(97.0, 1.0)], [])) is BookOutcome.APPLIED
    assert _levels(market.symbols[SYMBOL].book) == restarted.levels()
