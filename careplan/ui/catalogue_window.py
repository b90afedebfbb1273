"""The clinic's treatment catalogue: find, add, reword, retire and bring back items.

Items are never deleted: plans that used an item keep their own copy of its words, and a
retired item can come back. Every change goes through services.catalogue, which logs who
changed what and when.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QItemSelectionModel, QTimer, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QScrollArea,
    QWidget,
)

from careplan.domain.catalogue import CatalogueItem
from careplan.domain.disciplines import DISCIPLINE_ORDER, Discipline
from careplan.domain.errors import CarePlanError, ValidationError
from careplan.persistence.engine import Database
from careplan.services import catalogue as catalogue_service
from careplan.services import changes
from careplan.services.catalogue import CatalogueConflictError
from careplan.services.changes import Changes
from careplan.ui import catalogue_conflict, dialog_kit
from careplan.ui.catalogue_form import CatalogueItemForm
from careplan.ui.catalogue_model import CatalogueModel
from careplan.ui.dialog_kit import ask_yes_no, local_time, plain_label, row_table, window_button
from careplan.ui.library_layout import button_row, column, heading_label, list_and_entry
from careplan.ui.operations import CollectionOp, QueryOp, runner


def confirm_discard(parent: QWidget, title: str) -> bool:
    return ask_yes_no(parent, "Unsaved changes", f"You changed '{title}' but did not save. Discard those changes?",
                      "Discard changes", "Keep editing", destructive=True)


class CatalogueWindow(QDialog):
    catalogueChanged = Signal()  # noqa: N815 (Qt signal naming)
    """An item was added, edited, retired or brought back here."""
    loaded = Signal()
    """The item list was (re)read and is shown."""

    def __init__(self, db: Database, actor: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.setObjectName("catalogueWindow")
        self.setWindowTitle("Treatment catalogue")
        self.setAccessibleName("Treatment catalogue")
        self.resize(1180, 720)
        self._current: CatalogueItem | None = None
        self._adding = False
        self._dirty = False

        self.model = CatalogueModel([], self)
        self._build()
        self._show(None)
        self.count.setText("Reading the catalogue\u2026")
        runner().changesApplied.connect(self._changes_applied)
        self._load(first=True)

    def _load(self, *, first: bool = False) -> None:
        db = self.db
        QueryOp(self, lambda: catalogue_service.list_items(db, include_retired=True)).success(
            lambda items: self._loaded(items, first)).named("catalogue-window").run_in_background()

    def _loaded(self, items: list[CatalogueItem], first: bool) -> None:
        self.model.set_items(items)
        self._refilter()
        if first:
            if self.model.rowCount():
                self.table.selectRow(0)
            else:
                self._show(None)
        elif self._current is not None and not self._dirty and not self._adding:
            fresh = next((i for i in items if i.code == self._current.code), None)
            if fresh is not None and fresh != self._current:
                self._show(fresh)  # changed elsewhere and not being edited here: show the new words
        self.loaded.emit()

    @Slot(object, object)
    def _changes_applied(self, changes: Changes, source: object) -> None:
        if changes.touches_catalogue() and source is not self:
            self._load()

    # --- layout --------------------------------------------------------------------------------
    def _build(self) -> None:
        self.search = QLineEdit()
        self.search.setObjectName("catalogueSearch")
        self.search.setAccessibleName("Search the catalogue")
        self.search.setPlaceholderText("Search titles, codes and instructions…")
        self.search.setClearButtonEnabled(True)
        self.discipline = QComboBox()
        self.discipline.setObjectName("catalogueDiscipline")
        self.discipline.setAccessibleName("Show discipline")
        self.discipline.addItem("All disciplines", None)
        for d in DISCIPLINE_ORDER:
            self.discipline.addItem(d.label, d.value)
        self.show_retired = QCheckBox("Show re&tired items")
        self.show_retired.setObjectName("catalogueShowRetired")
        self.show_retired.setChecked(True)
        search_label = QLabel("&Find:")
        search_label.setBuddy(self.search)
        disc_label = QLabel("D&iscipline:")
        disc_label.setBuddy(self.discipline)
        find_row = QHBoxLayout()
        find_row.addWidget(search_label)
        find_row.addWidget(self.search, 1)
        filter_row = QHBoxLayout()
        filter_row.addWidget(disc_label)
        filter_row.addWidget(self.discipline, 1)
        filter_row.addSpacing(12)
        filter_row.addWidget(self.show_retired)

        # Fixed row heights and column widths: the view never measures 2,000 rows per keystroke.
        self.table = row_table(self.model, "catalogueTable", "Catalogue items")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col, width in ((1, 165), (2, 85)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(col, width)
        self.count = plain_label("", "catalogueCount", wrap=False)
        self.empty = plain_label("", "catalogueEmpty")
        self.empty.hide()

        left = column([find_row, filter_row, self.table, self.empty, self.count], grows=self.table)

        self.heading = heading_label("catalogueItemHeading")
        self.edited_line = plain_label("", "catalogueLastEdited")
        self.status = plain_label("", "catalogueStatus")
        self.form = CatalogueItemForm()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)

        self.new_button = window_button(self, "&New item…", "catalogueNew", self._start_adding, "Ctrl+N")
        self.save_button = window_button(self, "&Save changes", "catalogueSave", self._save, "Ctrl+S")
        self.retire_button = window_button(self, "&Retire item", "catalogueRetire", self._toggle_active, "Ctrl+R")
        self.cancel_button = window_button(self, "&Undo changes", "catalogueCancel", self._cancel_edit)
        self.close_button = window_button(self, "Close", "catalogueClose", self.close)
        buttons = button_row([self.new_button, self.save_button, self.retire_button, self.cancel_button],
                             self.close_button)
        right = column([self.heading, self.edited_line, scroll, self.status, buttons], grows=scroll, left_margin=8)
        list_and_entry(self, "catalogueSplitter", left, right, (560, 620))

        self.search.textChanged.connect(self._refilter)
        self.discipline.currentIndexChanged.connect(self._refilter)
        self.show_retired.toggled.connect(self._refilter)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.form.edited.connect(self._mark_dirty)
        # Ctrl+F jumps back to the search box from anywhere in the window.
        QShortcut(QKeySequence.StandardKey.Find, self, activated=self.search.setFocus)
        self.search.returnPressed.connect(self.table.setFocus)
        self.setTabOrder(self.search, self.discipline)
        self.setTabOrder(self.discipline, self.show_retired)
        self.setTabOrder(self.show_retired, self.table)

    # --- filtering -----------------------------------------------------------------------------
    @Slot()
    def _refilter(self) -> None:
        keep = self._current.code if self._current and not self._adding else None
        value = self.discipline.currentData()
        self.model.set_filter(self.search.text(), Discipline(value) if value else None, self.show_retired.isChecked())
        shown, total = self.model.rowCount(), self.model.total
        self.count.setText(f"Showing {shown:,} of {total:,} items")
        self.empty.setVisible(shown == 0)
        if shown == 0:
            self.empty.setText("No items match. Try fewer words, or choose All disciplines.")
        if keep is not None:
            row = self.model.row_of(keep)
            if row >= 0:
                # Keep the coordinator's place without re-reading the form.
                self.table.selectionModel().blockSignals(True)
                self.table.selectionModel().setCurrentIndex(
                    self.model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
                self.table.selectionModel().blockSignals(False)
                self.table.scrollTo(self.model.index(row, 0))

    # --- showing an item ------------------------------------------------------------------------
    @Slot()
    def _row_changed(self) -> None:
        item = self.model.item_at(self.table.currentIndex().row())
        if item is None or (self._current and item.code == self._current.code and not self._adding):
            return
        if self._dirty and not confirm_discard(self, self._editing_title()):
            # "Keep editing": the click that asked is still being handled and selects its row when we
            # return, so put the selection back on the edited item after it, or two rows look chosen.
            QTimer.singleShot(0, self._reselect_current)
            return
        self._show(item)

    @Slot()
    def _reselect_current(self) -> None:
        # Signals stay on: the view must repaint both rows. Re-selecting the shown item is a no-op in _row_changed.
        row = self.model.row_of(self._current.code) if self._current and not self._adding else -1
        sm = self.table.selectionModel()
        if row >= 0:
            sm.setCurrentIndex(self.model.index(row, 0),
                               QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        else:
            sm.clearSelection()

    def _show(self, item: CatalogueItem | None) -> None:
        self._current, self._adding, self._dirty = item, False, False
        self.form.load(item)
        self.form.set_editable(item is not None)
        self.status.setText("")
        if item is None:
            self.heading.setText("No item selected")
            self.edited_line.setText("Choose an item on the left, or add the clinic's own with New item.")
        else:
            self.heading.setText(item.title if item.active else f"{item.title} (retired)")
            self._show_last_edit(item)
        self._update_buttons()

    def _show_last_edit(self, item: CatalogueItem) -> None:
        db, code = self.db, item.code
        self.edited_line.setText("")
        QueryOp(self, lambda: catalogue_service.last_edit(db, code)).success(
            lambda found: self._last_edit_read(item, found)).named("catalogue-last-edit").run_in_background()

    def _last_edit_read(self, item: CatalogueItem, found: tuple[str, datetime] | None) -> None:
        if self._current is None or self._current.code != item.code or self._adding:
            return  # the coordinator moved on meanwhile
        origin = "Added by the clinic" if item.custom else "From the CarePlan catalogue"
        if found:
            who, when = found
            self.edited_line.setText(f"{origin}. Last edited by {who} on {local_time(when)}.")
        else:
            self.edited_line.setText(f"{origin}. Not edited here yet.")

    def _editing_title(self) -> str:
        return self.form.title.text().strip() or (self._current.title if self._current else "the new item")

    def _update_buttons(self) -> None:
        item = self._current
        self.save_button.setText("&Add item" if self._adding else "&Save changes")
        self.save_button.setAccessibleName("Add item" if self._adding else "Save changes")
        self.save_button.setEnabled(self._adding or (item is not None and self._dirty))
        self.cancel_button.setEnabled(self._adding or self._dirty)
        self.cancel_button.setText("&Cancel new item" if self._adding else "&Undo changes")
        self.cancel_button.setAccessibleName("Cancel new item" if self._adding else "Undo changes")
        self.retire_button.setEnabled(item is not None and not self._adding)
        back = item is not None and not item.active and not self._adding
        self.retire_button.setText("&Bring back item" if back else "&Retire item")
        self.retire_button.setAccessibleName("Bring back item" if back else "Retire item")

    @Slot()
    def _mark_dirty(self) -> None:
        self._dirty = True
        self.status.setText("")
        self._update_buttons()

    # --- actions ---------------------------------------------------------------------------------
    @Slot()
    def _start_adding(self) -> None:
        if self._dirty and not confirm_discard(self, self._editing_title()):
            return
        self._adding, self._dirty = True, False
        self.table.selectionModel().blockSignals(True)
        self.table.clearSelection()
        self.table.selectionModel().blockSignals(False)
        self.form.load(None, new=True)
        self.form.set_editable(True)
        self.heading.setText("New catalogue item")
        self.edited_line.setText("Write it for the clinic and, in plain words, for the caregiver.")
        self.status.setText("")
        self._update_buttons()
        self.form.title.setFocus()

    @Slot()
    def _cancel_edit(self) -> None:
        self._dirty = False
        if self._adding:
            self._adding = False
            self._show(self._current)
            self._reselect_current()
        else:
            self._show(self._current)

    @Slot()
    def _save(self) -> None:
        db, actor = self.db, self.actor
        try:
            if self._adding:
                item = self.form.to_item()
                op = CollectionOp(self, lambda: changes.add_catalogue_item(db, item, actor=actor))
                op.success(lambda saved: self._after_change(saved, f"Added '{saved.title}'."))
            else:
                assert self._current is not None
                edits, code, version = self.form.changes_from(self._current), self._current.code, self._current.version
                if not edits:
                    return
                op = CollectionOp(self, lambda: changes.edit_catalogue_item(db, code, edits, actor=actor,
                                                                            expected_version=version))
                op.success(lambda saved: self._after_change(
                    saved, "Saved. Plans already made keep the words they were made with."))
        except ValidationError as e:
            self._not_saved(e)
            return
        self.save_button.setEnabled(False)
        op.failure(self._not_saved).named("catalogue-save").run_in_background()

    def _not_saved(self, error: BaseException) -> None:
        self._update_buttons()
        if isinstance(error, ValidationError):
            self.form.show_problems(error)
            self.status.setText("Nothing was saved: please fix the marked fields.")
        elif isinstance(error, CatalogueConflictError):
            self._keep_edits_on_theirs(error)
        elif isinstance(error, CarePlanError):
            dialog_kit.show_error(self, "The catalogue was not changed", str(error))
        else:
            raise error

    @Slot()
    def _toggle_active(self) -> None:
        item = self._current
        if item is None or self._adding:
            return
        if self._dirty and not confirm_discard(self, self._editing_title()):
            return
        db, actor = self.db, self.actor
        CollectionOp(self, lambda: changes.set_catalogue_active(db, item.code, not item.active, actor=actor,
                                                                expected_version=item.version)).success(
            self._toggled).failure(self._not_saved).named("catalogue-save").run_in_background()

    def _keep_edits_on_theirs(self, error: CatalogueConflictError) -> None:
        """Someone saved the item since it was opened here: show theirs with this coordinator's edits on top.

        Nothing typed is lost, and a second Save is a deliberate choice made after seeing their version.
        """
        theirs, opened = error.theirs, self._current
        mine = self.form.changes_from(opened) if opened is not None and self._dirty else {}
        self.model.replace_item(theirs)
        self._current = theirs
        self.form.load(catalogue_service.with_edits(theirs, mine))
        self.form.set_editable(True)
        self._dirty = bool(mine)
        self.heading.setText(theirs.title if theirs.active else f"{theirs.title} (retired)")
        self._show_last_edit(theirs)
        self._update_buttons()
        self.status.setText(catalogue_conflict.tell_conflict(self, error, opened, mine))

    def _toggled(self, saved: CatalogueItem) -> None:
        message = (f"'{saved.title}' is back in use." if saved.active else
                   f"'{saved.title}' is retired: it is no longer offered for new plans. Plans that use it keep it.")
        self._after_change(saved, message)

    def _after_change(self, saved: CatalogueItem, message: str) -> None:
        self.model.replace_item(saved)
        self._show(saved)
        self._refilter()
        if self.model.row_of(saved.code) < 0:
            # Hidden by the current filter: the form still shows it, so say why it left the list.
            message += " It is not in the list because of the current search or filter."
        self.status.setText(message)
        self.catalogueChanged.emit()

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if self._dirty and not confirm_discard(self, self._editing_title()):
            event.ignore()
            return
        self._dirty = False
        event.accept()

    def reject(self) -> None:
        # Escape closes the window like Close does, with the same unsaved-changes question.
        self.close()
