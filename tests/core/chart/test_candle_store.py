"""The SQLite candle cache with real files: restart, gap fill, damaged and locked files, two writers."""

from __future__ import annotations

import os
import sqlite3
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradedash.core.chart.candle_store import CANDLE_FILE, CandleStore, SeriesKey
from tradedash.core.market.candles import CandleSeries

T0 = 1_764_061_200_000_000_000  # 2025-11-25 09:00:00 UTC
SECOND = 1_000_000_000
MINUTE = 60 * SECOND
KEY = SeriesKey("mock", "BTC-USD", "1m")


def bars(first: int, count: int, step: int = MINUTE, price: float = 100.0):
    return [(first + k * step, price + k, price + k + 2, price + k - 1, price + k + 1, 0.5 * k) for k in range(count)]


def rows_of(view):
    columns = (view.start, view.open, view.high, view.low, view.close, view.volume)
    return [tuple(row) for row in zip(*(column.tolist() for column in columns))]


@pytest.fixture
def path(tmp_path):
    return tmp_path / CANDLE_FILE


def test_bars_survive_a_restart(path, tmp_path):
    store = CandleStore.beside(tmp_path / "config.toml")
    assert store.path == path
    assert store.save_bars(KEY, bars(T0, 100))
    assert store.save_bars(SeriesKey("mock", "ETH-USD", "1m"), bars(T0, 5, price=3.0))
    store.close()
    reopened = CandleStore(path)
    view = reopened.load(KEY, count=30)
    assert rows_of(view) == bars(T0, 100)[-30:]
    assert view.closed.all() and np.array_equal(view.time, view.start / 1e9)
    assert rows_of(reopened.load(KEY, count=10, end=T0 + 50 * MINUTE)) == bars(T0, 100)[40:50]
    assert rows_of(reopened.load(SeriesKey("mock", "ETH-USD", "1m"), count=100)) == bars(T0, 5, price=3.0)
    assert len(reopened.load(SeriesKey("other", "BTC-USD", "1m"), count=100).start) == 0
    assert reopened.problems == [] and not reopened.in_memory
    assert reopened._db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_saved_bar_is_replaced_by_a_later_save(path):
    store = CandleStore(path)
    store.save_bars(KEY, bars(T0, 3))
    store.save_bars(KEY, [(T0 + MINUTE, 1.0, 2.0, 0.5, 1.5, 9.0)])
    assert rows_of(store.load(KEY, 10))[1] == (T0 + MINUTE, 1.0, 2.0, 0.5, 1.5, 9.0)


def test_only_the_missing_ranges_are_asked_for(path):
    store = CandleStore(path)
    now = T0 + 100 * MINUTE + 25_000_000_000  # inside the bar at +100 min: the live bar, not asked for
    assert store.missing(KEY, T0, now) == [(T0, T0 + 100 * MINUTE)]
    # The app saved live bars 60..79 in the last session, then a history page answered 10..30.
    store.save_bars(KEY, bars(T0 + 60 * MINUTE, 20))
    store.save_bars(KEY, bars(T0 + 10 * MINUTE, 5), covered=(T0 + 10 * MINUTE, T0 + 30 * MINUTE))
    assert store.covered(KEY) == [(T0 + 10 * MINUTE, T0 + 30 * MINUTE), (T0 + 60 * MINUTE, T0 + 80 * MINUTE)]
    assert store.missing(KEY, T0, now) == [
        (T0, T0 + 10 * MINUTE),
        (T0 + 30 * MINUTE, T0 + 60 * MINUTE),
        (T0 + 80 * MINUTE, T0 + 100 * MINUTE),
    ]
    # A quiet range answered with no bars is covered all the same, and ranges that touch merge.
    assert store.save_bars(KEY, [], covered=(T0 + 30 * MINUTE, T0 + 60 * MINUTE))
    assert store.covered(KEY) == [(T0 + 10 * MINUTE, T0 + 80 * MINUTE)]
    # Not on the grid: widened to whole bars.
    assert store.missing(KEY, T0 + 5, now) == [(T0, T0 + 10 * MINUTE), (T0 + 80 * MINUTE, T0 + 100 * MINUTE)]
    store.save_bars(KEY, bars(T0, 10))
    store.save_bars(KEY, bars(T0 + 80 * MINUTE, 20))
    assert store.missing(KEY, T0, now) == []
    assert store.covered(KEY) == [(T0, T0 + 100 * MINUTE)]
    # Other series are not covered by this one.
    assert store.missing(SeriesKey("mock", "BTC-USD", "5m"), T0, now) == [(T0, T0 + 100 * MINUTE)]


