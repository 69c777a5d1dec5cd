"""Workspaces in the window: saved by name, switched from the menu, restored, a corrupt file reported and kept aside."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from ui_helpers import priced_window

from tradedash.config import Config
from tradedash.core.chart.chart_state import IndicatorState
from tradedash.core.chart.workspaces import WORKSPACES_FILE, WorkspaceStore
from tradedash.ui.main_window import MainWindow
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


def test_book_depths_are_kept_with_the_layout_and_with_each_workspace(qtbot, feed, tmp_path):
    window = priced_window(qtbot, feed, tmp_path)
    window.book.set_depth(50)
    window.depth.set_depth(None)  # every level
    workspace = window.workspace("deep")
    assert (workspace.book_depth, workspace.depth_chart_depth) == (50, None)
    window.close()  # the layout is saved on close
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    again = MainWindow([feed], Config(feeds=[feed.config]), settings)
    qtbot.addWidget(again)
    assert (again.book.depth, again.depth.depth) == (50, None)
    again.book.set_depth(20)
    again.depth.set_depth(10)
    again.apply_workspace(workspace)
    assert (again.book.depth, again.depth.depth) == (50, None)
    assert again.book.depth_box.currentText() == "50 levels"
    settings.setValue("panels/book_depth", "37")  # not a choice: the default stays
    settings.setValue("panels/depth_chart_depth", "many")
    third = MainWindow([feed], Config(feeds=[feed.config]), settings)
    qtbot.addWidget(third)
    assert (third.book.depth, third.depth.depth) == (10, 50)


def test_the_window_asks_for_the_depth_its_book_panels_show_on_screen(qtbot, feed, tmp_path):
    window = priced_window(qtbot, feed, tmp_path)
    window.repaint_timer.stop()
    wishes = []
    window.book_depths_wanted.connect(lambda name, depths: wishes.append((name, depths)))
    window.show()
    qtbot.waitExposed(window)
    window.refresh()
    assert wishes == []  # the ladder at its default 10 levels, the depth chart behind its tab: nothing to ask
    window.book.set_depth(20)
    window.refresh()
    assert wishes == [("demo", {"BTC-USD": 20})]
    window.docks["depth"].raise_()  # the depth chart (50 levels) in front of the ladder
    qtbot.waitUntil(lambda: window.refresh() or len(wishes) == 2)
    assert wishes[-1] == ("demo", {"BTC-USD": 50})
    window.docks["book"].raise_()
    window.show_symbol(SymbolRef("demo", "SOL-USD"))
    qtbot.waitUntil(lambda: window.refresh() or wishes[-1] == ("demo", {"SOL-USD": 20}))
    window.book.set_depth(10)
    window.refresh()
    assert wishes[-1] == ("demo", {})


def test_a_corrupt_file_reported_before_the_window_shows_hides_the_feeds_summary_under_it(qtbot, feed, tmp_path):
    (tmp_path / WORKSPACES_FILE).write_text("not json")
    window = priced_window(qtbot, feed, tmp_path)
    window.hide()
    WorkspaceMenu(WorkspaceStore(tmp_path), window)  # as the app starts: the menu reads the file before the window shows
    window.show()
    qtbot.waitExposed(window)
    assert "kept as" in window.statusBar().currentMessage()
    assert not window.status_text.isVisible()  # not drawn under the message, the two texts over each other
