"""Number formatting shared by every panel: prices to the symbol's tick, sizes and times compactly."""

from __future__ import annotations

import math
from datetime import datetime

__all__ = [
    "HUGE",
    "decimals_for_tick",
    "round_to_tick",
    "format_price",
    "format_change_pct",
    "format_volume",
    "format_short",
    "format_size",
    "format_time",
    "format_age",
]


def decimals_for_tick(tick_size: float) -> int:
    """How many decimals a price on this tick grid needs (0.01 -> 2, 0.00001 -> 5)."""
    return max(0, -math.floor(math.log10(tick_size) + 1e-9))


def round_to_tick(price: float, tick_size: float | None) -> float:
    """``price`` on the tick grid (64123.456 on 0.01 -> 64123.46), without float noise; to 2
    decimals when the tick is not known."""
    if not tick_size or tick_size <= 0 or not math.isfinite(price):
        return round(price, 2) if math.isfinite(price) else price
    return round(round(price / tick_size) * tick_size, decimals_for_tick(tick_size))


#: Numbers this large (or not finite) are shown in scientific notation: no market prints them,
#: and 300 digits with thousands separators would fill the screen.
HUGE = 1e15


def format_price(price: float, decimals: int) -> str:
    if not abs(price) < HUGE:
        return f"{price:.6g}"
    return f"{price:,.{decimals}f}"


def format_change_pct(change: float, base: float) -> str:
    if not base:
        return "—"
    percent = 100.0 * change / base
    return f"{percent:+.2f} %" if abs(percent) < HUGE else "—"


def format_volume(volume: float) -> str:
    """A quantity with two decimals and a k/M/B suffix (999,999 reads 1.00 M, not 1,000.00 k)."""
    if not abs(volume) < HUGE:
        return f"{volume:.6g}"
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(volume) >= limit * 0.999995:
            return f"{volume / limit:,.2f} {suffix}"
    return f"{volume:,.2f}"


def format_short(value: float) -> str:
    """``0``, ``15``, ``0.32``, ``800``, ``1.5 k``, ``2.25 M``: three significant digits, a k/M/B suffix."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else ""
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit * 0.9995:
            return f"{value / limit:.3g} {suffix}"
    if abs(value) >= 1:
        return f"{value:.3g}"
    decimals = min(10, 2 - math.floor(math.log10(abs(value))))  # 0.32, 0.0042, 0.00001: never 1e-05
    return f"{value:.{decimals}f}".rstrip("0").rstrip(".")


def format_size(size: float, decimals: int = 4) -> str:
    """A quantity to the symbol's lot size."""
    if not abs(size) < HUGE:
        return f"{size:.6g}"
    return f"{size:,.{decimals}f}"


def format_time(ts_ns: int) -> str:
    """Local wall-clock time with milliseconds, from Unix nanoseconds."""
    return datetime.fromtimestamp(ts_ns / 1e9).strftime("%H:%M:%S.%f")[:-3]


def format_age(seconds: float | None) -> str:
    """A duration like ``0.3 s``, ``12 s`` or ``4 min``; ``—`` for None."""
    if seconds is None:
        return "—"
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min"
