"""Outlined check boxes in item views: Fusion paints an unchecked item's box in a dark theme's own
background colour, so a switched-off rule or an unsubscribed symbol showed no box at all."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QPainter, QPalette, QPen
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from tradedash.ui.guard import shielded

__all__ = ["CheckOutlineDelegate"]


class CheckOutlineDelegate(QStyledItemDelegate):
    """Paints items as usual, then outlines an unchecked item's box in the palette's mid tone.

    Contract: read from the palette at paint time, so it follows theme changes; checked and
    partly checked boxes are left to the style.
    """

    @shielded()
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        super().paint(painter, option, index)
        state = index.data(Qt.ItemDataRole.CheckStateRole)
        if state is None or Qt.CheckState(state) != Qt.CheckState.Unchecked:
            return
        item = QStyleOptionViewItem(option)
        self.initStyleOption(item, index)
        style = item.widget.style() if item.widget is not None else QApplication.style()
        box = style.subElementRect(QStyle.SubElement.SE_ItemViewItemCheckIndicator, item, item.widget)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(item.palette.color(QPalette.ColorRole.Mid), 1.2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(box.adjusted(1, 1, -1, -1), 2, 2)
        painter.restore()
