"""A menu launcher on Linux: a freedesktop ``.desktop`` file and its icon in the user's XDG data folder.

No Qt: ``tradedash --install-desktop-entry`` runs before any window exists.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

__all__ = [
    "ENTRY_ID",
    "DesktopEntryPaths",
    "desktop_entry_paths",
    "desktop_entry_text",
    "exec_value",
    "install_desktop_entry",
    "uninstall_desktop_entry",
]

#: The desktop file ID and icon name; the app calls itself this (``QGuiApplication.setDesktopFileName``).
ENTRY_ID = "tradedash"
#: The icon's strokes, which the window draws in the theme's accent: the light theme's accent here.
ICON_COLOUR = "#1e6fd9"
#: Characters that make an ``Exec`` argument need quotes (Desktop Entry Specification, "The Exec key").
_RESERVED = re.compile(r"[\s\"'\\><~|&;$*?#()`]")


@dataclass(frozen=True)
class DesktopEntryPaths:
    """Where the launcher's two files go: ``applications/tradedash.desktop`` and the hicolor icon."""

    entry: Path
    icon: Path


def desktop_entry_paths(environ: Mapping[str, str] = os.environ) -> DesktopEntryPaths:
    """The paths under ``$XDG_DATA_HOME`` (an absolute path), else under ``~/.local/share``."""
    configured = environ.get("XDG_DATA_HOME", "")
    data_home = Path(configured) if os.path.isabs(configured) else Path(environ.get("HOME") or Path.home()) / ".local" / "share"
    return DesktopEntryPaths(
        entry=data_home / "applications" / f"{ENTRY_ID}.desktop",
        icon=data_home / "icons" / "hicolor" / "scalable" / "apps" / f"{ENTRY_ID}.svg",
    )


def exec_value(command: Sequence[str]) -> str:
    """``command`` as the value of an ``Exec`` key: each argument quoted where the spec asks, ``%`` doubled,
    then the string escapes applied (so a backslash in a quoted argument is written four times)."""

    def argument(arg: str) -> str:
        arg = arg.replace("%", "%%")
        if arg and not _RESERVED.search(arg):
            return arg
        return '"' + re.sub(r'(["`$\\])', r"\\\1", arg) + '"'

    return _escape_string(" ".join(argument(arg) for arg in command))


def _escape_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


def desktop_entry_text(command: Sequence[str]) -> str:
    """The ``.desktop`` file that starts ``command`` (its first item, an absolute path, is also ``TryExec``,
    so the entry hides itself if the installation it points to is removed)."""
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Name=TradeDash",
        "GenericName=Market Data Dashboard",
        "Comment=Live prices, order books, trades and alerts from WebSocket market-data feeds",
        f"TryExec={_escape_string(command[0])}",
        f"Exec={exec_value(command)}",
        f"Icon={ENTRY_ID}",
        "Terminal=false",
        "Categories=Office;Finance;",
        "Keywords=market;trading;prices;order book;crypto;",
        "StartupNotify=true",
        "",
    ])


def _launch_command() -> list[str]:
    """This interpreter running ``-m tradedash``: the environment the installation lives in, whatever PATH says."""
    return [str(Path(sys.executable).absolute()), "-m", "tradedash"]


def install_desktop_entry(paths: DesktopEntryPaths, command: Sequence[str] | None = None) -> list[Path]:
    """Write the icon and the ``.desktop`` file (replacing earlier ones); returns the two paths."""
    icon_svg = (files("tradedash.resources") / "icons" / "app.svg").read_text(encoding="utf-8")
    _write(paths.icon, icon_svg.replace("#COLOR", ICON_COLOUR))
    _write(paths.entry, desktop_entry_text(command or _launch_command()))
    return [paths.entry, paths.icon]


def uninstall_desktop_entry(paths: DesktopEntryPaths) -> list[Path]:
    """Remove the ``.desktop`` file and the icon; returns those that were there."""
    removed = []
    for path in (paths.entry, paths.icon):
        if path.exists():
            path.unlink()
            removed.append(path)
    return removed


def _write(path: Path, text: str) -> None:
    """Write through a temporary file and a rename, so a menu never reads half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
