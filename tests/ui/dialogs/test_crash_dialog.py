"""An unhandled exception shows a dialog (message, log path, "Copy report") and is logged; it never vanishes."""

from __future__ import annotations

import asyncio
import logging
import sys

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication

from tradedash.ui.dialogs.crash import ExceptionReporter, forward_to_excepthook


def _raised(exc: BaseException):
    try:
        raise exc
    except BaseException:
        return sys.exc_info()


@pytest.fixture
def reporter(qapp, tmp_path):
    reporter = ExceptionReporter(tmp_path / "tradedash.log")
    yield reporter
    reporter.uninstall()
    if reporter.dialog is not None:
        reporter.dialog.reject()  # closing deletes it


def test_an_exception_shows_its_message_the_log_path_and_a_report_to_copy(reporter, qtbot, tmp_path, caplog):
    with caplog.at_level(logging.CRITICAL, logger="tradedash"):
        reporter(*_raised(ValueError("the price is <not> a number")))
    dialog = reporter.dialog
    assert dialog is not None and dialog.isVisible()
    assert "ValueError: the price is &lt;not&gt; a number" in dialog.message_label.text()
    assert str(tmp_path / "tradedash.log") in dialog.log_label.text()
    assert "Traceback (most recent call last)" in dialog.details.toPlainText()
    assert any(record.exc_info and record.exc_info[0] is ValueError for record in caplog.records)

    QGuiApplication.clipboard().clear()
    dialog.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert "ValueError: the price is <not> a number" in copied and f"Log: {tmp_path / 'tradedash.log'}" in copied
    assert dialog.isVisible()  # copying does not close it


def test_errors_while_the_dialog_is_open_are_counted_in_it_not_stacked(reporter, qtbot):
    reporter(*_raised(RuntimeError("first")))
    first = reporter.dialog
    reporter(*_raised(RuntimeError("second")))
    reporter(*_raised(RuntimeError("third")))
    assert reporter.dialog is first and "2 more errors" in first.more_label.text()
    first.reject()
    reporter(*_raised(RuntimeError("fourth")))
    assert reporter.dialog is not first and "fourth" in reporter.dialog.message_label.text()


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_qt_slot_reaches_the_installed_reporter(reporter, qtbot):
    reporter.install()

    def broken_slot() -> None:
        raise KeyError("missing-feed")

    QTimer.singleShot(0, broken_slot)
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible(), timeout=5000)
    assert "KeyError: 'missing-feed'" in reporter.dialog.message_label.text()


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_task_nobody_awaits_reaches_the_dialog_too(reporter, qtbot):
    reporter.install()
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(forward_to_excepthook)
    try:
        loop.call_exception_handler({"message": "Task exception was never retrieved", "exception": ZeroDivisionError("spread / 0")})
    finally:
        loop.close()
    assert "ZeroDivisionError: spread / 0" in reporter.dialog.message_label.text()
