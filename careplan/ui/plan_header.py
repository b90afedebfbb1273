"""The top of the plan editor: who the patient is, which revision is open, unsaved state, Save."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from careplan.domain.patient import Patient
from careplan.domain.plan import Revision
from careplan.ui.course_line import CourseLine
from careplan.ui.dialog_kit import local_time
from careplan.ui.form_fields import ERROR_COLOUR, named, set_text_colour


def _plain_label(name: str, wrap: bool = True) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)  # names and reasons are shown as typed
    label.setWordWrap(wrap)
    return label


class PlanHeader(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("planHeader")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        who = QVBoxLayout()
        self.heading = _plain_label("patientHeading", wrap=False)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.heading.setFont(font)
        self.details = _plain_label("patientDetails")
        self.revision_info = _plain_label("planRevisionInfo")
        self.course = CourseLine()
        # The revision line sits beside the name when the width allows (a tall name line has room for it):
        # one row less of header leaves a laptop's plan list two more rows.
        self._name_row = QHBoxLayout()
        self._name_row.addWidget(self.heading)
        who.addLayout(self._name_row)
        for w in (self.details, self.course, self.revision_info):
            who.addWidget(w)
        self._who = who
        top.addLayout(who, 1)
        buttons = QVBoxLayout()
        self.edit_patient = QPushButton("Edit &patient\u2026")
        named(self.edit_patient, "editPatientButton", "Edit patient details")
        self.save_button = QPushButton("&Save plan")
        named(self.save_button, "planSave", "Save plan")
        self.save_button.setAutoDefault(False)
        buttons.addWidget(self.edit_patient)
        buttons.addWidget(self.save_button)
        top.addLayout(buttons)
        layout.addLayout(top)

        self.unsaved = QLabel()
        self.unsaved.setObjectName("unsavedLabel")
        self.unsaved.setAccessibleName("Unsaved changes")
        set_text_colour(self.unsaved, "#7a4a00")
        bold = self.unsaved.font()
        bold.setBold(True)
        self.unsaved.setFont(bold)
        self.unsaved.hide()
        self.blocked = _plain_label("saveBlocked")
        self.blocked.setAccessibleName("What blocks saving")
        set_text_colour(self.blocked, ERROR_COLOUR)
        state = QHBoxLayout()
        state.addWidget(self.unsaved)
        state.addWidget(self.blocked, 1)
        layout.addLayout(state)

    def show_patient(self, p: Patient) -> None:
        self.heading.setText(p.full_name)
        bits = [f"MRN {p.mrn}"]
        if p.date_of_birth:
            bits.append(f"born {p.date_of_birth.isoformat()}")
        if p.diagnosis_date:
            bits.append(f"diagnosed {p.diagnosis_date.isoformat()}")
        if p.onset_site:
            bits.append(f"{p.onset_site.label.lower()} onset")
        if p.preferred_language:
            bits.append(f"speaks {p.preferred_language}")
        self.details.setText(" \u00b7 ".join(bits))
        self._place_revision()

    def show_revision(self, rev: Revision | None) -> None:
        if rev is None:
            self.revision_info.setText("No plan saved yet. Add items from the catalogue, then save (Ctrl+S).")
        else:
            self.revision_info.setText(f"Revision {rev.number}, saved {local_time(rev.created_at)} by {rev.author}")
        self._place_revision()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt method name)
        super().resizeEvent(event)
        self._place_revision()

    def _place_revision(self) -> None:
        """Beside the name if both fit on one line at this width, else on a line of its own."""
        label = self.revision_info
        room = self._who.geometry().width() or self.width()
        need = (self.heading.sizeHint().width() + self._name_row.spacing() * 3
                + label.fontMetrics().horizontalAdvance(label.text()))
        beside = need <= room
        if beside == (self._name_row.indexOf(label) >= 0):
            return
        if beside:
            self._who.removeWidget(label)
            label.setWordWrap(False)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # asks no width
            self._name_row.addWidget(label, 1, Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignRight)
        else:
            self._name_row.removeWidget(label)
            label.setWordWrap(True)
            label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
            self._who.addWidget(label)

    def show_unsaved(self, modified: bool, kept_at: datetime | None) -> None:
        text = "\u25cf Unsaved changes"
        if modified and kept_at is not None:
            text += f" (a safety copy was kept at {local_time(kept_at, clock_only=True)})"
        self.unsaved.setText(text)
        self.unsaved.setVisible(modified)

    def show_save_state(self, can_save: bool, blocked: str, idle_tip: str) -> None:
        self.save_button.setEnabled(can_save)
        self.blocked.setText(blocked)
        self.blocked.setVisible(bool(blocked))
        self.save_button.setToolTip(blocked or idle_tip)
