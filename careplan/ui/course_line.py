"""The plan header's line about the ALS course: latest stage and ΔFS, and how old they are.

It reads the course itself through the operation layer whenever the header shows a patient
(on opening, and after any change to that patient, assessments included), so the plan editor
only says which patient to show.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from careplan.persistence.engine import Database
from careplan.services import course as course_service
from careplan.services.clock import today as clock_today
from careplan.ui.operations import QueryOp


class CourseLine(QLabel):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("courseLine")
        self.setAccessibleName("Latest stage and progression rate")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.patient_id: int | None = None

    def show_for(self, db: Database, patient_id: int | None) -> None:
        if patient_id != self.patient_id:
            self.clear()
        self.patient_id = patient_id
        if patient_id is None:
            return
        QueryOp(self, lambda: course_service.get_course(db, patient_id)).success(
            lambda course: self._show(patient_id, course)).named("course-line").run_in_background()

    def _show(self, patient_id: int, course: course_service.Course) -> None:
        if patient_id == self.patient_id:  # the coordinator may have moved on to another patient
            self.setText(course_service.headline(course, clock_today()))
            latest = course.latest_with_alsfrs()
            self.setToolTip(f"{latest.kings.reason}\n{latest.delta_fs.rule}" if latest else "")
