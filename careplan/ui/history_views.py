"""Read-only trees for the history window: one revision in full, and what changed between two.

Tree cells are plain text, so whatever was typed into a plan shows exactly as typed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from careplan.domain.diff import FIELD_LABELS, PlanDiff
from careplan.domain.disciplines import DISCIPLINE_ORDER
from careplan.domain.plan import PlanItem, Revision
from careplan.ui.dialog_kit import local_day, local_time

ITEM_ROWS = ("status", "frequency", "responsible", "goal", "caregiver_instructions", "notes", "start_date",
             "clinical_description")
_TOP_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
ADDED = QColor(220, 242, 220)
REMOVED = QColor(248, 224, 224)


def item_fields(item: PlanItem) -> list[tuple[str, str]]:
    """Every field of a plan item as (label, value), empty ones included so nothing looks lost."""
    rows = []
    for name in ITEM_ROWS:
        value = getattr(item, name)
        if name == "status":
            text = value.label
        elif name == "start_date":
            text = local_day(value, "")
        else:
            text = value
        rows.append((FIELD_LABELS.get(name, name), text or "—"))
    rows.append(("Catalogue code", item.catalogue_code))
    return rows


class _WrappingDelegate(QStyledItemDelegate):
    """Rows as tall as their wrapped text: instructions can run to several lines."""

    def __init__(self, tree: QTreeWidget):
        super().__init__(tree)
        self._tree = tree

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        base = super().sizeHint(option, index)
        text = index.data(Qt.ItemDataRole.DisplayRole) or ""
        width = self._tree.header().sectionSize(index.column()) - 10
        if index.column() == 0:
            depth, parent = 1, index.parent()
            while parent.isValid():
                depth, parent = depth + 1, parent.parent()
            width -= self._tree.indentation() * depth
        if width <= 20 or option.fontMetrics.horizontalAdvance(text) <= width:
            return base
        font = index.data(Qt.ItemDataRole.FontRole) or option.font
        bounds = QFontMetrics(font).boundingRect(QRect(0, 0, width, 100_000), Qt.TextFlag.TextWordWrap, text)
        return QSize(base.width(), max(base.height(), bounds.height() + 6))


_DATE_FIELDS = {"start_date", "next_review", "start"}


def _shown(field: str, value: str) -> str:
    """A diff's value as a person reads it: dates as '3 Mar 2026', blanks as a dash."""
    if field in _DATE_FIELDS and value:
        try:
            return local_day(date.fromisoformat(value))
        except ValueError:
            return value
    return value or "—"


def _configure(tree: QTreeWidget, name: str, accessible: str, headers: list[str], widths: list[int]) -> None:
    tree.setObjectName(name)
    tree.setAccessibleName(accessible)
    tree.setColumnCount(len(headers))
    tree.setHeaderLabels(headers)
    tree.setWordWrap(True)
    tree.setUniformRowHeights(False)
    tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    tree.setItemDelegate(_WrappingDelegate(tree))
    header = tree.header()
    header.setStretchLastSection(True)
    for col, width in enumerate(widths):
        header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(col, width)
    # Wrapped rows change height with their column's width.
    header.sectionResized.connect(lambda *_: tree.scheduleDelayedItemsLayout())


def _node(parent: QTreeWidget | QTreeWidgetItem, texts: Iterable[str], *, bold: bool = False,
          tint: QColor | None = None) -> QTreeWidgetItem:
    texts = list(texts)
    node = QTreeWidgetItem(parent, texts)  # type: ignore[call-overload]
    for col, text in enumerate(texts):
        node.setTextAlignment(col, _TOP_LEFT)
        node.setToolTip(col, text if len(text) > 60 else "")
        if bold:
            f = QFont(node.font(col))
            f.setBold(True)
            node.setFont(col, f)
        if tint is not None:
            node.setBackground(col, QBrush(tint))
    return node


