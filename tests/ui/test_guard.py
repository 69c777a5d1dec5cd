"""No exception from a model or paint method reaches Qt: the cell reads "invalid" and the log says why, once."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView

from tradedash.ui import guard
from tradedash.ui.table_model import ColumnTableModel


class _Broken(ColumnTableModel):
    columns = ("When", "What")

    def row_count(self) -> int:
        return 3

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if index.column() == 0 and role == Qt.ItemDataRole.DisplayRole:
            raise ValueError("year 33658 is out of range")
        return "fine" if role == Qt.ItemDataRole.DisplayRole else None


def test_a_failing_cell_reads_invalid_is_logged_once_and_the_view_lives_on(qtbot, caplog):
    model = _Broken()
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    with caplog.at_level(logging.ERROR, logger="tradedash.ui"):
        view.resizeColumnsToContents()  # where the start-up crash happened: Qt asks every cell
        view.show()
        qtbot.waitExposed(view)
        view.viewport().repaint()
    assert model.data(model.index(0, 0)) == guard.INVALID_TEXT
    assert model.data(model.index(0, 1)) == "fine"
    logged = [r for r in caplog.records if "_Broken.data failed" in r.getMessage()]
    assert len(logged) == 1 and "year 33658" in caplog.text
    assert guard.failures["_Broken.data"] >= 4


def test_every_model_and_paint_method_of_the_window_is_shielded():
    import importlib
    import pkgutil

    import tradedash.ui
    from PySide6.QtWidgets import QGraphicsItem, QStyledItemDelegate, QWidget

    from tradedash.ui.table_model import ColumnTableModel

    for module in pkgutil.walk_packages(tradedash.ui.__path__, "tradedash.ui."):
        importlib.import_module(module.name)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    models = [cls for cls in subclasses(ColumnTableModel) if cls.__module__.startswith("tradedash.")]
    assert len(models) >= 6
    for cls in models:
        for name in ("data", "headerData"):
            assert getattr(getattr(cls, name), "__shielded__", False), f"{cls.__name__}.{name}"
    painters = [
        (cls, name)
        for base, name in ((QStyledItemDelegate, "paint"), (QGraphicsItem, "paint"), (QWidget, "paintEvent"))
        for cls in subclasses(base)
        if cls.__module__.startswith("tradedash.") and name in cls.__dict__
    ]
    assert len(painters) >= 4
    for cls, name in painters:
        assert getattr(cls.__dict__[name], "__shielded__", False), f"{cls.__name__}.{name}"
