"""The audit log: who did what, when, to which patient's plan. Read only, newest first.

The log can hold years of events, so it is read a page at a time as the coordinator scrolls.
"""

from __future__ import annotations

from collections.abc import Callable, Sized
from datetime import date

from PySide6.QtCore import (
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from careplan.domain.errors import CarePlanError
from careplan.persistence.engine import Database
from careplan.services import audit
from careplan.services.access import ACCESS_ACTIONS, access_refused
from careplan.services.audit import AuditEvent
from careplan.services.changes import Changes
from careplan.services.clock import today
from careplan.services.patients import get_patient_by_mrn
from careplan.ui.audit_text import summarise
from careplan.ui.dialog_kit import error_label, local_time, plain_label, row_table, set_error
from careplan.ui.list_table_model import ListTableModel
from careplan.ui.operations import QueryOp, runner

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("When", "Who", "What", "Patient (MRN)", "Revision", "Details")
PAGE = 200


class AuditModel(ListTableModel):
    columns = COLUMNS

    def __init__(self, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.events: list[AuditEvent] = []
        self._filters: dict[str, object] = {}
        self._exhausted = True
        self._fetching = False
        self._generation = 0  # answers to older filters are dropped

    loaded = Signal()
    """A first page (after new filters) or a further page arrived."""

    def load(self, *, mrn: str | None, since: date | None, until: date | None,
             then: Callable[[], None] | None = None, actions: tuple[str, ...] | None = None) -> None:
        """Read the newest page for these filters on the worker; `then` runs once it is shown."""
        self._filters = {"mrn": mrn, "since": since, "until": until, "actions": actions}
        self._generation += 1
        self._read(0, self._generation, then)

    def reload(self) -> None:
        """The same filters again, as many rows as are shown now (new events arrived)."""
        self._generation += 1
        self._read(0, self._generation, None, limit=max(PAGE, len(self.events)))

    def clear(self) -> None:
        self._generation += 1
        self.beginResetModel()
        self.events = []
        self._exhausted = True
        self.endResetModel()

    def _read(self, offset: int, generation: int, then: Callable[[], None] | None, limit: int = PAGE) -> None:
        db, filters = self.db, dict(self._filters)
        self._fetching = True
        QueryOp(self, lambda: audit.list_events(db, limit=limit, offset=offset, **filters)).success(  # type: ignore[arg-type]
            lambda page: self._arrived(generation, offset, limit, page, then)).named("audit").run_in_background()

    def _arrived(self, generation: int, offset: int, limit: int, page: list[AuditEvent],
                 then: Callable[[], None] | None) -> None:
        if generation != self._generation:
            return
        self._fetching = False
        self._exhausted = len(page) < limit
        if offset == 0:
            self.beginResetModel()
            self.events = page
            self.endResetModel()
        elif page:
            self.beginInsertRows(QModelIndex(), len(self.events), len(self.events) + len(page) - 1)
            self.events.extend(page)
            self.endInsertRows()
        if then is not None:
            then()
        self.loaded.emit()

    @property
    def exhausted(self) -> bool:
        return self._exhausted

    @property
    def loading(self) -> bool:
        return self._fetching

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted and not self._fetching

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._exhausted or self._fetching:
            return
        self._read(len(self.events), self._generation, None)

    def row_list(self) -> Sized:
        return self.events

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        e = self.events[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.ToolTipRole):
            if role == Qt.ItemDataRole.ToolTipRole and col != 5:
                return None
            return (local_time(e.at), e.actor, e.label, e.mrn or "", str(e.revision or ""), summarise(e))[col]
        return None


def _date_filter(text: str, name: str) -> tuple[QCheckBox, QDateEdit]:
    check = QCheckBox(text)
    check.setObjectName(f"audit{name}Enabled")
    edit = QDateEdit()
    edit.setObjectName(f"audit{name}")
    edit.setAccessibleName(f"{text.replace('&', '').rstrip(':')} date")
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("d MMM yyyy")
    edit.setMaximumDate(QDate.currentDate())  # the log holds nothing from the future
    edit.setEnabled(False)
    check.toggled.connect(edit.setEnabled)
    return check, edit


class AuditWindow(QDialog):
    def __init__(self, db: Database, parent: QWidget | None = None, mrn: str | None = None):
        super().__init__(parent)
        self.db = db
        self.setObjectName("auditWindow")
        self.setWindowTitle("Audit log")
        self.setAccessibleName("Audit log")
        self.resize(1150, 680)
        self.model = AuditModel(db, self)
        runner().changesApplied.connect(self._changes_applied)
        self._debounce = QTimer(self, singleShot=True, interval=300)
        self._debounce.timeout.connect(self.apply_filters)
        self._build()
        self._access_refusal: str | None = None
        if db.server_name is not None:  # a staff login: only admins may filter for access (issue 16)
            self.access_only.setEnabled(False)
            QueryOp(self, lambda: access_refused(db)).success(self._access_known).named(
                "audit-access-role").run_in_background()
        if mrn:
            self.mrn.setText(mrn)
        self.apply_filters()

    def _access_known(self, refusal: str | None) -> None:
        self._access_refusal = refusal
        self.access_only.setEnabled(True)

    def _build(self) -> None:
        self.mrn = QLineEdit()
        self.mrn.setObjectName("auditMrn")
        self.mrn.setAccessibleName("Patient MRN")
        self.mrn.setPlaceholderText("All patients")
        self.mrn.setClearButtonEnabled(True)
        mrn_label = QLabel("Patient &MRN:")
        mrn_label.setBuddy(self.mrn)
        self.use_since, self.since = _date_filter("&From:", "Since")
        self.use_until, self.until = _date_filter("&To:", "Until")
        start = today()
        self.since.setDate(QDate(start.year, start.month, 1))
        self.until.setDate(QDate(start.year, start.month, start.day))
        # Who opened, printed or exported a record (services/access.py), apart from changes.
        self.access_only = QCheckBox("&Access only")
        self.access_only.setObjectName("auditAccessOnly")
        self.access_only.setToolTip("Only records opened, printed and exported")
        self.clear_button = QPushButton("&Clear filters")
        self.clear_button.setObjectName("auditClear")
        self.clear_button.setAutoDefault(False)
        self.clear_button.clicked.connect(self.clear_filters)
        bar = QHBoxLayout()
        bar.addWidget(mrn_label)
        self.mrn.setMaximumWidth(280)
        bar.addWidget(self.mrn, 1)
        bar.addSpacing(24)
        for w in (self.use_since, self.since, self.use_until, self.until):
            bar.addWidget(w)
        bar.addSpacing(24)
        bar.addWidget(self.access_only)
        bar.addStretch(1)
        bar.addWidget(self.clear_button)
        self.filter_error = error_label("auditFilterError")

        self.table = row_table(self.model, "auditTable", "Audit events, newest first",
                               QAbstractItemView.SelectionMode.ExtendedSelection)
        header = self.table.horizontalHeader()
        for col, width in enumerate((150, 130, 230, 120, 70)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(col, width)
        header.setStretchLastSection(True)
        self.count = plain_label("", "auditCount", wrap=False)
        close = QPushButton("Close")
        close.setObjectName("auditClose")
        close.setAutoDefault(False)
        close.clicked.connect(self.close)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count, 1)
        bottom.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.filter_error)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

        self.mrn.textChanged.connect(lambda _t: self._debounce.start())
        self.mrn.returnPressed.connect(self.apply_filters)
        for check in (self.use_since, self.use_until, self.access_only):
            check.toggled.connect(self.apply_filters)
        for edit in (self.since, self.until):
            edit.dateChanged.connect(self.apply_filters)
        self.model.rowsInserted.connect(self._update_count)
        self.model.modelReset.connect(self._update_count)

    @Slot()
    def apply_filters(self) -> None:
        self._debounce.stop()
        mrn = self.mrn.text().strip() or None
        since = self.since.date().toPython() if self.use_since.isChecked() else None
        until = self.until.date().toPython() if self.use_until.isChecked() else None
        if since and until and since > until:
            set_error(self.filter_error, "The 'From' date is after the 'To' date: choose a 'From' date on or before it.")
            self.model.clear()
            return
        if self.access_only.isChecked() and self._access_refusal:
            self.access_only.blockSignals(True)
            self.access_only.setChecked(False)
            self.access_only.blockSignals(False)
            set_error(self.filter_error, self._access_refusal)
            return
        set_error(self.filter_error, None)
        self.model.load(mrn=mrn, since=since, until=until, then=lambda: self._check_mrn(mrn),
                        actions=ACCESS_ACTIONS if self.access_only.isChecked() else None)

    def _check_mrn(self, mrn: str | None) -> None:
        if not mrn or self.model.events:
            return
        db = self.db

        def known() -> bool:
            try:
                get_patient_by_mrn(db, mrn)
                return True
            except CarePlanError:
                return False

        def checked(found: bool) -> None:
            if not found and (self.mrn.text().strip() or None) == mrn:
                set_error(self.filter_error, f"No patient has the MRN '{mrn}'. Check it, or clear the box to see everyone.")

        QueryOp(self, known).success(checked).named("audit-mrn").run_in_background()

    @Slot(object, object)
    def _changes_applied(self, changes: Changes, _source: object) -> None:
        if changes.touches_audit():
            self.model.reload()

    @Slot()
    def clear_filters(self) -> None:
        for w in (self.mrn, self.use_since, self.use_until, self.access_only):
            w.blockSignals(True)
        self.mrn.clear()
        self.use_since.setChecked(False)
        self.use_until.setChecked(False)
        self.access_only.setChecked(False)
        self.since.setEnabled(False)
        self.until.setEnabled(False)
        for w in (self.mrn, self.use_since, self.use_until, self.access_only):
            w.blockSignals(False)
        self.apply_filters()

    @Slot()
    def _update_count(self) -> None:
        n = self.model.rowCount()
        if n == 0:
            self.count.setText("No events match these filters.")
        elif self.model.exhausted:
            self.count.setText(f"{n:,} event{'s' if n != 1 else ''}.")
        else:
            self.count.setText(f"Showing the newest {n:,} events; scroll down for older ones.")