class RevisionView(QTreeWidget):
    """One revision: plan facts and goals, then items grouped by discipline with all fields."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        _configure(self, "revisionTree", "Revision contents", ["Item or field", "Value"], [280])
        self.setAlternatingRowColors(True)

    def show_revision(self, rev: Revision) -> None:
        self.clear()
        c = rev.content
        plan = _node(self, ["Plan", f"Revision {rev.number}, saved {local_time(rev.created_at)} by {rev.author}"],
                     bold=True)
        _node(plan, ["Reason", rev.reason or "—"])
        if rev.restored_from:
            _node(plan, ["Restored from", f"Revision {rev.restored_from}"])
        _node(plan, ["Plan status", c.status.label])
        _node(plan, ["Plan start", local_day(c.start_date)])
        _node(plan, ["Next review", local_day(c.next_review)])
        goals = _node(plan, ["Goals", f"{len(c.goals)}" if c.goals else "None recorded"])
        for n, g in enumerate(c.goals, 1):
            _node(goals, [f"Goal {n}", g.text])
        by_discipline: dict[object, list[PlanItem]] = {}
        for item in c.sorted_items():
            by_discipline.setdefault(item.discipline, []).append(item)
        for d in DISCIPLINE_ORDER:
            items = by_discipline.get(d)
            if not items:
                continue
            count = "1 item" if len(items) == 1 else f"{len(items)} items"
            group = _node(self, [d.label, count], bold=True)
            for item in items:
                node = _node(group, [item.title, item.status.label])
                for label, value in item_fields(item):
                    _node(node, [label, value])
        if not c.items:
            _node(self, ["Items", "This revision has no items."])
        self.expandToDepth(1)
        plan.setExpanded(True)
        goals.setExpanded(True)


class DiffView(QTreeWidget):
    """Items added, removed and changed between two revisions, each change shown before and after."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        _configure(self, "compareTree", "Differences between the two revisions", ["What", "Before", "After"],
                   [260, 340])

    def show_diff(self, old: int, new: int, diff: PlanDiff) -> None:
        self.clear()
        if diff.empty:
            _node(self, [f"No differences between revision {old} and revision {new}.", "", ""])
            return
        if diff.plan_changes:
            plan = _node(self, ["Plan details", "", ""], bold=True)
            for fc in diff.plan_changes:
                _node(plan, [fc.label, _shown(fc.field, fc.before), _shown(fc.field, fc.after)])
        if diff.goals_added or diff.goals_removed:
            goals = _node(self, ["Goals", "", ""], bold=True)
            for g in diff.goals_removed:
                _node(goals, ["Goal removed", g, "—"], tint=REMOVED)
            for g in diff.goals_added:
                _node(goals, ["Goal added", "—", g], tint=ADDED)
        if diff.added:
            group = _node(self, [f"Added items ({len(diff.added)})", "", ""], bold=True)
            for item in diff.added:
                node = _node(group, [f"Added: {item.title}", "—", item.discipline.label], tint=ADDED)
                for label, value in item_fields(item):
                    _node(node, [label, "", value])
        if diff.removed:
            group = _node(self, [f"Removed items ({len(diff.removed)})", "", ""], bold=True)
            for item in diff.removed:
                node = _node(group, [f"Removed: {item.title}", item.discipline.label, "—"], tint=REMOVED)
                for label, value in item_fields(item):
                    _node(node, [label, value, ""])
        if diff.changed:
            group = _node(self, [f"Changed items ({len(diff.changed)})", "", ""], bold=True)
            for change in diff.changed:
                node = _node(group, [f"Changed: {change.after.title}", "", ""])
                for fc in change.changes:
                    _node(node, [fc.label, _shown(fc.field, fc.before), _shown(fc.field, fc.after)])
                node.setExpanded(True)
        for n in range(self.topLevelItemCount()):
            self.topLevelItem(n).setExpanded(True)
