"""Crashes leave a trace in the log folder: faulthandler's traceback of a native crash, nothing after a clean exit."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import tradedash
from tests.support.app_process import AppProcess
from tradedash.crash_report import exception_report

REPO = Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from tradedash.crash_report import enable_fault_log

    enable_fault_log(Path(sys.argv[1]))

    def paint_the_candles():
        if sys.argv[2] == "segfault":
            import faulthandler
            faulthandler._sigsegv()

    paint_the_candles()
    """
)


def _child(log_dir: Path, what: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", CHILD, str(log_dir), what], cwd=REPO, capture_output=True, text=True, timeout=60)


def test_a_segfaulting_process_leaves_its_traceback_in_the_log_folder(tmp_path):
    result = _child(tmp_path / "logs", "segfault")
    assert result.returncode == -signal.SIGSEGV
    (crash,) = (tmp_path / "logs").glob("crash-*.log")
    text = crash.read_text()
    assert "Fatal Python error: Segmentation fault" in text
    assert "in paint_the_candles" in text


def test_a_clean_exit_leaves_no_crash_file(tmp_path):
    result = _child(tmp_path / "logs", "nothing")
    assert result.returncode == 0, result.stderr
    assert list((tmp_path / "logs").glob("crash-*.log")) == []


@pytest.mark.timeout(90)
def test_the_app_writes_a_native_crash_into_its_log_folder(tmp_path):
    app = AppProcess(tmp_path, "app", "--config", str(tmp_path / "config.toml"))
    try:
        app.wait_for_log("a second start with this config will bring this window to the front")
        app.process.send_signal(signal.SIGSEGV)  # what a segfault inside Qt delivers
        assert app.process.wait(30) == -signal.SIGSEGV
    finally:
        app.stop()
    (crash,) = app.log_dir.glob("crash-*.log")
    text = crash.read_text()
    assert "Fatal Python error: Segmentation fault" in text and "(most recent call first)" in text  # a thread's traceback


def test_the_report_names_the_version_the_log_and_the_traceback():
    try:
        raise OSError("disk full")
    except OSError as exc:
        report = exception_report(type(exc), exc, exc.__traceback__, "/var/log/tradedash.log")
    assert report.startswith(f"TradeDash {tradedash.__version__} on Python ")
    assert "Log: /var/log/tradedash.log" in report
    assert "Traceback (most recent call last)" in report and report.rstrip().endswith("OSError: disk full")
