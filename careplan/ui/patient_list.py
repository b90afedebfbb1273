"""The patient list: search as you type, sort by column, see who is due for review.

The model pages over services.patients.search_patients (canFetchMore/fetchMore), so a clinic
with 10,000 patients costs one small query per pause in typing, run on the worker thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sized

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from careplan.persistence.engine import Database
from careplan.services.changes import Changes
from careplan.services.patients import PatientSummary, ReviewState, count_patients, search_patients
from careplan.ui.dialog_kit import local_day
from careplan.ui.form_fields import SearchBox, named
from careplan.ui.list_table_model import ListTableModel
from careplan.ui.operations import QueryOp, runner

PAGE = 100
SEARCH_PAUSE_MS = 200  # a pause this long in typing runs the search
COLUMNS = ("Name", "MRN", "Plan", "Next review")
SORT_KEYS = ("name", "mrn", "plan_status", "next_review")
PATIENT_ID_ROLE = Qt.ItemDataRole.UserRole + 1
# Colour backs up the words ("Overdue", "Due soon"); it never carries the meaning alone.
REVIEW_COLOURS = {
    ReviewState.OVERDUE: ("#fbd5d5", "#7a0010"),
    ReviewState.DUE_SOON: ("#fdebc8", "#6b4200"),
}
Index = QModelIndex | QPersistentModelIndex


def plan_text(p: PatientSummary) -> str:
    return "No plan" if p.plan_status == "none" else p.plan_status.capitalize()


def plan_detail(p: PatientSummary) -> str:
    if p.plan_status == "none":
        return "No plan saved yet"
    return f"{p.plan_status.capitalize()}, revision {p.revisions}"


def review_text(p: PatientSummary) -> str:
    if p.review_state == ReviewState.NO_PLAN:
        return "\u2014"
    if p.review_state == ReviewState.NOT_SET or p.next_review is None:
        return p.review_state.label
    when = local_day(p.next_review)
    if p.review_state in (ReviewState.OVERDUE, ReviewState.DUE_SOON):
        return f"{p.review_state.label}, {when}"
    return when


def _shown(p: PatientSummary) -> tuple[str, str, str, str]:
    return (p.full_name, p.mrn, plan_text(p), review_text(p))


class PatientTableModel(ListTableModel):
    """Patients matching the search text, one page at a time, read on the worker thread."""

    columns = COLUMNS
    loaded = Signal()
    """A search, a sort or a further page arrived."""

    def __init__(self, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self._rows: list[PatientSummary] = []
        self._shown: list[tuple[str, str, str, str]] = []  # formatted once per row: painting stays cheap
        self._total = 0
        self._text = ""
        self._sort = "name"
        self._descending = False
        self._generation = 0  # answers to an older search are dropped
        self._loading = 0
        self._fetching = False

    # --- querying --------------------------------------------------------------------------

    @property
    def total(self) -> int:
        return self._total

    @property
    def text(self) -> str:
        return self._text

    @property
    def loading(self) -> bool:
        return bool(self._loading)

    def set_search(self, text: str, then: Callable[[], None] | None = None) -> None:
        self._text = text
        self.reload(then)

    def reload(self, then: Callable[[], None] | None = None) -> None:
        """Count and first page in one operation; `then` runs once they are shown."""
        self._generation += 1
        generation, db, text, sort, descending = self._generation, self.db, self._text, self._sort, self._descending

        def query() -> tuple[int, list[PatientSummary]]:
            total = count_patients(db, text)
            return total, search_patients(db, text, sort=sort, descending=descending, limit=PAGE) if total else []

        self._loading += 1
        QueryOp(self, query).success(lambda found: self._reloaded(generation, found, then)).named(
            "patient-search").run_in_background()

    def _reloaded(self, generation: int, found: tuple[int, list[PatientSummary]],
                  then: Callable[[], None] | None) -> None:
        self._loading -= 1
        if generation != self._generation:
            return
        self.beginResetModel()
        self._total, self._rows = found
        self._shown = [_shown(p) for p in self._rows]
        self._fetching = False
        self.endResetModel()
        if then is not None:
            then()
        self.loaded.emit()

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and len(self._rows) < self._total and not self._fetching

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._fetching:
            return
        self._load_until(None)

    def find(self, patient_id: int, then: Callable[[int], None]) -> None:
        """then(row) once the row showing this patient is loaded (further pages if need be); -1 if not listed."""
        row = self.row_of(patient_id)
        if row >= 0 or len(self._rows) >= self._total:
            then(row)
            return
        self._load_until(patient_id, then)

    def _load_until(self, patient_id: int | None, then: Callable[[int], None] | None = None) -> None:
        self._fetching = True
        self._loading += 1
        generation, db, text, sort, descending = self._generation, self.db, self._text, self._sort, self._descending
        offset = len(self._rows)

        def query() -> list[PatientSummary]:
            found: list[PatientSummary] = []
            while True:  # one page, or as many as it takes to reach the wanted patient
                page = search_patients(db, text, sort=sort, descending=descending, offset=offset + len(found),
                                       limit=PAGE)
                found.extend(page)
                if patient_id is None or len(page) < PAGE or any(p.id == patient_id for p in page):
                    return found

        QueryOp(self, query).success(lambda more: self._fetched(generation, more, patient_id, then)).named(
            "patient-page").run_in_background()

    def _fetched(self, generation: int, more: list[PatientSummary], patient_id: int | None,
                 then: Callable[[int], None] | None) -> None:
        self._loading -= 1
        if generation != self._generation:
            return
        self._fetching = False
        if more:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(more) - 1)
            self._rows.extend(more)
            self._shown.extend(_shown(p) for p in more)
            self.endInsertRows()
        if len(more) < PAGE and patient_id is None or not more:
            self._total = min(self._total, len(self._rows))  # someone deleted patients meanwhile
        if then is not None:
            then(self.row_of(patient_id) if patient_id is not None else -1)
        self.loaded.emit()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(SORT_KEYS):
            return
        self._sort = SORT_KEYS[column]
        self._descending = order == Qt.SortOrder.DescendingOrder
        self.reload()

    def row_of(self, patient_id: int) -> int:
        """The row showing this patient among the rows loaded so far; -1 if not (yet) there."""
        return next((i for i, p in enumerate(self._rows) if p.id == patient_id), -1)

    def summary(self, row: int) -> PatientSummary:
        return self._rows[row]

    # --- Qt model --------------------------------------------------------------------------

    def row_list(self) -> Sized:
        return self._rows

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._shown[index.row()][index.column()]
        p = self._rows[index.row()]
        col = index.column()
        if role == PATIENT_ID_ROLE:
            return p.id
        if role == Qt.ItemDataRole.ToolTipRole:
            born = f", born {p.date_of_birth.isoformat()}" if p.date_of_birth else ""
            review = review_text(p) if p.review_state != ReviewState.NO_PLAN else p.review_state.label
            return f"{p.full_name} ({p.mrn}{born})\nPlan: {plan_detail(p)}\nNext review: {review}"
        if col == 3 and p.review_state in REVIEW_COLOURS:
            back, fore = REVIEW_COLOURS[p.review_state]
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(QColor(back))
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(QColor(fore))
        return None


class PatientListPanel(QWidget):
    """Search box, result count and the patient table."""

    patientChosen = Signal(int)  # noqa: N815 (Qt signal naming)
    """The user picked a patient (by click, arrow keys or Enter)."""

    def __init__(self, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("patientListPanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        search_label = QLabel("&Find:")
        self.search = SearchBox()
        named(self.search, "patientSearch", "Find a patient by name or MRN")
        self.search.setPlaceholderText("Name or MRN  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        search_label.setBuddy(self.search)
        top.addWidget(search_label)
        top.addWidget(self.search, 1)
        layout.addLayout(top)
        self.count = QLabel()
        self.count.setObjectName("patientCount")
        self.count.setTextFormat(Qt.TextFormat.PlainText)
        self.count.setWordWrap(True)
        layout.addWidget(self.count)

        self.model = PatientTableModel(db, self)
        self.table = QTableView()
        named(self.table, "patientTable", "Patients")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        fm = self.fontMetrics()
        for col, sample in ((1, "DEMO-1-000000"), (2, "No plan"), (3, "Due soon, 30 Sep 2026")):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(col, fm.horizontalAdvance(sample) + fm.horizontalAdvance("MM"))
        header.setMinimumSectionSize(fm.horizontalAdvance("MMMM"))
        header.setSortIndicatorShown(True)
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)  # header clicks call model.sort, which re-queries
        layout.addWidget(self.table, 1)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 16)

        self._quiet = False
        # One query per pause in typing, not one per keystroke.
        self._debounce = QTimer(self, singleShot=True, interval=SEARCH_PAUSE_MS)
        self._debounce.timeout.connect(self._search)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.search.toList.connect(self._focus_list)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.model.modelReset.connect(self._update_count)
        self._wanted: int | None = None
        self._update_count()
        runner().changesApplied.connect(self._changes_applied)
        self.model.reload()

    @property
    def busy(self) -> bool:
        """A search is waiting for a pause in typing or for its answer (tests wait for this to end)."""
        return self._debounce.isActive() or self.model.loading

    @Slot(object, object)
    def _changes_applied(self, changes: Changes, _source: object) -> None:
        if changes.touches_patient_list():
            self.refresh()

    # --- behaviour -------------------------------------------------------------------------

    @Slot()
    def _search(self) -> None:
        self._debounce.stop()
        chosen = self.current_patient_id()
        self.model.set_search(self.search.text(), lambda: self._keep_chosen(chosen, load=False))

    def _keep_chosen(self, chosen: int | None, *, load: bool) -> None:
        if chosen is not None:
            was_quiet, self._quiet = self._quiet, True
            try:
                self._select_row_of(chosen, load=load)
            finally:
                self._quiet = was_quiet

    def _update_count(self) -> None:
        n = self.model.total
        text = self.model.text.strip()
        if text and n == 0:
            self.count.setText(f"No patient matches \u201c{text}\u201d. Check the spelling, or add a new patient (Ctrl+N).")
        elif text:
            self.count.setText(f"{n:,} patient{'s' if n != 1 else ''} match \u201c{text}\u201d")
        else:
            self.count.setText(f"{n:,} patient{'s' if n != 1 else ''}")

    @Slot()
    def _focus_list(self) -> None:
        pending = self._debounce.isActive() or self.model.loading
        if self._debounce.isActive():
            self._search()  # Down right after typing: search now, then move into its results
        if pending:
            # Focus gives the view a current row at once: from the old results. Stay quiet until
            # the new ones arrive, then choose their first row.
            self._quiet = True
            self.table.setFocus()
            self.model.loaded.connect(self._focus_first, Qt.ConnectionType.SingleShotConnection)
        else:
            self.table.setFocus()
            self._focus_first()

    @Slot()
    def _focus_first(self) -> None:
        if self._quiet:
            self._quiet = False
            self._show_row(-1)
        if self.model.rowCount() and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.model.index(0, 0))

    @Slot(QModelIndex, QModelIndex)
    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._quiet and current.isValid():
            self.patientChosen.emit(self.model.summary(current.row()).id)

    def preferred_width(self) -> int:
        """Wide enough for every column without a horizontal scroll bar."""
        header = self.table.horizontalHeader()
        name = self.fontMetrics().horizontalAdvance("Beatriz Lindqvist-Demo MM")
        return name + sum(header.sectionSize(c) for c in (1, 2, 3)) + self.table.verticalScrollBar().sizeHint().width() + 8

    def current_patient_id(self) -> int | None:
        index = self.table.currentIndex()
        return self.model.summary(index.row()).id if index.isValid() else None

    def _show_row(self, row: int) -> bool:
        if row < 0:
            self.table.selectionModel().clearCurrentIndex()
            self.table.clearSelection()
            return False
        self.table.setCurrentIndex(self.model.index(row, 0))
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def _select_row_of(self, patient_id: int, *, load: bool) -> None:
        if not load:
            self._show_row(self.model.row_of(patient_id))
            return
        self._wanted = patient_id

        def found(row: int) -> None:
            if self._wanted != patient_id:
                return  # another patient was chosen meanwhile
            was_quiet, self._quiet = self._quiet, True
            try:
                if not self._show_row(row) and self.search.text():
                    self.search.clear()  # the patient is not among the matches: show everyone
                    self._debounce.stop()
                    self.model.set_search("", lambda: self._select_row_of(patient_id, load=True))
            finally:
                self._quiet = was_quiet

        self.model.find(patient_id, found)

    def select_patient(self, patient_id: int | None) -> None:
        """Show this patient as the chosen one without announcing it (the caller opened it)."""
        was_quiet, self._quiet = self._quiet, True
        try:
            if patient_id is None:
                self._wanted = None
                self._show_row(-1)
                return
            self._select_row_of(patient_id, load=True)
        finally:
            self._quiet = was_quiet

    def refresh(self) -> None:
        """Query again (after a save or a new patient), keeping the chosen patient chosen."""
        chosen = self.current_patient_id()
        self.model.reload(lambda: self._keep_chosen(chosen, load=True))
