"""Start the real app (``python -m tradedash``) in a subprocess on Qt's offscreen platform.

For the failures that kill a process (a segfault inside Qt, an abort) and for the
command line: the test gets the exit code and everything the app said.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

#: The app logs this once its window is up (tradedash/app.py, Dashboard.start).
SHOWN = "window shown"


@dataclass
class AppRun:
    returncode: int
    output: str
    shown: bool


def app_env(home: Path, **overrides: str) -> dict[str, str]:
    """The environment of a child app whose config, data and log files all live under ``home``."""
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        XDG_CONFIG_HOME=str(home / "config-home"),
        XDG_DATA_HOME=str(home / "data-home"),
        PYTHONFAULTHANDLER="1",
    )
    env.update(overrides)
    return env


def run_app(args: list[str], home: Path, *, live_for: float = 1.5, timeout: float = 60.0, env: dict[str, str] | None = None) -> AppRun:
    """Run ``tradedash <args>``; once its window is shown, let it live ``live_for`` seconds, then
    send Ctrl+C. A process that exits by itself (an error, a crash) is returned as it ended."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tradedash", *args],
        env=env or app_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")), daemon=True)
    reader.start()
    shown = False
    deadline = time.monotonic() + timeout
    try:
        while process.poll() is None and time.monotonic() < deadline:
            if not shown and any(SHOWN in line for line in list(lines)):
                shown = True
                time.sleep(live_for)  # the app runs (repaints, fits columns, ticks alerts) meanwhile
                process.send_signal(signal.SIGINT)
                deadline = min(deadline, time.monotonic() + 15)
            time.sleep(0.05)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)
        reader.join(10)
    return AppRun(process.returncode, "".join(lines), shown)
