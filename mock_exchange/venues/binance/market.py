"""The simulated market in Binance's words: events of every stream, klines, and the diff-depth ids.

Pure: no sockets, no clock. The server hands it the simulated market's trades and tickers
as they happen (:meth:`BinanceMarket.observe`), the book every 100 ms
(:meth:`BinanceMarket.publish_book`) and the time every 100 ms (:meth:`BinanceMarket.tick`),
and sends what comes back. The events are :mod:`tradedash.core.venues.binance.messages`'
Structs, the same that the dashboard decodes, holding prices and quantities as decimal
strings of 8 decimals, as Binance writes them.

Diff depth, the way "How to manage a local order book correctly" needs it:

- the book has an update id that grows by the number of levels changed at each publish;
- each ``@100ms`` event carries the changes of one publish, ``U`` = previous ``u`` + 1;
- each 1000 ms event carries the changes since the last 1000 ms event, ``U`` its ``u`` + 1;
- :meth:`BinanceMarket.depth_snapshot` is the published book at the current ``u``: applying
  every event with ``u`` above its ``lastUpdateId`` to it gives the published book again.
- a withheld event (the ``skip_book_seq`` fault) still moves the ids, so a client sees the gap.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Container
from dataclasses import dataclass, field

from tradedash.core import wire
from tradedash.core.venues.binance import messages as bm

from .klines import INTERVALS, KlineBar, KlineBuilder, bar_end, bar_start
from .streams import ALL_MARKET, SymbolNames

__all__ = ["BinanceMarket", "PastSource", "amount", "BOOK_LEVELS"]

#: The simulated market's past: ``(symbol, interval, end ns or None, count)`` -> the newest ``count``
#: bars of ``interval`` (``1s``, ``1m``, ``5m``, ``1h``) that start before ``end``, oldest first, and
#: whether older ones exist (``Market.history``).
PastSource = Callable[[str, str, "int | None", int], "tuple[list[wire.Bar], int | None]"]

#: Levels a side of the published book (and of the largest REST snapshot's answer).
BOOK_LEVELS = 50
_MS = 1_000_000
_DAY_MS = 86_400_000
_MINUTE_MS = 60_000
#: Rolling-window ticker streams: window -> event type, and the window's length in ms.
_WINDOWS: dict[str, type[bm.RollingTickerEvent]] = {"1h": bm.HourTickerEvent, "4h": bm.FourHourTickerEvent, "1d": bm.DayTickerEvent}
_WINDOW_MS = {"1h": 3_600_000, "4h": 4 * 3_600_000, "1d": 86_400_000}
#: The intervals counted trade by trade; the longer ones are made of whole 1 m bars.
_TRADE_FED = frozenset({"1s", "1m"})
#: The first update id of every book (any positive start works; a large one looks like Binance's).
_FIRST_UPDATE_ID = 1_000_000


def amount(value: float) -> str:
    """A price or quantity as Binance writes it: a decimal string of 8 decimals."""
    return f"{value:.8f}"


def _levels(side: list[tuple[float, float]]) -> list[tuple[str, str]]:
    return [(amount(p), amount(q)) for p, q in side]


@dataclass
class _Day:
    """Quote volume, trade count and first trade id of the last 24 hours, in one-minute buckets."""

    buckets: deque[list[float]] = field(default_factory=deque)  # [minute, quote volume, trades, first id]

    def add(self, ms: int, price: float, size: float, trade_id: int) -> None:
        minute = ms // _MINUTE_MS
        if not self.buckets or self.buckets[-1][0] != minute:
            self.buckets.append([minute, 0.0, 0, trade_id])
        bucket = self.buckets[-1]
        bucket[1] += price * size
        bucket[2] += 1
        while self.buckets and self.buckets[0][0] <= minute - 24 * 60:
            self.buckets.popleft()

    def totals(self) -> tuple[float, int, int]:
        """(quote volume, trades, first trade id) of the window."""
        if not self.buckets:
            return 0.0, 0, 0
        return sum(b[1] for b in self.buckets), int(sum(b[2] for b in self.buckets)), int(self.buckets[0][3])


class _Symbol:
    """One symbol's Binance state: last trade and ticker, day totals, klines and the published book."""

    def __init__(self, venue: str) -> None:
        self.venue = venue
        self.ticker: wire.Ticker | None = None
        #: Counts the tickers seen: an all-market array holds the symbols whose count moved since its last one.
        self.ticker_count = 0
        self.last_trade: wire.Trade | None = None
        self.day = _Day()
        #: Bars of every interval; 1m ones also make the rolling windows (a day is 1440 of them).
        self.klines = {interval: KlineBuilder(interval, keep=1500) for interval in INTERVALS}
        self.update_id = _FIRST_UPDATE_ID
        self.bids: dict[float, float] = {}
        self.asks: dict[float, float] = {}
        #: The book and update id at the last 1000 ms diff event, and whether to withhold the next one.
        self.second_bids: dict[float, float] = {}
        self.second_asks: dict[float, float] = {}
        self.second_id = _FIRST_UPDATE_ID
        self.withhold_second = False


