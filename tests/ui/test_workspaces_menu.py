"""Workspaces in the window: saved by name, switched from the menu, restored, a corrupt file reported and kept aside."""

from __future__ import annotations

from ui_helpers import priced_window

from tradedash.core.chart.chart_state import IndicatorState
from tradedash.core.chart.workspaces import WORKSPACES_FILE, WorkspaceStore
from tradedash.ui.running_feed import SymbolRef
from tradedash.ui.workspace_menu import WorkspaceMenu


def test_save_switch_and_restore_at_start(qtbot, feed, tmp_path):
    window = priced_window(qtbot, feed, tmp_path)
    window.show()
    menu = WorkspaceMenu(WorkspaceStore(tmp_path), window)
    menu.save_as("Single")
    window.set_chart_count(4)
    window.link_crosshair_action.trigger()
    window.chart_grid.shown[1].set_interval("5m")
    window.chart_grid.shown[1].add_indicator(IndicatorState.of("rsi"))
    window.chart_grid.set_focused(window.chart_grid.shown[1])
    window.docks["health"].hide()
    menu.save_as("Grid")
    assert [a.text() for a in menu.menu.actions() if a.isCheckable()] == ["Single", "Grid"]

    next(a for a in menu.menu.actions() if a.text() == "Single").trigger()  # switch from the menu
    assert len(window.chart_grid.shown) == 1 and window.chart_grid.link is None
    assert window.docks["health"].isVisible()

    again = priced_window(qtbot, feed, tmp_path / "again")  # a new start: the app restores the current workspace
    menu.switch("Grid")
    restored = WorkspaceMenu(WorkspaceStore(tmp_path), again)
    restored.restore()
    assert restored.current == "Grid" and len(again.chart_grid.shown) == 4
    second = again.chart_grid.shown[1]
    assert second.interval == "5m" and [i.name for i in second.indicators] == ["rsi"] and second.symbol == SymbolRef("demo", "SOL-USD")
    assert again.focused_chart is second and again.chart_grid.link is not None and again.chart_grid.link.crosshair
    assert again.book.model.symbol == "SOL-USD"


def test_switching_keeps_changes_of_the_workspace_left(qtbot, feed, tmp_path):
    window = priced_window(qtbot, feed, tmp_path)
    menu = WorkspaceMenu(WorkspaceStore(tmp_path), window)
    menu.save_as("A")
    menu.save_as("B")
    window.chart.set_interval("1h")  # a change in B, not saved by hand
    menu.switch("A")
    assert WorkspaceStore(tmp_path).load().workspaces["B"].charts[0].interval == "1h"
    menu.delete_current()
    assert list(WorkspaceStore(tmp_path).load().workspaces) == ["B"] and not menu.delete_action.isEnabled()


def test_save_as_asks_a_name_without_a_nested_loop(qtbot, feed, tmp_path):
    window = priced_window(qtbot, feed, tmp_path)
    menu = WorkspaceMenu(WorkspaceStore(tmp_path), window)
    dialog = menu.ask_name()
    assert dialog.isVisible()
    dialog.setTextValue("Morning")
    dialog.accept()
    assert menu.current == "Morning" and "Morning" in WorkspaceStore(tmp_path).load().workspaces


def test_corrupt_file_is_reported_and_kept_aside(qtbot, feed, tmp_path):
    (tmp_path / WORKSPACES_FILE).write_text("not json")
    window = priced_window(qtbot, feed, tmp_path)
    menu = WorkspaceMenu(WorkspaceStore(tmp_path), window)
    menu.restore()
    assert menu.workspaces == {} and "kept as" in window.statusBar().currentMessage()
    assert len(list(tmp_path.glob(f"{WORKSPACES_FILE}.bad-*"))) == 1
