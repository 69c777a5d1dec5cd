"""The Workspaces menu: save what the window shows under a name, switch between saved ones, delete one."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QInputDialog

from tradedash.core.chart.workspaces import Workspace, WorkspaceStore
from tradedash.ui.main_window import MainWindow

__all__ = ["WorkspaceMenu"]

log = logging.getLogger(__name__)


class WorkspaceMenu(QObject):
    """Named workspaces (the chart grid, each chart's state, the panel layout) kept in ``store``.

    Contract: at construction the saved workspaces are read (problems, such as a
    corrupt file moved aside, are logged and shown in the status bar) and listed
    in the window's *Workspaces* menu; :meth:`restore` shows the one current when
    the app last stopped. Switching saves what the window shows into the current
    workspace first, so nothing is lost; :meth:`save` (the app calls it when it
    stops) does the same. Every change is written to the store at once.
    """

    def __init__(self, store: WorkspaceStore, window: MainWindow) -> None:
        super().__init__(window)
        self.store = store
        self.window = window
        loaded = store.load()
        self.workspaces: dict[str, Workspace] = loaded.workspaces
        self.current: str | None = loaded.current
        for problem in loaded.problems:
            log.warning("workspaces: %s", problem)
            window.statusBar().showMessage(f"Workspaces: {problem}", 15_000)
        self.menu = window.add_menu("workspaces", "&Workspaces")
        self.save_as_action = QAction("&Save workspace as…", self)
        self.save_as_action.triggered.connect(self.ask_name)
        self.delete_action = QAction("&Delete this workspace", self)
        self.delete_action.triggered.connect(self.delete_current)
        self._group = QActionGroup(self)
        self._rebuild()

    def _rebuild(self) -> None:
        self.menu.clear()
        self.menu.addAction(self.save_as_action)
        self.menu.addAction(self.delete_action)
        self.delete_action.setEnabled(self.current is not None)
        if self.workspaces:
            self.menu.addSeparator()
        for action in self._group.actions():
            self._group.removeAction(action)
        for name in self.workspaces:
            action = QAction(name, self, checkable=True, checked=name == self.current)
            action.triggered.connect(lambda _=False, n=name: self.switch(n))
            self._group.addAction(action)
            self.menu.addAction(action)

    def restore(self) -> None:
        """Show the workspace that was current when the app stopped (nothing when there was none)."""
        if self.current is not None:
            self.window.apply_workspace(self.workspaces[self.current])

    def ask_name(self) -> QInputDialog:
        """Ask for a name (opened, not exec'd), then save what the window shows under it."""
        dialog = QInputDialog(self.window)
        dialog.setWindowTitle("Save workspace")
        dialog.setLabelText("Name:")
        dialog.setTextValue(self.current or "")
        dialog.textValueSelected.connect(lambda text: self.save_as(text.strip()) if text.strip() else None)
        self.window.open_dialog(dialog)
        return dialog

    def save_as(self, name: str) -> None:
        """Save what the window shows as workspace ``name`` (replacing one of that name) and make it current."""
        self.workspaces[name] = self.window.workspace(name)
        self.current = name
        self._write()

    def switch(self, name: str) -> None:
        """Keep what the window shows in the current workspace, then show workspace ``name``."""
        if self.current is not None and self.current in self.workspaces:
            self.workspaces[self.current] = self.window.workspace(self.current)
        self.current = name
        self.window.apply_workspace(self.workspaces[name])
        self._write()

    def delete_current(self) -> None:
        """Forget the current workspace (the window keeps showing what it shows)."""
        if self.current is not None:
            self.workspaces.pop(self.current, None)
            self.current = None
            self._write()

    def save(self) -> None:
        """Keep what the window shows in the current workspace (when there is one) and write the file."""
        if self.current is not None:
            self.workspaces[self.current] = self.window.workspace(self.current)
            self._write()

    def _write(self) -> None:
        try:
            self.store.save(self.workspaces, self.current)
        except OSError as exc:
            log.warning("workspaces: not saved to %s: %s", self.store.path, exc.strerror or exc)
            self.window.statusBar().showMessage(f"Workspaces not saved: {exc.strerror or exc}", 15_000)
        self._rebuild()