def _changes(old: dict[float, float], new: dict[float, float], *, best_first_high: bool) -> list[tuple[float, float]]:
    out = [(p, q) for p, q in new.items() if old.get(p) != q]
    out += [(p, 0.0) for p in old if p not in new]
    out.sort(key=lambda level: level[0], reverse=best_first_high)
    return out


class BinanceMarket:
    """Every listed symbol in Binance's dialect.

    Contract:

    - :meth:`observe` takes each simulated trade and ticker (TradeDash messages) and returns
      the real-time events of the streams in ``wanted``: ``trade``, ``aggTrade`` (one fill per
      taker order: ``a`` = ``f`` = ``l`` = the trade id), ``bookTicker``;
    - :meth:`publish_book` takes a symbol's whole book (best first) and returns the
      ``depth@100ms`` event of what changed: None if nothing did, or if ``withhold()`` (asked
      only when something changed) says to withhold it, which withholds the next 1000 ms
      ``depth`` event too;
    - :meth:`tick` returns the periodic events due at this 100 ms tick (``number`` counts ticks):
      partial depth, and every 10th tick ``depth``, ``ticker``, ``miniTicker``, the rolling
      windows (from the 1 m bars), ``avgPrice`` (5 minutes), ``kline_1s``, the all-market arrays
      (:data:`~.streams.ALL_MARKET`: the events of every symbol whose ticker changed since the
      stream's last array; none when none did); every 20th the other klines;
    - :meth:`depth_snapshot`, :meth:`klines` and :meth:`ticker` answer REST requests; klines older
      than the bars kept here come from ``past`` (the simulated market's whole seeded past:
      its own intervals as they are, the others made of its 1 m bars).
    """

    def __init__(self, names: SymbolNames, *, past: PastSource | None = None) -> None:
        self.names = names
        self._past = past
        self._symbols = {symbol: _Symbol(venue) for symbol, venue in names.venue_of.items()}
        #: Per all-market stream, each symbol's ``ticker_count`` when it was last in the array.
        self._arrays_sent: dict[str, dict[str, int]] = {name: {} for name in ALL_MARKET}

    # --- Real time ------------------------------------------------------------------

    def observe(self, message: wire.MarketMessage, wanted: Container[str]) -> list[tuple[str, object]]:
        m = self._symbols.get(message.symbol)
        if m is None:
            return []
        prefix = m.venue.lower()
        out: list[tuple[str, object]] = []
        if isinstance(message, wire.Trade):
            ms = message.ts // _MS
            m.last_trade = message
            m.day.add(ms, message.price, message.size, message.trade_id)
            taker_buys = message.side == "buy"
            m.klines["1s"].add(ms, message.price, message.size, message.trade_id, taker_buys)
            self._fold(m, m.klines["1m"].add(ms, message.price, message.size, message.trade_id, taker_buys))
            maker = message.side == "sell"
            price, size = amount(message.price), amount(message.size)
            if f"{prefix}@trade" in wanted:
                event = bm.TradeEvent(ms, m.venue, message.trade_id, price, size, ms, maker, True)  # type: ignore[arg-type]
                out.append((f"{prefix}@trade", event))
            if f"{prefix}@aggTrade" in wanted:
                tid = message.trade_id
                event2 = bm.AggTradeEvent(ms, m.venue, tid, price, size, tid, tid, ms, maker, True)  # type: ignore[arg-type]
                out.append((f"{prefix}@aggTrade", event2))
        elif isinstance(message, wire.Ticker):
            m.ticker = message
            m.ticker_count += 1
            if f"{prefix}@bookTicker" in wanted:
                t = message
                event3 = bm.BookTickerEvent(
                    m.update_id, m.venue, amount(t.bid), amount(t.bid_size), amount(t.ask), amount(t.ask_size)  # type: ignore[arg-type]
                )
                out.append((f"{prefix}@bookTicker", event3))
        return out

    # --- Books ----------------------------------------------------------------------

    def publish_book(
        self, symbol: str, bids: list[tuple[float, float]], asks: list[tuple[float, float]], now_ms: int,
        *, withhold: Callable[[], bool] | None = None,
    ) -> bm.DepthUpdate | None:
        m = self._symbols[symbol]
        new_bids, new_asks = dict(bids[:BOOK_LEVELS]), dict(asks[:BOOK_LEVELS])
        bid_changes = _changes(m.bids, new_bids, best_first_high=True)
        ask_changes = _changes(m.asks, new_asks, best_first_high=False)
        if not bid_changes and not ask_changes:
            return None
        first = m.update_id + 1
        m.update_id += len(bid_changes) + len(ask_changes)
        m.bids, m.asks = new_bids, new_asks
        if withhold is not None and withhold():
            m.withhold_second = True
            return None
        return bm.DepthUpdate(now_ms, m.venue, first, m.update_id, _levels(bid_changes), _levels(ask_changes))  # type: ignore[arg-type]

    def _second_update(self, m: _Symbol, now_ms: int) -> bm.DepthUpdate | None:
        if m.second_id == m.update_id:
            return None
        bid_changes = _changes(m.second_bids, m.bids, best_first_high=True)
        ask_changes = _changes(m.second_asks, m.asks, best_first_high=False)
        first = m.second_id + 1
        m.second_bids, m.second_asks, m.second_id = dict(m.bids), dict(m.asks), m.update_id
        if m.withhold_second:
            m.withhold_second = False
            return None
        return bm.DepthUpdate(now_ms, m.venue, first, m.update_id, _levels(bid_changes), _levels(ask_changes))  # type: ignore[arg-type]

    def depth_snapshot(self, symbol: str, limit: int) -> bm.DepthSnapshot:
        """The published book's best ``limit`` levels a side at its current update id."""
        m = self._symbols[symbol]
        bids = sorted(m.bids.items(), reverse=True)[:limit]
        asks = sorted(m.asks.items())[:limit]
        return bm.DepthSnapshot(m.update_id, _levels(bids), _levels(asks))  # type: ignore[arg-type]

    def update_id(self, symbol: str) -> int:
        return self._symbols[symbol].update_id

    # --- Periodic -------------------------------------------------------------------

    def tick(self, number: int, now_ms: int, wanted: Container[str]) -> list[tuple[str, object]]:
        """The periodic events due at 100 ms tick ``number`` (0, 1, 2, ...) for the streams in ``wanted``."""
        second, two_seconds = number % 10 == 0, number % 20 == 0
        out: list[tuple[str, object]] = []
        for symbol, m in self._symbols.items():
            prefix = m.venue.lower()
            for levels in (5, 10, 20):
                names = (f"{prefix}@depth{levels}@100ms", *((f"{prefix}@depth{levels}", f"{prefix}@depth{levels}@1000ms") if second else ()))
                for name in names:
                    if name in wanted:
                        out.append((name, self.depth_snapshot(symbol, levels)))
            if second:
                update = self._second_update(m, now_ms)
                if update is not None:
                    out += [(name, update) for name in (f"{prefix}@depth", f"{prefix}@depth@1000ms") if name in wanted]
                if f"{prefix}@ticker" in wanted and m.ticker is not None:
                    out.append((f"{prefix}@ticker", self.ticker(symbol, now_ms)))
                if f"{prefix}@miniTicker" in wanted and m.ticker is not None:
                    out.append((f"{prefix}@miniTicker", self._mini_ticker(m, now_ms)))
                for window, event_type in _WINDOWS.items():
                    name = f"{prefix}@ticker_{window}"
                    if name in wanted and m.last_trade is not None:
                        out.append((name, self._rolling(m, event_type, _WINDOW_MS[window], now_ms)))
                if f"{prefix}@avgPrice" in wanted and m.last_trade is not None:
                    out.append((f"{prefix}@avgPrice", self._average(m, now_ms)))
            if second:
                self._fold(m, m.klines["1m"].roll(now_ms))
            live = m.klines["1m"].current
            for interval, builder in m.klines.items():
                if not (two_seconds or (second and interval == "1s")):
                    continue
                name = f"{prefix}@kline_{interval}"
                builder.roll(now_ms)
                closed = builder.take_closed()
                current = builder.view(live if interval not in _TRADE_FED else None)
                if name in wanted and current is not None:
                    for bar in (*closed, current):
                        out.append((name, bm.KlineEvent(now_ms, m.venue, self._kline(m.venue, interval, bar))))
        if second:
            for name in ALL_MARKET:
                if name in wanted:
                    array = self._all_market(name, now_ms)
                    if array:
                        out.append((name, array))
        return out

    def _all_market(self, name: str, now_ms: int) -> list[object]:
        """The events of ``name``'s array: one per symbol whose ticker changed since the last array."""
        kind, sent = ALL_MARKET[name], self._arrays_sent[name]
        out: list[object] = []
        for symbol, m in self._symbols.items():
            if m.ticker is None or m.last_trade is None or sent.get(symbol) == m.ticker_count:
                continue
            sent[symbol] = m.ticker_count
            if kind == "ticker":
                out.append(self.ticker(symbol, now_ms))
            elif kind == "miniTicker":
                out.append(self._mini_ticker(m, now_ms))
            else:
                window = kind[len("ticker_"):]
                out.append(self._rolling(m, _WINDOWS[window], _WINDOW_MS[window], now_ms))
        return out

    @staticmethod
    def _fold(m: _Symbol, minutes: list[KlineBar]) -> None:
        """Count closed 1 m bars into the bars of every longer interval."""
        for bar in minutes:
            for interval, builder in m.klines.items():
                if interval not in _TRADE_FED:
                    builder.add_bar(bar)

    def seed_past(self, symbol: str, interval: str, bars: list[tuple[int, float, float, float, float, float]], now_ms: int) -> None:
        """Start ``interval`` (``1s`` or ``1m``) from the simulated market's past: ``(start ns, open, high,
        low, close, volume)`` bars, oldest first. A past bar has no trade count, ids or taker volumes
        (0, -1, 0) and its quote volume is the volume at the average of its four prices; the 1 m past also
        makes the longer intervals' past."""
        m = self._symbols[symbol]
        builder = m.klines[interval]
        past = []
        for start_ns, open_, high, low, close, volume in bars:
            start = start_ns // _MS
            past.append(KlineBar(start, bar_end(interval, start) - 1, open_, high, low, close, volume,
                                 volume * (open_ + high + low + close) / 4))
        builder.seed(past, now_ms)
        if interval == "1m":
            self._fold(m, [bar for bar in past if bar.closed])
            for other in m.klines.values():
                other.take_closed()  # the past is history, not news

    # --- REST and shared shapes -------------------------------------------------------

    def ticker(self, symbol: str, now_ms: int) -> bm.TickerEvent:
        """The 24 h rolling ticker of ``symbol`` as of ``now_ms`` (the ``@ticker`` event)."""
        m = self._symbols[symbol]
        t = m.ticker or wire.Ticker(symbol, 0, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)  # no trade yet: zeros
        quote_volume, trades, first_id = m.day.totals()
        last_id = m.last_trade.trade_id if m.last_trade is not None else 0
        last_qty = m.last_trade.size if m.last_trade is not None else 0.0
        average = quote_volume / t.volume_24h if t.volume_24h > 0 else t.last
        percent = 100.0 * t.change_24h / t.open_24h if t.open_24h else 0.0
        return bm.TickerEvent(
            now_ms, m.venue, amount(t.change_24h), f"{percent:.3f}", amount(average), amount(t.open_24h),  # type: ignore[arg-type]
            amount(t.last), amount(last_qty), amount(t.bid), amount(t.bid_size), amount(t.ask), amount(t.ask_size),  # type: ignore[arg-type]
            amount(t.open_24h), amount(t.high_24h), amount(t.low_24h), amount(t.volume_24h), amount(quote_volume),  # type: ignore[arg-type]
            now_ms - _DAY_MS, now_ms, first_id, last_id, trades,
        )

    def _mini_ticker(self, m: _Symbol, now_ms: int) -> bm.MiniTickerEvent:
        t = m.ticker
        assert t is not None
        quote_volume = m.day.totals()[0]
        return bm.MiniTickerEvent(
            now_ms, m.venue, amount(t.last), amount(t.open_24h), amount(t.high_24h), amount(t.low_24h),  # type: ignore[arg-type]
            amount(t.volume_24h), amount(quote_volume),  # type: ignore[arg-type]
        )

    @staticmethod
    def _window(m: _Symbol, length_ms: int, now_ms: int) -> list[KlineBar]:
        """The 1 m bars (with trades) of the last ``length_ms``, oldest first."""
        bars = m.klines["1m"].bars()
        return [b for b in bars if b.start >= now_ms - length_ms and b.trades]

    def _rolling(self, m: _Symbol, event_type: type[bm.RollingTickerEvent], length_ms: int, now_ms: int) -> bm.RollingTickerEvent:
        bars = self._window(m, length_ms, now_ms)
        assert m.last_trade is not None
        last = m.last_trade.price
        open_ = bars[0].open if bars else last
        volume = sum(b.volume for b in bars)
        quote = sum(b.quote_volume for b in bars)
        change = last - open_
        return event_type(
            now_ms, m.venue, amount(change), f"{100.0 * change / open_ if open_ else 0.0:.3f}", amount(open_),  # type: ignore[arg-type]
            amount(max((b.high for b in bars), default=last)), amount(min((b.low for b in bars), default=last)),  # type: ignore[arg-type]
            amount(last), amount(quote / volume if volume else last), amount(volume), amount(quote),  # type: ignore[arg-type]
            now_ms - length_ms, now_ms, bars[0].first_trade_id if bars else 0, bars[-1].last_trade_id if bars else 0,
            sum(b.trades for b in bars),
        )

    def _average(self, m: _Symbol, now_ms: int) -> bm.AvgPriceEvent:
        bars = self._window(m, 5 * _MINUTE_MS, now_ms)
        assert m.last_trade is not None
        volume = sum(b.volume for b in bars)
        average = sum(b.quote_volume for b in bars) / volume if volume else m.last_trade.price
        return bm.AvgPriceEvent(now_ms, m.venue, "5m", amount(average), m.last_trade.ts // _MS)  # type: ignore[arg-type]

    @staticmethod
    def _kline(venue: str, interval: str, bar: KlineBar) -> bm.Kline:
        return bm.Kline(
            bar.start, bar.end, venue, interval, bar.first_trade_id, bar.last_trade_id,
            amount(bar.open), amount(bar.close), amount(bar.high), amount(bar.low), amount(bar.volume),  # type: ignore[arg-type]
            bar.trades, bar.closed, amount(bar.quote_volume), amount(bar.taker_buy_volume),  # type: ignore[arg-type]
            amount(bar.taker_buy_quote_volume), "0",  # type: ignore[arg-type]
        )

    def klines(
        self, symbol: str, interval: str, start_ms: int | None, end_ms: int | None, limit: int, now_ms: int
    ) -> list[list[object]]:
        """Rows of ``GET /api/v3/klines`` as of ``now_ms``: bars of ``interval`` opening in [start, end],
        oldest first, at most ``limit`` (the first ones after ``start`` if given, else the newest)."""
        m = self._symbols[symbol]
        self._fold(m, m.klines["1m"].roll(now_ms))
        m.klines[interval].roll(now_ms)
        bars = m.klines[interval].bars(None if interval in _TRADE_FED else m.klines["1m"].current)
        if self._past is not None and interval not in _TRADE_FED and len(bars) > 1:
            bars = bars[1:]  # the oldest may hold only the seeded minutes' part of it: the past has it whole
        kept_from = bars[0].start if bars else now_ms
        if start_ms is None or start_ms < kept_from:
            older_than = kept_from if end_ms is None else min(kept_from, end_ms + 1)
            wanted = limit if start_ms is None else _count_between(interval, start_ms, older_than)
            bars = self._past_bars(symbol, interval, older_than, wanted) + bars
        chosen = [b for b in bars if (start_ms is None or b.start >= start_ms) and (end_ms is None or b.start <= end_ms)]
        chosen = chosen[:limit] if start_ms is not None else chosen[-limit:]
        return [
            [b.start, amount(b.open), amount(b.high), amount(b.low), amount(b.close), amount(b.volume), b.end,
             amount(b.quote_volume), b.trades, amount(b.taker_buy_volume), amount(b.taker_buy_quote_volume), "0"]
            for b in chosen
        ]

    def _past_bars(self, symbol: str, interval: str, before_ms: int, count: int) -> list[KlineBar]:
        """The newest ``count`` (at least) closed bars of the simulated past that open before ``before_ms``."""
        if self._past is None or count <= 0:
            return []
        if interval in wire.INTERVAL_NS:
            rows = self._past(symbol, interval, before_ms * _MS, count)[0]
            return [_past_bar(interval, row) for row in rows]
        # Made of whole minutes: the minutes of ``count`` bars (a month counted as 31 days), at most the past's.
        minutes = self._past(symbol, "1m", bar_start(interval, before_ms) * _MS, min(_MAX_PAST_MINUTES, count * _minutes_in(interval)))[0]
        out: list[KlineBar] = []
        for row in minutes:
            minute = _past_bar("1m", row)
            start = bar_start(interval, minute.start)
            if not out or out[-1].start != start:
                out.append(KlineBar(start, bar_end(interval, start) - 1, minute.open, minute.high, minute.low, minute.close))
            _merge_past(out[-1], minute)
        return out


#: The most 1 m bars read from the past to make one page of a longer interval (the default past is 7 days).
_MAX_PAST_MINUTES = 60 * 24 * 31
#: The most bars read from the past for one request (a ``startTime`` far back reads the past from its start).
_MAX_PAST_BARS = 100_000


def _minutes_in(interval: str) -> int:
    """Whole minutes in one bar of ``interval`` (a month counted as 31 days)."""
    return 31 * 24 * 60 if interval == "1M" else (bar_end(interval, 0) - bar_start(interval, 0)) // _MINUTE_MS


def _count_between(interval: str, start_ms: int, before_ms: int) -> int:
    """How many bars of ``interval`` open in [start, before) (at most :data:`_MAX_PAST_BARS`)."""
    if before_ms <= start_ms:
        return 0
    length = _MINUTE_MS * _minutes_in(interval) if interval != "1s" else 1000
    return min((before_ms - start_ms) // length + 1, _MAX_PAST_BARS)


def _past_bar(interval: str, row: wire.Bar) -> KlineBar:
    """A bar of the simulated past: no trade count, ids or taker volumes; quote volume at the average price."""
    start_ns, open_, high, low, close, volume = row
    start = start_ns // _MS
    return KlineBar(start, bar_end(interval, start) - 1, open_, high, low, close, volume,
                    volume * (open_ + high + low + close) / 4, closed=True)


def _merge_past(target: KlineBar, minute: KlineBar) -> None:
    target.high = max(target.high, minute.high)
    target.low = min(target.low, minute.low)
    target.close = minute.close
    target.volume += minute.volume
    target.quote_volume += minute.quote_volume
