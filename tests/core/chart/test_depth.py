"""The depth chart's data from a real OrderBook, checked by value."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tradedash.core.market.book import OrderBook
from tradedash.core.chart.depth import DEPTH_CHOICES, depth_curve
from tradedash.core.wire import Book

T0 = 1_764_061_200_000_000_000


def book_with(bids, asks, seq=1):
    book = OrderBook("BTC-USD")
    book.apply(Book(symbol="BTC-USD", seq=seq, ts=T0, kind="snapshot", bids=bids, asks=asks))
    return book


BIDS = [(99.0, 1.0), (98.5, 2.0), (98.0, 0.5), (97.0, 4.0)]
ASKS = [(101.0, 0.25), (102.0, 1.0), (103.0, 3.0)]


def test_cumulative_sizes_outward_from_the_mid():
    curve = depth_curve(book_with(BIDS, ASKS))
    assert curve.mid == 100.0 and curve.synced
    np.testing.assert_array_equal(curve.bid_price, [99.0, 98.5, 98.0, 97.0])
    np.testing.assert_array_equal(curve.bid_total, [1.0, 3.0, 3.5, 7.5])
    np.testing.assert_array_equal(curve.ask_price, [101.0, 102.0, 103.0])
    np.testing.assert_array_equal(curve.ask_total, [0.25, 1.25, 4.25])


def test_levels_in_any_order_come_out_best_first():
    curve = depth_curve(book_with(list(reversed(BIDS)), [ASKS[2], ASKS[0], ASKS[1]]))
    np.testing.assert_array_equal(curve.bid_total, [1.0, 3.0, 3.5, 7.5])
    np.testing.assert_array_equal(curve.ask_price, [101.0, 102.0, 103.0])


def test_a_chosen_depth_in_levels_and_in_price():
    book = book_with(BIDS, ASKS)
    curve = depth_curve(book, levels=2)
    np.testing.assert_array_equal(curve.bid_price, [99.0, 98.5])
    np.testing.assert_array_equal(curve.bid_total, [1.0, 3.0])
    np.testing.assert_array_equal(curve.ask_total, [0.25, 1.25])
    # Within 2 % of the mid (98.0 .. 102.0, both ends kept).
    curve = depth_curve(book, span=0.02)
    np.testing.assert_array_equal(curve.bid_price, [99.0, 98.5, 98.0])
    np.testing.assert_array_equal(curve.ask_price, [101.0, 102.0])
    np.testing.assert_array_equal(curve.ask_total, [0.25, 1.25])
    both = depth_curve(book, levels=1, span=0.5)
    assert both.bid_price.tolist() == [99.0] and both.ask_price.tolist() == [101.0]
    assert DEPTH_CHOICES[-1] is None
    assert [len(depth_curve(book, choice).bid_price) for choice in DEPTH_CHOICES] == [4] * len(DEPTH_CHOICES)
    with pytest.raises(ValueError):
        depth_curve(book, levels=0)
    with pytest.raises(ValueError):
        depth_curve(book, span=0.0)


def test_the_step_line_starts_at_the_mid_and_rises_at_each_level():
    curve = depth_curve(book_with(BIDS, ASKS))
    x, y = curve.step_line("bid")
    assert x.tolist() == [100.0, 99.0, 99.0, 98.5, 98.5, 98.0, 98.0, 97.0, 97.0]
    assert y.tolist() == [0.0, 0.0, 1.0, 1.0, 3.0, 3.0, 3.5, 3.5, 7.5]
    x, y = curve.step_line("ask")
    assert x.tolist() == [100.0, 101.0, 101.0, 102.0, 102.0, 103.0, 103.0]
    assert y.tolist() == [0.0, 0.0, 0.25, 0.25, 1.25, 1.25, 4.25]
    with pytest.raises(ValueError):
        curve.step_line("both")


def test_an_empty_or_one_sided_book():
    empty = depth_curve(OrderBook("BTC-USD"))
    assert math.isnan(empty.mid) and not empty.synced
    assert len(empty.bid_price) == len(empty.ask_total) == 0
    assert [len(a) for a in empty.step_line("ask")] == [0, 0]
    bids_only = depth_curve(book_with(BIDS, []), span=0.01)  # no mid: the span cannot apply
    assert math.isnan(bids_only.mid) and bids_only.bid_total.tolist() == [1.0, 3.0, 3.5, 7.5]
    x, y = bids_only.step_line("bid")
    assert x[0] == 99.0 and y[0] == 0.0


def test_updates_and_removed_levels_show_at_once_and_a_stopped_book_is_marked():
    book = book_with(BIDS, ASKS)
    book.apply(Book(symbol="BTC-USD", seq=2, prev_seq=1, ts=T0, kind="update", bids=[(98.5, 0.0), (99.5, 2.0)], asks=[]))
    curve = depth_curve(book)
    assert curve.mid == 100.25
    assert curve.bid_price.tolist() == [99.5, 99.0, 98.0, 97.0]
    assert curve.bid_total.tolist() == [2.0, 3.0, 3.5, 7.5]
    book.apply(Book(symbol="BTC-USD", seq=9, prev_seq=7, ts=T0, kind="update", bids=[], asks=[]))  # a gap
    assert depth_curve(book).synced is False


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        (99.5, ("bid", 0.0)),  # between the mid and the best bid: nothing met yet
        (99.0, ("bid", 1.0)),
        (98.7, ("bid", 1.0)),
        (98.5, ("bid", 3.0)),
        (97.0, ("bid", 7.5)),
        (96.9, None),  # past the last bid shown
        (100.0, ("bid", 0.0)),
        (100.5, ("ask", 0.0)),
        (101.0, ("ask", 0.25)),
        (102.9, ("ask", 1.25)),
        (103.0, ("ask", 4.25)),
        (103.1, None),
        (math.nan, None),
    ],
)
def test_the_total_a_market_order_meets_down_or_up_to_a_price(price, expected):
    assert depth_curve(book_with(BIDS, ASKS)).total_at(price) == expected


def test_no_total_without_a_mid():
    assert depth_curve(book_with(BIDS, [])).total_at(98.0) is None
