"""A depth view's updates, applied the way a client applies them, rebuild the book's top levels: at
every depth, across fast moves and gaps in the view's steps, with the checksum the client computes."""

from __future__ import annotations

import pytest

from mock_exchange.market import DEFAULT_SPECS, SymbolSimulator
from mock_exchange.market.book import DepthView, LevelBook
from tradedash.core.wire import book_checksum


def _apply(held: dict[float, float], changes: list[tuple[float, float]]) -> None:
    for price, size in changes:
        if size == 0:
            held.pop(price, None)
        else:
            held[price] = size


@pytest.mark.parametrize("depth", [1, 5, 10, 20, 50])
@pytest.mark.parametrize("symbol", ["BTC-USD", "DOGE-USD"])
def test_updates_rebuild_the_top_levels_with_the_checksum_a_client_computes(symbol, depth):
    sim = SymbolSimulator(DEFAULT_SPECS[symbol], 11)
    book = LevelBook(sim, 5)
    book.move(sim.step(0.0))
    bids, asks = book.top(depth)
    view = DepthView(depth, book)
    held_bids, held_asks = dict(bids), dict(asks)
    for step in range(3000):
        if step % 97 == 0:
            sim.mid *= 1.01 if step % 2 else 0.99  # a fast move: the quote crosses many levels
        book.move(sim.step(0.0 if step % 5 == 0 else 2.0))
        if step % 13 == 0:
            book.move(sim.step(1.0))  # the view misses a move: it compares every level next time
        changes_bids, changes_asks, checksum = view.advance(book)
        for changes, best_first in ((changes_bids, True), (changes_asks, False)):
            prices = [price for price, _ in changes]
            assert prices == sorted(prices, reverse=best_first) and len(set(prices)) == len(prices)
        _apply(held_bids, changes_bids)
        _apply(held_asks, changes_asks)
        bids, asks = book.top(depth)
        assert sorted(held_bids.items(), reverse=True) == bids
        assert sorted(held_asks.items()) == asks
        assert checksum == book_checksum(bids, asks)


def test_an_update_lists_only_what_changed():
    sim = SymbolSimulator(DEFAULT_SPECS["ETH-USD"], 3)
    book = LevelBook(sim, 2)
    book.move(sim.step(0.0))
    view = DepthView(50, book)
    before = book.top(50)
    book.move(sim.step(1.0))
    after = book.top(50)
    bids, asks, _ = view.advance(book)
    for old, new, changes in ((before[0], after[0], bids), (before[1], after[1], asks)):
        old_map, new_map = dict(old), dict(new)
        expected = {p: s for p, s in new if old_map.get(p) != s} | {p: 0.0 for p in old_map if p not in new_map}
        assert dict(changes) == expected
