"""The patient list: search as you type, sort by column, see who is due for review.

The search waits for a pause in typing, then reads the count and the first page in one operation
on the worker thread (see patient_table.PatientTableModel); the list follows the app's one
changesApplied signal, so a save anywhere (here, another window, the CLI) shows in it.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from careplan.persistence.engine import Database
from careplan.services.changes import Changes
from careplan.ui.form_fields import SearchBox, named
from careplan.ui.list_table_model import as_row_list
from careplan.ui.operations import runner
from careplan.ui.patient_table import PAGE, SORT_KEYS, PatientTableModel

__all__ = ["PAGE", "PatientListPanel", "PatientTableModel"]
SEARCH_PAUSE_MS = 200  # a pause this long in typing runs the search


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
        self.show_archived = QCheckBox("Show &archived patients")
        named(self.show_archived, "showArchived", "Show archived patients")
        self.show_archived.setToolTip("Archived patients are kept and found by search; tick to list them all")
        layout.addWidget(self.show_archived)

        self.model = PatientTableModel(db, self)
        self.table = QTableView()
        named(self.table, "patientTable", "Patients")
        self.table.setModel(self.model)
        as_row_list(self.table, self.fontMetrics().height() + 10)
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
        self.show_archived.toggled.connect(self._show_archived)
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

    @Slot(bool)
    def _show_archived(self, shown: bool) -> None:
        self.model.show_archived = shown
        self.refresh()

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

    # --- the sort, remembered between runs (by column key: columns may be added later) -------

    def save_sort(self, settings: QSettings, key: str) -> None:
        header = self.table.horizontalHeader()
        column = header.sortIndicatorSection()
        if 0 <= column < len(SORT_KEYS):
            settings.setValue(f"{key}/sortColumn", SORT_KEYS[column])
            settings.setValue(f"{key}/sortDescending",
                              "true" if header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder else "false")

    def restore_sort(self, settings: QSettings, key: str) -> None:
        column = settings.value(f"{key}/sortColumn")
        if column not in SORT_KEYS:
            return  # never sorted, or by a column this version does not have: the default (name) stays
        descending = settings.value(f"{key}/sortDescending") == "true"
        self.table.sortByColumn(SORT_KEYS.index(str(column)),
                                Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder)

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
