"""Workspaces on disk: round trip, current workspace, a corrupt file kept aside and reported, bad entries skipped."""

from __future__ import annotations

import json

import pytest

from tradedash.core.chart.chart_state import ChartState, IndicatorState
from tradedash.core.chart.workspaces import WORKSPACES_FILE, Workspace, WorkspaceStore


def _grid() -> Workspace:
    charts = tuple(ChartState(feed="demo", symbol=s, interval="1m", indicators=(IndicatorState.of("sma"),)) for s in ("BTC-USD", "ETH-USD", "SOL-USD", "ADA-USD"))
    return Workspace("Grid", charts, focused=2, link_crosshair=True, layout=b"\x00\xffqt-state", book_depth=50, depth_chart_depth=None)


def test_round_trip_keeps_every_chart_link_and_layout(tmp_path):
    store = WorkspaceStore(tmp_path)
    workspaces = {"Grid": _grid(), "Simple": Workspace("Simple")}
    store.save(workspaces, "Grid")
    loaded = WorkspaceStore(tmp_path).load()
    assert loaded.workspaces == workspaces and loaded.current == "Grid" and loaded.problems == []


def test_missing_file_gives_no_workspaces(tmp_path):
    loaded = WorkspaceStore(tmp_path / "not-yet").load()
    assert loaded.workspaces == {} and loaded.current is None and loaded.problems == []


def test_corrupt_file_is_reported_and_kept_aside(tmp_path):
    (tmp_path / WORKSPACES_FILE).write_text('{"workspaces": [')
    loaded = WorkspaceStore(tmp_path).load()
    assert loaded.workspaces == {} and len(loaded.problems) == 1
    kept = list(tmp_path.glob(f"{WORKSPACES_FILE}.bad-*"))
    assert len(kept) == 1 and kept[0].read_text() == '{"workspaces": [' and str(kept[0]) in loaded.problems[0]
    assert not (tmp_path / WORKSPACES_FILE).exists()


def test_a_bad_workspace_is_skipped_the_others_load(tmp_path):
    good = Workspace("Good").to_dict()
    bad = {"name": "Bad", "charts": [{}, {}, {}]}  # three charts: not a grid
    (tmp_path / WORKSPACES_FILE).write_text(json.dumps({"current": "Bad", "workspaces": [good, bad]}))
    loaded = WorkspaceStore(tmp_path).load()
    assert list(loaded.workspaces) == ["Good"] and loaded.current is None
    assert "workspace 2 skipped" in loaded.problems[0] and "kept as" in loaded.problems[1]


@pytest.mark.parametrize(
    "data",
    [
        {"name": ""}, {"name": "x", "focused": 3}, {"name": "x", "charts": [{"interval": "7m"}]}, {"name": "x", "layout": "not base64!"}, [],
        {"name": "x", "book_depth": 30}, {"name": "x", "book_depth": None}, {"name": "x", "depth_chart_depth": "all"},
    ],
)
def test_invalid_workspaces_are_refused(data):
    with pytest.raises(ValueError):
        Workspace.from_dict(data)


def test_a_workspace_saved_before_book_depths_were_kept_gets_the_defaults():
    workspace = Workspace.from_dict({"name": "old", "charts": [{}]})
    assert (workspace.book_depth, workspace.depth_chart_depth) == (10, 50)
