"""The real app in a child process (offscreen), for what only a whole process shows: a crash inside
Qt, an exit code, what the app says on its console, a second instance."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.waiting import wait_for_blocking

__all__ = ["SHOWN", "AppProcess", "AppRun", "app_env", "run_app"]

REPO = Path(__file__).resolve().parents[2]

#: The app logs this once its window is up (tradedash/app.py, Dashboard.start).
SHOWN = "window shown"


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


class AppProcess:
    """``python -m tradedash ARGS`` (or ``command ARGS``) with its own data folder, so its own log
    folder; everything it prints (stdout and stderr) kept in one file. ``stop()`` sends Ctrl+C and
    returns the exit status. ``env`` is used as given (see :func:`app_env`), with a data folder of
    its own under ``tmp_path`` unless it names one; without it, this process's environment on the
    offscreen platform."""

    def __init__(
        self,
        tmp_path: Path,
        name: str,
        *args: str,
        command: tuple[str, ...] = (sys.executable, "-m", "tradedash"),
        cwd: Path = REPO,
        env: dict[str, str] | None = None,
    ) -> None:
        self.output_path = tmp_path / f"{name}.output"
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"} if env is None else dict(env)
        env.setdefault("XDG_DATA_HOME", str(tmp_path / f"{name}-data"))
        self.data_home = Path(env["XDG_DATA_HOME"])
        with open(self.output_path, "wb") as output:
            self.process = subprocess.Popen([*command, *args], cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT)

    @property
    def log_dir(self) -> Path:
        return self.data_home / "tradedash"

    def log(self) -> str:
        path = self.log_dir / "tradedash.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def output(self) -> str:
        """What the process has printed so far."""
        return self.output_path.read_text(errors="replace")

    def wait_for_log(self, text: str, timeout: float = 30) -> None:
        """Until the log holds ``text``; fails the test if the process ends first or after ``timeout`` s."""

        def logged() -> bool:
            assert self.process.poll() is None, f"exited {self.process.returncode}: {self.output()[-2000:]}"
            return text in self.log()

        wait_for_blocking(logged, timeout, what=f"{text!r} in {self.log_dir / 'tradedash.log'}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # the app's clean shutdown
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait()


@dataclass
class AppRun:
    """How a :func:`run_app` run ended: its exit status, everything it printed, whether its window came up."""

    returncode: int
    output: str
    shown: bool


def run_app(args: list[str], home: Path, *, live_for: float = 1.5, timeout: float = 60.0, env: dict[str, str] | None = None) -> AppRun:
    """Run ``tradedash <args>`` with its files under ``home``; once its window is shown, let it live
    ``live_for`` seconds (it repaints, fits columns, ticks alerts meanwhile), then send Ctrl+C. A
    process that exits by itself (an error, a crash) is returned as it ended."""
    app = AppProcess(home, "app", *args, env=env or app_env(home))
    shown = False
    deadline = time.monotonic() + timeout
    while app.process.poll() is None and time.monotonic() < deadline:
        if SHOWN in app.output():
            shown = True
            time.sleep(live_for)
            break
        time.sleep(0.05)
    app.stop()
    output = app.output()
    return AppRun(app.process.returncode, output, shown or SHOWN in output)
