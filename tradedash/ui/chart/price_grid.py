"""The price plot's horizontal grid: a line at each of the price axis's ticks, across the view."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QPainter

from tradedash.ui.guard import shielded

__all__ = ["PriceGrid"]


class PriceGrid(pg.GraphicsObject):
    """Horizontal grid lines at ``axis``'s tick values (major ones stronger), drawn in the view it is added to.

    Contract: add it to the plot the axis labels (``ignoreBounds=True``); it
    follows the view's range by itself. It replaces pyqtgraph's own grid,
    which the axis draws as part of itself: with the axis cached as a pixmap
    (its text is costly), that pixmap covered the whole plot and was blended in
    again on every repaint of any part of the plot.
    """

    def __init__(self, axis: pg.AxisItem, colour: str, alpha: float = 0.3) -> None:
        super().__init__()
        self._axis = axis
        self._rect = QRectF()
        self._levels: list[list[float]] | None = None
        self.setZValue(-20)
        self.set_colour(colour, alpha)

    def set_colour(self, colour: str, alpha: float = 0.3) -> None:
        self._colours = []
        for share in (alpha, alpha / 2):  # major ticks, minor ticks
            colour_of = QColor(colour)
            colour_of.setAlphaF(share)
            self._colours.append(colour_of)
        self.update()

    def viewRangeChanged(self) -> None:
        view = self.getViewBox()
        self.prepareGeometryChange()
        self._rect = view.viewRect() if view is not None else QRectF()
        self._levels = None
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect

    def levels(self) -> list[list[float]]:
        """The y values of the lines: the axis's major ticks, then its minor ones."""
        if self._rect.isEmpty():
            return []
        low, high = sorted((self._rect.top(), self._rect.bottom()))
        ticks = self._axis.tickValues(low, high, max(1.0, self._axis.height()))
        return [list(values) for _spacing, values in ticks[:2]]

    @shielded()
    def paint(self, painter: QPainter, *_args) -> None:
        # One-pixel rows filled in device pixels: the raster engine's fast path (a stroked line with a
        # translucent pen is not), and the same pixels.
        if self._levels is None:  # once per view range
            self._levels = self.levels()
        transform = painter.transform()
        left, right = transform.map(QPointF(self._rect.left(), 0.0)).x(), transform.map(QPointF(self._rect.right(), 0.0)).x()
        left, right = min(left, right), max(left, right)
        painter.save()
        painter.resetTransform()
        for colour, values in zip(self._colours, self._levels):
            for y in values:
                row = round(transform.map(QPointF(0.0, y)).y())
                painter.fillRect(QRectF(left, row, right - left, 1.0), colour)
        painter.restore()
