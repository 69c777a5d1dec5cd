"""Market state: what the dashboard knows about every symbol, updated message by message."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Collection, Container

from tradedash.core.market.book import RESYNC_CAUSES, BookOutcome, OrderBook
from tradedash.core.market.candles import CandleSeries, CandleSet
from tradedash.core.market.history import TimeSeriesRing
from tradedash.core.wire import Book, Candle, MarketMessage, Ticker, Trade

__all__ = ["SymbolState", "MarketState", "MarketShard"]

HISTORY_CAPACITY = 20_000
TRADES_KEPT = 500
CANDLES_KEPT = 1_000
#: About 1.2 MB of preallocated arrays each with the defaults above.
MAX_SYMBOLS = 256
#: Below every seq: what the first message of a channel is compared with.
_BEFORE_ANY = -1
_DUPLICATE = BookOutcome.DUPLICATE


class SymbolState:
    """One symbol: last ticker, recent trades, last-price history, order book and candles.

    ``prices`` holds the ticker's last price by server time (seconds);
    ``candles`` maps each interval of :data:`~tradedash.core.wire.INTERVAL_NS`
    to its :class:`~tradedash.core.market.candles.CandleSeries`, built from trades and
    corrected by the server's candles. ``version`` goes up by one on every
    applied update, so a view can tell cheaply whether anything changed since
    it last painted; ``book.version`` and each series' ``version`` do the same
    for one part. ``ticker_seq``, ``trade_seq`` and ``candle_seqs`` (by
    interval) hold the last applied ``seq`` of each channel (the book keeps its
    own): a message whose ``seq`` is not above it is a repeat or an old one, and
    is not applied.
    """

    def __init__(
        self,
        symbol: str,
        *,
        history_capacity: int = HISTORY_CAPACITY,
        trades_kept: int = TRADES_KEPT,
        candles_kept: int = CANDLES_KEPT,
    ) -> None:
        self.symbol = symbol
        self.ticker: Ticker | None = None
        self.trades: deque[Trade] = deque(maxlen=trades_kept)
        self.prices = TimeSeriesRing(history_capacity)
        self.book = OrderBook(symbol)
        self.candle_set = CandleSet(candles_kept)
        self.candles: dict[str, CandleSeries] = self.candle_set.series
        self.ticker_seq = self.trade_seq = _BEFORE_ANY
        self.candle_seqs: dict[str, int] = {}
        self.version = 0


class MarketState:
    """Every symbol seen so far, in order of first appearance, and the books' resync requests.

    Contract:

    - ``apply(message)`` updates state at once (nothing here repaints anything)
      and returns the :class:`~tradedash.core.market.book.BookOutcome` for a ``book``
      message, ``BookOutcome.DUPLICATE`` for a message of any other channel
      whose ``seq`` is not above the last one applied on that channel and
      symbol (a repeat or an old one: not applied), None for the others. It
      never raises on a well-typed message.
      Messages that cannot be applied are counted in :attr:`ignored`: a candle
      of an unknown interval, or a new symbol once ``max_symbols`` are kept
      (each symbol preallocates its history, so a server sending made-up
      symbols cannot exhaust memory).
    - Book updates' checksums are checked by :meth:`verify_books` (call it once
      per burst of frames, before :meth:`take_snapshot_requests`); it returns
      ``(symbol, CHECKSUM_MISMATCH)`` for each book found wrong.
    - When a book stops (gap, checksum mismatch, update before any snapshot),
      :meth:`take_snapshot_requests` returns its symbol once; if no snapshot has
      rebuilt it ``snapshot_retry`` seconds (``clock``, monotonic) after that, the
      symbol is returned again. :meth:`resyncing_symbols` names every book that
      waits for a snapshot; it is empty when every book is in sync.
    - After a reconnect, :meth:`reset_sequences` makes every book wait for a
      fresh snapshot without trusting the old connection's sequence numbers,
      and every other channel take the next seq it gets, whatever it is.
      When a book is unsubscribed, :meth:`clear_book` empties it and drops its
      pending resync, so a feed is not left resyncing a book it no longer gets.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        snapshot_retry: float = 2.0,
        history_capacity: int = HISTORY_CAPACITY,
        trades_kept: int = TRADES_KEPT,
        candles_kept: int = CANDLES_KEPT,
        max_symbols: int = MAX_SYMBOLS,
    ) -> None:
        self.symbols: dict[str, SymbolState] = {}
        self.ignored = 0
        self._max_symbols = max_symbols
        self._clock = clock
        self._snapshot_retry = snapshot_retry
        self._sizes = dict(history_capacity=history_capacity, trades_kept=trades_kept, candles_kept=candles_kept)
        #: symbol -> monotonic time its snapshot was last asked for (None: not yet asked)
        self._awaiting_snapshot: dict[str, float | None] = {}
        self._handlers: dict[type, Callable[[MarketMessage], BookOutcome | None]] = {
            Ticker: self._apply_ticker,
            Trade: self._apply_trade,
            Book: self._apply_book,
            Candle: self._apply_candle,
        }

    def symbol(self, symbol: str) -> SymbolState:
        """The state of ``symbol``, created empty on first use (whatever ``max_symbols`` says)."""
        state = self.symbols.get(symbol)
        if state is None:
            state = self.symbols[symbol] = SymbolState(symbol, **self._sizes)
        return state

    def _admit(self, symbol: str) -> SymbolState | None:
        """The state for a message about a symbol not seen yet, or None (counted) when full."""
        if len(self.symbols) >= self._max_symbols:
            self.ignored += 1
            return None
        return self.symbol(symbol)

    # --- Applying messages (the hot path) ---------------------------------------------

    def apply(self, message: MarketMessage) -> BookOutcome | None:
        return self._handlers[type(message)](message)

    def handler(self, kind: type) -> Callable[[MarketMessage], BookOutcome | None]:
        """What :meth:`apply` calls for messages of type ``kind``: a feed looks it up once per type, not per message."""
        return self._handlers[kind]

    def _apply_ticker(self, message: Ticker) -> BookOutcome | None:
        state = self.symbols.get(message.symbol) or self._admit(message.symbol)
        if state is None:
            return None
        if message.seq <= state.ticker_seq:
            return _DUPLICATE
        state.ticker_seq = message.seq
        state.ticker = message
        state.prices.append(message.ts / 1e9, message.last)
        state.version += 1

    def _apply_trade(self, message: Trade) -> BookOutcome | None:
        state = self.symbols.get(message.symbol) or self._admit(message.symbol)
        if state is None:
            return None
        if message.seq <= state.trade_seq:
            return _DUPLICATE
        state.trade_seq = message.seq
        state.trades.append(message)
        state.candle_set.add_trade(message.ts, message.price, message.size)
        state.version += 1

    def _apply_book(self, message: Book) -> BookOutcome | None:
        state = self.symbols.get(message.symbol) or self._admit(message.symbol)
        if state is None:
            return None
        outcome = state.book.apply(message)
        if outcome is BookOutcome.APPLIED or outcome is BookOutcome.REBUILT:
            state.version += 1
        elif outcome is BookOutcome.RESYNCED:
            state.version += 1
            self._awaiting_snapshot.pop(message.symbol, None)
        elif outcome in RESYNC_CAUSES:
            state.version += 1  # the book is now shown as resyncing
            self._awaiting_snapshot.setdefault(message.symbol, None)
        return outcome

    def _apply_candle(self, message: Candle) -> BookOutcome | None:
        state = self.symbols.get(message.symbol) or self._admit(message.symbol)
        if state is None:
            return None
        if message.seq <= state.candle_seqs.get(message.interval, _BEFORE_ANY):
            return _DUPLICATE
        if state.candle_set.apply_candle(message):
            state.candle_seqs[message.interval] = message.seq
            state.version += 1
        else:
            self.ignored += 1

    # --- Resync contract --------------------------------------------------------------

    def verify_books(self, only: Container[str] | None = None) -> list[tuple[str, BookOutcome]]:
        """Check every book's (or ``only`` these symbols') newest unchecked update checksum; the books
        found wrong start a resync."""
        wrong = []
        for symbol, state in self.symbols.items():
            if only is not None and symbol not in only:
                continue
            outcome = state.book.verify()  # None at once for a book with nothing to check
            if outcome is not None:
                state.version += 1
                self._awaiting_snapshot.setdefault(symbol, None)
                wrong.append((symbol, outcome))
        return wrong

    def take_snapshot_requests(self, only: Container[str] | None = None) -> list[str]:
        """Symbols (of ``only``, if given) whose book needs a snapshot requested now (each once per retry period)."""
        now = self._clock()
        due = [
            symbol
            for symbol, asked_at in self._awaiting_snapshot.items()
            if (asked_at is None or now - asked_at >= self._snapshot_retry) and (only is None or symbol in only)
        ]
        for symbol in due:
            self._awaiting_snapshot[symbol] = now
        return due

    def resyncing_symbols(self) -> set[str]:
        """Symbols whose book waits for a snapshot; empty when every book is in sync."""
        return set(self._awaiting_snapshot)

    def clear_book(self, symbol: str) -> None:
        """Empty ``symbol``'s book and forget its pending resync (call when unsubscribed from it)."""
        state = self.symbols.get(symbol)
        if state is not None:
            state.book.clear()
            state.version += 1
        self._awaiting_snapshot.pop(symbol, None)

    def reset_sequences(self, only: Container[str] | None = None) -> None:
        """Forget every sequence number (of ``only`` these symbols, if given), the books' and the other
        channels' (call after a reconnect).

        Levels stay visible; each book's next update before a snapshot starts a
        resync, and a snapshot (the server sends one on subscribe) rebuilds it.
        """
        for symbol, state in self.symbols.items():
            if only is not None and symbol not in only:
                continue
            state.book.forget_sequence()
            state.ticker_seq = state.trade_seq = _BEFORE_ANY
            state.candle_seqs.clear()
        for symbol in self._awaiting_snapshot:
            if only is None or symbol in only:
                self._awaiting_snapshot[symbol] = None  # the request died with the old connection


