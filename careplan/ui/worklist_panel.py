"""The home screen: what needs the coordinator, most urgent first (services/worklist.py).

Shown on the right of the main window while no patient is open. It reads through the operation
layer, whenever it is shown and whenever a change could alter it (a plan saved, a patient added)
while it is on screen; Enter or a double-click opens the patient.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sized

from PySide6.QtCore import QModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from careplan.domain.errors import CarePlanError
from careplan.persistence.engine import Database
from careplan.services.changes import Changes
from careplan.services.patients import DUE_SOON, ReviewState
from careplan.services.worklist import WorkItem, WorkKind, prompt_work, worklist
from careplan.ui.dialog_kit import local_day, local_time
from careplan.ui.form_fields import named
from careplan.ui.list_table_model import Index, ListTableModel, as_row_list
from careplan.ui.operations import QueryOp, runner
from careplan.ui.patient_table import REVIEW_COLOURS

COLUMNS = ("Patient", "MRN", "Why", "Date")
# The same colours as the patient list's review column; the words carry the meaning, colour backs them up.
KIND_COLOURS = {WorkKind.OVERDUE: REVIEW_COLOURS[ReviewState.OVERDUE],
                WorkKind.DUE_SOON: REVIEW_COLOURS[ReviewState.DUE_SOON],
                WorkKind.DRAFT: ("#dbe8fb", "#0b3a75"),
                WorkKind.PROMPTS: ("#efe6f7", "#4b2a6b")}  # lilac, as the plan editor's prompts strip
EMPTY_TEXT = (f"Nothing needs you today: no review is overdue or due in the next {DUE_SOON.days} days, every "
              "patient has a plan, no guideline prompt is waiting for a decision, and no unsaved draft is waiting.\n\nChoose a patient on the left to see "
              "their plan: type a name or MRN in the Find box (Ctrl+F), or add a new patient (Ctrl+N).")


def date_text(item: WorkItem) -> str:
    if item.kind is WorkKind.DRAFT and item.since is not None:
        return f"Saved {local_time(item.since)}"
    if item.kind is WorkKind.NO_PLAN:
        return f"Added {local_day(item.date)}"
    if item.kind is WorkKind.PROMPTS:
        return f"As of {local_day(item.date)}"
    return f"Due {local_day(item.date)}"


# (one, several) for the summary line, e.g. "2 reviews overdue, 1 unsaved draft".
COUNT_WORDS = {WorkKind.OVERDUE: ("review overdue", "reviews overdue"),
               WorkKind.DRAFT: ("unsaved draft", "unsaved drafts"),
               WorkKind.NO_PLAN: ("patient with no plan", "patients with no plan"),
               WorkKind.DUE_SOON: ("review due soon", "reviews due soon"),
               WorkKind.PROMPTS: ("patient with guideline prompts", "patients with guideline prompts")}


def summary_text(items: list[WorkItem]) -> str:
    counts = Counter(i.kind for i in items)
    parts = [f"{counts[k]} {COUNT_WORDS[k][counts[k] != 1]}" for k in WorkKind if counts[k]]
    return f"{len(items)} to do: {', '.join(parts)}. Enter or a double-click opens the patient."


def why_text(item: WorkItem) -> str:
    # The Date column says when a draft was saved; here the row says whose it is.
    return f"Unsaved draft by {item.author}" if item.kind is WorkKind.DRAFT else item.reason


class WorklistModel(ListTableModel):
    columns = COLUMNS

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._items: list[WorkItem] = []
        self._shown: list[tuple[str, str, str, str]] = []  # formatted once: painting stays cheap

    def set_items(self, items: list[WorkItem]) -> None:
        self.beginResetModel()
        self._items = items
        self._shown = [(i.name, i.mrn, why_text(i), date_text(i)) for i in items]
        self.endResetModel()

    def item(self, row: int) -> WorkItem:
        return self._items[row]

    def row_list(self) -> Sized:
        return self._items

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._shown[row][col]
        item = self._items[row]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{item.name} ({item.mrn})\n{item.reason}\nEnter or a double-click opens the patient."
        if col == 2 and item.kind in KIND_COLOURS:
            back, fore = KIND_COLOURS[item.kind]
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(QColor(back))
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(QColor(fore))
        return None


class WorklistTable(QTableView):
    """Enter opens the current row, as a double-click does, whatever the platform's style."""

    rowOpened = Signal(int)  # noqa: N815 (Qt signal naming)
    """The user asked to open the patient of this row."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.doubleClicked.connect(lambda index: self.rowOpened.emit(index.row()))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.rowOpened.emit(self.currentIndex().row())
            event.accept()
            return
        super().keyPressEvent(event)


class WorklistPanel(QWidget):
    patientChosen = Signal(int)  # noqa: N815 (Qt signal naming)
    """The user opened a row: the patient's id."""

    def __init__(self, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.setObjectName("worklistPanel")
        self.setAccessibleName("Worklist")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 0, 0)
        heading = QLabel("<h3>Needs your attention</h3>")
        heading.setObjectName("worklistHeading")
        layout.addWidget(heading)
        self.summary = QLabel("Loading the worklist\u2026")
        self.summary.setObjectName("worklistSummary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.model = WorklistModel(self)
        self.table = WorklistTable()
        named(self.table, "worklistTable", "Worklist", "Patients who need something done, most urgent first")
        self.table.setModel(self.model)
        as_row_list(self.table, self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        fm = self.fontMetrics()
        for col, sample in ((1, "DEMO-1-000000"), (3, "Saved 30 Sep 2026, 23:59")):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(col, fm.horizontalAdvance(sample) + fm.horizontalAdvance("MM"))
        for col in (0, 2):  # names and reasons share the rest
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
        self.table.rowOpened.connect(self._open_row)
        self.empty = QLabel(EMPTY_TEXT)
        self.empty.setObjectName("worklistEmpty")
        self.empty.setTextFormat(Qt.TextFormat.PlainText)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.table)
        self.pages.addWidget(self.empty)
        layout.addWidget(self.pages, 1)
        self._generation = 0  # answers to an older read are dropped
        self._loading = 0
        self._dated: list[WorkItem] = []
        self._prompts: list[WorkItem] = []
        runner().changesApplied.connect(self._changes_applied)

    @property
    def busy(self) -> bool:
        """A read is on its way (tests wait for this to end)."""
        return bool(self._loading)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.reload()  # also after midnight, or after drafts kept elsewhere, which announce nothing

    @Slot(object, object)
    def _changes_applied(self, changes: Changes, _source: object) -> None:
        # Hidden behind an open patient it reads nothing: showing it again reads anew. Drafts are
        # kept and discarded only while a patient is open (the worklist hidden), and the worker runs
        # the reload that showing it queues after them: `changes.drafts` needs no reload here.
        if self.isVisible() and (changes.touches_patient_list() or changes.touches_rules()):
            self.reload()

    def reload(self) -> None:
        self._generation += 1
        generation, db = self._generation, self.db
        self._loading += 2
        # Two reads: the dated rows take two queries; the guideline prompts evaluate every patient's
        # rules, which takes far longer in a big clinic. The dated rows show first; the prompts rows of
        # the previous read stay until the new ones come, so nothing flickers.
        QueryOp(self, lambda: worklist(db, prompts=False)).success(
            lambda items: self._loaded(generation, dated=items)).named("worklist").run_in_background()
        QueryOp(self, lambda: prompt_work(db)).success(lambda items: self._loaded(generation, prompts=items)).failure(
            lambda e: self._prompts_failed(generation, e)).named("worklist-prompts").run_in_background()

    def _prompts_failed(self, generation: int, error: BaseException) -> None:
        if not isinstance(error, CarePlanError):
            raise error
        self._loaded(generation, prompts=[])  # the dated rows still show; the editor's strip names the problem

    def _loaded(self, generation: int, *, dated: list[WorkItem] | None = None,
                prompts: list[WorkItem] | None = None) -> None:
        self._loading -= 1
        if generation != self._generation:
            return
        self._dated = self._dated if dated is None else dated
        self._prompts = self._prompts if prompts is None else prompts
        items = self._dated + self._prompts  # prompts rows are the least urgent: always last
        current = self.table.currentIndex()
        keep = self.model.item(current.row()) if current.isValid() else None
        self.model.set_items(items)
        self.pages.setCurrentWidget(self.table if items else self.empty)
        self.summary.setVisible(bool(items))
        self.summary.setText(summary_text(items))
        if keep is not None:  # the same row stays chosen when the list is read again
            row = next((r for r, i in enumerate(items) if (i.patient_id, i.kind) == (keep.patient_id, keep.kind)), 0)
            self.table.setCurrentIndex(self.model.index(row, 0) if items else QModelIndex())
        elif items and self.table.hasFocus():  # focused before the rows came (Home, Close patient)
            self.table.setCurrentIndex(self.model.index(0, 0))

    def focus_first(self) -> None:
        """Keyboard focus on the worklist, on its first row: ready for the arrow keys and Enter."""
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        if self.model.rowCount() and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.model.index(0, 0))

    @Slot(int)
    def _open_row(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self.patientChosen.emit(self.model.item(row).patient_id)
