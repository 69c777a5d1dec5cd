"""Fit a table's columns to its width: sized to their contents, the least needed ones hidden when
the table is too narrow for all of them, so no column ever hides behind a horizontal scrollbar."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView

__all__ = ["fit_columns"]


def fit_columns(table: QTableView, drop_order: Sequence[int] = ()) -> list[int]:
    """Size every column to its contents, then hide columns in ``drop_order`` (first listed, first
    hidden) until the visible ones fit the table's width; columns that fit again come back.

    Returns the columns hidden. The horizontal scrollbar is turned off: what is shown fits. The
    header's tooltip names the hidden columns (so a user knows to widen the panel).
    """
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    header = table.horizontalHeader()
    model = table.model()
    count = model.columnCount()
    widths = []
    last = count - 1
    # A stretched last section never shrinks below the size it had when stretching began: stop
    # stretching while sizing, so its least size is its content's.
    stretch = header.stretchLastSection()
    header.setStretchLastSection(False)
    for column in range(count):
        if header.isSectionHidden(column):
            header.showSection(column)
        if column == last and stretch:  # takes what is left: counts at its least
            width = max(table.sizeHintForColumn(column), header.minimumSectionSize())
        else:
            width = max(table.sizeHintForColumn(column), header.sectionSizeHint(column), header.minimumSectionSize())
        header.resizeSection(column, width)
        widths.append(width)
    available = table.viewport().width()
    hidden: list[int] = []
    shown = sum(widths)
    for column in drop_order:
        if shown <= available:
            break
        hidden.append(column)
        shown -= widths[column]
    for column in hidden:
        header.hideSection(column)
    header.setStretchLastSection(stretch)
    names = [str(model.headerData(column, Qt.Orientation.Horizontal)) for column in hidden]
    header.setToolTip(f"Hidden to fit: {', '.join(names)}. Widen the panel to see them." if names else "")
    return hidden
