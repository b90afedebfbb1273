"""A plan's history: every saved revision, any one in full, any two compared, an old one restored.

Opening the window reads only the revision list (one query); a revision's items are read when
the coordinator looks at it. Restoring saves the old content as a new revision, so the history
only ever grows.
"""

from __future__ import annotations

from PySide6.QtCore import (
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from careplan.domain.diff import PlanDiff
from careplan.domain.errors import CarePlanError
from careplan.domain.patient import Patient
from careplan.domain.plan import Revision
from careplan.persistence.engine import Database
from careplan.services import changes, plans
from careplan.services.changes import Changes
from careplan.services.patients import get_patient
from careplan.services.plans import RevisionSummary
from careplan.services.provenance import ImportMark, imported_revisions
from careplan.ui import dialog_kit, restore_dialog
from careplan.ui.dialog_kit import fit_to_screen, local_time, plain_label, row_table, window_button
from careplan.ui.history_model import HistoryModel
from careplan.ui.history_signatures import SignaturesPanel
from careplan.ui.history_views import DiffView, RevisionView
from careplan.ui.operations import CollectionOp, QueryOp, runner
from careplan.ui.revision_window import RevisionWindow, revision_buttons


def _history_and_marks(db: Database, patient_id: int) -> tuple[list[RevisionSummary], dict[int, ImportMark]]:
    return plans.history(db, patient_id), imported_revisions(db, patient_id)


class HistoryWindow(QDialog):
    restored = Signal(int)
    """An old revision was saved again; the argument is the new revision's number."""
    loaded = Signal()
    """The revision list was (re)read and is shown."""

    def __init__(self, db: Database, patient_id: int, actor: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.patient_id, self.actor = db, patient_id, actor
        self.patient: Patient | None = None
        self.setObjectName("historyWindow")
        self.setWindowTitle("Plan history")
        self.setAccessibleName("Plan history")
        fit_to_screen(self, 1100, 760)  # a 1280x720 laptop shows it whole, buttons included
        self.model = HistoryModel([], self)
        self.shown_revision: int | None = None
        self._open_timer = QTimer(self, singleShot=True, interval=80)
        self._open_timer.timeout.connect(self._open_current)
        self._build()
        self.summary.setText("Reading the plan's history\u2026")
        self._update_buttons()
        runner().changesApplied.connect(self._changes_applied)
        QueryOp(self, lambda: (get_patient(db, patient_id), _history_and_marks(db, patient_id))).success(
            self._first_load).failure(self._load_failed).named("history").run_in_background()

    @property
    def busy(self) -> bool:
        """A revision opens once the arrow keys rest on it (tests wait for this to end)."""
        return self._open_timer.isActive()

    def _first_load(self, found: tuple[Patient, list[RevisionSummary]]) -> None:
        self.patient, rows_and_marks = found
        self.setWindowTitle(f"Plan history — {self.patient.full_name} ({self.patient.mrn})")
        self._show_rows(rows_and_marks)

    def _load_failed(self, error: BaseException) -> None:
        if not isinstance(error, CarePlanError):
            raise error
        self.summary.setText(str(error))

    @Slot(object, object)
    def _changes_applied(self, changes: Changes, _source: object) -> None:
        if changes.touches_plan(self.patient_id):
            self.reload()

    # --- layout --------------------------------------------------------------------------------
    def _build(self) -> None:
        self.summary = plain_label("", "historySummary")
        self.table = row_table(self.model, "historyTable", "Saved revisions",
                               QAbstractItemView.SelectionMode.ExtendedSelection)
        header = self.table.horizontalHeader()
        for col, width in enumerate((70, 150, 150, 0, 55, 170)):
            if width:
                header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
                header.resizeSection(col, width)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        hint = QLabel("Select one revision to read it, or two (Ctrl+click, or Shift+arrow keys) to compare them.")
        hint.setObjectName("historyHint")

        self.open_button = window_button(self, "&Open in a window", "historyOpen", self._open_in_window)
        self.print_button, self.export_button = revision_buttons(self, self._single_selected, self.db,
                                                                 self.patient_id, self.actor)
        self.compare_button = window_button(self, "Co&mpare selected", "historyCompare", self._compare_selected)
        self.restore_button = window_button(self, "&Restore this revision…", "historyRestore", self._restore)
        self.signing = SignaturesPanel(self, self.db, self.patient_id, self.actor)
        self.sign_button = window_button(self, "&Sign…", "historySign",
                                         lambda: self.signing.sign_selected(self._single_selected()))
        self.close_button = window_button(self, "Close", "historyClose", self.close)
        buttons = QHBoxLayout()
        for b in (self.open_button, self.print_button, self.export_button, self.compare_button, self.restore_button,
                  self.sign_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)

        self.revision_heading = plain_label("", "revisionHeading")
        self.revision_view = RevisionView()
        revision_tab = QWidget()
        rt = QVBoxLayout(revision_tab)
        rt.addWidget(self.revision_heading)
        rt.addWidget(self.signing.label)
        rt.addWidget(self.revision_view, 1)

        self.older = QComboBox()
        self.older.setObjectName("compareOlder")
        self.older.setAccessibleName("Compare from revision")
        self.newer = QComboBox()
        self.newer.setObjectName("compareNewer")
        self.newer.setAccessibleName("Compare to revision")
        from_label = QLabel("&From:")
        from_label.setBuddy(self.older)
        to_label = QLabel("&To:")
        to_label.setBuddy(self.newer)
        self.compare_heading = plain_label("", "compareHeading")
        self.diff_view = DiffView()
        pick = QHBoxLayout()
        pick.addWidget(from_label)
        pick.addWidget(self.older)
        pick.addSpacing(12)
        pick.addWidget(to_label)
        pick.addWidget(self.newer)
        pick.addStretch(1)
        compare_tab = QWidget()
        ct = QVBoxLayout(compare_tab)
        ct.addLayout(pick)
        ct.addWidget(self.compare_heading)
        ct.addWidget(self.diff_view, 1)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("historyTabs")
        self.tabs.addTab(revision_tab, "Re&vision")
        self.tabs.addTab(compare_tab, "Com&parison")

        top = QWidget()
        tv = QVBoxLayout(top)
        tv.setContentsMargins(0, 0, 0, 0)
        tv.addWidget(self.summary)
        tv.addWidget(self.table, 1)
        tv.addWidget(hint)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setObjectName("historySplitter")
        splitter.addWidget(top)
        splitter.addWidget(self.tabs)
        splitter.setSizes([300, 460])
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)

        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._open_timer.start())
        self.table.activated.connect(lambda *_: self._open_current())
        self.older.activated.connect(self._compare_combos)
        self.newer.activated.connect(self._compare_combos)

    def _fill_combos(self) -> None:
        rows = self.model.rows
        for combo in (self.older, self.newer):
            combo.clear()
            for r in rows:
                combo.addItem(f"r{r.number} — {local_time(r.created_at)}, {r.author}", r.number)
        if len(rows) >= 2:
            self.older.setCurrentIndex(1)
            self.newer.setCurrentIndex(0)
        latest = rows[0].number if rows else 0
        self.summary.setText(
            f"{latest} saved revision{'s' if latest != 1 else ''}. Old revisions never change; "
            "restoring one saves it again as a new revision." if rows else
            "This plan has not been saved yet, so it has no history.")

    # --- reading ---------------------------------------------------------------------------------
    def selected_numbers(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.rows[r].number for r in rows]

    @Slot()
    def _update_buttons(self) -> None:
        selected = self.selected_numbers()
        latest = self.model.rows[0].number if self.model.rows else 0
        for b in (self.open_button, self.print_button, self.export_button, self.sign_button):
            b.setEnabled(len(selected) == 1)
        self.compare_button.setEnabled(len(selected) == 2 or (len(selected) == 1 and selected[0] > 1))
        self.compare_button.setText("Co&mpare selected" if len(selected) == 2 else "Co&mpare with previous")
        self.restore_button.setEnabled(len(selected) == 1 and selected[0] != latest)
        self.restore_button.setToolTip("" if len(selected) != 1 or selected[0] != latest
                                       else "This is already the current revision.")

    @Slot()
    def _open_current(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self.open_revision(self.model.rows[index.row()].number)

    def _single_selected(self) -> int | None:
        selected = self.selected_numbers()
        return selected[0] if len(selected) == 1 else None

    @Slot()
    def _open_in_window(self) -> None:
        """Open: the selected revision, in a window of its own beside the history (shown here too)."""
        number = self._single_selected()
        if number is None or self.patient is None:
            return
        patient, db, pid = self.patient, self.db, self.patient_id
        self.open_revision(number)
        QueryOp(self, lambda: plans.get_revision(db, pid, number)).success(
            lambda rev: self._show_window(patient, rev)).failure(
            lambda e: self._failed(e, "Cannot open this revision")).named("history-revision").run_in_background()

    def _show_window(self, patient: Patient, rev: Revision) -> None:
        self.revision_window = RevisionWindow(self.db, patient, rev, self.actor, self)
        self.revision_window.show()

    def open_revision(self, number: int) -> None:
        self._open_timer.stop()
        db, pid = self.db, self.patient_id
        QueryOp(self, lambda: plans.get_revision(db, pid, number)).success(self._show_revision).failure(
            lambda e: self._failed(e, "Cannot open this revision")).named("history-revision").run_in_background()

    def _failed(self, error: BaseException, title: str) -> None:
        if not isinstance(error, CarePlanError):
            raise error
        dialog_kit.show_error(self, title, str(error))

    def _show_revision(self, rev: Revision) -> None:
        number = rev.number
        self.shown_revision = number
        self.revision_heading.setText(
            f"Revision {number}, saved {local_time(rev.created_at)} by {rev.author}. Read only.")
        self.revision_view.show_revision(rev)
        self.signing.show_for(number)
        self.tabs.setCurrentIndex(0)

    @Slot()
    def _compare_selected(self) -> None:
        selected = self.selected_numbers()
        if len(selected) == 1 and selected[0] > 1:
            selected = [selected[0] - 1, selected[0]]
        if len(selected) == 2:
            self.compare(*selected)

    @Slot()
    def _compare_combos(self) -> None:
        a, b = self.older.currentData(), self.newer.currentData()
        if a is not None and b is not None:
            self.compare(int(a), int(b))

    def compare(self, a: int, b: int) -> None:
        old, new = min(a, b), max(a, b)
        db, pid = self.db, self.patient_id
        QueryOp(self, lambda: plans.compare(db, pid, old, new)).success(
            lambda diff: self._show_diff(old, new, diff)).failure(
            lambda e: self._failed(e, "Cannot compare these revisions")).named("history-compare").run_in_background()

    def _show_diff(self, old: int, new: int, diff: PlanDiff) -> None:
        self.older.setCurrentIndex(self.older.findData(old))
        self.newer.setCurrentIndex(self.newer.findData(new))
        if old == new:
            self.compare_heading.setText(f"Both sides are revision {old}: choose two different revisions.")
        else:
            counts = f"{len(diff.added)} added, {len(diff.removed)} removed, {len(diff.changed)} changed"
            self.compare_heading.setText(f"From revision {old} to revision {new}: {counts}.")
        self.diff_view.show_diff(old, new, diff)
        self.tabs.setCurrentIndex(1)

    # --- restoring -------------------------------------------------------------------------------
    @Slot()
    def _restore(self) -> None:
        selected = self.selected_numbers()
        if len(selected) != 1 or not self.model.rows:
            return
        number, latest = selected[0], self.model.rows[0].number
        reason = restore_dialog.ask_restore_reason(self, number, latest)
        if reason is None:
            return
        db, pid, actor = self.db, self.patient_id, self.actor
        self.restore_button.setEnabled(False)
        CollectionOp(self, lambda: changes.restore_plan(db, pid, number, base_revision=latest, author=actor,
                                                        reason=reason)).success(
            lambda rev: self.restored.emit(rev.number)).failure(self._restore_failed).named(
            "restore").run_in_background()

    def _restore_failed(self, error: BaseException) -> None:
        self._failed(error, "The revision was not restored")  # ConflictError: its message says who saved first
        self.reload()

    def reload(self) -> None:
        db, pid = self.db, self.patient_id
        QueryOp(self, lambda: _history_and_marks(db, pid)).success(self._show_rows).named("history").run_in_background()

    def _show_rows(self, rows_and_marks: tuple[list[RevisionSummary], dict[int, ImportMark]]) -> None:
        rows, self.model.imported = rows_and_marks
        self.model.set_rows(rows)
        self._fill_combos()
        if self.model.rows:
            self.table.selectRow(0)
            self._open_current()
        self._update_buttons()
        self.loaded.emit()
