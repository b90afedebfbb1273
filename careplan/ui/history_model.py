"""The plan history's revision list as a Qt model: newest first, with restores and imports noted."""

from __future__ import annotations

from collections.abc import Sized

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QWidget

from careplan.services.plans import RevisionSummary
from careplan.services.provenance import ImportMark
from careplan.ui.dialog_kit import local_time
from careplan.ui.list_table_model import ListTableModel

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Revision", "Saved", "By", "Reason", "Items", "Note")


class HistoryModel(ListTableModel):
    """The revision list, newest first: the one a coordinator most often wants is on top."""

    columns = COLUMNS

    def __init__(self, rows: list[RevisionSummary], parent: QWidget | None = None):
        super().__init__(parent)
        self.rows = list(reversed(rows))
        self.imported: dict[int, ImportMark] = {}  # revisions that arrived by import (services.provenance)

    def set_rows(self, rows: list[RevisionSummary]) -> None:
        self.beginResetModel()
        self.rows = list(reversed(rows))
        self.endResetModel()

    def row_of(self, number: int) -> int:
        return next((n for n, r in enumerate(self.rows) if r.number == number), -1)

    def row_list(self) -> Sized:
        return self.rows

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if col == 0:
                return f"r{r.number}"
            if col == 1:
                return local_time(r.created_at)
            if col == 2:
                return r.author
            if col == 3:
                return r.reason or ("First version" if r.number == 1 else "—")
            if col == 4:
                return str(r.items)
            notes = []
            if r.restored_from:
                notes.append(f"Restored from r{r.restored_from}")
            if r.number in self.imported:
                said = self.imported[r.number].sentence()
                notes.append(said[:1].upper() + said[1:])
            if index.row() == 0:
                notes.append("Current")
            return ", ".join(notes)
        if role == Qt.ItemDataRole.ToolTipRole and col == 3 and r.reason:
            return r.reason
        if role == Qt.ItemDataRole.ToolTipRole and col == 5:  # the import sentence is longer than the column
            return self.data(index) or None
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (0, 4):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return r.number
        return None
