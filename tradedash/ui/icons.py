"""Crisp icons: SVG files from ``resources/icons`` rendered in the theme's text colour."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

__all__ = ["RESOURCES", "icon"]

#: The repository's ``resources/`` directory (icons, the sample config), installed as ``tradedash.resources``.
RESOURCES = files("tradedash.resources")
_SIZES = (16, 20, 24, 32, 48, 64)


@cache
def icon(name: str, colour: str) -> QIcon:
    """``resources/icons/<name>.svg`` drawn in ``colour`` at every common size.

    The SVGs use the placeholder ``#COLOR`` for their strokes, so one file serves
    both themes.
    """
    svg = (RESOURCES / "icons" / f"{name}.svg").read_text(encoding="utf-8").replace("#COLOR", colour)
    renderer = QSvgRenderer(QByteArray(svg.encode()))
    result = QIcon()
    for size in _SIZES:
        pixmap = QPixmap(QSize(size, size))
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        renderer.render(painter)
        painter.end()
        result.addPixmap(pixmap)
    return result