class MarketShard:
    """The part of a shared :class:`MarketState` that one connection of a feed feeds.

    A feed whose subscriptions need several connections (a venue's streams-per-connection
    limit) gives each connection's session one of these: messages are applied to the shared
    state as they come, while book checks, snapshot requests, resyncs and the sequence reset
    after a reconnect touch only ``symbols`` (a live collection its owner keeps up to date),
    so that losing one connection resyncs only its own books. It has the methods of
    :class:`~tradedash.core.feed.session.MarketSink`.
    """

    def __init__(self, market: MarketState, symbols: Collection[str]) -> None:
        self.market = market
        self.symbols = symbols

    def handler(self, kind: type) -> Callable[[MarketMessage], BookOutcome | None]:
        return self.market.handler(kind)

    def verify_books(self) -> list[tuple[str, BookOutcome]]:
        return self.market.verify_books(self.symbols)

    def take_snapshot_requests(self) -> list[str]:
        return self.market.take_snapshot_requests(self.symbols)

    def resyncing_symbols(self) -> set[str]:
        return {symbol for symbol in self.market.resyncing_symbols() if symbol in self.symbols}

    def reset_sequences(self) -> None:
        self.market.reset_sequences(self.symbols)

    def clear_book(self, symbol: str) -> None:
        self.market.clear_book(symbol)
