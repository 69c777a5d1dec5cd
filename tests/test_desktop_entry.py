"""``tradedash --install-desktop-entry``: a valid launcher where XDG says, and gone again after uninstalling."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tradedash.desktop_entry import desktop_entry_paths, desktop_entry_text, exec_value

REPO = Path(__file__).resolve().parents[1]


def _validate(path: Path) -> subprocess.CompletedProcess[str]:
    validator = shutil.which("desktop-file-validate")
    if validator is None:
        if os.environ.get("CI"):  # .ci/run installs it: in CI this test must run
            pytest.fail("desktop-file-validate is missing (Debian package desktop-file-utils)")
        pytest.skip("desktop-file-validate is missing (Debian package desktop-file-utils)")
    return subprocess.run([validator, str(path)], capture_output=True, text=True)


def _tradedash(*args: str, data_home: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_DATA_HOME": str(data_home), "HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "tradedash", *args], capture_output=True, text=True, env=env, cwd=REPO, timeout=60)


def test_install_writes_a_valid_entry_and_icon_under_xdg_data_home_and_uninstall_removes_them(tmp_path):
    data_home, home = tmp_path / "data", tmp_path / "home"
    installed = _tradedash("--install-desktop-entry", data_home=data_home, home=home)
    assert installed.returncode == 0, installed.stderr
    entry = data_home / "applications" / "tradedash.desktop"
    icon = data_home / "icons" / "hicolor" / "scalable" / "apps" / "tradedash.svg"
    assert entry.is_file() and icon.is_file()
    assert not (home / ".local").exists()
    validated = _validate(entry)
    assert (validated.returncode, validated.stdout + validated.stderr) == (0, "")
    keys = dict(line.split("=", 1) for line in entry.read_text().splitlines() if "=" in line)
    assert keys["Icon"] == "tradedash" and keys["Name"] == "TradeDash"
    assert shlex.split(keys["Exec"]) == [sys.executable, "-m", "tradedash"]  # this interpreter, whatever PATH says
    assert "#COLOR" not in icon.read_text() and icon.read_text().startswith("<svg")

    removed = _tradedash("--uninstall-desktop-entry", data_home=data_home, home=home)
    assert removed.returncode == 0, removed.stderr
    assert not entry.exists() and not icon.exists()
    again = _tradedash("--uninstall-desktop-entry", data_home=data_home, home=home)
    assert again.returncode == 0 and "no desktop entry" in again.stdout


def test_without_xdg_data_home_the_files_go_under_home_local_share(tmp_path):
    paths = desktop_entry_paths({"HOME": str(tmp_path)})
    assert paths.entry == tmp_path / ".local/share/applications/tradedash.desktop"
    assert paths.icon == tmp_path / ".local/share/icons/hicolor/scalable/apps/tradedash.svg"
    assert desktop_entry_paths({"HOME": str(tmp_path), "XDG_DATA_HOME": "relative/ignored"}) == paths


def test_exec_quotes_reserved_characters_and_escapes_backslashes_and_percent():
    assert exec_value(["/opt/py/bin/python", "-m", "tradedash"]) == "/opt/py/bin/python -m tradedash"
    assert exec_value(["/home/a b/python"]) == '"/home/a b/python"'
    assert exec_value(['/x/say "hi"']) == r'"/x/say \\"hi\\""'
    assert exec_value(["/x/a\\b"]) == r'"/x/a\\\\b"'
    assert exec_value(["/x/$HOME`", "100%"]) == r'"/x/\\$HOME\\`" 100%%'


@pytest.mark.parametrize("python", ["/home/a b/venv/bin/python", "/opt/it's/python", "/x/100%/python"])
def test_entries_for_awkward_install_paths_still_validate(tmp_path, python):
    entry = tmp_path / "tradedash.desktop"
    entry.write_text(desktop_entry_text([python, "-m", "tradedash"]))
    validated = _validate(entry)
    assert (validated.returncode, validated.stdout + validated.stderr) == (0, "")
