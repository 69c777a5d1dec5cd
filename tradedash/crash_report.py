"""Crashes leave a trace: native crashes through :mod:`faulthandler`, and a report of an unhandled exception.

No Qt here: the dialog that shows a report is :mod:`tradedash.ui.dialogs.crash`.
"""

from __future__ import annotations

import atexit
import faulthandler
import os
import platform
import sys
import time
import traceback
from pathlib import Path
from types import TracebackType

import tradedash

__all__ = ["enable_fault_log", "exception_report"]


def enable_fault_log(log_dir: Path) -> Path:
    """Send :mod:`faulthandler`'s output (a segfault, an abort, a fatal Python error: the traceback of
    every thread) to ``log_dir/crash-<time>-<pid>.log``; returns that path.

    The file stays open for the life of the process (faulthandler writes it from a signal handler)
    and is removed at a normal exit if nothing was written to it, so what is left is a crash.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    file = open(path, "w", encoding="utf-8")  # noqa: SIM115 - kept open for faulthandler until exit
    faulthandler.enable(file=file, all_threads=True)
    atexit.register(_close_fault_log, file, path)
    return path


def _close_fault_log(file, path: Path) -> None:
    if faulthandler.is_enabled():
        faulthandler.disable()
    file.close()
    if path.exists() and path.stat().st_size == 0:
        path.unlink()


def exception_report(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None, log_path: Path | str
) -> str:
    """What a user pastes into a bug report: versions, platform, the log's path and the traceback."""
    lines = [
        f"TradeDash {tradedash.__version__} on Python {platform.python_version()}, {platform.platform()}",
        f"Time: {time.strftime('%Y-%m-%d %H:%M:%S %z')}",
        f"Command: {' '.join(sys.argv)}",
        f"Log: {log_path}",
        "",
        "".join(traceback.format_exception(exc_type, exc, tb)).rstrip(),
    ]
    return "\n".join(lines) + "\n"
