"""The plan's items as a tree: one branch per discipline (in clinic order), items beneath.

The model mirrors the document's items and follows its signals with fine-grained row
inserts/removals/dataChanged, so adding an item repaints one row, not the whole plan.
Catalogue items dropped onto it are announced, not inserted: the editor turns them into an
undoable command.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractItemModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QFont

from careplan.domain.disciplines import DISCIPLINE_ORDER, Discipline
from careplan.domain.plan import PlanItem
from careplan.ui.plan_document import PlanDocument

CATALOGUE_MIME = "application/x-careplan-catalogue-codes"
COLUMNS = ("Item", "How often", "Who helps", "Status")
UID_ROLE = Qt.ItemDataRole.UserRole + 1
DISCIPLINE_ROLE = Qt.ItemDataRole.UserRole + 2
Index = QModelIndex | QPersistentModelIndex
_FIELD_COLUMN = {"title": 0, "frequency": 1, "responsible": 2, "status": 3}


class PlanItemsModel(QAbstractItemModel):
    catalogueDropped = Signal(list)  # noqa: N815 (Qt signal naming)
    """Catalogue codes were dropped onto the plan."""

    def __init__(self, doc: PlanDocument, parent: QAbstractItemModel | None = None):
        super().__init__(parent)
        self.doc = doc
        self._groups: list[Discipline] = []
        self._children: dict[Discipline, list[str]] = {}
        self._items: dict[str, PlanItem] = {}
        self._problems: dict[str, str] = {}
        self._bold = QFont()
        self._bold.setBold(True)
        doc.contentReset.connect(self._rebuild)
        doc.itemInserted.connect(self._inserted)
        doc.itemRemoved.connect(self._removed)
        doc.itemChanged.connect(self._changed)
        self._rebuild()

    # --- following the document ------------------------------------------------------------

    @Slot()
    def _rebuild(self) -> None:
        self.beginResetModel()
        self._items = {i.key: i for i in self.doc.content.items}
        self._children = {}
        for item in self.doc.content.items:
            self._children.setdefault(item.discipline, []).append(item.key)
        self._groups = [d for d in DISCIPLINE_ORDER if d in self._children]
        self.endResetModel()

    @Slot(str)
    def _inserted(self, uid: str) -> None:
        item = self.doc.item(uid)
        assert item is not None
        d = item.discipline
        # Keep the document's order within a discipline (undoing a removal puts it back in place).
        order = [i.key for i in self.doc.content.items if i.discipline == d]
        row = order.index(uid)
        if d not in self._children:
            group_row = sum(1 for g in self._groups if g.order < d.order)
            self.beginInsertRows(QModelIndex(), group_row, group_row)
            self._groups.insert(group_row, d)
            self._children[d] = [uid]
            self._items[uid] = item
            self.endInsertRows()
            return
        parent = self.index(self._groups.index(d), 0)
        self.beginInsertRows(parent, row, row)
        self._children[d].insert(row, uid)
        self._items[uid] = item
        self.endInsertRows()
        self._group_changed(d)

    @Slot(str)
    def _removed(self, uid: str) -> None:
        item = self._items.get(uid)
        if item is None:
            return
        d = item.discipline
        siblings = self._children[d]
        if len(siblings) == 1:
            group_row = self._groups.index(d)
            self.beginRemoveRows(QModelIndex(), group_row, group_row)
            del self._groups[group_row]
            del self._children[d]
            del self._items[uid]
            self.endRemoveRows()
            return
        row = siblings.index(uid)
        self.beginRemoveRows(self.index(self._groups.index(d), 0), row, row)
        del siblings[row]
        del self._items[uid]
        self.endRemoveRows()
        self._group_changed(d)

    @Slot(str, str)
    def _changed(self, uid: str, field: str) -> None:
        item = self.doc.item(uid)
        if item is None or uid not in self._items:
            return
        self._items[uid] = item
        col = _FIELD_COLUMN.get(field)
        if col is not None:
            index = self.index_of(uid, col)
            self.dataChanged.emit(index, index)

    def _group_changed(self, d: Discipline) -> None:
        index = self.index(self._groups.index(d), 0)
        self.dataChanged.emit(index, index)

    def set_problems(self, problems: dict[str, str]) -> None:
        """Items (uid -> message) that block saving; they get a visible marker."""
        if problems == self._problems:
            return
        changed = set(problems) ^ set(self._problems) | {u for u in problems if problems[u] != self._problems.get(u)}
        self._problems = dict(problems)
        for uid in changed:
            if uid in self._items:
                index = self.index_of(uid, 0)
                self.dataChanged.emit(index, index)

    # --- lookups ---------------------------------------------------------------------------

    def index_of(self, uid: str, column: int = 0) -> QModelIndex:
        item = self._items.get(uid)
        if item is None:
            return QModelIndex()
        d = item.discipline
        return self.createIndex(self._children[d].index(uid), column, d.order + 1)

    def uid_at(self, index: Index) -> str | None:
        if not index.isValid() or index.internalId() == 0:
            return None
        d = DISCIPLINE_ORDER[index.internalId() - 1]
        return self._children[d][index.row()]

    def group_index(self, d: Discipline) -> QModelIndex:
        return self.index(self._groups.index(d), 0) if d in self._groups else QModelIndex()

    # --- Qt model --------------------------------------------------------------------------

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0)
        d = self._groups[parent.row()]
        return self.createIndex(row, column, d.order + 1)

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        d = DISCIPLINE_ORDER[index.internalId() - 1]
        return self.createIndex(self._groups.index(d), 0, 0)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._groups)
        if parent.internalId() == 0 and parent.column() == 0:
            return len(self._children[self._groups[parent.row()]])
        return 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        if index.internalId() == 0:
            d = self._groups[index.row()]
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole) and index.column() == 0:
                n = len(self._children[d])
                return f"{d.label} ({n})"
            if role == Qt.ItemDataRole.FontRole:
                return self._bold
            if role == DISCIPLINE_ROLE:
                return d.value
            return None
        uid = self.uid_at(index)
        item = self._items[uid] if uid else None
        if item is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            text = (item.title, item.frequency, item.responsible, item.status.label)[index.column()]
            if index.column() == 0 and uid in self._problems:
                return "\u26a0 " + text
            return text
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._problems.get(uid or "") or item.title
        if role == UID_ROLE:
            return uid
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsDropEnabled
        if not index.isValid():
            return base
        return base | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    # --- drops from the catalogue --------------------------------------------------------------

    def mimeTypes(self) -> list[str]:
        return [CATALOGUE_MIME]

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index) -> bool:  # noqa: N802
        return data.hasFormat(CATALOGUE_MIME)

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index) -> bool:
        if not data.hasFormat(CATALOGUE_MIME):
            return False
        codes = [c for c in bytes(data.data(CATALOGUE_MIME).data()).decode("utf-8").split("\n") if c]
        if codes:
            self.catalogueDropped.emit(codes)
        # The editor inserts through the undo stack; nothing to do here.
        return False
