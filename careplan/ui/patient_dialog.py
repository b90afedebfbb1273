"""Adding a patient or editing one: details, caregivers and care team.

Problems are shown next to the field they are about as soon as that field was touched; the
Save button stays disabled while anything blocks saving, and the label beside it says what.
Nothing typed is ever cleared by a failed save.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from careplan.domain.course import parse_number
from careplan.domain.errors import CarePlanError, FieldProblem, ValidationError
from careplan.domain.limits import max_length
from careplan.domain.patient import OnsetSite, Patient, validate_patient
from careplan.persistence.engine import Database
from careplan.services import changes
from careplan.services import patients as patient_service
from careplan.services.clock import today
from careplan.ui import prompts
from careplan.ui.form_fields import (
    ERROR_COLOUR,
    DateField,
    ErrorLabel,
    named,
    set_text_colour,
    wheel_only_with_focus,
)
from careplan.ui.operations import CollectionOp, QueryOp
from careplan.ui.people_tables import CaregiverTable, TeamTable

MRN_CHECK_PAUSE_MS = 250  # "is this MRN taken?" once typing pauses
NUMBER_LENGTH = 10
SIMPLE_FIELDS = ("full_name", "mrn", "date_of_birth", "diagnosis_date", "onset_site", "preferred_language", "notes",
                 "onset_date", "usual_weight_kg", "height_cm")


class PatientDialog(QDialog):
    """Create (patient=None) or edit a patient; on success `.result_patient` holds what was saved."""

    def __init__(self, db: Database, actor: str, patient: Patient | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.original = patient
        self.result_patient: Patient | None = None
        self._touched: set[str] = set() if patient is None else set(SIMPLE_FIELDS) | {"caregivers", "care_team"}
        self._server_problems: list[FieldProblem] = []
        self._mrn_owner_checked: tuple[str, bool] = ("", False)
        self._mrn_to_check = ""
        self._mrn_timer = QTimer(self, singleShot=True, interval=MRN_CHECK_PAUSE_MS)
        self._mrn_timer.timeout.connect(self._check_mrn)
        self.setObjectName("patientDialog")
        self.setWindowTitle("Edit patient" if patient else "New patient")
        self._build()
        if patient:
            self._fill(patient)
        self._as_opened = self._form_state()
        self._revalidate()

    # --- building --------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        columns = QHBoxLayout()
        outer.addLayout(columns, 1)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.errors: dict[str, ErrorLabel] = {}

        self.name = QLineEdit()
        named(self.name, "patientName", "Full name")
        self.name.setMaxLength(max_length("patient.full_name"))
        self.mrn = QLineEdit()
        named(self.mrn, "patientMrn", "Clinic identifier (MRN)", "Unique to each patient in this clinic")
        self.mrn.setMaxLength(max_length("patient.mrn"))
        self.birth = DateField("patientBirthDate", "Date of birth")
        self.diagnosis = DateField("patientDiagnosisDate", "Diagnosis date")
        self.onset = QComboBox()
        named(self.onset, "patientOnsetSite", "Site of onset")
        self.onset.addItem("Not recorded", None)
        for site in OnsetSite:
            self.onset.addItem(site.label, site.value)
        wheel_only_with_focus(self.onset)
        # The course facts: ΔFS needs symptom onset (not diagnosis); weight change and BMI need these two.
        self.onset_date = DateField("patientOnsetDate", "Symptom onset date")
        self.usual_weight = QLineEdit()
        named(self.usual_weight, "patientUsualWeight", "Usual weight before the illness, kg", "15-350")
        self.usual_weight.setPlaceholderText("kg, before the illness")
        self.height = QLineEdit()
        named(self.height, "patientHeight", "Height, cm", "50-250")
        self.height.setPlaceholderText("cm")
        for box in (self.usual_weight, self.height):
            box.setMaxLength(NUMBER_LENGTH)  # a number, checked as one: the length only stops a runaway paste
        self.language = QLineEdit()
        named(self.language, "patientLanguage", "Preferred language")
        self.language.setMaxLength(max_length("patient.preferred_language"))
        self.language.setPlaceholderText("e.g. English")
        self.notes = QPlainTextEdit()
        named(self.notes, "patientNotes", "Notes")
        self.notes.setTabChangesFocus(True)
        self.notes.setPlaceholderText("Anything the team should know (not printed for caregivers)")

        rows: list[tuple[str, str, QWidget]] = [
            ("full_name", "Full &name:", self.name),
            ("mrn", "&MRN:", self.mrn),
            ("date_of_birth", "Date of &birth:", self.birth),
            ("diagnosis_date", "&Diagnosis date:", self.diagnosis),
            ("onset_site", "Site of &onset:", self.onset),
            ("onset_date", "S&ymptom onset:", self.onset_date),
            ("usual_weight_kg", "&Usual weight (kg):", self.usual_weight),
            ("height_cm", "&Height (cm):", self.height),
            ("preferred_language", "Preferred &language:", self.language),
            ("notes", "N&otes:", self.notes),
        ]
        for field, label, widget in rows:
            box = QVBoxLayout()
            box.setSpacing(2)
            box.addWidget(widget)
            self.errors[field] = ErrorLabel(f"error_{field}")
            box.addWidget(self.errors[field])
            lab = QLabel(label)
            lab.setBuddy(widget.focusProxy() or widget)
            form.addRow(lab, box)
        left = QWidget()
        left.setLayout(form)
        left.setMinimumWidth(left.fontMetrics().horizontalAdvance("M") * 30)
        columns.addWidget(left, 2)

        right = QVBoxLayout()
        self.caregivers = CaregiverTable(
            "caregiversTable", "Caregivers", "Family or friends who help at home. They are listed on the printout."
        )
        self.team = TeamTable(
            "careTeamTable", "Care team", "Clinicians the family can call. They print as \u201cwho to call\u201d."
        )
        right.addWidget(self.caregivers, 1)
        right.addWidget(self.team, 1)
        columns.addLayout(right, 3)

        self.blocked = QLabel()
        self.blocked.setObjectName("patientBlocked")
        self.blocked.setAccessibleName("What blocks saving")
        self.blocked.setTextFormat(Qt.TextFormat.PlainText)
        self.blocked.setWordWrap(True)
        outer.addWidget(self.blocked)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        named(self.save_button, "patientSave", "Save patient")
        named(self.buttons.button(QDialogButtonBox.StandardButton.Cancel), "patientCancel", "Cancel")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)

        self.name.textEdited.connect(lambda: self._edited("full_name"))
        self.mrn.textEdited.connect(lambda: self._edited("mrn"))
        self.birth.edited.connect(lambda: self._edited("date_of_birth"))
        self.diagnosis.edited.connect(lambda: self._edited("diagnosis_date"))
        self.onset.currentIndexChanged.connect(lambda _i: self._edited("onset_site"))
        self.onset_date.edited.connect(lambda: self._edited("onset_date"))
        self.usual_weight.textEdited.connect(lambda: self._edited("usual_weight_kg"))
        self.height.textEdited.connect(lambda: self._edited("height_cm"))
        self.language.textEdited.connect(lambda: self._edited("preferred_language"))
        self.notes.textChanged.connect(lambda: self._edited("notes"))
        self.caregivers.changed.connect(lambda: self._edited("caregivers"))
        self.team.changed.connect(lambda: self._edited("care_team"))
        self.setTabOrder(self.name, self.mrn)
        set_text_colour(self.blocked, ERROR_COLOUR)
        self.resize(self.fontMetrics().horizontalAdvance("M") * 96, self.fontMetrics().height() * 36)

    def _fill(self, p: Patient) -> None:
        self.name.setText(p.full_name)
        self.mrn.setText(p.mrn)
        self.birth.set_date(p.date_of_birth)
        self.diagnosis.set_date(p.diagnosis_date)
        self.onset.setCurrentIndex(self.onset.findData(p.onset_site.value if p.onset_site else None))
        self.onset_date.set_date(p.onset_date)
        self.usual_weight.setText("" if p.usual_weight_kg is None else f"{p.usual_weight_kg:g}")
        self.height.setText("" if p.height_cm is None else f"{p.height_cm:g}")
        self.language.setText(p.preferred_language)
        self.notes.blockSignals(True)
        self.notes.setPlainText(p.notes)
        self.notes.blockSignals(False)
        self.caregivers.set_people(p.caregivers)
        self.team.set_people(p.care_team)

    # --- reading and checking --------------------------------------------------------------

    def _form_state(self) -> tuple[object, ...]:
        """Everything typed, as typed (a date that is not one yet included), to tell whether anything changed."""
        return (self.name.text(), self.mrn.text(), self.birth.text(), self.diagnosis.text(), self.onset.currentData(),
                self.language.text(), self.notes.toPlainText(), self.caregivers.people(), self.team.people(),
                self.onset_date.text(), self.usual_weight.text(), self.height.text())

    def has_changes(self) -> bool:
        return self._form_state() != self._as_opened

    def patient(self) -> tuple[Patient, list[FieldProblem]]:
        """What the form says now, plus problems only the form can see (dates it cannot read)."""
        problems = []
        dob, msg = self.birth.value()
        if msg:
            problems.append(FieldProblem("date_of_birth", msg))
        diagnosed, msg = self.diagnosis.value()
        if msg:
            problems.append(FieldProblem("diagnosis_date", msg))
        onset, msg = self.onset_date.value()
        if msg:
            problems.append(FieldProblem("onset_date", msg))
        measures = {}
        for field, edit in (("usual_weight_kg", self.usual_weight), ("height_cm", self.height)):
            try:
                measures[field] = parse_number(field, edit.text())
            except ValidationError as e:
                problems.extend(e.problems)
                measures[field] = None
        site = self.onset.currentData()
        p = Patient(
            mrn=self.mrn.text(),
            full_name=self.name.text(),
            date_of_birth=dob,
            diagnosis_date=diagnosed,
            onset_site=OnsetSite(site) if site else None,
            preferred_language=self.language.text(),
            notes=self.notes.toPlainText(),
            caregivers=self.caregivers.people(),
            care_team=self.team.people(),
            onset_date=onset,
            **measures,
            id=self.original.id if self.original else None,
            version=self.original.version if self.original else 0,
        )
        return p, problems

    def problems(self) -> list[FieldProblem]:
        p, problems = self.patient()
        try:
            validate_patient(p, today=today())
        except ValidationError as e:
            problems += [q for q in e.problems if q.field not in {f.field for f in problems}]
        if p.mrn.strip() and not any(q.field == "mrn" for q in problems) and self._mrn_taken(p.mrn):
            problems.append(FieldProblem("mrn", f"Another patient already has the MRN '{p.mrn}'."))
        return problems + [q for q in self._server_problems if q.field not in {f.field for f in problems}]

    def _mrn_taken(self, mrn: str) -> bool:
        """From the last check on the worker; a new MRN is checked once typing pauses (the save checks too)."""
        if self._mrn_owner_checked[0] == mrn:
            return self._mrn_owner_checked[1]
        self._mrn_to_check = mrn
        self._mrn_timer.start()
        return False

    @property
    def busy(self) -> bool:
        """An MRN check waits for a pause in typing (tests wait for this to end)."""
        return self._mrn_timer.isActive()

    @Slot()
    def _check_mrn(self) -> None:
        db, mrn, own_id = self.db, self._mrn_to_check, self.original.id if self.original else None

        def owner_is_other() -> bool:
            try:
                return patient_service.get_patient_by_mrn(db, mrn).id != own_id
            except patient_service.NotFoundError:
                return False

        def checked(taken: bool) -> None:
            self._mrn_owner_checked = (mrn, taken)
            if self.mrn.text().strip() == mrn.strip():
                self._revalidate()

        QueryOp(self, owner_is_other).success(checked).named("mrn-check").run_in_background()

    def _edited(self, field: str) -> None:
        self._touched.add(field)
        self._server_problems = [p for p in self._server_problems if not _belongs(p.field, field)]
        self._revalidate()

    def _revalidate(self) -> None:
        problems = self.problems()
        for field, label in self.errors.items():
            messages = [p.message for p in problems if p.field == field]
            label.show_message(" ".join(messages) if field in self._touched and messages else None)
        for key, table in (("caregivers", self.caregivers), ("care_team", self.team)):
            messages = [p.message for p in problems if p.field.startswith(key + "[")]
            table.error.show_message(" ".join(messages) if key in self._touched and messages else None)
        self.save_button.setEnabled(not problems)
        if problems:
            text = "Before saving: " + " ".join(p.message for p in problems)
            self.blocked.setText(text)
            self.save_button.setToolTip(text)
        else:
            self.blocked.setText("")
            self.save_button.setToolTip("Save this patient")

    # --- saving ----------------------------------------------------------------------------

    @Slot()
    def save(self) -> None:
        p, _ = self.patient()
        db, actor = self.db, self.actor
        self.save_button.setEnabled(False)  # one save at a time
        CollectionOp(self, lambda: changes.save_patient(db, p, actor=actor)).success(self._saved).failure(
            self._not_saved).named("patient-save").run_in_background()

    def reject(self) -> None:
        # Escape, Cancel and the window's X all come here: typed changes are never dropped unasked.
        if self.result_patient is None and self.has_changes() and not prompts.ask_discard_patient_changes(self):
            return
        super().reject()

    def _saved(self, saved: Patient) -> None:
        self.result_patient = saved
        self.accept()

    def _not_saved(self, error: BaseException) -> None:
        if isinstance(error, ValidationError):
            self._server_problems = list(error.problems)
            self._touched |= {_root(q.field) for q in error.problems}
            self._mrn_owner_checked = ("", False)
            self._revalidate()
        elif isinstance(error, CarePlanError):
            self._revalidate()
            self.blocked.setText(str(error))
        else:
            self._revalidate()
            raise error


def _root(field: str) -> str:
    return field.split("[", 1)[0].split(".", 1)[0]


def _belongs(problem_field: str, edited: str) -> bool:
    return _root(problem_field) == edited


def edit_patient(parent: QWidget | None, db: Database, actor: str, patient: Patient | None = None) -> Patient | None:
    """Show the dialog; the saved patient, or None when cancelled. Tests replace this."""
    dialog = PatientDialog(db, actor, patient, parent)
    if dialog.exec() == QDialog.DialogCode.Accepted:
        return dialog.result_patient
    return None
