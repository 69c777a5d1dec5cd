"""The exchange's market: simulators turned into protocol messages with sequence numbers.

Pure: no sockets and no clock of its own. The server calls :meth:`Market.step`
with the time to stamp and the channels someone listens to, and fans out what
comes back.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable

from tradedash.core import wire
from tradedash.core.wire import Book, Candle, SymbolInfo, Ticker, Trade

from .book import DepthView, LevelBook
from .candles import CandleBuilder, Rolling24h
from .past import PastOptions, past_available, seed_past
from .simulator import DEFAULT_STEP, SymbolSimulator, SymbolSpec

__all__ = ["Market", "ALL_CHANNELS"]

#: Pass as ``wanted`` to build every channel's messages.
ALL_CHANNELS = frozenset(wire.CHANNELS)
#: Candle channels and intervals, shortest interval first.
_CANDLE_CHANNELS = tuple((wire.candle_channel(i), i) for i in sorted(wire.CANDLE_INTERVALS, key=wire.INTERVAL_NS.__getitem__))
_NEVER = 2**63


class _SymbolMarket:
    """One symbol's simulator, book, candles, sequence counters and 24 h statistics."""

    def __init__(self, spec: SymbolSpec, seed: int, start_ns: int | None, past: PastOptions | None, rate: float) -> None:
        self.sim = SymbolSimulator(spec, seed)
        self.book = LevelBook(self.sim, seed * 31 + 17 + len(spec.symbol))
        self.views: dict[int, DepthView] = {}
        self.seq: dict[str, int] = dict.fromkeys(wire.CHANNELS, 0)
        self.trade_id = 0
        drawn = start_ns is not None and past is not None and past_available()
        bars = seed_past(spec, self.sim.model, seed, start_ns, rate, past) if drawn else {}  # type: ignore[arg-type]
        self.day = Rolling24h(spec.start_price, bars.get("1m"))
        self.candles = {interval: CandleBuilder(interval, bars.get(interval)) for interval in wire.CANDLE_INTERVALS}
        #: When the last step was (ns), for the time the next one covers.
        self.last_ts = start_ns
        #: The last trade, and whether the book has missed it (nobody watched the book).
        self.last = self.sim.step(0.0)
        self.book.move(self.last)
        self.book_behind = False

    def book_now(self) -> LevelBook:
        """The book, caught up with the last trade's quote."""
        if self.book_behind:
            self.book.move(self.last)
            self.book_behind = False
        return self.book


