"""Workspaces: named sets of charts (the grid and each chart's state) and a panel layout, in one JSON file.

The file, ``workspaces.json``, lives in a directory the caller gives (next to
the config file). Writes are atomic (a temporary file, then ``os.replace``). A
file that cannot be read, or holds a workspace that cannot be used, is moved
aside to ``workspaces.json.bad-<time>`` (kept, never overwritten) and reported
in :attr:`LoadedWorkspaces.problems`; every usable workspace still loads.
Pure: no Qt (the panel layout is the window's own bytes, kept as base64 text).
"""

from __future__ import annotations

import base64
import binascii
import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from tradedash.core.chart.chart_state import ChartState
from tradedash.core.chart.depth import DEPTH_CHART_DEFAULT, DEPTH_CHOICES, LADDER_CHOICES, LADDER_DEFAULT

__all__ = ["GRID_SIZES", "Workspace", "LoadedWorkspaces", "WorkspaceStore", "WORKSPACES_FILE"]

WORKSPACES_FILE = "workspaces.json"
FORMAT_VERSION = 1
#: How many charts a workspace's grid may show.
GRID_SIZES = (1, 2, 4)


@dataclass(frozen=True)
class Workspace:
    """One named workspace: the charts in reading order (their count is the grid), which one has the
    focus, whether crosshair and time range are linked, the window's panel layout (opaque bytes), and
    the levels per side the order book ladder and the depth chart show.

    Contract: ``len(charts)`` is one of :data:`GRID_SIZES` and ``0 <= focused < len(charts)``;
    ``book_depth`` is one of :data:`~.depth.LADDER_CHOICES` and ``depth_chart_depth`` one of
    :data:`~.depth.DEPTH_CHOICES` (None: every level); a file from before they were kept gives the
    defaults. :meth:`from_dict` raises ``ValueError`` naming what is wrong for anything else.
    """

    name: str
    charts: tuple[ChartState, ...] = (ChartState(),)
    focused: int = 0
    link_crosshair: bool = False
    link_time_range: bool = False
    layout: bytes = b""
    book_depth: int = LADDER_DEFAULT
    depth_chart_depth: int | None = DEPTH_CHART_DEFAULT

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("a workspace needs a name")
        if len(self.charts) not in GRID_SIZES:
            raise ValueError(f"{self.name}: {len(self.charts)} charts; a grid shows 1, 2 or 4")
        if not 0 <= self.focused < len(self.charts):
            raise ValueError(f"{self.name}: focused chart {self.focused} is not one of its charts")
        if self.book_depth not in LADDER_CHOICES:
            raise ValueError(f"{self.name}: book depth {self.book_depth!r} is not one of {LADDER_CHOICES}")
        if self.depth_chart_depth not in DEPTH_CHOICES:
            raise ValueError(f"{self.name}: depth chart depth {self.depth_chart_depth!r} is not one of {DEPTH_CHOICES}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "charts": [chart.to_dict() for chart in self.charts],
            "focused": self.focused,
            "link_crosshair": self.link_crosshair,
            "link_time_range": self.link_time_range,
            "layout": base64.b64encode(self.layout).decode("ascii"),
            "book_depth": self.book_depth,
            "depth_chart_depth": self.depth_chart_depth,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Workspace:
        if not isinstance(data, Mapping) or not isinstance(data.get("name"), str):
            raise ValueError("a workspace is a table with a name")
        name = data["name"]
        charts = data.get("charts", [{}])
        if not isinstance(charts, list):
            raise ValueError(f"{name}: charts is not a list")
        try:
            states = tuple(ChartState.from_dict(chart) for chart in charts)
            layout = base64.b64decode(str(data.get("layout", "")), validate=True)
        except (ValueError, binascii.Error) as error:
            raise ValueError(f"{name}: {error}") from None
        focused, crosshair, time_range = data.get("focused", 0), data.get("link_crosshair", False), data.get("link_time_range", False)
        if not isinstance(focused, int) or not isinstance(crosshair, bool) or not isinstance(time_range, bool):
            raise ValueError(f"{name}: focused must be a number, the links true or false")
        book_depth = data.get("book_depth", LADDER_DEFAULT)
        depth_chart_depth = data.get("depth_chart_depth", DEPTH_CHART_DEFAULT)
        return cls(name, states, focused, crosshair, time_range, layout, book_depth, depth_chart_depth)


@dataclass
class LoadedWorkspaces:
    """What :meth:`WorkspaceStore.load` found: the usable workspaces by name, the current one's name
    (None when there was none or it is gone) and every problem met."""

    workspaces: dict[str, Workspace] = field(default_factory=dict)
    current: str | None = None
    problems: list[str] = field(default_factory=list)


class _File(msgspec.Struct, kw_only=True):
    version: int = FORMAT_VERSION
    current: str | None = None
    workspaces: list[dict[str, Any]] = msgspec.field(default_factory=list)


class WorkspaceStore:
    """Reads and writes ``workspaces.json`` in ``directory`` (created on the first save)."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    @property
    def path(self) -> Path:
        return self.directory / WORKSPACES_FILE

    def load(self) -> LoadedWorkspaces:
        """The saved workspaces; a missing file gives none, a broken one is moved aside and reported."""
        loaded = LoadedWorkspaces()
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return loaded
        except OSError as exc:
            loaded.problems.append(f"{self.path}: cannot be read ({exc.strerror or exc}); no workspaces loaded")
            return loaded
        try:
            file = msgspec.json.decode(data, type=_File)
        except (msgspec.DecodeError, RecursionError) as exc:
            loaded.problems.append(f"{self.path}: {exc}; no workspaces loaded. {self._set_aside()}")
            return loaded
        bad = False
        for index, raw in enumerate(file.workspaces):
            try:
                workspace = Workspace.from_dict(raw)
            except ValueError as error:
                bad = True
                loaded.problems.append(f"{self.path}: workspace {index + 1} skipped: {error}")
                continue
            loaded.workspaces[workspace.name] = workspace
        if bad:
            loaded.problems.append(self._set_aside())
        loaded.current = file.current if file.current in loaded.workspaces else None
        return loaded

    def save(self, workspaces: Mapping[str, Workspace], current: str | None) -> None:
        content = _File(current=current, workspaces=[workspace.to_dict() for workspace in workspaces.values()])
        self.directory.mkdir(parents=True, exist_ok=True)
        data = msgspec.json.format(msgspec.json.encode(content), indent=2)
        fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=f".{WORKSPACES_FILE}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _set_aside(self) -> str:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        kept, counter = self.path.with_name(f"{WORKSPACES_FILE}.bad-{stamp}"), 1
        while kept.exists():
            kept, counter = self.path.with_name(f"{WORKSPACES_FILE}.bad-{stamp}-{counter}"), counter + 1
        try:
            self.path.replace(kept)
        except OSError as exc:
            return f"The bad file could not be moved aside ({exc.strerror or exc}); it is left as it is."
        return f"The bad file is kept as {kept}."
