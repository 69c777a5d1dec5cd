"""One version, from the package metadata (pyproject.toml): the two commands and Help ▸ About all show it."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import tradedash

REPO = Path(__file__).resolve().parents[1]
PROJECT_VERSION = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]


def test_the_package_version_is_the_installed_metadata_of_pyproject():
    assert tradedash.__version__ == version("tradedash") == PROJECT_VERSION


def test_both_commands_print_it():
    for module, prog in (("tradedash", "tradedash"), ("mock_exchange", "mock-exchange")):
        result = subprocess.run([sys.executable, "-m", module, "--version"], capture_output=True, text=True, cwd=REPO, timeout=60)
        assert (result.returncode, result.stdout.strip()) == (0, f"{prog} {PROJECT_VERSION}"), result.stderr


def test_help_about_shows_it(qapp):
    from PySide6.QtWidgets import QLabel

    from tradedash.ui.dialogs.about import AboutDialog, versions

    assert versions()["TradeDash"] == PROJECT_VERSION
    dialog = AboutDialog("config.toml", "tradedash.log")
    try:
        assert any(f"TradeDash</td><td>&nbsp;&nbsp;{PROJECT_VERSION}<" in label.text() for label in dialog.findChildren(QLabel))
    finally:
        dialog.deleteLater()
