"""Feed statistics with fake clocks: rates, ages, latency percentiles, clock skew, per-subscription counters."""

from __future__ import annotations

import random

import msgspec
import pytest

from tests.support.builders import ticker
from tradedash.core import wire
from tradedash.core.market.book import BookOutcome
from tradedash.core.feed.stats import FeedStats, RateMeter

NS = 1_000_000_000
WALL0 = 1_764_061_200 * NS


class Clocks:
    """A monotonic clock and a wall clock that move together unless told otherwise."""

    def __init__(self) -> None:
        self.mono = 100.0
        self.wall_offset_ns = WALL0 - int(100.0 * NS)

    def monotonic(self) -> float:
        return self.mono

    def wall_ns(self) -> int:
        return int(self.mono * NS) + self.wall_offset_ns

    def advance(self, seconds: float) -> None:
        self.mono += seconds


def make_stats(clocks: Clocks, **kwargs) -> FeedStats:
    return FeedStats(clocks.monotonic, wall_clock_ns=clocks.wall_ns, **kwargs)


def receive(stats: FeedStats, clocks: Clocks, message, server_offset_ns: int = 0, latency: float = 0.0) -> None:
    """The server stamped ``message`` ``latency`` seconds ago on a clock ``server_offset_ns`` ahead of ours."""
    stamped = msgspec.structs.replace(message, ts=clocks.wall_ns() - int(latency * NS) + server_offset_ns)
    stats.record_market(stamped)
    stats.record_messages(1)


def test_rate_meter_measures_the_last_window_between_readings():
    meter = RateMeter(0.0, window=2.0)
    assert meter.rate(1.0, 50) == 50.0
    assert meter.rate(2.0, 100) == 50.0
    assert meter.rate(3.0, 400) == pytest.approx(350 / 2.0)  # growth since the reading at t=1
    assert meter.rate(6.0, 400) == 0.0  # since t=3, the newest reading at least 2 s old


def test_message_rate_age_and_staleness_follow_the_monotonic_clock():
    clocks = Clocks()
    stats = make_stats(clocks, window=2.0)
    assert stats.last_message_age() is None
    for _ in range(20):
        clocks.advance(0.1)
        stats.record_messages(5)
    assert stats.messages == 100
    assert stats.message_rate() == pytest.approx(50.0)
    assert stats.last_message_age() == 0.0
    clocks.advance(1.5)
    assert stats.last_message_age() == pytest.approx(1.5)
    clocks.advance(1.0)
    assert stats.last_message_age() == pytest.approx(2.5)


def test_latency_percentiles_over_a_bounded_window():
    clocks = Clocks()
    stats = make_stats(clocks, latency_samples=100)
    assert stats.latencies() == [None, None]
    for ms in range(1, 301):  # only the last 100 (201..300 ms) stay in the window
        clocks.advance(0.001)
        receive(stats, clocks, ticker("BTC-USD", ts=0), latency=ms / 1000)
    p50, p99 = stats.latencies((0.5, 0.99))
    assert p50 == pytest.approx(0.251, abs=1e-6)
    assert p99 == pytest.approx(0.300, abs=1e-6)
    assert stats.clock_skew() == 0.0


def test_jittered_latency_is_shown_as_latency_not_skew():
    clocks, rng = Clocks(), random.Random(3)
    stats = make_stats(clocks)
    for _ in range(2000):
        clocks.advance(0.01)
        receive(stats, clocks, ticker("BTC-USD", ts=0), latency=0.5 + rng.uniform(-0.25, 0.25))
    assert stats.clock_skew() == 0.0
    assert stats.latency(0.5) == pytest.approx(0.5, rel=0.1)


@pytest.mark.parametrize("server_ahead", [300.0, -300.0])
def test_server_clock_five_minutes_off_shows_as_skew_not_latency_and_not_stale(server_ahead):
    clocks, rng = Clocks(), random.Random(5)
    stats = make_stats(clocks)
    for _ in range(500):
        clocks.advance(0.02)
        receive(stats, clocks, ticker("BTC-USD", ts=0), int(server_ahead * NS), latency=rng.uniform(0.001, 0.004))
        assert stats.last_message_age() == 0.0
    assert stats.clock_skew() == pytest.approx(server_ahead, abs=0.002)
    p50, p99 = stats.latencies()
    assert 0.0 <= p50 <= 0.004 and p99 <= 0.004


