"""Undo commands: one per user edit, holding ids and before/after values, never live objects."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QUndoCommand

from careplan.domain.diff import FIELD_LABELS
from careplan.domain.plan import PlanContent, PlanItem
from careplan.ui.plan_document import PlanDocument

MERGE_ITEM_FIELD = 1
MERGE_PLAN_FIELD = 2
MERGE_GOAL = 3

PLAN_FIELD_LABELS = {"status": "plan status", "start_date": "plan start", "next_review": "next review date"}


def _short(title: str, limit: int = 40) -> str:
    return title if len(title) <= limit else title[: limit - 1] + "\u2026"


class AddItem(QUndoCommand):
    def __init__(self, doc: PlanDocument, item: PlanItem):
        super().__init__(f"add \u201c{_short(item.title)}\u201d")
        self.doc = doc
        self.item = item

    def redo(self) -> None:
        self.doc.insert_item(self.item)

    def undo(self) -> None:
        self.doc.remove_item(self.item.key)


class RemoveItem(QUndoCommand):
    def __init__(self, doc: PlanDocument, uid: str):
        item = doc.item(uid)
        assert item is not None
        super().__init__(f"remove \u201c{_short(item.title)}\u201d")
        self.doc = doc
        self.uid = uid
        self.item = item
        self.position = 0

    def redo(self) -> None:
        self.item, self.position = self.doc.remove_item(self.uid)

    def undo(self) -> None:
        self.doc.insert_item(self.item, self.position)


class EditItemField(QUndoCommand):
    """A change to one field of one item; successive typing in that field merges into one step."""

    def __init__(self, doc: PlanDocument, uid: str, field: str, before: Any, after: Any, *, typing: bool):
        item = doc.item(uid)
        title = item.title if item else uid
        label = FIELD_LABELS.get(field, field).lower()
        super().__init__(f"edit {label} of \u201c{_short(title)}\u201d")
        self.doc, self.uid, self.field = doc, uid, field
        self.before, self.after = before, after
        self.typing = typing

    def id(self) -> int:
        return MERGE_ITEM_FIELD

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not (isinstance(other, EditItemField) and self.typing and other.typing
                and other.uid == self.uid and other.field == self.field):
            return False
        self.after = other.after
        self.setObsolete(self.after == self.before)
        return True

    def redo(self) -> None:
        self.doc.set_item_field(self.uid, self.field, self.after)

    def undo(self) -> None:
        self.doc.set_item_field(self.uid, self.field, self.before)


class EditPlanField(QUndoCommand):
    def __init__(self, doc: PlanDocument, field: str, before: Any, after: Any):
        super().__init__(f"change {PLAN_FIELD_LABELS[field]}")
        self.doc, self.field = doc, field
        self.before, self.after = before, after

    def id(self) -> int:
        return MERGE_PLAN_FIELD

    def mergeWith(self, other: QUndoCommand) -> bool:
        # Typing a date goes through several valid dates (2024-1-1, 2024-1-12): one step.
        if not (isinstance(other, EditPlanField) and other.field == self.field and self.field != "status"):
            return False
        self.after = other.after
        self.setObsolete(self.after == self.before)
        return True

    def redo(self) -> None:
        self.doc.set_plan_field(self.field, self.after)

    def undo(self) -> None:
        self.doc.set_plan_field(self.field, self.before)


class EditGoals(QUndoCommand):
    """Adding, removing or rewording a goal; rewording the same goal again merges."""

    def __init__(self, doc: PlanDocument, before: tuple[str, ...], after: tuple[str, ...], text: str,
                 typing_index: int | None = None):
        super().__init__(text)
        self.doc = doc
        self.before, self.after = before, after
        self.typing_index = typing_index

    def id(self) -> int:
        return MERGE_GOAL

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not (isinstance(other, EditGoals) and self.typing_index is not None
                and other.typing_index == self.typing_index and len(other.after) == len(self.after)):
            return False
        self.after = other.after
        self.setObsolete(self.after == self.before)
        return True

    def redo(self) -> None:
        self.doc.set_goals(self.after)

    def undo(self) -> None:
        self.doc.set_goals(self.before)


class ReplaceContent(QUndoCommand):
    """Bringing back a recovered draft as one undoable step."""

    def __init__(self, doc: PlanDocument, before: PlanContent, after: PlanContent, text: str):
        super().__init__(text)
        self.doc = doc
        self.before, self.after = before, after

    def redo(self) -> None:
        self.doc.set_content(self.after)

    def undo(self) -> None:
        self.doc.set_content(self.before)