class Market:
    """Every listed symbol's simulated market.

    Contract: ``step(symbol, ts, wanted)`` advances the symbol by one trade and
    returns ``(channel, depth, message)`` for each channel in ``wanted``: the trade,
    the ticker, one book update per depth registered with ``set_book_depths`` and
    the candles. Every channel's ``seq`` goes up by one per message whether or not
    it was wanted (book: per step; all depths share it); a book update's
    ``prev_seq`` is ``seq - 1`` and its checksum is that of the depth's top levels,
    which ``book_snapshot`` returns whole at the current ``seq``. Prices, sizes and
    sides depend only on the seed and the time each step covers (volatility is per unit of
    time: ``dt``, else the time since the symbol's last step); the book's deeper levels
    also on when it was watched (nobody watching, it is only caught up on demand).

    With ``start_ns`` and ``past`` (and numpy installed), every symbol has a seeded past ending at
    ``start_ns`` (see :mod:`.past`; its volumes sized for ``rate`` steps a second):
    :meth:`history` pages through it and on into the bars made live, which continue
    the past's newest bars; the 24 h statistics count it. :meth:`close_due` closes
    candles on the clock.
    """

    def __init__(
        self, specs: Iterable[SymbolSpec], seed: int, *, start_ns: int | None = None,
        past: PastOptions | None = None, rate: float = 1.0 / DEFAULT_STEP,
    ) -> None:
        self._symbols = {spec.symbol: _SymbolMarket(spec, seed, start_ns, past, rate) for spec in specs}
        self._next_close = min(
            (b.next_close() or _NEVER for m in self._symbols.values() for b in m.candles.values()), default=_NEVER
        )

    @property
    def symbols(self) -> list[str]:
        return list(self._symbols)

    def symbol_infos(self) -> list[SymbolInfo]:
        return [
            SymbolInfo(m.sim.spec.symbol, m.sim.spec.tick_size, m.sim.spec.lot_size)
            for m in self._symbols.values()
        ]

    def set_book_depths(self, symbol: str, depths: set[int]) -> None:
        """Keep a view for each depth that has subscribers (new views start from the current book)."""
        m = self._symbols[symbol]
        for depth in list(m.views):
            if depth not in depths:
                del m.views[depth]
        for depth in depths - m.views.keys():
            m.views[depth] = DepthView(depth, m.book_now())

    def book_snapshot(self, symbol: str, depth: int, ts: int) -> Book:
        m = self._symbols[symbol]
        bids, asks = m.book_now().top(depth)
        return Book(symbol, m.seq["book"], ts, "snapshot", bids, asks, None, wire.book_checksum(bids, asks))

    def history(self, symbol: str, interval: str, end: int | None, count: int) -> tuple[list[wire.Bar], int | None]:
        """One page of ``symbol``'s bars of ``interval`` (see :meth:`CandleBuilder.page`)."""
        return self._symbols[symbol].candles[interval].page(end, count)

    @property
    def next_close(self) -> int:
        """When (ns) the next candle interval ends: call :meth:`close_due` then."""
        return self._next_close

    def close_due(self, ts: int, wanted: Callable[[str], Container[str]]) -> list[tuple[str, str, wire.Candle]]:
        """Close every candle whose interval ended by ``ts``; returns ``(channel, symbol, candle)``
        for those whose channel ``wanted(symbol)`` holds (each closed candle's ``seq`` counts anyway)."""
        if ts < self._next_close:
            return []
        out: list[tuple[str, str, wire.Candle]] = []
        next_close = _NEVER
        for symbol, m in self._symbols.items():
            listened = wanted(symbol)
            for channel, interval in _CANDLE_CHANNELS:
                builder = m.candles[interval]
                c = builder.close_until(ts)
                if c is not None:
                    m.seq[channel] += 1
                    if channel in listened:
                        candle = Candle(symbol, m.seq[channel], ts, interval, c.start, c.open, c.high, c.low, c.close, round(c.volume, 8), True)
                        out.append((channel, symbol, candle))
                next_close = min(next_close, builder.next_close() or _NEVER)
        self._next_close = next_close
        return out

    def step(
        self, symbol: str, ts: int, wanted: Container[str] = ALL_CHANNELS, dt: float | None = None
    ) -> list[tuple[str, int, wire.MarketMessage]]:
        """One trade of ``symbol`` stamped ``ts``, ``dt`` seconds of market after the last (None:
        the time since the last step's ``ts``); the messages of the channels in ``wanted``."""
        m = self._symbols[symbol]
        if dt is None:
            dt = DEFAULT_STEP if m.last_ts is None else max(0, ts - m.last_ts) / 1e9
        m.last_ts = ts
        t = m.last = m.sim.step(dt)
        if m.views:
            m.book.move(t)
        else:
            m.book_behind = True
        m.trade_id += 1
        seq = m.seq
        out: list[tuple[str, int, wire.MarketMessage]] = []
        seq["trades"] += 1
        if "trades" in wanted:
            out.append(("trades", 0, Trade(symbol, seq["trades"], ts, m.trade_id, t.price, t.size, t.side)))  # type: ignore[arg-type]
        open_, high, low, volume = m.day.add(ts, t.price, t.size)
        seq["ticker"] += 1
        if "ticker" in wanted:
            ticker = Ticker(
                symbol, seq["ticker"], ts, t.bid, t.bid_size, t.ask, t.ask_size, t.price,
                open_, high, low, round(volume, 8), m.sim.round_price(t.price - open_),
            )
            out.append(("ticker", 0, ticker))
        seq["book"] += 1
        for depth, view in m.views.items():
            bids, asks, checksum = view.advance(m.book)
            out.append(("book", depth, Book(symbol, seq["book"], ts, "update", bids, asks, seq["book"] - 1, checksum)))
        for channel, interval in _CANDLE_CHANNELS:
            for c in m.candles[interval].add(ts, t.price, t.size):
                seq[channel] += 1
                if channel in wanted:
                    candle = Candle(symbol, seq[channel], ts, interval, c.start, c.open, c.high, c.low, c.close, round(c.volume, 8), c.closed)
                    out.append((channel, 0, candle))
        shortest = m.candles[_CANDLE_CHANNELS[0][1]].next_close()
        if shortest is not None and shortest < self._next_close:
            self._next_close = shortest
        return out