def test_local_wall_clock_jump_restarts_latency_and_skew():
    clocks = Clocks()
    stats = make_stats(clocks)
    for _ in range(100):
        clocks.advance(0.01)
        receive(stats, clocks, ticker("BTC-USD", ts=0), latency=0.002)
    # Our wall clock jumps an hour ahead; the server's does not.
    clocks.wall_offset_ns += 3600 * NS
    for _ in range(100):
        clocks.advance(0.01)
        receive(stats, clocks, ticker("BTC-USD", ts=0), -3600 * NS, latency=0.002)
        assert stats.last_message_age() == 0.0
    assert stats.clock_jumps == 1
    assert stats.clock_skew() == pytest.approx(-3600.0, abs=0.01)
    assert stats.latency(0.99) == pytest.approx(0.0, abs=0.001)


def test_skew_estimate_follows_a_sliding_window():
    clocks = Clocks()
    stats = make_stats(clocks, skew_window=60.0)
    receive(stats, clocks, ticker("BTC-USD", ts=0), 300 * NS)  # one early sample: server 5 minutes ahead
    assert stats.clock_skew() == pytest.approx(300.0)
    for _ in range(70):  # then the server's clock is fixed
        clocks.advance(1.0)
        receive(stats, clocks, ticker("BTC-USD", ts=0), latency=0.001)
    assert stats.clock_skew() == 0.0


def test_heartbeats_give_latency_samples():
    clocks = Clocks()
    stats = make_stats(clocks)
    stats.record_messages(1)
    stats.record_heartbeat(wire.Heartbeat(1, clocks.wall_ns() - 3_000_000))
    assert stats.latency(0.5) == pytest.approx(0.003)


def test_counters_per_subscription_and_book_outcomes():
    clocks = Clocks()
    stats = make_stats(clocks)
    book = wire.Book("ETH-USD", 2, clocks.wall_ns(), "update", [], [], prev_seq=1)
    candle = wire.Candle("ETH-USD", 1, clocks.wall_ns(), "1m", 0, 1.0, 1.0, 1.0, 1.0, 1.0, False)
    stats.record_market(ticker("ETH-USD", ts=clocks.wall_ns()))
    stats.record_market(candle)
    for outcome in (BookOutcome.APPLIED, BookOutcome.GAP, BookOutcome.DROPPED, BookOutcome.RESYNCED,
                    BookOutcome.DUPLICATE, BookOutcome.CHECKSUM_MISMATCH):
        stats.record_market(book, outcome)
    stats.record_messages(7)
    stats.record_book_outcome("ETH-USD", BookOutcome.CHECKSUM_MISMATCH)  # found by a later check
    sub = stats.subscription("book", "ETH-USD")
    assert (sub.messages, sub.gaps, sub.resyncs, sub.duplicates, sub.dropped) == (6, 3, 1, 1, 1)
    assert (stats.gaps, stats.resyncs, stats.duplicates, stats.dropped) == (3, 1, 1, 1)
    assert stats.subscription("candles:1m", "ETH-USD").messages == 1
    clocks.advance(1.0)
    summary = stats.as_dict()
    assert set(summary["subscriptions"]) == {"ticker/ETH-USD", "candles:1m/ETH-USD", "book/ETH-USD"}
    assert summary["subscriptions"]["book/ETH-USD"]["message_rate"] == pytest.approx(6.0)
    assert summary["subscriptions"]["book/ETH-USD"]["last_message_age"] == pytest.approx(1.0)
    assert summary["messages"] == 7 and summary["gaps"] == 3


