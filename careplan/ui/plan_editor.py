"""The plan editor: catalogue on the left, the plan and the selected item's details on the right.

Every edit is an undo command on the document; the views follow the document's signals.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSettings, Signal, Slot
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QWidget

from careplan.domain.catalogue import CatalogueItem
from careplan.domain.errors import CarePlanError
from careplan.domain.patient import Patient
from careplan.domain.plan import ItemStatus, PlanContent, PlanItem
from careplan.domain.rebase import reapply
from careplan.persistence.engine import Database
from careplan.services import catalogue as catalogue_service
from careplan.services import patients as patient_service
from careplan.services import plans as plan_service
from careplan.services.changes import Changes
from careplan.services.clock import today
from careplan.ui import prompts
from careplan.ui.lifecycle import show_plan_state
from careplan.ui.operations import QueryOp, runner
from careplan.ui.plan_checks import ItemProblems, PlanProblems, find_problems, problem_messages
from careplan.ui.plan_document import PlanDocument
from careplan.ui.plan_item_form import team_choices
from careplan.ui.plan_layout import build_editor
from careplan.ui.plan_saving import PlanSaver
from careplan.ui.undo import (
    AddItem,
    EditGoals,
    EditItemField,
    EditPlanField,
    RemoveItem,
    applied_states,
    carry_over,
)


class PlanEditor(QWidget):
    message = Signal(str)
    """Something to tell the user in the status bar."""
    editPatientRequested = Signal()  # noqa: N815 (Qt signal naming)
    """The user wants to edit the open patient's details."""
    historyRequested = Signal()  # noqa: N815 (Qt signal naming)
    """The user wants to see the plan's history (to review someone else's save)."""

    def __init__(self, db: Database, settings: QSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("planEditor")
        self.db = db
        self.doc = PlanDocument(self)
        self.undo = QUndoStack(self)
        self.undo.setObjectName("planUndoStack")
        self.saver = PlanSaver(db, settings, self.doc, self.undo, self)
        self.catalogue: dict[str, CatalogueItem] = {}
        self.read_only_reason: str | None = None  # why the open plan cannot change (ui/lifecycle.py)
        build_editor(self)
        self._connect()
        runner().changesApplied.connect(self._changes_applied)
        self.reload_catalogue()
        self._recheck()

    # --- building --------------------------------------------------------------------------

    def _connect(self) -> None:
        d = self.doc
        d.contentReset.connect(self._content_reset)
        d.itemInserted.connect(self._item_inserted)
        d.itemRemoved.connect(lambda _uid: self._items_changed())
        d.itemChanged.connect(self._item_changed)
        d.planChanged.connect(self._plan_changed)
        d.modifiedChanged.connect(self._modified_changed)
        d.changed.connect(self._recheck)
        self.picker.itemChosen.connect(self.add_from_catalogue)
        self.model.catalogueDropped.connect(self._dropped)
        self.items.selectionModel().currentChanged.connect(self._current_changed)
        self.form.editRequested.connect(self._item_edit)
        self.form.removeRequested.connect(self.remove_item)
        self.form.badDatesChanged.connect(self._recheck)
        self.fields.planFieldEdited.connect(self._plan_edit)
        self.fields.goalsEdited.connect(self._goals_edit)
        self.fields.badDatesChanged.connect(self._recheck)
        self.save_button.clicked.connect(lambda: self.save())
        self.edit_patient.clicked.connect(self.editPatientRequested)
        self.remove_action.triggered.connect(lambda: self.remove_item(self.current_uid() or ""))
        self.saver.message.connect(self.message)
        self.saver.savingChanged.connect(lambda _s: self._recheck())
        self.saver.saved.connect(lambda _n: self._show_revision_info())
        self.saver.saved.connect(lambda _n: self.revision_bar.hide())
        self.saver.rebased.connect(self.revision_bar.hide)
        self.revision_bar.reviewRequested.connect(self.historyRequested)
        self.saver.draftKept.connect(self._modified_changed)

    # --- opening ---------------------------------------------------------------------------

    def reload_catalogue(self) -> None:
        db = self.db
        QueryOp(self, lambda: catalogue_service.list_items(db)).success(self._catalogue_loaded).named(
            "catalogue").run_in_background()

    def _catalogue_loaded(self, items: list[CatalogueItem]) -> None:
        self.catalogue = {i.code: i for i in items}
        self.picker.load(items)
        self.picker.set_in_plan(i.key for i in self.doc.content.items)

    def open_patient(self, patient_id: int, *, recover: bool | None = None,
                     then: Callable[[], None] | None = None,
                     failed: Callable[[BaseException], None] | None = None) -> None:
        """Read the plan (and any draft left behind) on the worker, then show it and run `then`."""
        self.saver.flush()  # queued first: the old patient's safety copy is written before this read
        db, actor = self.db, self.saver.actor()

        def load() -> tuple[plan_service.PlanState, plan_service.Draft | None, PlanContent | None]:
            state = plan_service.load_plan(db, patient_id)
            draft = plan_service.load_draft(db, patient_id, actor)
            draft_base = None
            if draft is not None and draft.base_revision != state.number:
                draft_base = (plan_service.get_revision(db, patient_id, draft.base_revision).content
                              if draft.base_revision else PlanContent())
            return state, draft, draft_base

        QueryOp(self, load).success(lambda found: self._opened(found, recover, then)).failure(
            failed or self._open_failed).named("open-patient").run_in_background()

    def _opened(self, found: tuple[plan_service.PlanState, plan_service.Draft | None, PlanContent | None],
                recover: bool | None, then: Callable[[], None] | None) -> None:
        state, draft, draft_base = found
        self.form.bad_dates.clear()
        self.undo.clear()
        self.revision_bar.hide()
        self.doc.load(state.patient, state.latest, today())
        self._show_patient(state.patient)
        self.saver.offer_draft(recover, draft, draft_base)
        self._select_first_item()
        if not self.doc.content.items:
            self.catalogue_toggle.set_open(True)  # an empty plan: adding is the only thing to do
        if then is not None:
            then()

    def _open_failed(self, error: BaseException) -> None:
        if not isinstance(error, CarePlanError):
            raise error
        self.message.emit(str(error))

    def close_patient(self) -> None:
        self.saver.flush()
        self.undo.clear()
        self.revision_bar.hide()
        self.doc.clear()

    def patient_updated(self, patient: Patient) -> None:
        if patient.id == self.doc.patient_id:
            self.doc.update_patient(patient)
            self._show_patient(patient)

    @Slot(object, object)
    def _changes_applied(self, changes: Changes, source: object) -> None:
        if changes.touches_catalogue():
            self.reload_catalogue()
        pid = self.doc.patient_id
        if source is self.saver or pid is None:
            return  # our own save: the saver already moved the document on
        if changes.touches_plan(pid):
            self.reload_plan()
        elif changes.touches_patient(pid):
            db = self.db
            QueryOp(self, lambda: patient_service.get_patient(db, pid)).success(self.patient_updated).failure(
                self._open_failed).named("patient-details").run_in_background()

    def reload_plan(self) -> None:
        """Someone saved this plan (a restore in History, another window, the CLI): follow it.

        Without unsaved edits the new revision is shown. With edits nothing moves under the user's
        hands: a bar says who saved, and saving goes through the conflict step (edits on top).
        """
        pid, db = self.doc.patient_id, self.db
        if pid is None:
            return
        QueryOp(self, lambda: plan_service.load_plan(db, pid)).success(
            lambda state: self._plan_reloaded(pid, state)).failure(self._open_failed).named(
            "reload-plan").run_in_background()

    def _plan_reloaded(self, pid: int, state: plan_service.PlanState) -> None:
        if pid != self.doc.patient_id or state.latest is None or state.number == self.doc.base_number:
            return
        if self.doc.modified or self.saver.saving:
            self.revision_bar.show_saved_elsewhere(state.latest.author, state.number)
            self.message.emit(f"{state.latest.author} saved revision {state.number} of this plan; your edits are kept.")
            return
        # My earlier steps are carried onto the new revision, as after a conflict: Ctrl+Z still
        # undoes my last edit that means something there.
        new = state.latest.content
        states = [reapply(self.doc.base_content, s, new) for s in applied_states(self.undo, self.doc)]
        self.doc.load(state.patient, state.latest, today())
        carry_over(self.undo, self.doc, states, new)
        self._show_patient(state.patient)
        self.message.emit(f"Showing revision {state.number}, just saved by {state.latest.author}.")

    def _show_patient(self, p: Patient) -> None:
        self.header.show_patient(p)
        self.header.course.show_for(self.db, p.id)
        self.form.set_team(p.care_team)
        self._show_revision_info()
        show_plan_state(self, p)
        self.prompts_strip.follow_state()  # read-only with the plan when the patient is not active
        self._recheck()

    def _show_revision_info(self) -> None:
        self.header.show_revision(self.doc.base)

    # --- following the document ------------------------------------------------------------

    @Slot()
    def _content_reset(self) -> None:
        self._modified_changed()
        self.fields.show_plan(self.doc.content)
        self.items.expandAll()
        self._items_changed()
        uid = self.form.uid
        if uid and self.doc.has(uid):
            self._select(uid)
        else:
            self._select_first_item()

    def _items_changed(self) -> None:
        self.picker.set_in_plan(i.key for i in self.doc.content.items)
        has_items = bool(self.doc.content.items)
        self.items_empty.setVisible(not has_items and self.doc.patient is not None)
        if self.form.uid and not self.doc.has(self.form.uid):
            self._current_changed(self.items.currentIndex(), QModelIndex())

    @Slot(str)
    def _item_inserted(self, uid: str) -> None:
        item = self.doc.item(uid)
        if item is not None:
            self.items.expand(self.model.group_index(item.discipline))
        self._items_changed()

    @Slot(str, str)
    def _item_changed(self, uid: str, field: str) -> None:
        item = self.doc.item(uid)
        if item is not None:
            self.form.refresh_field(item, field)

    @Slot(str)
    def _plan_changed(self, field: str) -> None:
        if field in ("status", "start_date", "next_review", "goals"):
            self.fields.refresh_field(self.doc.content, field)

    @Slot()
    def _modified_changed(self, *_: Any) -> None:
        self.header.show_unsaved(self.doc.modified, self.saver.draft_time)
        self._recheck()

    @Slot(QModelIndex, QModelIndex)
    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        uid = self.model.uid_at(current)
        self.form.show_item(self.doc.item(uid) if uid else None)
        self.remove_action.setEnabled(uid is not None and self.read_only_reason is None)
        self._recheck()

    def current_uid(self) -> str | None:
        return self.model.uid_at(self.items.currentIndex())

    def _select(self, uid: str) -> None:
        index = self.model.index_of(uid)
        if index.isValid():
            self.items.setCurrentIndex(index)
            self.items.selectionModel().select(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
            self.items.scrollTo(index)

    def _select_first_item(self) -> None:
        items = self.doc.content.sorted_items()
        if items:
            self._select(items[0].key)
        else:
            self.form.show_item(None)

    # --- edits -----------------------------------------------------------------------------

    @Slot(str)
    def add_from_catalogue(self, code: str) -> bool:
        if self.doc.patient is None:
            self.message.emit("Open a patient first: the catalogue adds items to the open plan.")
            return False
        cat = self.catalogue.get(code)
        if cat is None:
            self.message.emit("That catalogue item is no longer available.")
            return False
        if self.doc.has(code):
            self.message.emit(f"\u201c{cat.title}\u201d is already in this plan; it can only be added once.")
            self._select(code)
            return False
        item = PlanItem(
            uid=code, catalogue_code=code, discipline=cat.discipline, title=cat.title,
            caregiver_instructions=cat.caregiver_instructions, clinical_description=cat.clinical_description,
            frequency=cat.frequency, responsible=self._default_responsible(cat), start_date=today(),
            status=ItemStatus.PLANNED,
        )
        self.undo.push(AddItem(self.doc, item))
        self._select(code)
        self.message.emit(f"Added \u201c{cat.title}\u201d.")
        return True

    def _default_responsible(self, cat: CatalogueItem) -> str:
        team = self.doc.patient.care_team if self.doc.patient else []
        for member, label in zip(team, team_choices(team), strict=True):
            if member.role == cat.role:
                return label
        return cat.role.label

    @Slot(list)
    def _dropped(self, codes: list[str]) -> None:
        for code in codes:
            self.add_from_catalogue(code)

    @Slot(str)
    def remove_item(self, uid: str) -> None:
        if uid and self.doc.has(uid):
            title = self.doc.item(uid).title  # type: ignore[union-attr]
            self.undo.push(RemoveItem(self.doc, uid))
            self.message.emit(f"Removed \u201c{title}\u201d. Undo (Ctrl+Z) brings it back.")

    @Slot(str, str, object, bool)
    def _item_edit(self, uid: str, field: str, value: object, typing: bool) -> None:
        item = self.doc.item(uid)
        if item is None or getattr(item, field) == value:
            return
        self.undo.push(EditItemField(self.doc, uid, field, getattr(item, field), value, typing=typing))

    @Slot(str, object)
    def _plan_edit(self, field: str, value: object) -> None:
        before = getattr(self.doc.content, field)
        if before != value:
            self.undo.push(EditPlanField(self.doc, field, before, value))

    @Slot(tuple, str, object)
    def _goals_edit(self, after: tuple[str, ...], text: str, typing_index: int | None) -> None:
        before = self.doc.goal_texts()
        if before != after:
            self.undo.push(EditGoals(self.doc, before, after, text, typing_index))

    # --- checks and saving -----------------------------------------------------------------

    def problems(self) -> tuple[PlanProblems, ItemProblems]:
        """What blocks saving: (plan field -> message, item uid -> {field -> message})."""
        return find_problems(self.doc.content, self.fields.date_problems(), self.form.bad_dates)

    def problem_messages(self) -> list[str]:
        read_only = [self.read_only_reason] if self.read_only_reason else []
        return read_only + problem_messages(self.doc.content, *self.problems())

    @Slot()
    def _recheck(self) -> None:
        plan, items = self.problems()
        self.fields.show_problems(plan)
        self.form.show_problems(items.get(self.form.uid or "", {}))
        self.model.set_problems({uid: " ".join(f.values()) for uid, f in items.items()})
        messages = problem_messages(self.doc.content, plan, items)
        open_ = self.doc.patient is not None
        can_save = open_ and not messages and not self.saver.saving and (
            self.doc.modified or self.doc.base_number == 0)
        if messages:
            blocked = "Cannot save yet: " + " ".join(messages)
        elif self.saver.saving:
            blocked = "Saving\u2026"
        else:
            blocked = ""
        idle = "Save this plan as a new revision (Ctrl+S)" if can_save else "Nothing new to save"
        if self.read_only_reason:  # the banner says why; the button says it too
            can_save, blocked, idle = False, "", self.read_only_reason
        self.header.show_save_state(can_save, blocked, idle)

    def save(self, then: Callable[[], None] | None = None) -> bool:
        return self.saver.save(self.problem_messages(), then)

    def resolve_unsaved(self, proceed: Callable[[], None]) -> None:
        """Before switching patient or closing: ask about unsaved edits, then `proceed` (or not)."""
        if not self.doc.modified or self.doc.patient is None:
            proceed()
            return
        answer = prompts.ask_save_changes(self, self.doc.patient.full_name)
        if answer == "save":
            self.save(then=proceed)
        elif answer == "discard":
            self.saver.discard_draft()
            proceed()
