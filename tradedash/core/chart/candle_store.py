"""Closed candles on disk in SQLite, so a restart shows history at once and fetches only what is missing.

Who calls it, and how (the app wires it; nothing here opens a socket):

- At start the app opens ``CandleStore.beside(config_path)`` (the file
  ``candles.sqlite3`` next to the config) and shows :attr:`CandleStore.problems`
  in the status bar if there are any.
- When a chart opens (venue, symbol, interval), :meth:`CandleStore.load` gives
  the newest stored bars as a :class:`~tradedash.core.market.candles.CandleView` to
  apply to the symbol's series, and :meth:`CandleStore.missing` the ranges of
  bar starts not covered yet between the wanted start and the live bar: those
  are what the history requests ask for, nothing more.
- Each history page is saved with :meth:`CandleStore.save_bars`, passing the
  range it answered as ``covered`` (an empty page still covers its range: a
  quiet market has no bars, and must not be asked again). Closed live bars are
  saved with :meth:`CandleStore.save_closed` (say once a minute).

Failures are reported, never raised: a file that is not a database or is
damaged (found at open, or by whichever later read or save meets the damage:
opening does not scan the whole file, so it stays fast for a big cache) is
moved aside to ``<name>.bad-<time>`` and a new one is built; a file
another process keeps locked is left alone (that process owns it) and this
session keeps its candles in memory; a save that meets a lock is skipped. Each
of these adds a message naming the file to :attr:`CandleStore.problems`.
"""

from __future__ import annotations

import enum
import math
import sqlite3
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from tradedash.core.market.candles import CandleView
from tradedash.core.wire import INTERVAL_NS

__all__ = ["CANDLE_FILE", "SeriesKey", "CandleStore"]

