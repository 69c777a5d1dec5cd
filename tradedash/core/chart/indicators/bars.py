"""What an indicator reads from the bars: one :class:`Bar`, or the chosen :class:`Source` price of many."""

from __future__ import annotations

import enum
from typing import Any, NamedTuple

__all__ = ["Source", "Bar", "source_values"]


class Source(enum.Enum):
    """Which price of a bar an indicator reads."""

    CLOSE = "close"
    OPEN = "open"
    HIGH = "high"
    LOW = "low"
    HL2 = "hl2"  # (high + low) / 2
    HLC3 = "hlc3"  # (high + low + close) / 3


class Bar(NamedTuple):
    """One bar as an indicator reads it: ``start`` in ns since the epoch, then OHLCV."""

    start: int
    open: float
    high: float
    low: float
    close: float
    volume: float


def source_values(bars: Any, source: Source) -> Any:
    """The ``source`` price of ``bars``: anything with ``open``/``high``/``low``/``close``
    (a :class:`Bar` gives a float, a :class:`~tradedash.core.market.candles.CandleView` an array)."""
    if source is Source.CLOSE:
        return bars.close
    if source is Source.OPEN:
        return bars.open
    if source is Source.HIGH:
        return bars.high
    if source is Source.LOW:
        return bars.low
    if source is Source.HL2:
        return (bars.high + bars.low) / 2.0
    return (bars.high + bars.low + bars.close) / 3.0
