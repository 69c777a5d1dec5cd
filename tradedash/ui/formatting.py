"""Number formatting shared by every panel: prices to the symbol's tick, sizes compactly."""

from __future__ import annotations

import math

__all__ = ["decimals_for_tick", "format_price", "format_change_pct", "format_volume"]


def decimals_for_tick(tick_size: float) -> int:
    """How many decimals a price on this tick grid needs (0.01 -> 2, 0.00001 -> 5)."""
    return max(0, -math.floor(math.log10(tick_size) + 1e-9))


def format_price(price: float, decimals: int) -> str:
    return f"{price:,.{decimals}f}"


def format_change_pct(change: float, base: float) -> str:
    return f"{100.0 * change / base:+.2f} %" if base else "—"


def format_volume(volume: float) -> str:
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(volume) >= limit:
            return f"{volume / limit:,.2f} {suffix}"
    return f"{volume:,.2f}"
