"""The patient list's model: patients matching the search, one page at a time, read on the worker.

It pages over services.patients.search_patients (canFetchMore/fetchMore), so a clinic with 10,000
patients costs one small query per pause in typing, never a full load, and never on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sized

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QWidget

from careplan.domain.patient import PatientStatus
from careplan.persistence.engine import Database
from careplan.services.patients import (
    DEFAULT_STATUSES,
    PatientSummary,
    ReviewState,
    count_patients,
    search_patients,
)
from careplan.ui.dialog_kit import local_day
from careplan.ui.list_table_model import ListTableModel
from careplan.ui.operations import QueryOp

PAGE = 100
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
    if p.status is not PatientStatus.ACTIVE:
        return p.status.label  # no review is due for someone out of the clinic's care
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
        self.show_archived = False  # archived patients are listed when searched for, or when asked for
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

    def statuses(self) -> tuple[PatientStatus, ...] | None:
        """Which patients the list shows: everyone when searching or asked to, else not the archived."""
        return None if self.show_archived or self._text.strip() else DEFAULT_STATUSES

    def set_search(self, text: str, then: Callable[[], None] | None = None) -> None:
        self._text = text
        self.reload(then)

    def reload(self, then: Callable[[], None] | None = None) -> None:
        """Count and first page in one operation; `then` runs once they are shown."""
        self._generation += 1
        generation, db, text, sort, descending = self._generation, self.db, self._text, self._sort, self._descending
        statuses = self.statuses()

        def query() -> tuple[int, list[PatientSummary]]:
            total = count_patients(db, text, statuses=statuses)
            return total, search_patients(db, text, sort=sort, descending=descending, limit=PAGE,
                                          statuses=statuses) if total else []

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
        statuses = self.statuses()
        offset = len(self._rows)

        def query() -> list[PatientSummary]:
            found: list[PatientSummary] = []
            while True:  # one page, or as many as it takes to reach the wanted patient
                page = search_patients(db, text, sort=sort, descending=descending, offset=offset + len(found),
                                       limit=PAGE, statuses=statuses)
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
            status = "" if p.status is PatientStatus.ACTIVE else f"\n{p.status.label}: the plan is read-only"
            return f"{p.full_name} ({p.mrn}{born})\nPlan: {plan_detail(p)}\nNext review: {review}{status}"
        if p.status is not PatientStatus.ACTIVE:
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(QColor("#5a5a5a"))  # out of care: quieter, the words say why
            return None
        if col == 3 and p.review_state in REVIEW_COLOURS:
            back, fore = REVIEW_COLOURS[p.review_state]
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(QColor(back))
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(QColor(fore))
        return None
