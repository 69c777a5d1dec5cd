"""Feed statistics: what the feed-health panel and ``tape --stats`` show, per feed and per subscription.

Two clocks are injected. The monotonic ``clock`` (seconds) times everything
that decides anything: rates, message ages, staleness. The wall clock
(``wall_clock_ns``, ns since the Unix epoch) is used only to compare with the
server's ``ts`` stamps: latency and clock skew. A server whose clock is off
shows up as skew, never as latency, and never makes a feed look stale.

Hot-path calls are cheap: :meth:`FeedStats.record_market` (per market
message) only bumps counters and reads no clock; :meth:`FeedStats.record_messages`
(per frame, or per burst of frames) reads the clocks once and writes at most one
latency sample into a preallocated window. Rates and percentiles are computed
when someone reads them.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Any

from tradedash.core.market.book import RESYNC_CAUSES, BookOutcome
from tradedash.core import wire
from tradedash.core.wire import Book, Heartbeat, MarketMessage, Ticker, Trade

__all__ = ["RateMeter", "SubscriptionStats", "FeedStats", "FOLDED_SYMBOLS_SHOWN"]

_NS = 1_000_000_000
#: A change of (wall clock - monotonic clock) larger than this is our wall clock jumping.
_CLOCK_JUMP_NS = _NS
#: How often (monotonic seconds, at most once per frame) the wall clock is checked for a jump.
_CLOCK_CHECK_PERIOD = 0.05
#: A stamp further than this from our clock is nonsense, not a sample of latency or skew.
_MAX_OFFSET_NS = 86_400 * _NS
#: The minimum of a bucket with no samples yet (every sample is smaller).
_NO_SAMPLE = _MAX_OFFSET_NS
#: The newest stamp of a burst before its first message (every stamp is later).
_NO_STAMP = -(2**62)
_CHANNEL_OF_TYPE: dict[type, str] = {Ticker: "ticker", Trade: "trades", Book: "book"}
_NO_SUBSCRIPTIONS: dict[type, "SubscriptionStats"] = {}  # what a symbol not seen yet has (never written)


class RateMeter:
    """Events per second over about the last ``window`` seconds, from a running count.

    The counter is read, not pushed: :meth:`rate` is called with the current
    count and remembers ``(time, count)``; the rate is the count's growth since
    the newest remembered reading at least ``window`` seconds old (or the first
    reading, if all are younger), divided by the time since then. Read it
    regularly (a panel's refresh) and it is the rate of the last window (to
    within a sixteenth of it: readings closer together are not remembered).
    """

    __slots__ = ("_window", "_readings")

    def __init__(self, now: float, window: float) -> None:
        self._window = window
        self._readings: deque[tuple[float, int]] = deque([(now, 0)])

    def rate(self, now: float, count: int) -> float:
        readings = self._readings
        cutoff = now - self._window
        while len(readings) > 1 and readings[1][0] <= cutoff:
            readings.popleft()
        then, count_then = readings[0]
        if now - readings[-1][0] >= self._window / 16:  # keeps at most ~17 readings however often it is read
            readings.append((now, count))
        return (count - count_then) / (now - then) if now > then else 0.0


class SubscriptionStats:
    """Counters of one (channel, symbol) subscription of a feed.

    ``messages`` counts its market messages; for the book channel ``gaps``
    (every resync cause), ``resyncs`` (snapshots that ended one), ``duplicates``
    (ignored old or repeated seqs) and ``dropped`` (updates not applied while
    resyncing). ``last_message_at`` is monotonic seconds (None before the first).
    """

    __slots__ = (
        "channel", "symbol", "messages", "gaps", "resyncs", "duplicates", "dropped", "last_message_at", "_meter", "_touched"
    )

    def __init__(self, channel: str, symbol: str, now: float, window: float) -> None:
        self.channel = channel
        self.symbol = symbol
        self.messages = 0
        self.gaps = 0
        self.resyncs = 0
        self.duplicates = 0
        self.dropped = 0
        self.last_message_at: float | None = None
        self._meter = RateMeter(now, window)
        self._touched = False  # got a message since the feed's last record_messages

    def message_rate(self, now: float) -> float:
        return self._meter.rate(now, self.messages)


class FeedStats:
    """Statistics of one feed, with per-subscription counters.

    Contract:

    - ``record_market(message, outcome)`` once per market message after it was
      applied (``outcome``: what the book did, for book messages): counts it
      per subscription. It reads no clock.
    - ``record_messages(count, now=None)`` once per received frame or burst of
      frames, after its market messages were recorded (``count``: messages of any
      kind, heartbeats included; ``now``: the monotonic clock's reading, if the
      caller has one): ``messages``, :meth:`message_rate` and
      :meth:`last_message_age` follow it, and so does ``last_message_at`` of
      every subscription that got a message since the previous call. It takes
      one latency sample, ``wall_clock_ns() - ts`` of the newest market message
      (the latest ``ts``) recorded since the previous call: how old the freshest
      data of the burst was when it was applied. That is the link's delay (and
      any backlog of ours: a late read's newest message is late too), not the
      time the burst's older messages spent waiting for the ones after them to
      arrive; how late the burst's oldest message was is
      :meth:`last_burst_lag`. Ages and rates are on the monotonic clock.
      ``record_heartbeat(heartbeat)`` takes a latency sample only.
    - ``record_book_outcome(symbol, outcome)`` counts a book outcome found after
      its message was recorded (a checksum mismatch found by a later check).
    - :meth:`clock_skew` estimates how far the server's clock is ahead of ours
      (seconds): the smallest sample of the last ``skew_window`` seconds is taken
      as pure skew if it is negative (a message cannot arrive before it was sent)
      or larger than ``skew_threshold``; otherwise the clocks count as in step
      (skew 0). :meth:`latency` gives percentiles of the last
      ``latency_samples`` samples, corrected by that skew. When our own wall
      clock jumps by more than a second (checked against the monotonic clock
      at most every 50 ms, at a frame) the samples and the skew estimate start
      over (``clock_jumps``). A stamp more than a day away from our clock is
      counted in ``bad_stamps`` and not sampled.
    - ``gaps``, ``resyncs`` and ``duplicates`` are totals of the subscriptions';
      ``dropped`` counts book updates not applied while resyncing, and the feed
      session adds what it drops itself; it also bumps ``malformed``,
      ``reconnects`` (every attempt after the first) and ``outages`` (every
      time the feed lost its connection, or failed to get one, after being live
      or at the start: one outage may take many attempts).
      :meth:`record_error` keeps the last ``errors_kept`` texts, a text repeated
      right after itself collapsed into one line ending "(xN)".
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        *,
        wall_clock_ns: Callable[[], int] = time.time_ns,
        window: float = 2.0,
        latency_samples: int = 4096,
        skew_window: float = 60.0,
        skew_threshold: float = 2.0,
        errors_kept: int = 10,
    ) -> None:
        self._clock = clock
        self._wall_clock_ns = wall_clock_ns
        self._window = window
        self.messages = 0
        self.malformed = 0
        self.dropped = 0
        self.reconnects = 0
        self.outages = 0
        self.gaps = 0
        self.resyncs = 0
        self.duplicates = 0
        self.clock_jumps = 0
        self.bad_stamps = 0
        self.last_message_at: float | None = None
        self.last_errors: deque[str] = deque(maxlen=errors_kept)
        self._last_error: str | None = None
        self._repeats = 0
        #: What the last line folds: its text less the symbol (or all of it), and the symbols folded, latest last.
        self._last_kind: str | None = None
        self._folded: dict[str, None] = {}
        #: symbol -> its latest error, since the last error of no symbol (what a book panel says of its symbol).
        self._symbol_errors: dict[str, str] = {}
        self.subscriptions: dict[tuple[str, str], SubscriptionStats] = {}
        #: The same counters by symbol, then message type, for every channel but candles (the hot path's keys).
        self._subscription_of: dict[str, dict[type, SubscriptionStats]] = {}
        now = clock()
        self._meter = RateMeter(now, window)
        #: Candle counters by (interval, symbol): a candle's type does not say which subscription it is.
        self._candle_subscription_of: dict[tuple[str, str], SubscriptionStats] = {}
        #: Subscriptions that got a message since the last record_messages, the first such message's stamp
        #: and the latest stamp of them all.
        self._touched: list[SubscriptionStats] = []
        self._first_stamp: int | None = None
        self._newest_stamp = _NO_STAMP
        # Latency: raw samples (local wall ns - server ns) in a ring the hot path writes into.
        self._samples: list[int] = [0] * latency_samples
        self._samples_size = latency_samples
        self._sample_next = 0
        self._samples_wrapped = False  # set when _sample_next first wraps to 0
        self._oldest_raw_ns: int | None = None  # the last burst's oldest message (or heartbeat): wall ns - its stamp
        # Skew: minimum raw sample per bucket of monotonic time; the current bucket is (_bucket_at, _bucket_min).
        self._skew_window = skew_window
        self._skew_threshold_ns = int(skew_threshold * _NS)
        self._bucket_len = skew_window / 6
        self._bucket_at = now
        self._bucket_min = _NO_SAMPLE
        self._old_buckets: deque[tuple[float, int]] = deque()
        self._wall_minus_mono = wall_clock_ns() - int(now * _NS)
        self._clocks_checked_at = now

    # --- Recording (hot path) ---------------------------------------------------------

    def record_messages(self, count: int, now: float | None = None) -> None:
        if now is None:
            now = self._clock()
        self.messages += count
        self.last_message_at = now
        if now - self._clocks_checked_at >= _CLOCK_CHECK_PERIOD:
            self._check_clocks(now)
        if self._first_stamp is not None:
            wall_ns = self._wall_clock_ns()
            oldest_ns = wall_ns - self._first_stamp
            if -_MAX_OFFSET_NS < oldest_ns < _MAX_OFFSET_NS:
                self._oldest_raw_ns = oldest_ns
            self._sample(wall_ns - self._newest_stamp)
            self._first_stamp, self._newest_stamp = None, _NO_STAMP
            for sub in self._touched:
                sub.last_message_at = now
                sub._touched = False
            self._touched.clear()

    def _check_clocks(self, now: float) -> None:
        self._clocks_checked_at = now
        wall_minus_mono = self._wall_clock_ns() - int(now * _NS)
        if abs(wall_minus_mono - self._wall_minus_mono) > _CLOCK_JUMP_NS:
            self._restart_latency(wall_minus_mono)
        if now - self._bucket_at >= self._bucket_len:
            self._roll_skew_bucket(now)

    def record_market(self, message: MarketMessage, outcome: BookOutcome | None = None) -> None:
        sub = self._subscription_of.get(message.symbol, _NO_SUBSCRIPTIONS).get(type(message)) or self._subscription_for(message)
        sub.messages += 1
        ts = message.ts
        if ts > self._newest_stamp:
            self._newest_stamp = ts
        if not sub._touched:
            sub._touched = True
            self._touched.append(sub)
            if self._first_stamp is None:
                self._first_stamp = ts
        if outcome is not None and outcome is not BookOutcome.APPLIED:
            self._record_book_outcome(sub, outcome)

    def _subscription_for(self, message: MarketMessage) -> SubscriptionStats:
        """The counters ``message`` goes to; remembered by symbol and type, or by (interval, symbol) for a candle."""
        kind = type(message)
        channel = _CHANNEL_OF_TYPE.get(kind)
        if channel is not None:
            sub = self._subscription_of.setdefault(message.symbol, {})[kind] = self.subscription(channel, message.symbol)
            return sub
        key = (message.interval, message.symbol)  # type: ignore[union-attr]
        sub = self._candle_subscription_of.get(key)  # type: ignore[assignment]
        if sub is None:
            sub = self._candle_subscription_of[key] = self.subscription(wire.candle_channel(key[0]), key[1])
        return sub

    def record_heartbeat(self, heartbeat: Heartbeat) -> None:
        raw_ns = self._wall_clock_ns() - heartbeat.ts
        if self._sample(raw_ns):
            self._oldest_raw_ns = raw_ns

    def _sample(self, raw_ns: int) -> bool:
        """Keep one latency sample; False (counted in ``bad_stamps``) for a stamp too far from our clock."""
        if not -_MAX_OFFSET_NS < raw_ns < _MAX_OFFSET_NS:
            self.bad_stamps += 1
            return False
        i = self._sample_next
        self._samples[i] = raw_ns
        if i + 1 < self._samples_size:
            self._sample_next = i + 1
        else:
            self._sample_next = 0
            self._samples_wrapped = True
        if raw_ns < self._bucket_min:
            self._bucket_min = raw_ns
        return True

    def record_book_outcome(self, symbol: str, outcome: BookOutcome) -> None:
        """Count what a book found later than its message was recorded (a checksum mismatch)."""
        self._record_book_outcome(self.subscription("book", symbol), outcome)

    def _record_book_outcome(self, sub: SubscriptionStats, outcome: BookOutcome) -> None:
        if outcome is BookOutcome.DUPLICATE:
            sub.duplicates += 1
            self.duplicates += 1
        elif outcome is BookOutcome.DROPPED:
            sub.dropped += 1
            self.dropped += 1
        elif outcome is BookOutcome.RESYNCED:
            sub.resyncs += 1
            self.resyncs += 1
        elif outcome in RESYNC_CAUSES:
            sub.gaps += 1
            self.gaps += 1

    def _restart_latency(self, wall_minus_mono: int) -> None:
        """Our wall clock jumped: samples taken before were measured against another clock."""
        self.clock_jumps += 1
        self._wall_minus_mono = wall_minus_mono
        self._old_buckets.clear()
        self._bucket_min = _NO_SAMPLE
        self._sample_next = 0
        self._samples_wrapped = False

    def _roll_skew_bucket(self, now: float) -> None:
        if self._bucket_min != _NO_SAMPLE:
            self._old_buckets.append((self._bucket_at, self._bucket_min))
            self._bucket_min = _NO_SAMPLE
        self._bucket_at = now
        cutoff = now - self._skew_window
        while self._old_buckets and self._old_buckets[0][0] < cutoff:
            self._old_buckets.popleft()

    # --- Other records ----------------------------------------------------------------

    def subscription(self, channel: str, symbol: str) -> SubscriptionStats:
        """The counters of ``(channel, symbol)``, created on first use."""
        sub = self.subscriptions.get((channel, symbol))
        if sub is None:
            sub = self.subscriptions[(channel, symbol)] = SubscriptionStats(channel, symbol, self._clock(), self._window)
        return sub

    def record_error(self, text: str, symbol: str | None = None) -> None:
        """Keep ``text``; the same text again right after it is one line with a count: "... (x14)".

        ``symbol``: the error is about that symbol and ``text`` starts with it (``BTCUSDT snapshot: ...``).
        Errors right after one another that differ only by their symbol are one line naming the latest
        symbols (``ETHUSDT, BTCUSDT snapshot: ... (x14)``; :data:`FOLDED_SYMBOLS_SHOWN` at most, then how many
        more), so that the books of many symbols failing in turn leave the other errors in view.
        :meth:`symbol_error` keeps each symbol's own latest error."""
        if symbol is not None and text.startswith(f"{symbol} "):
            kind = text[len(symbol) + 1 :]
            self._symbol_errors[symbol] = text
        else:
            kind, symbol = text, None
            self._symbol_errors.clear()
        folds = self._last_kind == kind and (symbol is None) == (not self._folded) and bool(self.last_errors)
        self._last_error = text
        if folds:
            self._repeats += 1
        else:
            self._last_kind, self._repeats = kind, 1
            self._folded = {}
        if symbol is not None:
            self._folded.pop(symbol, None)
            self._folded[symbol] = None
        line = f"{_symbols_text(list(self._folded))} {kind}" if symbol is not None else text
        if self._repeats > 1:
            line += f" (x{self._repeats})"
        if folds:
            self.last_errors[-1] = line
        else:
            self.last_errors.append(line)

    def symbol_error(self, symbol: str) -> str | None:
        """``symbol``'s latest error (as recorded, with the symbol first) if no error of no symbol came
        since; else None."""
        return self._symbol_errors.get(symbol)

    # --- Reading ----------------------------------------------------------------------

    @property
    def last_error(self) -> str | None:
        """The latest error's text without its repeat count (None before the first)."""
        return self._last_error if self.last_errors else None

    def message_rate(self) -> float:
        """Messages (all kinds) per second over about the last ``window`` seconds."""
        return self._meter.rate(self._clock(), self.messages)

    def last_message_age(self) -> float | None:
        """Seconds since the last message of any kind (None before the first one)."""
        return None if self.last_message_at is None else self._clock() - self.last_message_at

    def clock_skew(self) -> float:
        """How far the server's clock seems ahead of ours, in seconds (0 if in step)."""
        return -self._skew_ns() / _NS

    def _skew_ns(self) -> int:
        """The raw-sample offset that is clock difference, not travel time (0 if in step)."""
        minima = [m for _, m in self._old_buckets]
        if self._bucket_min != _NO_SAMPLE:
            minima.append(self._bucket_min)
        if not minima:
            return 0
        smallest = min(minima)
        return smallest if smallest < 0 or smallest > self._skew_threshold_ns else 0

    def last_burst_lag(self) -> float | None:
        """How late the oldest message of the last burst (or the last heartbeat) was when applied, in
        seconds, skew removed (None before the first): what catching up after a held event loop waits on.
        Not a sample of :meth:`latency`, which takes each burst's newest message."""
        if self._oldest_raw_ns is None:
            return None
        return max(0, self._oldest_raw_ns - self._skew_ns()) / _NS

    def latency(self, quantile: float) -> float | None:
        """The ``quantile`` (0..1) of server-stamp-to-applied latency in seconds (of each burst's newest
        message, see ``record_messages``), skew removed; None if no samples."""
        return self.latencies((quantile,))[0]

    def latencies(self, quantiles: tuple[float, ...] = (0.5, 0.99)) -> list[float | None]:
        """Several latency quantiles at once (one sort); Nones if there are no samples."""
        count = self._samples_size if self._samples_wrapped else self._sample_next
        if not count:
            return [None] * len(quantiles)
        skew = self._skew_ns()
        ordered = sorted(self._samples[:count])
        return [max(0, ordered[min(count - 1, int(q * count))] - skew) / _NS for q in quantiles]

    def as_dict(self) -> dict[str, Any]:
        """Everything above as plain JSON-able values (seconds; rates per second)."""
        now = self._clock()
        p50, p99 = self.latencies((0.5, 0.99))
        return {
            "messages": self.messages,
            "message_rate": self.message_rate(),
            "last_message_age": self.last_message_age(),
            "latency_p50": p50,
            "latency_p99": p99,
            "clock_skew": self.clock_skew(),
            "clock_jumps": self.clock_jumps,
            "bad_stamps": self.bad_stamps,
            "gaps": self.gaps,
            "resyncs": self.resyncs,
            "duplicates": self.duplicates,
            "reconnects": self.reconnects,
            "outages": self.outages,
            "malformed": self.malformed,
            "dropped": self.dropped,
            "last_errors": list(self.last_errors),
            "subscriptions": {
                f"{sub.channel}/{sub.symbol}": {
                    "messages": sub.messages,
                    "message_rate": sub.message_rate(now),
                    "last_message_age": None if sub.last_message_at is None else now - sub.last_message_at,
                    "gaps": sub.gaps,
                    "resyncs": sub.resyncs,
                    "duplicates": sub.duplicates,
                    "dropped": sub.dropped,
                }
                for sub in self.subscriptions.values()
            },
        }


#: How many symbols a folded error line names (the latest ones).
FOLDED_SYMBOLS_SHOWN = 3


def _symbols_text(symbols: list[str]) -> str:
    """``A, B, C`` of the latest :data:`FOLDED_SYMBOLS_SHOWN` symbols, oldest first, and how many more."""
    shown = symbols[-FOLDED_SYMBOLS_SHOWN:]
    more = len(symbols) - len(shown)
    return ", ".join(shown) + (f" (+{more} more)" if more else "")
