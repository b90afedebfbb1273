"""The plan being edited: the saved revision it started from and the edits made since.

Only undo commands change it, and every change is announced by a signal naming what
changed, so the views repaint one row or one field instead of everything.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from PySide6.QtCore import QObject, Signal

from careplan.domain.patient import Patient
from careplan.domain.plan import Goal, PlanContent, PlanItem, Revision, new_plan_content

PLAN_FIELDS = ("status", "start_date", "next_review")


class PlanDocument(QObject):
    itemInserted = Signal(str)  # noqa: N815 (Qt signal naming)
    """An item (uid) was added."""
    itemRemoved = Signal(str)  # noqa: N815 (Qt signal naming)
    """An item (uid) was taken out."""
    itemChanged = Signal(str, str)  # noqa: N815 (Qt signal naming)
    """One field of an item changed (uid, field)."""
    planChanged = Signal(str)  # noqa: N815 (Qt signal naming)
    """A plan-level field changed: status, start_date, next_review or goals."""
    contentReset = Signal()  # noqa: N815 (Qt signal naming)
    """Everything may have changed (another patient, a recovered draft, a rebase)."""
    modifiedChanged = Signal(bool)  # noqa: N815 (Qt signal naming)
    """Whether there are unsaved edits."""
    changed = Signal()
    """Any edit at all (drives autosave and the checks)."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.patient: Patient | None = None
        self.base: Revision | None = None
        self.base_content = PlanContent()
        self.content = PlanContent()
        self._modified = False

    # --- state -----------------------------------------------------------------------------

    @property
    def patient_id(self) -> int | None:
        return self.patient.id if self.patient else None

    @property
    def base_number(self) -> int:
        return self.base.number if self.base else 0

    @property
    def modified(self) -> bool:
        return self._modified

    def item(self, uid: str) -> PlanItem | None:
        for i in self.content.items:
            if i.key == uid:
                return i
        return None

    def has(self, uid: str) -> bool:
        return self.item(uid) is not None

    # --- whole-plan changes (not undoable: they start a fresh editing session) ----------------

    def load(self, patient: Patient, latest: Revision | None, today: date) -> None:
        self.patient = patient
        self.base = latest
        self.base_content = latest.content if latest else new_plan_content(today)
        self.content = self.base_content
        self.contentReset.emit()
        self._update_modified()

    def clear(self) -> None:
        self.patient, self.base = None, None
        self.base_content = self.content = PlanContent()
        self.contentReset.emit()
        self._update_modified()

    def mark_saved(self, revision: Revision) -> None:
        """The revision is in the database: it is the new base; later edits stay unsaved."""
        self.base = revision
        self.base_content = revision.content
        self._update_modified()

    def rebase(self, theirs: Revision, content: PlanContent) -> None:
        """Continue from someone else's revision, with `content` (theirs plus my edits) unsaved."""
        self.base = theirs
        self.base_content = theirs.content
        self.set_content(content)

    def update_patient(self, patient: Patient) -> None:
        self.patient = patient
        self.planChanged.emit("patient")

    # --- edits (called by undo commands) ------------------------------------------------------

    def set_content(self, content: PlanContent) -> None:
        self.content = content
        self.contentReset.emit()
        self._after_edit()

    def insert_item(self, item: PlanItem, position: int | None = None) -> None:
        items = list(self.content.items)
        items.insert(len(items) if position is None else position, item)
        self.content = self.content.with_items(tuple(items))
        self.itemInserted.emit(item.key)
        self._after_edit()

    def remove_item(self, uid: str) -> tuple[PlanItem, int]:
        items = list(self.content.items)
        position = next(n for n, i in enumerate(items) if i.key == uid)
        item = items.pop(position)
        self.content = self.content.with_items(tuple(items))
        self.itemRemoved.emit(uid)
        self._after_edit()
        return item, position

    def set_item_field(self, uid: str, field: str, value: Any) -> None:
        items = tuple(replace(i, **{field: value}) if i.key == uid else i for i in self.content.items)
        self.content = self.content.with_items(items)
        self.itemChanged.emit(uid, field)
        self._after_edit()

    def set_plan_field(self, field: str, value: Any) -> None:
        assert field in PLAN_FIELDS
        self.content = replace(self.content, **{field: value})
        self.planChanged.emit(field)
        self._after_edit()

    def set_goals(self, goals: tuple[str, ...]) -> None:
        self.content = replace(self.content, goals=tuple(Goal(g) for g in goals))
        self.planChanged.emit("goals")
        self._after_edit()

    def goal_texts(self) -> tuple[str, ...]:
        return tuple(g.text for g in self.content.goals)

    def _after_edit(self) -> None:
        self.changed.emit()
        self._update_modified()

    def _update_modified(self) -> None:
        # Unsaved means "differs from the saved revision", so undoing back to it is clean again.
        modified = self.patient is not None and self.content != self.base_content
        if modified != self._modified:
            self._modified = modified
            self.modifiedChanged.emit(modified)
