"""The catalogue as a table that filters itself in memory as the coordinator types.

Filtering runs in plain Python over text prepared once per item, then resets the model: a few
thousand items filter in about a millisecond, far below what a person can notice per keystroke.
"""

from __future__ import annotations

from collections.abc import Sized

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QApplication

from careplan.domain.catalogue import CatalogueItem
from careplan.domain.disciplines import Discipline
from careplan.ui.list_table_model import ListTableModel

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Treatment", "Discipline", "Kind")
_DISPLAY, _ACCESSIBLE, _TOOLTIP = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.ToolTipRole
_FOREGROUND, _FONT, _USER = Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.FontRole, Qt.ItemDataRole.UserRole
_ROLES = frozenset({_DISPLAY, _ACCESSIBLE, _TOOLTIP, _FOREGROUND, _FONT, _USER})


def _haystack(item: CatalogueItem) -> str:
    return " ".join((item.title, item.code, item.discipline.label, item.role.label, item.frequency,
                     item.caregiver_instructions, item.clinical_description, item.safety_notes)).casefold()


class CatalogueModel(ListTableModel):
    columns = COLUMNS

    def __init__(self, items: list[CatalogueItem], parent: object = None):
        super().__init__(parent)  # type: ignore[arg-type]
        self._all: list[CatalogueItem] = []
        self._text: list[str] = []
        self._rows: list[int] = []
        self._query: tuple[str, Discipline | None, bool] = ("", None, True)
        self._italic = QFont()
        self._italic.setItalic(True)
        self.set_items(items)

    # --- data ---------------------------------------------------------------------------------
    def set_items(self, items: list[CatalogueItem]) -> None:
        self._all = list(items)
        self._text = [_haystack(i) for i in self._all]
        self._apply()

    def replace_item(self, item: CatalogueItem) -> None:
        """Swap in an edited item without refiltering, so the edited row does not jump away."""
        for n, old in enumerate(self._all):
            if old.code == item.code:
                self._all[n] = item
                self._text[n] = _haystack(item)
                if n in self._rows:
                    row = self._rows.index(n)
                    self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
                return
        self._all.append(item)
        self._text.append(_haystack(item))
        self._apply()

    def item_at(self, row: int) -> CatalogueItem | None:
        return self._all[self._rows[row]] if 0 <= row < len(self._rows) else None

    def row_of(self, code: str) -> int:
        for row, n in enumerate(self._rows):
            if self._all[n].code == code:
                return row
        return -1

    @property
    def total(self) -> int:
        return len(self._all)

    # --- filtering ----------------------------------------------------------------------------
    def set_filter(self, text: str, discipline: Discipline | None, show_retired: bool) -> None:
        query = (text, discipline, show_retired)
        if query != self._query:
            self._query = query
            self._apply()

    def _apply(self) -> None:
        text, discipline, show_retired = self._query
        words = text.casefold().split()
        items, haystacks = self._all, self._text
        self.beginResetModel()
        self._rows = [
            n for n, item in enumerate(items)
            if (show_retired or item.active)
            and (discipline is None or item.discipline is discipline)
            and all(w in haystacks[n] for w in words)
        ]
        self.endResetModel()

    # --- Qt -----------------------------------------------------------------------------------
    def row_list(self) -> Sized:
        return self._rows

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        # Painting asks every visible cell for a dozen roles: answer the unused ones first.
        if role not in _ROLES:
            return None
        item = self.item_at(index.row())
        if item is None:
            return None
        col = index.column()
        if role in (_DISPLAY, _ACCESSIBLE):
            if col == 0:
                return item.title if item.active else f"{item.title} (retired)"
            if col == 1:
                return item.discipline.label
            return "Clinic's own" if item.custom else "CarePlan"
        if role == _USER:
            return item.code
        if role == _TOOLTIP:
            return f"{item.title}\nCode: {item.code}\nWho does it: {item.role.label}" if col == 0 else None
        if item.active:
            return None
        if role == _FOREGROUND:
            return QApplication.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        if role == _FONT:
            return self._italic
        return None
