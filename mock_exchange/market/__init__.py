"""The exchange's market, pure (no sockets, no clock of its own): the seeded simulator, the
level-2 books, candles and 24 h statistics, the market that turns them into protocol
messages, and a recorded session standing in for it (replay)."""

from .book import DEFAULT_BOOK_DEPTH, MAX_BOOK_DEPTH
from .past import PastOptions, past_available
from .replay import ReplayMarket, read_recording
from .simulated import ALL_CHANNELS, Market
from .simulator import DEFAULT_SPECS, SymbolSimulator, SymbolSpec

__all__ = [
    "ALL_CHANNELS",
    "DEFAULT_BOOK_DEPTH",
    "DEFAULT_SPECS",
    "MAX_BOOK_DEPTH",
    "Market",
    "PastOptions",
    "past_available",
    "ReplayMarket",
    "SymbolSimulator",
    "SymbolSpec",
    "read_recording",
]
