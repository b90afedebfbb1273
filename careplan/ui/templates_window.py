"""Plan > Templates…: the clinic's starter plans, what each adds, retire and reinstate, save the open plan as one.

Reads and writes go through the operation layer (services/template_store.py): the GUI thread
never touches the database. Templates are never deleted, only retired, like catalogue items.
"""

from __future__ import annotations

from collections.abc import Sized
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHeaderView,
    QListWidget,
    QMenu,
    QWidget,
)

from careplan.domain.catalogue import CatalogueItem
from careplan.domain.errors import CarePlanError
from careplan.domain.templates import Template
from careplan.persistence.engine import Database
from careplan.services import catalogue as catalogue_service
from careplan.services import template_store
from careplan.services.changes import Changes, Outcome
from careplan.ui import dialog_kit
from careplan.ui.dialog_kit import local_time, plain_label, row_table, window_button
from careplan.ui.form_fields import named
from careplan.ui.library_layout import button_row, column, heading_label, list_and_entry
from careplan.ui.list_table_model import Index, ListTableModel
from careplan.ui.operations import CollectionOp, QueryOp, runner
from careplan.ui.template_save import ask_new_template, template_from_plan

if TYPE_CHECKING:
    from careplan.ui.plan_editor import PlanEditor

TEMPLATE_CHANGES = Changes(catalogue=True, audit=True)  # templates are shown beside the catalogue


