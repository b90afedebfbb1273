"""The catalogue picker: treatments grouped by discipline, searchable, added by double-click,
Enter or drag onto the plan."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import (
    QMimeData,
    QModelIndex,
    QRegularExpression,
    QSortFilterProxyModel,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QBrush, QColor, QFont, QKeyEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QLabel, QTreeView, QVBoxLayout, QWidget

from careplan.domain.catalogue import CatalogueItem
from careplan.domain.disciplines import DISCIPLINE_ORDER
from careplan.ui.form_fields import SearchBox, named
from careplan.ui.plan_items_model import CATALOGUE_MIME

CODE_ROLE = Qt.ItemDataRole.UserRole + 1
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 2
IN_PLAN_MARK = "\u2713 "
MIN_SEARCH = 2  # one letter matches most of the catalogue: filtering starts at two


class CatalogueModel(QStandardItemModel):
    """Discipline branches with their items; drags carry the item codes."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._rows: dict[str, QStandardItem] = {}
        self._titles: dict[str, str] = {}
        self._in_plan: set[str] = set()

    def load(self, items: Sequence[CatalogueItem]) -> None:
        self.clear()
        self._rows.clear()
        self._titles.clear()
        bold = QFont()
        bold.setBold(True)
        groups: dict[object, QStandardItem] = {}
        for d in DISCIPLINE_ORDER:
            group = QStandardItem(d.label)
            group.setFont(bold)
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            group.setData(d.label.casefold(), SEARCH_ROLE)
            groups[d] = group
        for item in items:
            row = QStandardItem(item.title)
            row.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled)
            row.setData(item.code, CODE_ROLE)
            words = f"{item.title} {item.clinical_description} {item.code} {item.discipline.label}"
            row.setData(words.casefold(), SEARCH_ROLE)
            tip = item.clinical_description or item.title
            if item.safety_notes:
                tip += "\n\n" + item.safety_notes
            row.setToolTip(tip)
            groups[item.discipline].appendRow(row)
            self._rows[item.code] = row
            self._titles[item.code] = item.title
        for d in DISCIPLINE_ORDER:
            if groups[d].rowCount():
                groups[d].setText(f"{d.label} ({groups[d].rowCount()})")
                self.appendRow(groups[d])
        self.set_in_plan(self._in_plan)

    def set_in_plan(self, codes: Iterable[str]) -> None:
        """Tick the items the plan already has, so the coordinator sees them at a glance."""
        new = set(codes)
        grey = QBrush(QColor("#555555"))
        for code in new ^ self._in_plan | new:
            row = self._rows.get(code)
            if row is None:
                continue
            inside = code in new
            row.setText((IN_PLAN_MARK if inside else "") + self._titles[code])
            row.setForeground(grey if inside else QBrush())
            row.setData("Already in this plan" if inside else None, Qt.ItemDataRole.AccessibleDescriptionRole)
        self._in_plan = new

    def mimeTypes(self) -> list[str]:
        return [CATALOGUE_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        codes = [str(i.data(CODE_ROLE)) for i in indexes if i.data(CODE_ROLE)]
        data = QMimeData()
        data.setData(CATALOGUE_MIME, "\n".join(dict.fromkeys(codes)).encode("utf-8"))
        return data


class CatalogueFilter(QSortFilterProxyModel):
    """Matches every word typed, in any order, against title, description and code.

    The words become one regular expression, so Qt filters all rows in C++: a Python
    filterAcceptsRow() called for each of 2,000 rows made a keystroke miss 10 ms.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setRecursiveFilteringEnabled(True)
        self.setFilterRole(SEARCH_ROLE)
        self._words: list[str] = []

    def set_text(self, text: str) -> None:
        words = text.casefold().split() if len(text.strip()) >= MIN_SEARCH else []
        if words == self._words:
            return
        self._words = words
        # One word is a plain literal, which PCRE finds with a fast scan; several words become
        # anchored look-aheads (unanchored, they are retried at every position of every row).
        escaped = [QRegularExpression.escape(w) for w in words]
        pattern = escaped[0] if len(escaped) == 1 else "^" + "".join(f"(?=.*?{w})" for w in escaped) if escaped else ""
        # SEARCH_ROLE holds case-folded text, so the typed words are case-folded too.
        self.setFilterRegularExpression(QRegularExpression(pattern, QRegularExpression.PatternOption.DotMatchesEverythingOption))


class _CatalogueTree(QTreeView):
    chosen = Signal(str)
    """Enter pressed on an item (code)."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            code = self.currentIndex().data(CODE_ROLE)
            if code:
                self.chosen.emit(str(code))
                event.accept()
                return
        super().keyPressEvent(event)


class CataloguePicker(QWidget):
    itemChosen = Signal(str)  # noqa: N815 (Qt signal naming)
    """The user asked to add this catalogue item (code) to the plan."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("cataloguePicker")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        title = QLabel("<b>Catalogue</b>")
        layout.addWidget(title)
        hint = QLabel("Double-click, press Enter or drag an item onto the plan to add it. Esc puts the catalogue away.")
        hint.setWordWrap(True)
        hint.setObjectName("catalogueHint")
        layout.addWidget(hint)
        self.search = SearchBox()
        named(self.search, "catalogueSearch", "Search the catalogue")
        self.search.setPlaceholderText("Search treatments  (Ctrl+K)")
        self.search.setClearButtonEnabled(True)
        layout.addWidget(self.search)
        self.model = CatalogueModel(self)
        self.proxy = CatalogueFilter(self)
        self.proxy.setSourceModel(self.model)
        self.tree = _CatalogueTree()
        named(self.tree, "catalogueTree", "Catalogue items")
        self.tree.setModel(self.proxy)
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        layout.addWidget(self.tree, 1)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 14)
        self.empty = QLabel()
        self.empty.setObjectName("catalogueNoMatch")
        self.empty.setTextFormat(Qt.TextFormat.PlainText)
        self.empty.setWordWrap(True)
        self.empty.hide()
        layout.addWidget(self.empty)
        title.setBuddy(self.search)

        self.search.textChanged.connect(self._filter)
        self.search.toList.connect(self._focus_tree)
        self.tree.chosen.connect(self.itemChosen)
        self.tree.doubleClicked.connect(self._double_clicked)

    def preferred_width(self) -> int:
        return self.fontMetrics().horizontalAdvance("Caregiver training for the exercises MMMM")

    def load(self, items: Sequence[CatalogueItem]) -> None:
        self.model.load(items)
        self._filter(self.search.text())

    def set_in_plan(self, codes: Iterable[str]) -> None:
        self.model.set_in_plan(codes)

    @Slot(str)
    def _filter(self, text: str) -> None:
        self.proxy.set_text(text)
        self.tree.expandAll()
        none = self.proxy.rowCount() == 0
        self.empty.setVisible(none)
        if none:
            self.empty.setText(f"Nothing in the catalogue matches \u201c{text.strip()}\u201d. "
                               "Try another word, or add the treatment under Tools > Catalogue.")

    @Slot()
    def _focus_tree(self) -> None:
        self.tree.setFocus()
        if not self.tree.currentIndex().data(CODE_ROLE):
            first = self._first_item()
            if first.isValid():
                self.tree.setCurrentIndex(first)

    def _first_item(self) -> QModelIndex:
        for g in range(self.proxy.rowCount()):
            group = self.proxy.index(g, 0)
            if self.proxy.rowCount(group):
                return self.proxy.index(0, 0, group)
        return QModelIndex()

    @Slot(QModelIndex)
    def _double_clicked(self, index: QModelIndex) -> None:
        code = index.data(CODE_ROLE)
        if code:
            self.itemChosen.emit(str(code))

    def index_of(self, code: str) -> QModelIndex:
        """Where an item is shown (for tests and for keeping the selection)."""
        row = self.model._rows.get(code)
        return self.proxy.mapFromSource(row.index()) if row else QModelIndex()