def test_a_burst_gives_one_latency_sample_its_newest_message_and_stamps_its_subscriptions():
    clocks = Clocks()
    stats = make_stats(clocks)
    clocks.advance(5.0)
    # Three messages stamped 9, 1 and 4 ms ago arrive in one burst of frames.
    for symbol, waited_ms in (("BTC-USD", 9), ("ETH-USD", 1), ("BTC-USD", 4)):
        stats.record_market(ticker(symbol, ts=clocks.wall_ns() - waited_ms * 1_000_000))
    assert stats.latencies() == [None, None] and stats.last_burst_lag() is None  # nothing before the burst ends
    stats.record_messages(3)
    # The freshest data of the burst was 1 ms old when applied: the link's delay. The 9 ms of the
    # first message include the time it waited for the others to arrive.
    assert stats.latencies() == [pytest.approx(0.001), pytest.approx(0.001)]
    assert stats.last_burst_lag() == pytest.approx(0.009)
    assert stats.subscription("ticker", "ETH-USD").last_message_at == clocks.monotonic()
    clocks.advance(2.0)
    stats.record_market(ticker("BTC-USD", ts=clocks.wall_ns() - 2_000_000))
    stats.record_messages(1)
    assert stats.latencies((0.0, 0.99)) == [pytest.approx(0.001), pytest.approx(0.002)]
    assert stats.last_burst_lag() == pytest.approx(0.002)
    summary = stats.as_dict()["subscriptions"]
    assert summary["ticker/BTC-USD"]["last_message_age"] == 0.0
    assert summary["ticker/ETH-USD"]["last_message_age"] == pytest.approx(2.0)
    clocks.advance(1.0)
    stats.record_messages(1)  # a heartbeat-only frame: no market message, so no sample (none of ~1 s)
    assert stats.latencies((0.0, 0.99)) == [pytest.approx(0.001), pytest.approx(0.002)]


def test_last_errors_are_bounded():
    stats = FeedStats(lambda: 0.0, errors_kept=3)
    for i in range(10):
        stats.record_error(f"error {i}")
    assert list(stats.last_errors) == ["error 7", "error 8", "error 9"]


def test_a_nonsense_stamp_is_counted_not_sampled():
    clocks = Clocks()
    stats = make_stats(clocks)
    stats.record_market(ticker("BTC-USD", ts=0))  # 1970: 56 years of "latency"
    stats.record_messages(1)
    stats.record_market(ticker("BTC-USD", ts=clocks.wall_ns() - 1_000_000))
    stats.record_messages(1)
    assert stats.bad_stamps == 1
    assert stats.latencies() == [pytest.approx(0.001), pytest.approx(0.001)]
    assert stats.clock_skew() == 0.0


def test_rate_meter_read_very_often_stays_small_and_right():
    meter = RateMeter(0.0, window=2.0)
    for k in range(1, 10_001):  # read every millisecond for 10 s at 1,000 events/s
        rate = meter.rate(k / 1000, k)
    assert rate == pytest.approx(1000.0)
    assert len(meter._readings) <= 18


def test_a_repeated_error_is_collapsed_into_one_line_with_its_count():
    stats = make_stats(Clocks(), errors_kept=3)
    for _ in range(14):
        stats.record_error("cannot connect: Connect call failed")
    stats.record_error("connection closed: 1001")
    stats.record_error("cannot connect: Connect call failed")
    assert list(stats.last_errors) == [
        "cannot connect: Connect call failed (x14)", "connection closed: 1001", "cannot connect: Connect call failed",
    ]


def test_errors_that_differ_only_by_symbol_fold_into_one_line_naming_the_latest_symbols():
    stats = make_stats(Clocks(), errors_kept=3)
    stats.record_error("connection closed: 1006")
    for _ in range(3):  # REST down: every book's snapshot fails, in turn
        for symbol in ("BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT"):
            stats.record_error(f"{symbol} snapshot: HTTP Error 503: Service Unavailable", symbol)
    assert list(stats.last_errors) == [
        "connection closed: 1006",  # still in view
        "SOLUSDT, BNBUSDT, XRPUSDT (+2 more) snapshot: HTTP Error 503: Service Unavailable (x15)",
    ]
    assert stats.last_error == "XRPUSDT snapshot: HTTP Error 503: Service Unavailable"
    assert stats.symbol_error("BTCUSDT") == "BTCUSDT snapshot: HTTP Error 503: Service Unavailable"
    stats.record_error("BTCUSDT snapshot: timed out", "BTCUSDT")  # another kind of error: a line of its own
    assert list(stats.last_errors)[-1] == "BTCUSDT snapshot: timed out"
    stats.record_error("connection closed: 1006")  # an error of no symbol: the symbols' errors are history
    assert stats.symbol_error("BTCUSDT") is None and len(stats.last_errors) == 3
