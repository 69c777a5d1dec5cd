"""The chart's axes: prices with thousands separators on any price scale, volumes compactly, and a
filled label on the axis (the crosshair's price)."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QBrush, QColor, QFont, QPen
from PySide6.QtWidgets import QGraphicsRectItem, QGraphicsSimpleTextItem

from tradedash.core.chart.price_scale import PriceScale
from tradedash.ui.formatting import format_price, format_short

__all__ = ["PriceAxis", "PaneAxis", "VolumeAxis", "AxisLabel", "LABEL_PITCH"]


class PriceAxis(pg.AxisItem):
    """A right-hand price axis whose tick labels are prices as the rest of the window writes them
    (``64,123.45``), through the chart's :class:`PriceScale` (log: the price; percent: ``+1.25 %``).

    Contract: ``price_scale`` and ``decimals`` are read at each relabel; the chart sets them and calls
    ``picture = None; update()`` (:meth:`relabel`) when they change.
    """

    def __init__(self, orientation: str = "right") -> None:
        super().__init__(orientation)
        self.price_scale = PriceScale()
        self.decimals = 2

    def relabel(self) -> None:
        self.picture = None
        self.update()

    def label_of(self, value: float) -> str:
        """The text for an axis value (a price, its log, or a percent change)."""
        if self.price_scale.kind == "percent":
            return f"{value:+,.2f} %" if math.isfinite(value) else ""
        price = float(self.price_scale.from_axis(value))
        if not math.isfinite(price):
            return ""
        decimals = self.decimals
        if self.price_scale.kind == "log" and price < 10 ** -decimals * 100:
            decimals = min(10, decimals + 2)
        return format_price(price, decimals)

    def tickStrings(self, values, scale, spacing):
        return [self.label_of(value) for value in values]


class PaneAxis(pg.AxisItem):
    """The right-hand axis of a pane below the price (volume, an indicator), which is short.

    Contract: only major ticks are drawn and labelled, at most one label per
    :data:`LABEL_PITCH` pixels of the pane's height (every other one dropped
    until they fit, zero kept), and a label that would stick out of the pane, into
    the labels of the pane next to it, is not drawn. Labels are short numbers:
    ``0``, ``15``, ``800``, ``1.5 k``, ``2.25 M`` (three significant digits).
    """

    def __init__(self, orientation: str = "right") -> None:
        super().__init__(orientation)
        self.setStyle(hideOverlappingLabels=True, maxTickLevel=0, maxTextLevel=0)

    def tickValues(self, minVal, maxVal, size):
        levels = super().tickValues(minVal, maxVal, size)
        if not levels:
            return levels
        spacing, values = levels[0]
        most = max(1, int(size // LABEL_PITCH))
        if len(values) > most and spacing > 0:
            step = math.ceil(len(values) / most)
            values = [value for value in values if round(value / spacing) % step == 0]
            spacing *= step
        return [(spacing, values)]

    def tickStrings(self, values, scale, spacing):
        return [format_short(value) for value in values]


#: The least height (pixels) a pane's axis gives each label.
LABEL_PITCH = 24


class VolumeAxis(PaneAxis):
    """The volume pane's axis (see :class:`PaneAxis`)."""


class AxisLabel:
    """A filled box with text drawn on an axis at a value (the crosshair's price), hidden until placed.

    Contract: :meth:`place` shows ``text`` centred on the scene y of ``view_y``
    in ``view_box``'s coordinates; :meth:`hide` hides it.
    """

    def __init__(self, axis: pg.AxisItem, view_box: pg.ViewBox) -> None:
        self._axis = axis
        self._view_box = view_box
        self.box = QGraphicsRectItem(axis)
        self.box.setZValue(100)
        self.text = QGraphicsSimpleTextItem(self.box)
        font = QFont()
        font.setPointSizeF(8.5)
        self.text.setFont(font)
        self.box.hide()

    def set_colours(self, background: str, foreground: str) -> None:
        self.box.setBrush(QBrush(QColor(background)))
        self.box.setPen(QPen(QColor(background)))
        self.text.setBrush(QBrush(QColor(foreground)))

    def place(self, view_y: float, text: str) -> None:
        scene = self._view_box.mapViewToScene(QPointF(0.0, view_y))
        y = self._axis.mapFromScene(scene).y()
        self.text.setText(text)
        bounds = self.text.boundingRect()
        height = bounds.height() + 2
        self.box.setRect(QRectF(0, 0, self._axis.width(), height))
        self.box.setPos(0, y - height / 2)
        self.text.setPos(4, 1)
        self.box.show()

    def hide(self) -> None:
        self.box.hide()

    def isVisible(self) -> bool:
        return self.box.isVisible()
