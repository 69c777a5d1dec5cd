"""A real main window with no feeds and an AlertCenter on it, for alert UI tests."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from tradedash.config import Config
from tradedash.core.alerts.store import AlertStore
from tradedash.ui.alerts.center import AlertCenter
from tradedash.ui.main_window import MainWindow


def alert_window(qtbot, directory: Path, current=lambda: ("", "BTC-USD")) -> AlertCenter:
    """The window's repaint timer is stopped: these tests drive ``AlertCenter.tick()`` themselves.
    With no feed, every chart is taken to show what ``current()`` says."""
    window = MainWindow([], Config(), QSettings(str(directory / "layout.ini"), QSettings.Format.IniFormat))
    window.repaint_timer.stop()
    qtbot.addWidget(window)
    alerts = AlertCenter(AlertStore(directory), window, symbol_of=lambda _chart: current())
    return alerts
