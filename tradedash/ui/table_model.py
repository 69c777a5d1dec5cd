"""The shape every table in the window shares: named columns over a flat list of rows."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from tradedash.ui.guard import INVALID_TEXT, shielded

__all__ = ["ColumnTableModel", "ModelIndex", "ALIGN_LEFT", "ALIGN_RIGHT"]

ModelIndex = QModelIndex | QPersistentModelIndex
ALIGN_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
ALIGN_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class ColumnTableModel(QAbstractTableModel):
    """A flat table whose columns are named by ``columns``.

    Contract: subclasses set ``columns``, implement ``row_count()`` and ``data()``;
    row and column counts (zero under a valid parent: the table is flat), header
    text, header tooltips (``header_tips``, by column name) and header alignment
    (``alignment(column)``, which cells should use too) come from here. No
    exception from ``data()``, ``headerData()``, ``setData()`` or ``flags()``
    of any subclass reaches Qt: it is logged once and the cell reads
    :data:`~tradedash.ui.guard.INVALID_TEXT` (see :mod:`tradedash.ui.guard`).
    """

    columns: tuple[str, ...] = ()
    header_tips: dict[str, str] = {}

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        for name, fallback in _FALLBACKS.items():
            method = cls.__dict__.get(name)
            if method is not None and not getattr(method, "__shielded__", False):
                setattr(cls, name, shielded(fallback)(method))

    def row_count(self) -> int:
        raise NotImplementedError

    def alignment(self, column: int) -> int | None:
        """Text alignment of ``column``'s header and cells; None keeps Qt's default."""
        return None

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self.row_count()

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    @shielded(lambda _self, _section, _orientation, role=Qt.ItemDataRole.DisplayRole: _invalid(role))
    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.header_tips.get(self.columns[section])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self.alignment(section)
        return None


def _invalid(role: int):
    if role == Qt.ItemDataRole.DisplayRole:
        return INVALID_TEXT
    if role == Qt.ItemDataRole.ToolTipRole:
        return "This value cannot be shown; the log file says why."
    return None


_FALLBACKS = {
    "data": lambda _self, _index, role=Qt.ItemDataRole.DisplayRole: _invalid(role),
    "headerData": lambda _self, _section, _orientation, role=Qt.ItemDataRole.DisplayRole: _invalid(role),
    "setData": lambda *_args, **_kwargs: False,
    "flags": lambda *_args, **_kwargs: Qt.ItemFlag.NoItemFlags,
}
