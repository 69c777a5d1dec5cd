"""A candlestick item for pyqtgraph: a picture of the older bars and one of the newest, each rebuilt only
when its bars change."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QRectF
from PySide6.QtGui import QColor, QPainter, QPen, QPicture

from tradedash.core.market.candles import CandleView
from tradedash.ui.guard import shielded

__all__ = ["CandleItem"]


class CandleItem(pg.GraphicsObject):
    """Draws OHLC bars: wick from low to high, body from open to close, up and down coloured.

    Contract: created once per chart; ``set_candles()`` asks for one repaint.
    ``width`` is the bar width in x units (seconds); ``bars`` is what it was
    last given to draw. The older bars are one
    picture, kept while they are the same bars with the same values; the
    newest bar (the live one, which changes on every trade) is a picture of
    its own, so a live update redraws one bar, not all of them.
    """

    def __init__(self, up: str, down: str) -> None:
        super().__init__()
        self._older = QPicture()
        self._newest = QPicture()
        self._older_key: tuple | None = None
        self._bounds = QRectF()
        self._colours = (QColor(up), QColor(down))
        self.bars: CandleView | None = None
        self.older_builds = 0  # how often the older bars' picture was rebuilt (for tests and benchmarks)

    def set_colours(self, up: str, down: str) -> None:
        self._colours = (QColor(up), QColor(down))
        self._older_key = None

    def set_candles(self, candles: CandleView, width: float) -> None:
        """Draw ``candles`` (bars start at ``candles.time``, in seconds) ``width`` seconds wide."""
        self.prepareGeometryChange()
        self.bars = candles
        count = len(candles.time)
        older = CandleView(*(array[: count - 1] for array in candles)) if count else candles
        key = (width, *(array.tobytes() for array in (older.time, older.open, older.high, older.low, older.close)))
        if key != self._older_key:
            self._older = self._picture(older, width)
            self._older_key = key
            self.older_builds += 1
        self._newest = self._picture(CandleView(*(array[count - 1 :] for array in candles)), width) if count else QPicture()
        if count:
            low, high = float(np.min(candles.low)), float(np.max(candles.high))
            self._bounds = QRectF(float(candles.time[0]), low, float(candles.time[-1] + width - candles.time[0]), high - low)
        else:
            self._bounds = QRectF()
        self.update()

    def _picture(self, candles: CandleView, width: float) -> QPicture:
        picture = QPicture()
        if not len(candles.time):
            return picture
        painter = QPainter(picture)
        half = width / 2
        rising = candles.close >= candles.open
        for is_up, colour in zip((True, False), self._colours, strict=True):
            pick = np.flatnonzero(rising == is_up)
            if not len(pick):
                continue
            pen = QPen(colour)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.setBrush(colour)
            mid = candles.time[pick] + half
            # A line of no length (or a rect of no height) is not drawn as nothing by Qt under the chart's
            # transform: a bar with high == low (or open == close) was painted as a block over the whole
            # view. A wick only where high > low; a flat body is a line across the bar.
            painter.drawLines(
                [QLineF(x, lo, x, hi) for x, lo, hi in zip(mid, candles.low[pick], candles.high[pick], strict=True) if hi != lo]
            )
            bottoms = np.minimum(candles.open[pick], candles.close[pick])
            heights = np.abs(candles.close[pick] - candles.open[pick])
            body = half * 0.8
            painter.drawRects([QRectF(x - body, b, 2 * body, h) for x, b, h in zip(mid, bottoms, heights, strict=True) if h > 0])
            painter.drawLines([QLineF(x - body, b, x + body, b) for x, b, h in zip(mid, bottoms, heights, strict=True) if not h > 0])
        painter.end()
        return picture

    @shielded()
    def paint(self, painter: QPainter, *_args) -> None:
        self._older.play(painter)
        self._newest.play(painter)

    def boundingRect(self) -> QRectF:
        return self._bounds
