"""Dark and light themes: one Qt palette and the chart colours that go with it.

``resolve_theme("system")`` follows the desktop's colour scheme (Qt 6.5+
``QStyleHints.colorScheme``); ``apply_theme`` sets the Fusion style and palette
on the application. Widgets that paint themselves (charts, size bars, flashes)
read their colours from the :class:`Theme` they are given.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

__all__ = ["Theme", "DARK", "LIGHT", "resolve_theme", "apply_theme"]


@dataclass(frozen=True)
class Theme:
    """Every colour the app paints with, by meaning (up, down, grid...), as ``#rrggbb``."""

    name: str
    window: str
    base: str
    alternate: str
    text: str
    muted: str
    grid: str
    accent: str
    up: str
    down: str
    up_flash: str
    down_flash: str
    bid_bar: str
    ask_bar: str
    downtime: str
    warning: str

    def color(self, name: str) -> QColor:
        return QColor(getattr(self, name))


DARK = Theme(
    name="dark",
    window="#1e2126",
    base="#15171b",
    alternate="#1b1e23",
    text="#e3e6ea",
    muted="#8a929c",
    grid="#3a3f46",
    accent="#42a5f5",
    up="#26a69a",
    down="#ef5350",
    up_flash="#1f4f49",
    down_flash="#5a2a2a",
    bid_bar="#1d4a44",
    ask_bar="#55282a",
    downtime="#ef535033",
    warning="#ffb300",
)

LIGHT = Theme(
    name="light",
    window="#f3f4f6",
    base="#ffffff",
    alternate="#f6f8fa",
    text="#1c1f23",
    muted="#68707a",
    grid="#d5d9de",
    accent="#1e6fd9",
    up="#00897b",
    down="#d32f2f",
    up_flash="#c8efe9",
    down_flash="#f9d3d3",
    bid_bar="#cdeee9",
    ask_bar="#f8d7d7",
    downtime="#d32f2f26",
    warning="#c77c00",
)


def resolve_theme(choice: str) -> Theme:
    """``"dark"``, ``"light"``, or ``"system"`` (the desktop's scheme; light when it is unknown)."""
    if choice == "dark":
        return DARK
    if choice == "light":
        return LIGHT
    scheme = QGuiApplication.styleHints().colorScheme()
    return DARK if scheme == Qt.ColorScheme.Dark else LIGHT


def apply_theme(app: QApplication, theme: Theme) -> None:
    """Fusion style with ``theme``'s palette, for every widget of ``app``."""
    app.setStyle("Fusion")
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: theme.window,
        QPalette.ColorRole.WindowText: theme.text,
        QPalette.ColorRole.Base: theme.base,
        QPalette.ColorRole.AlternateBase: theme.alternate,
        QPalette.ColorRole.Text: theme.text,
        QPalette.ColorRole.Button: theme.window,
        QPalette.ColorRole.ButtonText: theme.text,
        QPalette.ColorRole.ToolTipBase: theme.base,
        QPalette.ColorRole.ToolTipText: theme.text,
        QPalette.ColorRole.PlaceholderText: theme.muted,
        QPalette.ColorRole.Highlight: theme.accent,
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: theme.accent,
        QPalette.ColorRole.Mid: theme.grid,
        QPalette.ColorRole.Midlight: theme.grid,
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(theme.muted))
    app.setPalette(palette)
