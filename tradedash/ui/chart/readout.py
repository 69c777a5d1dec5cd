"""The chart's readout: one line over the plots with a bar's time, open, high, low, close and volume."""

from __future__ import annotations

import math
from datetime import datetime

from PySide6.QtCore import QPointF, QSize, QSizeF, Qt
from PySide6.QtGui import QPainter, QPalette, QStaticText, QTextOption
from PySide6.QtWidgets import QSizePolicy, QWidget

from tradedash.core.market.candles import CandleView
from tradedash.ui.formatting import format_price, format_short, format_volume
from tradedash.ui.guard import shielded
from tradedash.ui.theme import Theme

__all__ = ["Readout", "readout_html"]


def readout_html(
    candles: CandleView,
    index: int,
    decimals: int,
    theme: Theme,
    *,
    cursor_price: float | None = None,
    undrawn: int = 0,
    bar_seconds: int = 1,
    compact: bool = False,
) -> str:
    """Bar ``index`` of ``candles`` as one line of rich text: its time (the date too if not today; no
    seconds for bars of ``bar_seconds`` >= 60, which start on the minute), O H L C coloured by direction,
    V; the price at the cursor and how many bars are out of range, when given. ``compact`` (a narrow
    chart, e.g. in the 2x2 grid) sets each letter against its number, one space between the parts and
    the volume to three digits (``V 12.3 k``), about a sixth shorter."""
    colour = theme.up if candles.close[index] >= candles.open[index] else theme.down
    moment = datetime.fromtimestamp(float(candles.time[index]))
    if moment.date() != datetime.now().date():
        when = moment.strftime("%d&nbsp;%b&nbsp;%H:%M")
    else:
        when = moment.strftime("%H:%M:%S" if bar_seconds < 60 else "%H:%M")
    gap = "" if compact else "&nbsp;"
    parts = [f'<span style="color:{theme.muted}">{when}</span>']
    for name, values in (("O", candles.open), ("H", candles.high), ("L", candles.low), ("C", candles.close)):
        parts.append(f'{name}{gap}<span style="color:{colour}">{format_price(float(values[index]), decimals)}</span>')
    volume = float(candles.volume[index])
    parts.append(f"V{gap}{format_short(volume).replace(' ', '&nbsp;') if compact else format_volume(volume)}")
    if cursor_price is not None:
        parts.append(f'<span style="color:{theme.muted}">@{gap}{format_price(cursor_price, decimals)}</span>')
    if undrawn:
        parts.append(f'<span style="color:{theme.warning}">⚠&nbsp;{undrawn}&nbsp;bars&nbsp;out&nbsp;of&nbsp;range&nbsp;not&nbsp;drawn</span>')
    return (" " if compact else "&nbsp; ").join(parts)


class Readout(QWidget):
    """One line of rich text over the chart, painted by itself.

    Contract: :meth:`show_text` shows ``html`` (a :class:`QLabel` would ask
    its window to lay itself out again on every new text; this never changes
    its size, so a new text repaints this line alone); :meth:`text` gives it
    back; :meth:`clear` empties it; :meth:`sizeHint` is the width the text needs
    (text wider than the widget is cut off).
    """

    def __init__(self) -> None:
        super().__init__()
        self._html = ""
        self._static = QStaticText()
        self._static.setTextFormat(Qt.TextFormat.RichText)
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.NoWrap)
        self._static.setTextOption(option)
        self._size = QSizeF()
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self.fontMetrics().height() + 4)
        # Opaque: a new text repaints this line alone, not the chart, frame and dock beneath it.
        self.setAutoFillBackground(True)

    def text(self) -> str:
        return self._html

    def show_text(self, html: str) -> None:
        if html != self._html:
            self._html = html
            self._static.setText(html)
            self._size = self._static.size()
            self.update()

    def clear(self) -> None:
        self.show_text("")

    def sizeHint(self) -> QSize:
        """The width the whole text needs (the layout gives what there is: the line never wraps)."""
        return QSize(math.ceil(self._size.width()) + 12, self.height())

    @shielded()
    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        height = self._size.height()
        painter.drawStaticText(QPointF(8, (self.height() - height) / 2), self._static)
