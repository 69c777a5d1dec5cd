"""Market state: what the dashboard knows about every symbol, updated message by message."""

from __future__ import annotations

from collections import deque

from .history import TimeSeriesRing
from .wire import MarketMessage, Ticker, Trade

__all__ = ["SymbolState", "MarketState"]

HISTORY_CAPACITY = 20_000
TRADES_KEPT = 500


class SymbolState:
    """One symbol: its last ticker, recent trades and last-price history.

    ``version`` goes up by one on every applied update, so a view can tell
    cheaply whether anything changed since it last painted.
    """

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.ticker: Ticker | None = None
        self.trades: deque[Trade] = deque(maxlen=TRADES_KEPT)
        self.prices = TimeSeriesRing(HISTORY_CAPACITY)
        self.version = 0


class MarketState:
    """Every symbol seen so far, in order of first appearance.

    ``apply(message)`` updates state at once; nothing here repaints anything.
    """

    def __init__(self) -> None:
        self.symbols: dict[str, SymbolState] = {}

    def symbol(self, symbol: str) -> SymbolState:
        state = self.symbols.get(symbol)
        if state is None:
            state = self.symbols[symbol] = SymbolState(symbol)
        return state

    def apply(self, message: MarketMessage) -> None:
        if isinstance(message, Ticker):
            state = self.symbol(message.symbol)
            state.ticker = message
            state.prices.append(message.ts / 1e9, message.last)
            state.version += 1
        elif isinstance(message, Trade):
            state = self.symbol(message.symbol)
            state.trades.append(message)
            state.version += 1

    # Placeholders until engine-core's OrderBook lands: no book, so nothing ever needs a resync.
    def take_snapshot_requests(self) -> list[str]:
        return []

    def resyncing_symbols(self) -> set[str]:
        return set()