CANDLE_FILE = "candles.sqlite3"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS candles (
    venue TEXT NOT NULL, symbol TEXT NOT NULL, interval TEXT NOT NULL, start INTEGER NOT NULL,
    open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL, close REAL NOT NULL, volume REAL NOT NULL,
    PRIMARY KEY (venue, symbol, interval, start)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS covered (
    venue TEXT NOT NULL, symbol TEXT NOT NULL, interval TEXT NOT NULL, first INTEGER NOT NULL, "end" INTEGER NOT NULL,
    PRIMARY KEY (venue, symbol, interval, first)
) WITHOUT ROWID;
"""

#: Bar starts outside [0, _TS_END) do not fit SQLite's int64 (nor the candle arrays).
_TS_END = 2**63
_IN_MEMORY = "this session keeps candles in memory"
_SERIES = "venue = ? AND symbol = ? AND interval = ?"

Row = tuple[int, float, float, float, float, float]  # start (ns), open, high, low, close, volume


class SeriesKey(NamedTuple):
    """Which candles: a venue (feed name), a symbol and an interval of :data:`~tradedash.core.wire.INTERVAL_NS`."""

    venue: str
    symbol: str
    interval: str

    def __str__(self) -> str:
        return f"{self.venue} {self.symbol} {self.interval}"


class CandleStore:
    """Closed bars per (venue, symbol, interval) in one SQLite file (WAL), and which time ranges they cover.

    Contract:

    - Nothing here raises for a bad file: a damaged or foreign file is moved
      aside and rebuilt, a locked one makes this session use memory, and a
      save that meets a lock returns False; each adds to :attr:`problems` a
      message naming the file. :attr:`in_memory` says whether the candles of
      this session will be lost at exit.
    - A stored bar is final: save closed bars only. Saving a bar again
      replaces it (a corrected history wins).
    - Covered ranges are bar-start ranges ``[first, end)`` known to be
      complete: every saved bar covers its own interval, and a save may cover
      a wider range (a history page). :meth:`missing` is the complement.
    - ``timeout`` (seconds) is the longest an operation waits for another
      writer (and so blocks its caller) before it counts as locked; writes
      hold the lock for milliseconds, so the default is short enough for the
      window's own thread.
    - One thread: a store is used from the thread that made it. Another
      window or process opens its own store on the same file; WAL lets its
      reads run beside our writes.
    """

    def __init__(self, path: Path, *, timeout: float = 0.25) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self.problems: list[str] = []
        self.in_memory = False
        self._db = self._open()

    @classmethod
    def beside(cls, config_path: Path, **options: Any) -> CandleStore:
        """The store in :data:`CANDLE_FILE` in the config file's directory."""
        return cls(Path(config_path).parent / CANDLE_FILE, **options)

    def close(self) -> None:
        self._db.close()

    # --- Opening, and what to do when the file is bad -----------------------------------------------

    def _open(self) -> sqlite3.Connection:
        try:
            # A first start has no config directory yet (the config file is written later, on a change).
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            return self._use_memory(f"candle cache {self.path} cannot be opened ({error}); {_IN_MEMORY}")
        try:
            return self._connect(str(self.path))
        except sqlite3.Error as error:
            trouble = _trouble(error)
            if trouble is _Trouble.DAMAGED:
                return self._rebuild(str(error))
            if trouble is _Trouble.LOCKED:
                return self._use_memory(f"candle cache {self.path} is locked by another program; {_IN_MEMORY}")
            return self._use_memory(f"candle cache {self.path} cannot be opened ({error}); {_IN_MEMORY}")

    def _connect(self, target: str) -> sqlite3.Connection:
        db = sqlite3.connect(target, timeout=self.timeout, isolation_level=None)
        try:
            if target != ":memory:":
                db.execute("PRAGMA journal_mode=WAL")
                # A commit without fsync (WAL keeps the file consistent): saves run on the window's thread, and
                # a power cut can only lose the last bars, which the next start fetches again.
                db.execute("PRAGMA synchronous=NORMAL")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, SCHEMA_VERSION):
                raise _ForeignSchema(f"unknown schema version {version}")
            if version == 0:
                db.executescript(_SCHEMA + f"PRAGMA user_version = {SCHEMA_VERSION};")
        except BaseException:
            db.close()
            raise
        return db

    def _rebuild(self, reason: str) -> sqlite3.Connection:
        try:
            aside = self._move_aside()
        except OSError as error:
            return self._use_memory(
                f"candle cache {self.path} is damaged ({reason}) and cannot be moved aside ({error}); {_IN_MEMORY}"
            )
        self.problems.append(f"candle cache {self.path} was damaged ({reason}); moved to {aside.name} and rebuilt")
        try:
            return self._connect(str(self.path))
        except sqlite3.Error as error:
            return self._use_memory(f"candle cache {self.path} cannot be rebuilt ({error}); {_IN_MEMORY}")

    def _move_aside(self) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.bad-{stamp}")
        n = 1
        while aside.exists():
            n += 1
            aside = self.path.with_name(f"{self.path.name}.bad-{stamp}-{n}")
        if self.path.exists():
            self.path.rename(aside)
        wal = self.path.with_name(self.path.name + "-wal")
        if wal.exists():
            wal.rename(aside.with_name(aside.name + "-wal"))
        self.path.with_name(self.path.name + "-shm").unlink(missing_ok=True)
        return aside

    def _use_memory(self, problem: str) -> sqlite3.Connection:
        self.problems.append(problem)
        self.in_memory = True
        return self._connect(":memory:")

    def _damaged(self, error: sqlite3.Error) -> None:
        """A query found the file damaged after it opened: move it aside and start afresh."""
        self._db.close()
        self._db = self._rebuild(str(error))

    # --- Writing ----------------------------------------------------------------------------------------

    def save_bars(self, key: SeriesKey, rows: Iterable[Row], covered: tuple[int, int] | None = None) -> bool:
        """Store closed bars ``(start, open, high, low, close, volume)`` of ``key``; also mark ``covered``
        (a ``[first, end)`` range of bar starts, e.g. the range a history page answered) complete.
        True if every bar was saved. A bar with a value that is not a finite number, or a start outside
        int64 ns, is skipped (reported); a lock or a failed write saves nothing (reported)."""
        step = _interval_ns(key)
        given = [(int(r[0]), float(r[1]), float(r[2]), float(r[3]), float(r[4]), float(r[5])) for r in rows]
        good = [row for row in given if 0 <= row[0] < _TS_END and all(map(math.isfinite, row[1:]))]
        if len(good) < len(given):
            self.problems.append(f"{len(given) - len(good)} bars of {key} with impossible values not saved")
        ranges = [(start, start + step) for start, *_ in good]
        if covered is not None:
            ranges.append((covered[0], covered[1]))
        saved = self._attempt(lambda: self._write(key, good, ranges), f"{len(good)} bars not saved", False)
        return saved and len(good) == len(given)

    def save_closed(self, key: SeriesKey, view: CandleView) -> bool:
        """Store the closed bars of a series' view (see :meth:`save_bars`)."""
        closed = np.flatnonzero(view.closed)
        columns = (view.start, view.open, view.high, view.low, view.close, view.volume)
        rows = zip(*(column[closed].tolist() for column in columns))
        return self.save_bars(key, rows)

    def _write(self, key: SeriesKey, rows: list[Row], ranges: list[tuple[int, int]]) -> bool:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(
                "INSERT OR REPLACE INTO candles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [(*key, *row) for row in rows]
            )
            for first, end in _merged(ranges):
                self._cover(key, first, end)
            db.execute("COMMIT")
            return True
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def _cover(self, key: SeriesKey, first: int, end: int) -> None:
        """Add ``[first, end)`` to the covered ranges of ``key``, merged with those it touches."""
        db = self._db
        touching = db.execute(
            f'SELECT first, "end" FROM covered WHERE {_SERIES} AND first <= ? AND "end" >= ?',
            (*key, end, first),
        ).fetchall()
        for old_first, old_end in touching:
            first, end = min(first, old_first), max(end, old_end)
        db.execute(
            f'DELETE FROM covered WHERE {_SERIES} AND first <= ? AND "end" >= ?',
            (*key, end, first),
        )
        db.execute("INSERT INTO covered VALUES (?, ?, ?, ?, ?)", (*key, first, end))

    # --- Reading ----------------------------------------------------------------------------------------

    def load(self, key: SeriesKey, count: int, end: int | None = None) -> CandleView:
        """The newest ``count`` stored bars of ``key`` starting before ``end`` (ns; None: all), oldest first,
        all closed. Empty if the file could not be read (reported)."""
        query = f"SELECT start, open, high, low, close, volume FROM candles WHERE {_SERIES}"
        args: tuple[Any, ...] = tuple(key)
        if end is not None:
            query += " AND start < ?"
            args += (end,)
        rows = self._read(query + " ORDER BY start DESC LIMIT ?", (*args, count))
        rows.reverse()
        start = np.array([row[0] for row in rows], dtype=np.int64)
        values = np.array([row[1:] for row in rows], dtype=np.float64).reshape(len(rows), 5).T
        return CandleView(start, start / 1e9, *values, np.ones(len(rows), dtype=bool))

    def covered(self, key: SeriesKey) -> list[tuple[int, int]]:
        """The covered ``[first, end)`` ranges of bar starts of ``key``, in order, not touching one another."""
        rows = self._read(f'SELECT first, "end" FROM covered WHERE {_SERIES} ORDER BY first', tuple(key))
        return [(first, end) for first, end in rows]

    def missing(self, key: SeriesKey, since: int, until: int) -> list[tuple[int, int]]:
        """The ranges ``[first, end)`` of bar starts between ``since`` and the bar containing ``until``
        (ns; that bar is the live one, not asked for) that no save covered, oldest first, on the bar grid."""
        step = _interval_ns(key)
        first, end = since - since % step, until - until % step
        gaps = []
        for covered_first, covered_end in self.covered(key):
            if covered_end <= first:
                continue
            if covered_first >= end:
                break
            if covered_first > first:
                gaps.append((first, covered_first))
            first = max(first, covered_end)
        if first < end:
            gaps.append((first, end))
        on_grid = [(a + (-a) % step, b + (-b) % step) for a, b in gaps]  # the bar starts in each gap
        return [(a, b) for a, b in on_grid if a < b]

    def _read(self, query: str, args: tuple[Any, ...]) -> list[tuple]:
        return self._attempt(lambda: self._db.execute(query, args).fetchall(), "nothing read", [])

    def _attempt(self, operation: Callable[[], Any], lost: str, failed: Any) -> Any:
        """``operation()``, or ``failed`` with a problem saying what was ``lost``. A damaged file is
        moved aside and rebuilt, then the operation tried once more."""
        for attempt in range(2):
            try:
                return operation()
            except sqlite3.Error as error:
                trouble = _trouble(error)
                if trouble is _Trouble.DAMAGED and not attempt:
                    self._damaged(error)
                    continue
                if trouble is _Trouble.LOCKED:
                    self.problems.append(f"candle cache {self.path} is locked by another program; {lost}")
                else:
                    self.problems.append(f"candle cache {self.path}: {error}; {lost}")
                return failed
        return failed


