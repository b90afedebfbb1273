"""The patient list: search as you type, sort by column, see who is due for review.

The model pages over services.patients.search_patients (canFetchMore/fetchMore), so a clinic
with 10,000 patients costs one small query per keystroke, not a full load.
"""

from __future__ import annotations

from collections.abc import Sized

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
from careplan.services.patients import PatientSummary, ReviewState, count_patients, search_patients
from careplan.ui.form_fields import SearchBox, named
from careplan.ui.list_table_model import ListTableModel

PAGE = 100
WARM_UP_MS = 300  # after the first paint; a person cannot type a name sooner
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
    when = p.next_review.strftime("%d %b %Y").lstrip("0")
    if p.review_state in (ReviewState.OVERDUE, ReviewState.DUE_SOON):
        return f"{p.review_state.label}, {when}"
    return when


def _shown(p: PatientSummary) -> tuple[str, str, str, str]:
    return (p.full_name, p.mrn, plan_text(p), review_text(p))


class PatientTableModel(ListTableModel):
    """Patients matching the search text, one page at a time."""

    columns = COLUMNS

    def __init__(self, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self._rows: list[PatientSummary] = []
        self._shown: list[tuple[str, str, str, str]] = []  # formatted once per row: painting stays cheap
        self._total = 0
        self._text = ""
        self._sort = "name"
        self._descending = False

    # --- querying --------------------------------------------------------------------------

    @property
    def total(self) -> int:
        return self._total

    @property
    def text(self) -> str:
        return self._text

    def set_search(self, text: str) -> None:
        self._text = text
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self._total = count_patients(self.db, self._text)
        self._rows = self._page(0) if self._total else []
        self._shown = [_shown(p) for p in self._rows]
        self.endResetModel()

    def _page(self, offset: int) -> list[PatientSummary]:
        return search_patients(self.db, self._text, sort=self._sort, descending=self._descending,
                               offset=offset, limit=PAGE)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and len(self._rows) < self._total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid():
            return
        more = self._page(len(self._rows))
        if not more:
            self._total = len(self._rows)  # someone deleted patients meanwhile
            return
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(more) - 1)
        self._rows.extend(more)
        self._shown.extend(_shown(p) for p in more)
        self.endInsertRows()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(SORT_KEYS):
            return
        self._sort = SORT_KEYS[column]
        self._descending = order == Qt.SortOrder.DescendingOrder
        self.reload()

    def row_of(self, patient_id: int) -> int:
        """The row showing this patient, loading further pages if needed; -1 if not listed."""
        while True:
            for i, p in enumerate(self._rows):
                if p.id == patient_id:
                    return i
            if not self.canFetchMore():
                return -1
            self.fetchMore()

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
        self.search.textChanged.connect(self._search)
        self.search.toList.connect(self._focus_list)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.model.modelReset.connect(self._update_count)
        self._update_count()
        # Run one search once start-up is over (the window has painted by then), so the first
        # keystroke finds the query compiled and the database pages cached.
        QTimer.singleShot(WARM_UP_MS, self._warm_up)

    @Slot()
    def _warm_up(self) -> None:
        count_patients(self.model.db, "a")

    # --- behaviour -------------------------------------------------------------------------

    @Slot(str)
    def _search(self, text: str) -> None:
        chosen = self.current_patient_id()
        was_quiet, self._quiet = self._quiet, True
        try:
            self.model.set_search(text)
            if chosen is not None:
                self._select_row_of(chosen, load=False)
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
        self.table.setFocus()
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

    def _select_row_of(self, patient_id: int, *, load: bool) -> bool:
        row = self.model.row_of(patient_id) if load else next(
            (i for i in range(self.model.rowCount()) if self.model.summary(i).id == patient_id), -1)
        if row < 0:
            self.table.selectionModel().clearCurrentIndex()
            self.table.clearSelection()
            return False
        self.table.setCurrentIndex(self.model.index(row, 0))
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def select_patient(self, patient_id: int | None) -> bool:
        """Show this patient as the chosen one without announcing it (the caller opened it)."""
        was_quiet, self._quiet = self._quiet, True
        try:
            if patient_id is None:
                self.table.selectionModel().clearCurrentIndex()
                self.table.clearSelection()
                return True
            if self._select_row_of(patient_id, load=True):
                return True
            if self.search.text():
                self.search.clear()  # the patient is not among the matches: show everyone
                return self._select_row_of(patient_id, load=True)
            return False
        finally:
            self._quiet = was_quiet

    def refresh(self) -> None:
        """Query again (after a save or a new patient), keeping the chosen patient chosen."""
        chosen = self.current_patient_id()
        was_quiet, self._quiet = self._quiet, True
        try:
            self.model.reload()
            if chosen is not None:
                self._select_row_of(chosen, load=True)
        finally:
            self._quiet = was_quiet
