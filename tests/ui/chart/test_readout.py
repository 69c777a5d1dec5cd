"""The readout's text: full in a wide chart, compact in a narrow one, no seconds for minute bars."""

from __future__ import annotations

import re
from datetime import datetime

import numpy as np

from tradedash.core.market.candles import CandleView
from tradedash.ui.chart.readout import readout_html
from tradedash.ui.theme import DARK


def _bar() -> CandleView:
    start = datetime.now().replace(hour=9, minute=30, second=0, microsecond=0).timestamp()  # today: no date shown
    one = lambda value: np.array([value], dtype=np.float64)  # noqa: E731
    starts = np.array([int(start) * 1_000_000_000], dtype=np.int64)
    return CandleView(
        starts, one(start), one(64_000.0), one(64_127.45), one(63_990.5), one(64_100.0), one(12_345.678), np.array([False])
    )


def _plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html).replace("&nbsp;", "\u00a0")


def test_full_and_compact_readouts_say_the_same_in_fewer_characters():
    full = _plain(readout_html(_bar(), 0, 2, DARK, bar_seconds=60))
    compact = _plain(readout_html(_bar(), 0, 2, DARK, bar_seconds=60, compact=True))
    assert full == "09:30\u00a0 O\u00a064,000.00\u00a0 H\u00a064,127.45\u00a0 L\u00a063,990.50\u00a0 C\u00a064,100.00\u00a0 V\u00a012.35 k"
    assert compact == "09:30 O64,000.00 H64,127.45 L63,990.50 C64,100.00 V12.3\u00a0k"
    assert len(compact) < 0.87 * len(full)


def test_second_bars_keep_their_seconds_and_the_cursor_price_is_compact_too():
    assert _plain(readout_html(_bar(), 0, 2, DARK)).startswith("09:30:00\u00a0 O")
    assert _plain(readout_html(_bar(), 0, 2, DARK, cursor_price=64_050.0, compact=True)).endswith(" @64,050.00")
