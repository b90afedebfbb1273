"""The Assessments panel of one patient: record an assessment, read the course, see the charts.

Reads and writes go through the operation layer (one query for the whole course; one write per
assessment, which announces Changes.patient so the plan header follows). A correction loads an
earlier assessment into the form; saving adds a new entry that supersedes it.
"""

from __future__ import annotations

from collections.abc import Sized

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from careplan.domain.course import Assessment, Provision
from careplan.domain.errors import CarePlanError, ValidationError
from careplan.persistence.engine import Database
from careplan.services import course as course_service
from careplan.services.changes import Changes
from careplan.services.clock import today as clock_today
from careplan.services.course import Course, CourseEntry
from careplan.services.course_view import COLUMNS, chart_specs, row_cells, row_tip
from careplan.ui.course_chart import CourseChart
from careplan.ui.dialog_kit import plain_label, row_table
from careplan.ui.list_table_model import ListTableModel
from careplan.ui.operations import CollectionOp, QueryOp, runner

Index = QModelIndex | QPersistentModelIndex

class CourseModel(ListTableModel):
    """The current assessments, newest first."""

    columns = COLUMNS

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.rows: list[CourseEntry] = []
        self.cells: list[tuple[str, ...]] = []

    def set_course(self, course: Course) -> None:
        self.beginResetModel()
        self.rows = list(reversed(course.entries))
        self.cells = [row_cells(e) for e in self.rows]
        self.endResetModel()

    def row_list(self) -> Sized:
        return self.rows

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.cells[index.row()][index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return row_tip(self.rows[index.row()], index.column()) or None
        if role == Qt.ItemDataRole.TextAlignmentRole and 2 <= index.column() <= 14 and index.column() != 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class AssessmentsWindow(QDialog):
    loaded = Signal()
    """The course was (re)read and is shown."""
    saved = Signal(int)
    """An assessment was saved; its id."""

    def __init__(self, db: Database, patient_id: int, actor: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.patient_id, self.actor = db, patient_id, actor
        self.course: Course | None = None
        self.setObjectName("assessmentsWindow")
        self.setWindowTitle("Assessments")
        self.setAccessibleName("Assessments")
        self.resize(1200, 760)
        self._build()
        runner().changesApplied.connect(self._changes_applied)
        self.reload()

    def _build(self) -> None:
        self.form = AssessmentFormPanel(self)
        self.summary = plain_label("Reading the course\u2026", "courseSummary")
        self.model = CourseModel(self)
        self.table = row_table(self.model, "courseTable", "Past assessments")
        # Widths from the font, not ResizeToContents: that measures every cell of every column.
        header = self.table.horizontalHeader()
        digit = self.table.fontMetrics().horizontalAdvance("0")
        for col, chars in enumerate((10, 13, 8, 8, 5, 5, 6, 5, 5, 5, 6, 5, 6, 5, 6, 8, 11)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(col, digit * chars + 12)
        self.charts = [CourseChart(n) for n in ("chartTotal", "chartDomains", "chartFvc", "chartWeight")]
        chart_page = QWidget()
        grid = QVBoxLayout(chart_page)
        top, bottom = QHBoxLayout(), QHBoxLayout()
        top.addWidget(self.charts[0])
        top.addWidget(self.charts[1])
        bottom.addWidget(self.charts[2])
        bottom.addWidget(self.charts[3])
        grid.addLayout(top)
        grid.addLayout(bottom)
        self.correct_button = QPushButton("C&orrect selected\u2026")
        self.correct_button.setObjectName("courseCorrect")
        self.correct_button.clicked.connect(self._correct_selected)
        table_page = QWidget()
        tl = QVBoxLayout(table_page)
        tl.addWidget(self.table, 1)
        row = QHBoxLayout()
        row.addWidget(plain_label("Hover a computed value to see how it was derived. Corrections never "
                                  "overwrite: they add an entry that supersedes the old one.", "courseHint"), 1)
        row.addWidget(self.correct_button)
        tl.addLayout(row)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("courseTabs")
        self.tabs.addTab(chart_page, "C&harts")
        self.tabs.addTab(table_page, "&Table")
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.summary)
        rl.addWidget(self.tabs, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form.form)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(scroll, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.form.save_button)
        buttons.addWidget(self.form.new_button)
        buttons.addStretch(1)
        close = QPushButton("Close")
        close.setObjectName("assessmentsClose")
        close.clicked.connect(self.close)
        buttons.addWidget(close)
        ll.addLayout(buttons)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setObjectName("assessmentsSplitter")
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([520, 680])
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.form.save)

    # --- reading -------------------------------------------------------------------------------
    def reload(self) -> None:
        db, pid = self.db, self.patient_id
        QueryOp(self, lambda: course_service.get_course(db, pid)).success(self._show).failure(
            self._failed).named("course").run_in_background()

    def _show(self, course: Course) -> None:
        self.course = course
        p = course.patient
        self.setWindowTitle(f"Assessments \u2014 {p.full_name} ({p.mrn})")
        self.form.form.date_of_birth = p.date_of_birth
        self.summary.setText(course_service.headline(course, clock_today()))
        self.model.set_course(course)
        for chart, data in zip(self.charts, chart_specs(course), strict=True):
            chart.set_data(data)
        self.correct_button.setEnabled(bool(course.entries))
        if self.form.form.supersedes is None and not self.form.dirty():
            latest = course.latest
            self.form.form.clear(gastrostomy_in_use=bool(latest and latest.assessment.gastrostomy is Provision.IN_USE))
        self.loaded.emit()

    def _failed(self, error: BaseException) -> None:
        if not isinstance(error, CarePlanError):
            raise error
        self.summary.setText(str(error))

    @Slot(object, object)
    def _changes_applied(self, changes: Changes, _source: object) -> None:
        if changes.touches_patient(self.patient_id):
            self.reload()

    @Slot()
    def _correct_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.form.form.load_for_correction(self.model.rows[rows[0].row()].assessment)


class AssessmentFormPanel:
    """The form with its Save and New buttons, saving through the operation layer."""

    def __init__(self, window: AssessmentsWindow):
        from careplan.ui.assessment_form import AssessmentForm

        self.window = window
        self.form = AssessmentForm()
        self.save_button = QPushButton("&Save assessment")
        self.save_button.setObjectName("assessmentSave")
        self.save_button.setToolTip("Save this assessment (Ctrl+Enter)")
        self.save_button.clicked.connect(self.save)
        self.new_button = QPushButton("&New")
        self.new_button.setObjectName("assessmentNew")
        self.new_button.clicked.connect(lambda: self.form.clear())
        self.saving = False

    def dirty(self) -> bool:
        return any(e.text() for e in self.form.scores) or any(e.text() for e in self.form.numbers.values())

    def save(self) -> None:
        if self.saving:
            return
        try:
            a = self.form.assessment(self.window.actor)
        except ValidationError as e:
            self.form.show_problems(e)
            return
        db, pid = self.window.db, self.window.patient_id
        self.saving = True
        self.save_button.setEnabled(False)
        CollectionOp(self.window, lambda: course_service.record_assessment(db, pid, a)).success(
            self._saved).failure(self._failed).named("save-assessment").run_in_background()

    def _saved(self, a: Assessment) -> None:
        self.saving = False
        self.save_button.setEnabled(True)
        self.form.clear(gastrostomy_in_use=a.gastrostomy is Provision.IN_USE)
        self.form.scores[0].setFocus()
        self.window.saved.emit(a.id or 0)

    def _failed(self, error: BaseException) -> None:
        self.saving = False
        self.save_button.setEnabled(True)
        if isinstance(error, ValidationError):
            self.form.show_problems(error)
        elif isinstance(error, CarePlanError):
            self.form.problem.setText(str(error))
            self.form.problem.show()
        else:
            raise error
