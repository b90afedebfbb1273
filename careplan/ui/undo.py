"""Undo commands: one per user edit, holding ids and before/after values, never live objects."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSignalBlocker
from PySide6.QtGui import QUndoCommand, QUndoStack

from careplan.domain.diff import FIELD_LABELS
from careplan.domain.plan import PlanContent, PlanItem
from careplan.ui.plan_document import PlanDocument

MERGE_ITEM_FIELD = 1
MERGE_PLAN_FIELD = 2
MERGE_GOAL = 3
CARRIED_PREFIX = "carried_"  # attributes of a step that carry_over keeps on the step replacing it

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
    """One step as whole plans: a recovered draft, or an edit carried over a rebase.

    applied=True: the document already shows `after` (pushing it must not set it again).
    """

    def __init__(self, doc: PlanDocument, before: PlanContent, after: PlanContent, text: str, *,
                 applied: bool = False):
        super().__init__(text)
        self.doc = doc
        self.before, self.after = before, after
        self._skip_redo = applied

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        self.doc.set_content(self.after)

    def undo(self) -> None:
        self.doc.set_content(self.before)


# --- the undo history as a list of plans ------------------------------------------------------

def applied_states(undo: QUndoStack, doc: PlanDocument) -> list[PlanContent]:
    """The plan at each index of the stack up to the current one: [before any step, after step 1, ...].

    Walks the steps back and forward again with every signal blocked, so nobody sees (or
    autosaves) the plan passing through its old states; the document ends exactly as it was.
    """
    now = doc.content
    states = [now]
    with QSignalBlocker(doc), QSignalBlocker(undo):
        for i in range(undo.index() - 1, -1, -1):
            undo.command(i).undo()
            states.append(doc.content)
        for i in range(undo.index()):
            undo.command(i).redo()
    doc.content = now  # the same value; the commands are exact inverses
    states.reverse()
    return states


def mark_clean_at(undo: QUndoStack, doc: PlanDocument, saved: PlanContent) -> None:
    """Mark the latest step whose plan is `saved` as the saved point (none: no step is)."""
    if doc.content == saved:
        undo.setClean()
        return
    states = applied_states(undo, doc)
    matches = [i for i, state in enumerate(states) if state == saved]
    if not matches:
        undo.resetClean()
        return
    current = undo.index()
    # QUndoStack can only mark the current index clean: step there and back, unseen.
    with QSignalBlocker(doc), QSignalBlocker(undo):
        undo.setIndex(matches[-1])
        undo.setClean()
        undo.setIndex(current)
    doc.content = states[current]


def carry_over(undo: QUndoStack, doc: PlanDocument, states: list[PlanContent],
               base: PlanContent) -> None:
    """Replace the history with the same steps as whole plans: `states` as from applied_states,
    each already moved onto a new base (the document shows the last one). Steps that no longer
    change anything there are dropped; the step whose plan is `base` becomes the saved point."""
    texts = [undo.text(i) for i in range(undo.index())]
    # A decision a step stands for (a guideline prompt accepted) is still saved with the plan.
    marks = [{k: v for k, v in vars(undo.command(i)).items() if k.startswith(CARRIED_PREFIX)}
             for i in range(undo.index())]
    undo.clear()  # the redo steps go too: they were made on the old base
    if states[0] != base:
        undo.resetClean()
    for before, after, text, mark in zip(states[:-1], states[1:], texts, marks, strict=True):
        if after == before:
            continue
        step = ReplaceContent(doc, before, after, text, applied=True)
        vars(step).update(mark)
        undo.push(step)
        if after == base:
            undo.setClean()
