"""The chart's readout: one line over the plots with a bar's time, open, high, low, close and volume."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy

from tradedash.core.candles import CandleView
from tradedash.ui.formatting import format_price, format_volume
from tradedash.ui.theme import Theme

__all__ = ["Readout", "readout_html"]


def readout_html(
    candles: CandleView, index: int, decimals: int, theme: Theme, *, cursor_price: float | None = None, undrawn: int = 0
) -> str:
    """Bar ``index`` of ``candles`` as one line of rich text: its time (the date too if not today), O H L C
    coloured by direction, V; the price at the cursor and how many bars are out of range, when given."""
    colour = theme.up if candles.close[index] >= candles.open[index] else theme.down
    moment = datetime.fromtimestamp(float(candles.time[index]))
    when = moment.strftime("%H:%M:%S" if moment.date() == datetime.now().date() else "%d&nbsp;%b&nbsp;%H:%M")
    parts = [f'<span style="color:{theme.muted}">{when}</span>']
    for name, values in (("O", candles.open), ("H", candles.high), ("L", candles.low), ("C", candles.close)):
        parts.append(f'{name}&nbsp;<span style="color:{colour}">{format_price(float(values[index]), decimals)}</span>')
    parts.append(f"V&nbsp;{format_volume(float(candles.volume[index]))}")
    if cursor_price is not None:
        parts.append(f'<span style="color:{theme.muted}">@&nbsp;{format_price(cursor_price, decimals)}</span>')
    if undrawn:
        parts.append(f'<span style="color:{theme.warning}">⚠&nbsp;{undrawn}&nbsp;bars&nbsp;out&nbsp;of&nbsp;range&nbsp;not&nbsp;drawn</span>')
    return "&nbsp; ".join(parts)


class Readout(QLabel):
    """A one-line rich-text label that never asks for more width than it gets.

    Contract: :meth:`show_text` sets the text only when it differs from what is shown (a label relays
    itself out on every ``setText``); :meth:`clear` empties it.
    """

    def __init__(self) -> None:
        super().__init__()
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setWordWrap(False)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setContentsMargins(8, 0, 4, 0)

    def show_text(self, html: str) -> None:
        if html != self.text():
            self.setText(html)
