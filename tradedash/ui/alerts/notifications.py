"""How a firing reaches the trader: a banner in the window, a tray message, and a sound."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSystemTrayIcon,
    QToolButton,
    QWidget,
)

from tradedash.core.alerts.rules import Firing

__all__ = ["AlertBanner", "Notifier", "alert_icon"]

_BANNER_STYLE = """
QFrame#alertBanner { background: #4a3b00; border-bottom: 2px solid #ffca28; }
QFrame#alertBanner QLabel { color: #fff8e1; font-weight: bold; padding: 4px 6px; }
QFrame#alertBanner QToolButton { color: #fff8e1; border: 1px solid #ffca28; border-radius: 3px; padding: 2px 8px; }
"""


def alert_icon(colour: str = "#ffca28", size: int = 32) -> QIcon:
    """A plain round icon drawn in code (the tray needs one; no image files to ship)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(colour))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(2, 2, size - 4, size - 4)
    painter.end()
    return QIcon(pixmap)


class AlertBanner(QFrame):
    """A strip across the top of the window showing the latest firing until dismissed.

    Contract: hidden until :meth:`show_firing`; shows the newest firing's time and
    message and how many more arrived since the banner was last dismissed;
    ``Dismiss`` hides it and resets the count. ``clicked_history`` asks the
    window to show the alert history.
    """

    clicked_history = Signal()
    #: Emitted with True when the banner appears and False when it is dismissed (a holder can follow it).
    visibility_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alertBanner")
        self.setStyleSheet(_BANNER_STYLE)
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        # A long message is cut at the window's edge (whole in the tooltip), never widening the window.
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.history_button = QToolButton(text="History")
        self.history_button.clicked.connect(self.clicked_history)
        self.dismiss_button = QToolButton(text="Dismiss")
        self.dismiss_button.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.history_button)
        layout.addWidget(self.dismiss_button)
        self.unseen = 0
        self.hide()

    def show_firing(self, firing: Firing) -> None:
        self.unseen += 1
        when = datetime.fromtimestamp(firing.at).strftime("%H:%M:%S")
        more = f"   (+{self.unseen - 1} more)" if self.unseen > 1 else ""
        self.show_text(f"⚠  {when}  {firing.message}{more}")

    def show_text(self, text: str) -> None:
        self.label.setText(text)
        self.label.setToolTip(text)
        self.show()
        self.visibility_changed.emit(True)

    def dismiss(self) -> None:
        self.unseen = 0
        self.hide()
        self.visibility_changed.emit(False)


class Notifier:
    """Tells the desktop about a firing: a tray message where a system tray exists, and a sound.

    The sound is ``QApplication.beep()``: PySide6-Essentials has no QtMultimedia,
    and the system bell needs no files or extra packages (on desktops that mute
    the bell it is silent; the banner and tray still show). ``sound`` switches it.
    """

    def __init__(self, parent: QWidget, *, sound: bool = True) -> None:
        self.sound = sound
        self.beeps = 0
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(alert_icon(), parent)
            self.tray.setToolTip("TradeDash alerts")
            self.tray.show()

    def notify(self, firing: Firing) -> None:
        if self.tray is not None and QSystemTrayIcon.supportsMessages():
            title = f"Alert: {firing.rule_name}"
            self.tray.showMessage(title, firing.message, QSystemTrayIcon.MessageIcon.Warning, 10_000)
        if self.sound:
            QApplication.beep()
            self.beeps += 1

    def close(self) -> None:
        if self.tray is not None:
            self.tray.hide()
            self.tray.deleteLater()
            self.tray = None
