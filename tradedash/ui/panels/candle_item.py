"""A candlestick item for pyqtgraph: one picture of every bar, rebuilt only when the data changes."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QPointF, QRectF
from PySide6.QtGui import QColor, QPainter, QPen, QPicture

from tradedash.core.candles import CandleView
from tradedash.ui.guard import shielded

__all__ = ["CandleItem"]


class CandleItem(pg.GraphicsObject):
    """Draws OHLC bars: wick from low to high, body from open to close, up and down coloured.

    Contract: created once per chart; ``set_candles()`` records a new picture and
    asks for one repaint. ``width`` is the bar width in x units (seconds).
    """

    def __init__(self, up: str, down: str) -> None:
        super().__init__()
        self._picture = QPicture()
        self._bounds = QRectF()
        self._colours = (QColor(up), QColor(down))

    def set_colours(self, up: str, down: str) -> None:
        self._colours = (QColor(up), QColor(down))

    def set_candles(self, candles: CandleView, width: float) -> None:
        """Draw ``candles`` (bars start at ``candles.time``, in seconds) ``width`` seconds wide."""
        self.prepareGeometryChange()
        picture = QPicture()
        if len(candles.time):
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
                painter.drawLines(
                    [QLineF(QPointF(x, lo), QPointF(x, hi)) for x, lo, hi in zip(mid, candles.low[pick], candles.high[pick], strict=True)]
                )
                bottoms = np.minimum(candles.open[pick], candles.close[pick])
                heights = np.abs(candles.close[pick] - candles.open[pick])
                painter.drawRects(
                    [QRectF(x - half * 0.8, b, width * 0.8, h) for x, b, h in zip(mid, bottoms, heights, strict=True)]
                )
            painter.end()
            low, high = float(candles.low.min()), float(candles.high.max())
            self._bounds = QRectF(float(candles.time[0]), low, float(candles.time[-1] + width - candles.time[0]), high - low)
        else:
            self._bounds = QRectF()
        self._picture = picture
        self.update()

    @shielded()
    def paint(self, painter: QPainter, *_args) -> None:
        self._picture.play(painter)

    def boundingRect(self) -> QRectF:
        return self._bounds
