"""The plan editor: catalogue on the left, the plan and the selected item's details on the right.

Every edit is an undo command on the document; the views follow the document's signals.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSettings, Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from careplan.domain.catalogue import CatalogueItem
from careplan.domain.patient import Patient
from careplan.domain.plan import ItemStatus, PlanItem
from careplan.persistence.engine import Database
from careplan.services import catalogue as catalogue_service
from careplan.services import plans as plan_service
from careplan.services.clock import today
from careplan.ui import prompts
from careplan.ui.catalogue_picker import CataloguePicker
from careplan.ui.form_fields import named
from careplan.ui.plan_checks import ItemProblems, PlanProblems, find_problems, problem_messages
from careplan.ui.plan_document import PlanDocument
from careplan.ui.plan_fields import PlanFieldsPanel
from careplan.ui.plan_header import PlanHeader
from careplan.ui.plan_item_form import PlanItemForm, team_choices
from careplan.ui.plan_items_model import PlanItemsModel
from careplan.ui.plan_saving import PlanSaver
from careplan.ui.undo import AddItem, EditGoals, EditItemField, EditPlanField, RemoveItem
from careplan.ui.worker import Worker


class PlanEditor(QWidget):
    message = Signal(str)
    """Something to tell the user in the status bar."""
    editPatientRequested = Signal()  # noqa: N815 (Qt signal naming)
    """The user wants to edit the open patient's details."""

    def __init__(self, db: Database, worker: Worker, settings: QSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("planEditor")
        self.db = db
        self.doc = PlanDocument(self)
        self.undo = QUndoStack(self)
        self.undo.setObjectName("planUndoStack")
        self.saver = PlanSaver(db, worker, settings, self.doc, self.undo, self)
        self.catalogue: dict[str, CatalogueItem] = {}
        self._build()
        self._connect()
        self.reload_catalogue()
        self._recheck()

    # --- building --------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.header = PlanHeader()
        layout.addWidget(self.header)
        # Short names for the parts tests and the window reach for.
        self.heading, self.details = self.header.heading, self.header.details
        self.revision_info, self.unsaved = self.header.revision_info, self.header.unsaved
        self.blocked, self.save_button = self.header.blocked, self.header.save_button
        self.edit_patient = self.header.edit_patient

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("planSplitter")
        self.picker = CataloguePicker()
        self.splitter.addWidget(self.picker)

        self.detail_splitter = QSplitter(Qt.Orientation.Vertical)
        self.detail_splitter.setObjectName("planDetailSplitter")
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        self.fields = PlanFieldsPanel()
        top_layout.addWidget(self.fields)
        items_label = QLabel("<b>Plan items</b>, grouped by discipline")
        top_layout.addWidget(items_label)
        self.model = PlanItemsModel(self.doc, self)
        self.items = QTreeView()
        named(self.items, "planItems", "Plan items")
        self.items.setModel(self.model)
        self.items.setUniformRowHeights(True)
        self.items.setAllColumnsShowFocus(True)
        self.items.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.items.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.items.setAcceptDrops(True)
        self.items.setDropIndicatorShown(True)
        self.items.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.items.setDefaultDropAction(Qt.DropAction.CopyAction)
        head = self.items.header()
        head.setStretchLastSection(False)
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        em = self.fontMetrics().horizontalAdvance("M")
        for col, width in ((1, 9), (2, 11), (3, 8)):
            head.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            head.resizeSection(col, em * width)
        items_label.setBuddy(self.items)
        top_layout.addWidget(self.items, 1)
        self.items_empty = QLabel("This plan has no items yet. Add treatments from the catalogue on the left: "
                                  "double-click one, press Enter on it, or drag it here.")
        self.items_empty.setObjectName("planItemsEmpty")
        self.items_empty.setWordWrap(True)
        top_layout.addWidget(self.items_empty)
        self.detail_splitter.addWidget(top)
        self.form = PlanItemForm()
        # Scrolls rather than forcing a tall window (150% scaling on a laptop screen).
        form_scroll = QScrollArea()
        form_scroll.setObjectName("planItemFormScroll")
        form_scroll.setWidgetResizable(True)
        form_scroll.setFrameShape(QFrame.Shape.NoFrame)
        form_scroll.setWidget(self.form)
        self.detail_splitter.addWidget(form_scroll)
        self.detail_splitter.setStretchFactor(0, 3)
        self.detail_splitter.setStretchFactor(1, 2)
        self.splitter.addWidget(self.detail_splitter)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setCollapsible(1, False)
        layout.addWidget(self.splitter, 1)

        self.remove_action = QAction("&Remove item", self)
        self.remove_action.setObjectName("actionRemoveItem")
        self.remove_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        # Only while the plan list has focus: Delete in a text box deletes text.
        self.remove_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.items.addAction(self.remove_action)

        chain = [self.picker.search, self.picker.tree, self.fields.status, self.fields.start.edit,
                 self.fields.review.edit, self.fields.goals, self.fields.new_goal, self.items,
                 self.form.status, self.form.frequency, self.form.responsible, self.form.start.edit,
                 self.form.goal, self.form.instructions, self.form.notes, self.form.remove,
                 self.save_button]
        for a, b in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(a, b)

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
        self.saver.draftKept.connect(self._modified_changed)

    # --- opening ---------------------------------------------------------------------------

    def reload_catalogue(self) -> None:
        items = catalogue_service.list_items(self.db)
        self.catalogue = {i.code: i for i in items}
        self.picker.load(items)
        self.picker.set_in_plan(i.key for i in self.doc.content.items)

    def open_patient(self, patient_id: int, *, recover: bool | None = None) -> None:
        state = plan_service.load_plan(self.db, patient_id)
        self.saver.flush()
        self.form.bad_dates.clear()
        self.undo.clear()
        self.doc.load(state.patient, state.latest, today())
        self._show_patient(state.patient)
        self.saver.offer_draft(recover)
        self._select_first_item()

    def close_patient(self) -> None:
        self.saver.flush()
        self.undo.clear()
        self.doc.clear()

    def patient_updated(self, patient: Patient) -> None:
        self.doc.update_patient(patient)
        self._show_patient(patient)

    def reload_plan(self) -> None:
        """After someone (e.g. a restore in History) saved a new revision: follow it, keeping edits."""
        pid = self.doc.patient_id
        if pid is None:
            return
        state = plan_service.load_plan(self.db, pid)
        if state.latest is None or state.number == self.doc.base_number:
            return
        if self.doc.modified:
            from careplan.domain.rebase import reapply

            self.doc.rebase(state.latest, reapply(self.doc.base_content, self.doc.content, state.latest.content))
            self.undo.clear()
            self.message.emit(f"Now based on revision {state.number}; your unsaved edits are kept on top.")
        else:
            self.undo.clear()
            self.doc.load(state.patient, state.latest, today())
        self._show_revision_info()

    def _show_patient(self, p: Patient) -> None:
        self.header.show_patient(p)
        self.form.set_team(p.care_team)
        self._show_revision_info()

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
        self.remove_action.setEnabled(uid is not None)
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
        return problem_messages(self.doc.content, *self.problems())

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
