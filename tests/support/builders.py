"""Protocol messages for tests: valid by default, with a keyword for every field a test cares about.

Sequence numbers and trade ids come from one counter unless given (from 1 in every test), so
messages built one after the other are never taken for repeats.
"""

from __future__ import annotations

import itertools

from tradedash.core import wire

__all__ = ["T0", "restart_numbering", "ticker", "trade"]

#: 2025-11-25 09:00:00 UTC in ns: a whole hour, so candle buckets start on it.
T0 = 1_764_061_200_000_000_000

_numbers = itertools.count(1)


def restart_numbering() -> None:
    """Number from 1 again (the tests' conftest does this before every test, so numbers do not
    depend on which tests ran before)."""
    global _numbers
    _numbers = itertools.count(1)


def ticker(
    symbol: str = "BTC-USD",
    last: float = 100.0,
    *,
    seq: int | None = None,
    ts: int = T0,
    spread: float = 1.0,
    open_24h: float = 100.0,
    bid_size: float = 1.0,
    ask_size: float = 2.0,
    volume_24h: float = 1234.5,
) -> wire.Ticker:
    """A ticker at ``last`` with bid and ask ``spread`` apart around it; the 24 h high and low span
    ``last`` and ``open_24h``."""
    return wire.Ticker(
        symbol=symbol, seq=next(_numbers) if seq is None else seq, ts=ts,
        bid=last - spread / 2, bid_size=bid_size, ask=last + spread / 2, ask_size=ask_size,
        last=last, open_24h=open_24h, high_24h=max(last, open_24h), low_24h=min(last, open_24h),
        volume_24h=volume_24h, change_24h=last - open_24h,
    )


def trade(
    symbol: str = "BTC-USD",
    price: float = 100.0,
    side: str = "buy",
    *,
    size: float = 0.5,
    seq: int | None = None,
    ts: int = T0,
    trade_id: int | None = None,
) -> wire.Trade:
    """A trade of ``size`` at ``price``; ``side`` is the taker's."""
    return wire.Trade(
        symbol=symbol, seq=next(_numbers) if seq is None else seq, ts=ts,
        trade_id=next(_numbers) if trade_id is None else trade_id, price=price, size=size, side=side,
    )
