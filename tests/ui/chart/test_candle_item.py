"""The candlestick item drawn in a real plot (offscreen): a bar with no range is a short line, never a block."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtGui import QImage

from tradedash.core.market.candles import CandleView
from tradedash.ui.chart.candle_item import CandleItem

UP, DOWN = "#00ff00", "#ff0000"
T0 = 1_795_947_300.0  # seconds: bars of today, as the chart's x axis has them


def _bars(price: float, rise: float, count: int = 60) -> CandleView:
    """``count`` 1 s bars at ``price``, every seventh rising by ``rise``; the others flat (open = high = low = close)."""
    time = T0 + np.arange(count, dtype=float)
    open_ = np.full(count, price)
    close, high, low = open_.copy(), open_.copy(), open_.copy()
    close[::7] += rise
    high[::7] += rise
    return CandleView((time * 1e9).astype(np.int64), time, open_, high, low, close, np.zeros(count), np.ones(count, bool))


def _up_pixels(qtbot, bars: CandleView, low: float, high: float) -> list[tuple[int, int]]:
    """The (x, y) of every pixel in the up colour, the plot showing prices ``low`` to ``high``."""
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    plot.resize(600, 430)
    item = CandleItem(UP, DOWN)
    plot.addItem(item)
    item.set_candles(bars, 1.0)
    plot.setXRange(T0, T0 + len(bars.time), padding=0)
    plot.setYRange(low, high, padding=0)
    plot.show()
    qtbot.waitExposed(plot)
    image = plot.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    blue, green, red = pixels[:, : image.width(), 0], pixels[:, : image.width(), 1], pixels[:, : image.width(), 2]
    ys, xs = np.nonzero((green > 200) & (red < 60) & (blue < 60))
    return list(zip(xs.tolist(), ys.tolist(), strict=True))


@pytest.mark.parametrize(("price", "rise"), [(100.0, 0.03), (64_000.0, 10.0)])
def test_flat_bars_are_short_lines_not_blocks_over_the_view(qtbot, price, rise):
    """A symbol priced 100 with a tick of 0.01 (a quiet Binance pair on a 1 s chart) has many bars
    of no range; each was painted as a block from the top of the view to its bottom."""
    span = 10 * rise
    pixels = _up_pixels(qtbot, _bars(price, rise), price - span / 3, price + 2 * span / 3)
    # Nine rising bodies of about 9 px x 44 px, and 51 flat bars of about 9 px x 1 px: nothing near the
    # view's top or bottom (the bars are all in its middle third), nor between the bars of the flat row.
    rows = [y for _, y in pixels]
    assert 2500 < len(pixels) < 4500
    assert max(rows) - min(rows) < 60

