"""A running feed as the window reads it: its config, its client and its market state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from tradedash.config import FeedConfig
from tradedash.core.feed.downtime import DowntimeLog
from tradedash.core.feed.lifecycle import FeedState
from tradedash.core.feed.redact import redact
from tradedash.core.market.state import MarketState, SymbolState
from tradedash.core.venues.registry import DEFAULT_VENUE, venue_of
from tradedash.core.wire import SymbolInfo
from tradedash.net.feed_client import FeedClient
from tradedash.net.sharded_feed import ShardedFeed
from tradedash.ui.formatting import decimals_for_tick

__all__ = ["RunningFeed", "SymbolRef"]

#: Feed states in which no message keeps the shown data current.
_DOWN = frozenset((FeedState.CONNECTING, FeedState.STALE, FeedState.BACKING_OFF, FeedState.CLOSED))


class SymbolRef(NamedTuple):
    """One symbol of one feed: what a watchlist row, the chart and the book show."""

    feed: str
    symbol: str


@dataclass
class RunningFeed:
    """One running feed: its config, its client (one connection, or several for a venue that limits
    the streams of one), its market state and its down periods.

    Contract: the window only reads ``client`` (state, stats, listed symbols) and
    ``market``; it never calls the client's network methods itself. Charts cache its
    bars under :attr:`cache_name`, or not at all when it is None.
    """

    config: FeedConfig
    client: FeedClient | ShardedFeed
    market: MarketState
    #: True when the feed reads a market made anew at this start (the app's embedded mock exchange,
    #: a new random past each run): its bars are not cached on disk, where they would not join.
    fresh_market: bool = False
    downtime: DowntimeLog = field(init=False)

    def __post_init__(self) -> None:
        self.downtime = DowntimeLog()
        self.client.lifecycle.add_listener(self.downtime.on_state)

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def cache_name(self) -> str | None:
        """The name its candles are cached under on disk: the feed's name and where it reads from
        (the same name pointed at another market is another cache; secrets redacted); None for a
        :attr:`fresh_market`."""
        return None if self.fresh_market else f"{self.name} {redact(self.config.url)}"

    def shown_symbols(self) -> list[str]:
        """The symbols the window shows (the watchlist's rows, the status bar's count): subscribed on
        any channel (so not one the exchange refused, nor one removed since) and with data; in the
        config's order, then any other subscribed symbol by name."""
        subscribed = {subscription.symbol for subscription in self.client.subscriptions}
        known = self.market.symbols
        listed = [symbol for symbol in self.config.symbols if symbol in subscribed and symbol in known]
        if len(listed) < len(subscribed):
            listed += sorted(symbol for symbol in subscribed - set(self.config.symbols) if symbol in known)
        return listed

    def down_state(self) -> FeedState | None:
        """The feed's state when no message keeps its books current (connecting, stale, backing off,
        closed): the panels grey what they show then; None while it is live or resyncing."""
        state = self.client.state
        return state if state in _DOWN else None

    def label(self, symbol: str) -> str:
        """``symbol`` as the window shows it: a real venue's in its display form with the venue beside
        it (``BTCUSDT`` -> ``BTC-USDT · Binance``), protocol v1's as it is."""
        if self.config.venue == DEFAULT_VENUE:
            return symbol
        venue = venue_of(self.config.venue)
        return f"{venue.display(symbol)} · {venue.label}"

    def symbol_state(self, symbol: str) -> SymbolState | None:
        return self.market.symbols.get(symbol)

    def decimals(self, symbol: str) -> int:
        """Decimals of ``symbol``'s prices (from its tick size; 2 until the exchange listed it)."""
        info = self._info(symbol)
        return decimals_for_tick(info.tick_size) if info else 2

    def size_decimals(self, symbol: str) -> int:
        """Decimals of ``symbol``'s quantities (from its lot size; 4 until the exchange listed it)."""
        info = self._info(symbol)
        return decimals_for_tick(info.lot_size) if info else 4

    def _info(self, symbol: str) -> SymbolInfo | None:
        return next((info for info in self.client.symbols if info.symbol == symbol), None)
