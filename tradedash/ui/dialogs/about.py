"""The About dialog: what this is, the versions of everything it runs on, where it logs."""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

import tradedash

__all__ = ["AboutDialog", "versions"]

_PACKAGES = ("pyqtgraph", "qasync", "websockets", "msgspec", "numpy")


def versions() -> dict[str, str]:
    """Name -> version of TradeDash, Python, Qt, PySide6 and the libraries it uses."""
    found = {"TradeDash": tradedash.__version__, "Python": platform.python_version(), "Qt": qVersion(), "PySide6": PySide6.__version__}
    for package in _PACKAGES:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return found


class AboutDialog(QDialog):
    """Shows :func:`versions`, the config file and the log file paths."""

    def __init__(self, config_path: str, log_path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About TradeDash")
        rows = "".join(f"<tr><td>{name}</td><td>&nbsp;&nbsp;{value}</td></tr>" for name, value in versions().items())
        text = QLabel(
            "<h3>TradeDash</h3><p>A desktop market-data dashboard.</p>"
            f"<table>{rows}</table>"
            f"<p>Config: <code>{config_path}</code><br>Log: <code>{log_path}</code></p>"
        )
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(buttons)