def _interval_ns(key: SeriesKey) -> int:
    try:
        return INTERVAL_NS[key.interval]
    except KeyError:
        raise ValueError(f"unknown interval {key.interval!r}; known: {list(INTERVAL_NS)}") from None


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Ranges that touch or overlap, joined; in order."""
    merged: list[list[int]] = []
    for first, end in sorted(ranges):
        if merged and first <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([first, end])
    return [(first, end) for first, end in merged]


class _Trouble(enum.Enum):
    """What an SQLite error means for the cache file (see :func:`_trouble`)."""

    LOCKED = "locked"
    DAMAGED = "damaged"
    FAILED = "failed"


class _ForeignSchema(sqlite3.DatabaseError):
    """The file is a database of a schema this version does not know."""


#: SQLite's primary result codes (the low byte of an extended code) that decide a :class:`_Trouble`.
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_CORRUPT, _SQLITE_NOTADB = 5, 6, 11, 26


def _trouble(error: sqlite3.Error) -> _Trouble:
    """What to do about ``error``:

    - ``LOCKED``: another connection held a lock past the busy timeout (SQLITE_BUSY,
      SQLITE_LOCKED). The file is fine and in use: leave it alone.
    - ``DAMAGED``: the file is not a database, its pages are broken (SQLITE_NOTADB,
      SQLITE_CORRUPT), or its schema is unknown: move it aside and build a new one.
    - ``FAILED``: anything else (disk full, read-only, I/O error, a value the table
      refuses): report it and keep the file.
    """
    if isinstance(error, _ForeignSchema):
        return _Trouble.DAMAGED
    code = (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return _Trouble.LOCKED
    if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return _Trouble.DAMAGED
    return _Trouble.FAILED