def test_closed_bars_of_a_live_series_are_saved_and_the_live_one_is_not(path):
    series = CandleSeries("1m")
    for k in range(5):
        series.add_trade(T0 + k * MINUTE + 1, 10.0 + k, 1.0)
    store = CandleStore(path)
    assert store.save_closed(KEY, series.view())
    assert store.load(KEY, 10).start.tolist() == [T0 + k * MINUTE for k in range(4)]
    assert store.missing(KEY, T0, T0 + 4 * MINUTE) == []


def test_random_bytes_are_moved_aside_and_the_store_rebuilt(path):
    path.write_bytes(os.urandom(8192))
    store = CandleStore(path)
    assert len(store.problems) == 1 and str(path) in store.problems[0] and "moved to" in store.problems[0]
    aside = list(path.parent.glob(CANDLE_FILE + ".bad-*"))
    assert len(aside) == 1 and aside[0].stat().st_size == 8192
    assert not store.in_memory
    assert store.save_bars(KEY, bars(T0, 3))
    store.close()
    assert rows_of(CandleStore(path).load(KEY, 10)) == bars(T0, 3)


def test_a_truncated_file_is_moved_aside_and_rebuilt(path):
    store = CandleStore(path)
    store.save_bars(KEY, bars(T0, 5000))
    store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    data = path.read_bytes()
    assert len(data) > 3 * 4096
    path.write_bytes(data[: len(data) // 3])
    reopened = CandleStore(path)
    assert any(str(path) in problem and "rebuilt" in problem for problem in reopened.problems)
    assert list(path.parent.glob(CANDLE_FILE + ".bad-*"))
    assert reopened.save_bars(KEY, bars(T0, 2)) and rows_of(reopened.load(KEY, 10)) == bars(T0, 2)


def test_a_file_damaged_while_open_is_rebuilt_on_the_next_read(path):
    store = CandleStore(path)
    store.save_bars(KEY, bars(T0, 5000))
    store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # Overwrite the pages after the first with garbage behind the open connection's back.
    with open(path, "r+b") as f:
        f.seek(4096)
        f.write(os.urandom(path.stat().st_size - 4096))
    store._db.execute("PRAGMA shrink_memory")  # drop cached pages: the next read goes to the file
    assert len(store.load(KEY, 100).start) == 0  # no exception: the damage is found and the file rebuilt
    assert len(store.problems) == 1 and "malformed" in store.problems[0] and str(path) in store.problems[0]
    assert list(path.parent.glob(CANDLE_FILE + ".bad-*"))
    assert store.save_bars(KEY, bars(T0, 2)) and rows_of(store.load(KEY, 10)) == bars(T0, 2)


def test_a_file_of_an_unknown_schema_is_moved_aside(path):
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    store = CandleStore(path)
    assert "unknown schema version 99" in store.problems[0]
    assert store.save_bars(KEY, bars(T0, 1))


def test_a_locked_file_is_reported_and_left_to_its_owner(path):
    """Another program holds an exclusive lock on a file it keeps in rollback-journal mode: the file is
    theirs, so this session reports it and keeps candles in memory."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("CREATE TABLE theirs (x)")
    other.execute("BEGIN EXCLUSIVE")
    store = CandleStore(path, timeout=0.05)
    assert store.in_memory
    assert len(store.problems) == 1 and str(path) in store.problems[0] and "locked" in store.problems[0]
    assert store.save_bars(KEY, bars(T0, 3)) and rows_of(store.load(KEY, 10)) == bars(T0, 3)
    other.execute("COMMIT")
    assert other.execute("SELECT name FROM sqlite_master").fetchall() == [("theirs",)]  # untouched
    other.close()
    assert not list(path.parent.glob(CANDLE_FILE + ".bad-*"))


def test_a_save_that_meets_a_lock_is_skipped_and_reported(path):
    store = CandleStore(path, timeout=0.05)
    store.save_bars(KEY, bars(T0, 2))
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    assert store.save_bars(KEY, bars(T0 + 2 * MINUTE, 2)) is False
    assert "locked" in store.problems[-1] and str(path) in store.problems[-1] and "2 bars not saved" in store.problems[-1]
    assert rows_of(store.load(KEY, 10)) == bars(T0, 2)  # readers still read under WAL
    other.execute("COMMIT")
    other.close()
    assert store.save_bars(KEY, bars(T0 + 2 * MINUTE, 2))
    assert rows_of(store.load(KEY, 10)) == bars(T0, 2) + bars(T0 + 2 * MINUTE, 2)


def test_a_directory_that_cannot_hold_the_file_means_memory(tmp_path):
    (tmp_path / "a-file").write_text("not a directory")
    store = CandleStore(tmp_path / "a-file" / CANDLE_FILE)
    assert store.in_memory and "cannot be opened" in store.problems[0]
    assert store.save_bars(KEY, bars(T0, 1))


def test_a_first_start_makes_the_missing_config_directory(tmp_path):
    """A first start: no config directory yet (the config file is only written on a change)."""
    store = CandleStore.beside(tmp_path / "new" / "tradedash" / "config.toml")
    assert store.problems == [] and not store.in_memory
    assert store.save_bars(KEY, bars(T0, 3))
    store.close()
    assert rows_of(CandleStore(tmp_path / "new" / "tradedash" / CANDLE_FILE).load(KEY, 10)) == bars(T0, 3)


def test_two_writers_at_once_lose_nothing(path):
    """Two stores on one file (two windows of the app) save different bars of the same series from two threads."""
    CandleStore(path).close()
    errors: list[BaseException] = []
    results: list[bool] = []

    def writer(first: int) -> None:
        try:
            store = CandleStore(path, timeout=10.0)
            for k in range(50):
                results.append(store.save_bars(KEY, bars(first + 2 * k * MINUTE, 1), covered=None))
            assert store.problems == []
            store.close()
        except BaseException as error:  # reported to the main thread
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(T0 + offset * MINUTE,)) for offset in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and results == [True] * 100
    store = CandleStore(path)
    assert store.load(KEY, 1000).start.tolist() == [T0 + k * MINUTE for k in range(100)]
    assert store.covered(KEY) == [(T0, T0 + 100 * MINUTE)]


def test_an_unknown_interval_is_a_caller_error(path):
    with pytest.raises(ValueError, match="unknown interval '2m'"):
        CandleStore(path).save_bars(SeriesKey("mock", "BTC-USD", "2m"), [])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.integers(0, 59), max_size=8),  # bars saved (minute numbers)
            st.none() | st.tuples(st.integers(0, 3600), st.integers(1, 1200)),  # a covered range: first s, length s
        ),
        max_size=8,
    ),
    st.integers(0, 59),
    st.integers(0, 61 * 60),
)
def test_missing_is_the_complement_of_what_was_saved_and_survives_a_restart(tmp_path_factory, saves, since, until_s):
    path = tmp_path_factory.mktemp("store") / CANDLE_FILE
    store = CandleStore(path)
    covered: set[int] = set()
    stored: dict[int, tuple] = {}
    for minutes, extra in saves:
        rows = [bars(T0 + m * MINUTE, 1, price=float(m))[0] for m in minutes]
        span = None
        if extra is not None:
            span = (T0 + extra[0] * SECOND, T0 + (extra[0] + extra[1]) * SECOND)  # not always on the minute grid
            covered.update(m for m in range(62) if span[0] <= T0 + m * MINUTE < span[1])
        assert store.save_bars(KEY, rows, covered=span)
        covered.update(minutes)
        stored.update({row[0]: row for row in rows})
    store.close()
    store = CandleStore(path)
    assert rows_of(store.load(KEY, 1000)) == [stored[start] for start in sorted(stored)]
    until_minute = until_s // 60
    wanted = [m for m in range(since, until_minute) if m not in covered]
    got = [m for first, end in store.missing(KEY, T0 + since * MINUTE, T0 + until_s * SECOND)
           for m in range((first - T0) // MINUTE, (end - T0) // MINUTE)]
    assert got == wanted
    ranges = store.covered(KEY)
    assert all(a[1] < b[0] for a, b in zip(ranges, ranges[1:]))  # merged: neither touching nor overlapping
    store.close()


def test_impossible_bars_are_skipped_and_reported_and_the_file_kept(path):
    store = CandleStore(path)
    good = bars(T0, 2)
    nan_bar = (T0 + 2 * MINUTE, float("nan"), 1.0, 1.0, 1.0, 1.0)
    far_bar = (2**63 + 5, 1.0, 1.0, 1.0, 1.0, 1.0)
    assert store.save_bars(KEY, [*good, nan_bar, far_bar]) is False
    assert store.problems == ["2 bars of mock BTC-USD 1m with impossible values not saved"]
    assert rows_of(store.load(KEY, 10)) == good
    assert not list(path.parent.glob(CANDLE_FILE + ".bad-*"))


def test_a_save_does_not_wait_for_the_disk(path):
    """Saves run on the window's thread: commits in WAL without an fsync each (synchronous=NORMAL)."""
    store = CandleStore(path)
    assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    store.close()
