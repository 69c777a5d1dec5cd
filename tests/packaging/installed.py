"""Run commands of an installed TradeDash as a user would: outside the repository, nothing of it on the path."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.waiting import wait_for_blocking

__all__ = ["clean_env", "run_installed", "running_exchange"]

_LISTENING = re.compile(r"listening on (ws://127\.0\.0\.1:\d+)")


def clean_env() -> dict[str, str]:
    """This process's environment without anything that would put the repository on the path."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def run_installed(program: Path | str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``program ARGS`` from an empty temporary folder with :func:`clean_env`."""
    with tempfile.TemporaryDirectory() as cwd:
        return subprocess.run([str(program), *args], cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=timeout)


@contextmanager
def running_exchange(bin_dir: Path, log_path: Path, timeout: float = 20) -> Iterator[str]:
    """``mock-exchange --port 0`` from ``bin_dir`` while the block runs; yields its ``ws://`` URL."""
    with open(log_path, "wb") as log, tempfile.TemporaryDirectory() as cwd:
        process = subprocess.Popen([str(bin_dir / "mock-exchange"), "--port", "0"], cwd=cwd, env=clean_env(), stdout=log, stderr=log)
        try:

            def listening() -> re.Match | None:
                assert process.poll() is None, log_path.read_text(errors="replace")
                return _LISTENING.search(log_path.read_text(errors="replace"))

            wait_for_blocking(listening, timeout, interval=0.02, what="mock-exchange listening")
            yield listening().group(1)
        finally:
            process.kill()
            process.wait()