class TemplatesModel(ListTableModel):
    columns = ("Starter plan", "Version", "Status", "Applies when")

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.templates: list[Template] = []

    def row_list(self) -> Sized:
        return self.templates

    def set_templates(self, templates: list[Template]) -> None:
        self.beginResetModel()
        self.templates = list(templates)
        self.endResetModel()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        t = self.templates[index.row()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return t.applies_when
        own = " (clinic's own)" if t.custom else ""
        return (t.title + own, f"v{t.version}", "In use" if t.active else "Retired",
                " ".join(t.applies_when.split()))[index.column()]


class TemplatesWindow(QDialog):
    loaded = Signal()
    """The list was (re)read and is shown."""

    def __init__(self, db: Database, actor: str, editor: PlanEditor | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor, self.editor = db, actor, editor
        self.setObjectName("templatesWindow")
        self.setWindowTitle("Starter plans (templates)")
        self.setAccessibleName("Starter plans")
        self.catalogue: dict[str, CatalogueItem] = {}
        self.model = TemplatesModel(self)
        self._build()
        self.resize(1100, 640)
        runner().changesApplied.connect(self._changes_applied)
        self._load()

    def _build(self) -> None:
        self.table = row_table(self.model, "templatesTable", "Starter plans")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 230)
        for col, width in ((1, 64), (2, 72)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(col, width)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.show_retired = QCheckBox("Show re&tired starter plans")
        self.show_retired.setObjectName("templatesShowRetired")
        self.show_retired.setChecked(True)
        self.count = plain_label("Reading the starter plans\u2026", "templatesCount", wrap=False)
        left = column([self.show_retired, self.table, self.count], grows=self.table)

        self.heading = heading_label("templateHeading")
        self.about = plain_label("", "templateDetails")
        self.items = QListWidget()
        named(self.items, "templateItemList", "Items this starter plan adds")
        self.items.setWordWrap(True)
        self.status = plain_label("", "templatesStatus")
        self.retire_button = window_button(self, "&Retire", "templateRetire", self._toggle_active)
        self.save_plan_button = window_button(self, "Save the open plan as a &new starter plan\u2026",
                                              "templateFromPlan", self._save_open_plan)
        self.close_button = window_button(self, "Close", "templatesClose", self.close)
        caption = plain_label("Adds these items to a plan (items already in it are left as they are):",
                              "templateItemsCaption")
        right = column([self.heading, self.about, caption, self.items, self.status,
                        button_row([self.retire_button, self.save_plan_button], self.close_button)],
                       grows=self.items, left_margin=8)
        list_and_entry(self, "templatesSplitter", left, right, (560, 540))
        self.show_retired.toggled.connect(lambda _on: self._load())
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self._show(None)

    # --- reading ---------------------------------------------------------------------------------
    def _load(self, keep: str | None = None) -> None:
        db, everything = self.db, self.show_retired.isChecked()
        keep = keep or (self.current.code if self.current else None)

        def read() -> tuple[list[Template], list[CatalogueItem]]:
            return (template_store.list_templates(db, include_retired=everything),
                    catalogue_service.list_items(db, include_retired=True))

        QueryOp(self, read).success(lambda got: self._loaded(*got, keep)).named("templates-window").run_in_background()

    def _loaded(self, templates: list[Template], items: list[CatalogueItem], keep: str | None) -> None:
        self.catalogue = {i.code: i for i in items}
        self.model.set_templates(templates)
        retired = sum(not t.active for t in templates)
        self.count.setText(f"{len(templates)} starter plans" + (f", {retired} retired" if retired else ""))
        codes = [t.code for t in templates]
        row = codes.index(keep) if keep in codes else 0
        if templates:
            self.table.selectRow(row)
        self._show(templates[row] if templates else None)
        self.loaded.emit()

    @Slot(object, object)
    def _changes_applied(self, changes: Changes, source: object) -> None:
        if changes.touches_catalogue() and source is not self:
            self._load()

    @property
    def current(self) -> Template | None:
        row = self.table.currentIndex().row()
        return self.model.templates[row] if 0 <= row < len(self.model.templates) else None

    @Slot(QModelIndex, QModelIndex)
    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show(self.model.templates[current.row()] if current.isValid() else None)

    def _show(self, t: Template | None) -> None:
        self.items.clear()
        has_plan = bool(self.editor and self.editor.doc.patient and self.editor.doc.content.items)
        self.save_plan_button.setEnabled(has_plan)
        self.save_plan_button.setToolTip("" if has_plan else "Open a patient whose plan has items first")
        if t is None:
            self.heading.setText("No starter plan selected")
            self.about.setText("")
            self.retire_button.setEnabled(False)
            return
        self.heading.setText(f"{t.title} (version {t.version})" + ("" if t.active else ", retired"))
        edited = f"\nLast changed here by {t.edited_by}, {local_time(t.edited_at)}." if t.edited_by and t.edited_at \
            else "\nAs shipped with CarePlan." if not t.custom else ""
        self.about.setText(f"Code: {t.code}\nApplies: {' '.join(t.applies_when.split())}\nBased on: {t.source}{edited}")
        for item in t.items:
            cat = self.catalogue.get(item.code)
            title = cat.title if cat else item.code
            if cat is not None and not cat.active:
                title += "  [retired catalogue item: applying is refused]"
            details = " \u00b7 ".join(x for x in (item.frequency or (cat.frequency if cat else ""), item.role.label,
                                                  item.status.label) if x)
            self.items.addItem(f"{title}\n    {details}" + (f"\n    Goal: {item.goal}" if item.goal else ""))
        self.retire_button.setEnabled(True)
        self.retire_button.setText("&Reinstate" if not t.active else "&Retire")

    # --- writing -------------------------------------------------------------------------------
    @Slot()
    def _toggle_active(self) -> None:
        t = self.current
        if t is None:
            return
        db, actor = self.db, self.actor

        def write() -> Outcome[Template]:
            saved = template_store.set_active(db, t.code, not t.active, actor=actor, expected_version=t.row_version)
            return Outcome(saved, TEMPLATE_CHANGES)

        self.retire_button.setEnabled(False)
        CollectionOp(self, write).success(lambda saved: self._saved(
            saved, f"'{saved.title}' is retired: it is no longer offered; plans it was applied to keep their items."
            if not saved.active else f"'{saved.title}' is offered again.")).failure(self._not_saved).named(
            "templates-save").run_in_background()

    @Slot()
    def _save_open_plan(self) -> None:
        editor = self.editor
        if editor is None or editor.doc.patient is None:
            return
        taken = {t.code for t in self.model.templates}
        template = ask_new_template(self, template_from_plan(editor.doc.content, self.catalogue), taken)
        if template is None:
            return
        db, actor = self.db, self.actor
        CollectionOp(self, lambda: Outcome(template_store.add_templates(db, [template], actor=actor)[0],
                                           TEMPLATE_CHANGES)).success(
            lambda saved: self._saved(saved, f"Saved '{saved.title}' with {len(saved.items)} items.")).failure(
            self._not_saved).named("templates-save").run_in_background()

    def _saved(self, saved: Template, message: str) -> None:
        self.status.setText(message)
        self._load(keep=saved.code)

    def _not_saved(self, error: BaseException) -> None:
        if not isinstance(error, CarePlanError):
            raise error
        dialog_kit.show_error(self, "The starter plans were not changed", str(error))
        self._load()


def show_templates(window: Any) -> None:
    """Plan > Templates…, for the main window (db, actor, named_actor, editor)."""
    if window.named_actor():
        TemplatesWindow(window.db, window.actor, window.editor, window).open()


def add_menu_action(window: Any, menu: QMenu) -> QAction:
    action = menu.addAction("Te&mplates\u2026")
    action.setObjectName("actionTemplates")
    action.setStatusTip("The clinic's starter plans: what each adds; retire, reinstate, or save the open plan as one")
    action.triggered.connect(lambda: show_templates(window))
    return action
