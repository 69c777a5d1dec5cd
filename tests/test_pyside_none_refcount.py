"""Regression guard: PySide6 6.12.0 on Python 3.11 drops a reference to None on every call to a
Qt method that returns nothing, until the interpreter dies with ``none_dealloc``."""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer


def test_void_qt_calls_do_not_drop_references_to_none(qapp):
    timer = QTimer()
    before = sys.getrefcount(None)
    for i in range(20_000):
        timer.setInterval(i % 100)
        timer.setObjectName("t")
    after = sys.getrefcount(None)
    # On 3.12+ None is immortal and the count is constant; on 3.11 a correct
    # PySide6 leaves it within a small margin, a broken one loses ~40,000.
    assert after >= before - 100, f"references to None fell from {before} to {after}"
