"""The real app in a child process (offscreen), for tests of what only a whole process shows."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.support.waiting import wait_for_blocking

__all__ = ["AppProcess"]

REPO = Path(__file__).resolve().parents[2]


class AppProcess:
    """``python -m tradedash ARGS`` (or ``command ARGS``) with its own data folder, so its own log
    folder; stderr kept in a file. ``stop()`` sends Ctrl+C and returns the exit status."""

    def __init__(
        self,
        tmp_path: Path,
        name: str,
        *args: str,
        command: tuple[str, ...] = (sys.executable, "-m", "tradedash"),
        cwd: Path = REPO,
        env: dict[str, str] | None = None,
    ) -> None:
        self.data_home = tmp_path / f"{name}-data"
        self.stderr_path = tmp_path / f"{name}.stderr"
        env = {**(os.environ if env is None else env), "QT_QPA_PLATFORM": "offscreen", "XDG_DATA_HOME": str(self.data_home)}
        with open(self.stderr_path, "wb") as stderr:
            self.process = subprocess.Popen([*command, *args], cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=stderr)

    @property
    def log_dir(self) -> Path:
        return self.data_home / "tradedash"

    def log(self) -> str:
        path = self.log_dir / "tradedash.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_for_log(self, text: str, timeout: float = 30) -> None:
        """Until the log holds ``text``; fails the test if the process ends first or after ``timeout`` s."""

        def logged() -> bool:
            assert self.process.poll() is None, f"exited {self.process.returncode}: {self.stderr_path.read_text()[-2000:]}"
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
