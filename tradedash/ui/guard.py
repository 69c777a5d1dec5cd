"""A wall between our Python and Qt's C++: no exception raised in a model or paint method reaches Qt.

An exception that escapes a virtual method Qt calls (``data()``, ``paint()``...)
can take the whole process down (PySide6 at start-up: SIGSEGV). Methods Qt
calls are wrapped with :func:`shielded`: the first failure of each method is
logged with its traceback, later ones are counted silently, and Qt gets a
harmless fallback (for a table cell: the text :data:`INVALID_TEXT`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["shielded", "INVALID_TEXT", "failures"]

log = logging.getLogger("tradedash.ui")

#: What a table cell shows when its value cannot be shown.
INVALID_TEXT = "⚠ invalid"

#: method qualname -> how often it failed (for tests and the log).
failures: dict[str, int] = {}

F = TypeVar("F", bound=Callable[..., Any])


def shielded(fallback: Callable[..., Any] | None = None) -> Callable[[F], F]:
    """Wrap a method Qt calls so that it never raises.

    On an exception the method returns ``fallback(*args, **kwargs)`` (None when
    no fallback is given); the first failure of each method is logged with its
    traceback, the rest only counted in :data:`failures`.
    """

    def wrap(method: F) -> F:
        name = method.__qualname__

        @functools.wraps(method)
        def guarded(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except Exception:
                count = failures.get(name, 0)
                failures[name] = count + 1
                if count == 0:
                    log.exception("%s failed (shown as invalid; later failures of it are not logged)", name)
                return None if fallback is None else fallback(*args, **kwargs)

        guarded.__shielded__ = True  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return wrap
