"""Helpers for UI tests: feeds with real market state filled from real protocol messages.

A feed built here has a real FeedClient that is never run (so no socket is
opened), subscribed to its config's symbols and channels as the app's are, and
a real MarketState to which the test applies wire messages.
"""

from __future__ import annotations

import asyncio
import itertools

from tradedash.config import FeedConfig
from tradedash.core import wire
from tradedash.core.market import MarketState
from tradedash.net.feed_client import FeedClient
from tradedash.ui.running_feed import RunningFeed

T0 = 1_764_061_200_000_000_000  # 2025-11-25 09:00:00 UTC, in ns
_seq = itertools.count(1)


def make_feed(name: str = "demo") -> RunningFeed:
    market = MarketState()
    config = FeedConfig(name=name, symbols=["BTC-USD", "SOL-USD"])
    client = FeedClient("ws://127.0.0.1:9", market=market, subscriptions=wire.subscriptions_of(config.channels, config.symbols))
    client.session.symbols = [wire.SymbolInfo("BTC-USD", 0.01, 0.0001), wire.SymbolInfo("SOL-USD", 0.001, 0.01)]
    return RunningFeed(config, client, market)


def ticker(symbol: str, last: float, ts: int = T0, open_24h: float = 100.0) -> wire.Ticker:
    return wire.Ticker(
        symbol=symbol, seq=next(_seq), ts=ts, bid=last - 0.5, bid_size=1.0, ask=last + 0.5, ask_size=2.0,
        last=last, open_24h=open_24h, high_24h=max(last, open_24h), low_24h=min(last, open_24h),
        volume_24h=1234.5, change_24h=last - open_24h,
    )


def trade(symbol: str, price: float, side: str = "buy", ts: int = T0, size: float = 0.5) -> wire.Trade:
    return wire.Trade(symbol=symbol, seq=next(_seq), ts=ts, trade_id=next(_seq), price=price, size=size, side=side)


async def until(predicate, timeout: float = 15.0) -> None:
    """Wait (polling every 20 ms) until ``predicate()`` is true; fail after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)
