"""An unhandled exception shows a dialog instead of vanishing: the message, the log's path, "Copy report"."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from functools import partial
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from tradedash.crash_report import exception_report

__all__ = ["CrashDialog", "ExceptionReporter", "forward_to_excepthook"]

log = logging.getLogger("tradedash")


class CrashDialog(QDialog):
    """Non-modal: what went wrong (one line), where the log is, the whole report below, and two buttons:
    "Copy report" puts the report on the clipboard (the dialog stays open), "Close" closes it.
    :meth:`count_another` notes further errors while it is open instead of opening more dialogs."""

    def __init__(self, message: str, report: str, log_path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report = report
        self._more = 0
        self.setWindowTitle("TradeDash: unexpected error")
        self.message_label = QLabel(f"<b>Something went wrong.</b> TradeDash is still running, but what you did last may not have worked.<br><br>{_html(message)}")
        self.message_label.setWordWrap(True)
        self.log_label = QLabel(f"The details are also in the log: <code>{_html(log_path)}</code>")
        self.log_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.log_label.setWordWrap(True)
        self.details = QPlainTextEdit(report)
        self.details.setReadOnly(True)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.more_label = QLabel()
        self.more_label.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy report")
        self.copy_button.setAutoDefault(False)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_report)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (self.message_label, self.log_label, self.details, self.more_label, buttons):
            layout.addWidget(widget)
        self.resize(720, 420)

    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self.report)
        self.copy_button.setText("Copied")

    def count_another(self) -> None:
        self._more += 1
        self.more_label.setText(f"{self._more} more error{'s' if self._more > 1 else ''} since this one: see the log.")
        self.more_label.show()


class ExceptionReporter:
    """The app's ``sys.excepthook``: every unhandled exception is logged with its traceback at CRITICAL,
    and, on the GUI thread of a running QApplication, shown in a :class:`CrashDialog` (one at a time).

    ``install()`` makes it the hook and ``uninstall()`` puts the previous one back. Ctrl+C
    (``KeyboardInterrupt``) goes to the previous hook. A failure inside the hook falls back to
    Python's default printing, so the original error is never lost.
    """

    def __init__(self, log_path: Path | str) -> None:
        self.log_path = str(log_path)
        self.dialog: CrashDialog | None = None
        self._previous = sys.excepthook

    def install(self) -> None:
        self._previous, sys.excepthook = sys.excepthook, self

    def uninstall(self) -> None:
        if sys.excepthook is self:
            sys.excepthook = self._previous

    def __call__(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self._previous(exc_type, exc, tb)
            return
        try:
            log.critical("unhandled exception", exc_info=(exc_type, exc, tb))
            if QApplication.instance() is not None and threading.current_thread() is threading.main_thread():
                self._show(exc_type, exc, tb)
        except Exception:  # the hook must not fail in its turn: show both the old and the new error
            sys.__excepthook__(exc_type, exc, tb)
            sys.__excepthook__(*sys.exc_info())

    def _show(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.count_another()
            return
        message = "".join(f"{exc_type.__name__}: {exc}".splitlines(keepends=True)[:3])
        report = exception_report(exc_type, exc, tb, self.log_path)
        dialog = self.dialog = CrashDialog(message, report, self.log_path, QApplication.activeWindow())
        dialog.finished.connect(partial(self._closed, dialog))
        dialog.show()
        dialog.raise_()

    def _closed(self, dialog: CrashDialog, _result: int) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()


def forward_to_excepthook(loop: asyncio.AbstractEventLoop, context: dict) -> None:
    """An asyncio exception handler that hands an exception (of a task nobody awaited, a callback)
    to ``sys.excepthook``, so that it is reported like any other; other reports go to the default."""
    exc = context.get("exception")
    if exc is None:
        loop.default_exception_handler(context)
        return
    log.error("asyncio: %s", context.get("message", "unhandled exception"))
    sys.excepthook(type(exc), exc, exc.__traceback__)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br>")
