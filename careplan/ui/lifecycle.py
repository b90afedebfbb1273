"""A patient's course in the app: Patient > Discharge…, Record death…, Archive, Reinstate; the read-only banner.

The changes run as operations on the worker (services/lifecycle.py does the work and the audit);
the editor and the patient list follow the app's changesApplied signal like after any patient
edit. A patient who is not in active care opens with a banner above the plan saying why, and
with everything that edits the plan disabled; the service refuses a save anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction, QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QMenu,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from careplan.domain.errors import CarePlanError
from careplan.domain.lifecycle import (
    DischargeReason,
    LifecycleError,
    check_death_date,
    plan_read_only,
)
from careplan.domain.patient import Patient, PatientStatus
from careplan.services import lifecycle
from careplan.services.changes import Changes, Outcome
from careplan.services.clock import today
from careplan.ui import dialog_kit
from careplan.ui.form_fields import named
from careplan.ui.operations import CollectionOp

if TYPE_CHECKING:
    from careplan.ui.main_window import MainWindow
    from careplan.ui.plan_editor import PlanEditor


# --- the banner and the read-only editor ---------------------------------------------------------

class ReadOnlyBanner(QFrame):
    reinstateRequested = Signal()  # noqa: N815 (Qt signal naming)
    """The user wants to return the patient to active care."""

    def __init__(self) -> None:
        super().__init__()
        named(self, "readOnlyBanner", "The plan is read-only")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, Qt.GlobalColor.lightGray)
        palette.setColor(QPalette.ColorRole.WindowText, Qt.GlobalColor.black)
        self.setPalette(palette)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        self.text = dialog_kit.plain_label(name="readOnlyBannerText")
        layout.addWidget(self.text, 1)
        self.reinstate = QPushButton("&Reinstate\u2026")
        named(self.reinstate, "readOnlyBannerReinstate", "Reinstate the patient")
        self.reinstate.setAutoDefault(False)
        self.reinstate.clicked.connect(self.reinstateRequested)
        layout.addWidget(self.reinstate)
        self.hide()


def banner_of(editor: PlanEditor) -> ReadOnlyBanner:
    """The editor's banner, made (hidden) on first use: under the header, above the plan."""
    banner: ReadOnlyBanner | None = editor.findChild(ReadOnlyBanner)
    if banner is None:
        banner = ReadOnlyBanner()
        editor.layout().insertWidget(1, banner)  # type: ignore[attr-defined]
    return banner


VIEWER_READ_ONLY = ("Your login has the viewer role on this server: you can read plans, not change them. "
                    "Ask the clinic's CarePlan administrator for the editor role to change them.")


def show_plan_state(editor: PlanEditor, p: Patient) -> None:
    """Called whenever the editor shows a patient: the banner and the editing parts follow the status,
    and the login's role on a shared server (a viewer's edits could be neither saved nor kept as a draft)."""
    reason = plan_read_only(p) or (VIEWER_READ_ONLY if editor.db.server_role == "viewer" else None)
    editor.read_only_reason = reason
    banner = banner_of(editor)
    banner.text.setText(reason or "")
    banner.setVisible(reason is not None)
    # The items list stays usable to read the plan; what changes it is disabled.
    for part in (editor.picker, editor.fields, editor.form):
        part.setEnabled(reason is None)
    editor.remove_action.setEnabled(reason is None and editor.current_uid() is not None)


# --- the dialogs -------------------------------------------------------------------------------

class _DayDialog(QDialog):
    """A small dialog with a date that may be neither in the future nor before the patient's birth."""

    def __init__(self, parent: QWidget | None, patient: Patient, title: str, name: str, date_label: str):
        super().__init__(parent)
        self.patient = patient
        self.setObjectName(name)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.day = QDateEdit(QDate(today()))
        named(self.day, f"{name}Date", date_label)
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.form.addRow(f"&{date_label}:", self.day)
        self.problem = dialog_kit.error_label(f"{name}Problem")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        who = dialog_kit.plain_label(f"{patient.full_name} ({patient.mrn})", f"{name}Patient")
        layout.addWidget(who)
        layout.addLayout(self.form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.day.dateChanged.connect(self._check)

    def chosen_day(self) -> date:
        return self.day.date().toPython()  # type: ignore[no-any-return]

    @Slot()
    def _check(self) -> None:
        try:
            check_death_date(self.patient, self.chosen_day(), today=today())  # the same two limits apply to both
            message = None
        except LifecycleError as e:
            message = str(e).replace("date of death", self.day.accessibleName().lower())
        dialog_kit.set_error(self.problem, message)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(message is None)


class DischargeDialog(_DayDialog):
    def __init__(self, parent: QWidget | None, patient: Patient):
        super().__init__(parent, patient, "Discharge patient", "dischargeDialog", "Date of discharge")
        self.reasons = QButtonGroup(self)
        box = QVBoxLayout()
        for i, reason in enumerate(DischargeReason):
            button = QRadioButton(reason.label[0].upper() + reason.label[1:])
            named(button, f"dischargeReason_{reason.value}", reason.label)
            self.reasons.addButton(button, i)
            box.addWidget(button)
        self.form.insertRow(0, "Reason:", box)
        self.reasons.idToggled.connect(lambda _i, _on: self._check())
        note = dialog_kit.plain_label("The plan becomes read-only. Reinstate the patient to change it again.")
        self.form.addRow(note)
        self._check()

    def reason(self) -> DischargeReason | None:
        i = self.reasons.checkedId()
        return list(DischargeReason)[i] if i >= 0 else None

    def _check(self) -> None:
        super()._check()
        if self.reason() is None:
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)


class DeathDialog(_DayDialog):
    def __init__(self, parent: QWidget | None, patient: Patient):
        super().__init__(parent, patient, "Record death", "deathDialog", "Date of death")
        self._check()


def ask_discharge(parent: QWidget | None, patient: Patient) -> tuple[DischargeReason, date] | None:
    """Tests replace this, or drive DischargeDialog directly."""
    dialog = DischargeDialog(parent, patient)
    reason = dialog.reason() if dialog.exec() == QDialog.DialogCode.Accepted else None
    return (reason, dialog.chosen_day()) if reason is not None else None


def ask_death(parent: QWidget | None, patient: Patient) -> date | None:
    dialog = DeathDialog(parent, patient)
    return dialog.chosen_day() if dialog.exec() == QDialog.DialogCode.Accepted else None


def ask_confirm(parent: QWidget | None, title: str, question: str, yes: str) -> bool:
    return dialog_kit.ask_yes_no(parent, title, question, yes)


# --- the Patient menu's actions ----------------------------------------------------------------

class LifecycleActions(QObject):
    """Discharge…, Record death…, Archive and Reinstate in the Patient menu of `window`."""

    def __init__(self, window: MainWindow, menu: QMenu):
        super().__init__(window)
        self.window = window
        menu.addSeparator()
        self.actions: dict[str, QAction] = {}
        for key, text, tip in (
            ("discharge", "&Discharge\u2026", "The patient left the clinic's care: moved, transferred or declined"),
            ("deceased", "Record &death\u2026", "Record the date of death; the plan becomes read-only"),
            ("archive", "&Archive", "Hide the patient from the patient list; kept, and found by search"),
            ("reinstate", "&Reinstate", "Return the patient to active care; the plan can be changed again"),
        ):
            action = QAction(text, window)
            action.setObjectName(f"action{key.capitalize()}")
            action.setStatusTip(tip)
            action.triggered.connect(getattr(self, key))
            menu.addAction(action)
            self.actions[key] = action
        menu.aboutToShow.connect(self.update_actions)  # also after a change made elsewhere
        window.editor.doc.contentReset.connect(self.update_actions)  # a patient opened or closed
        banner_of(window.editor).reinstateRequested.connect(self.reinstate)
        self.update_actions()

    @Slot()
    def update_actions(self) -> None:
        p = self.window.editor.doc.patient
        status = p.status if p else None
        self.actions["discharge"].setEnabled(status is PatientStatus.ACTIVE)
        self.actions["deceased"].setEnabled(status is not None and status is not PatientStatus.DECEASED)
        self.actions["archive"].setEnabled(status is not None and status is not PatientStatus.ARCHIVED)
        self.actions["reinstate"].setEnabled(status is not None and status is not PatientStatus.ACTIVE)

    def _open_patient(self, then: Callable[[Patient], None]) -> None:
        """Unsaved edits are settled first (saved or discarded): the plan may become read-only."""
        editor = self.window.editor

        def go() -> None:
            if editor.doc.patient is not None:
                then(editor.doc.patient)

        if editor.doc.patient is not None:
            editor.resolve_unsaved(go)

    @Slot()
    def discharge(self) -> None:
        def ask(p: Patient) -> None:
            answer = ask_discharge(self.window, p)
            if answer is not None:
                reason, day = answer
                self._run(p, f"Discharged {p.full_name}", lambda db, actor: lifecycle.discharge(
                    db, p.id or 0, reason=reason, version=p.version, actor=actor, on=day))
        self._open_patient(ask)

    @Slot()
    def deceased(self) -> None:
        def ask(p: Patient) -> None:
            day = ask_death(self.window, p)
            if day is not None:
                self._run(p, f"Recorded the death of {p.full_name}", lambda db, actor: lifecycle.record_death(
                    db, p.id or 0, died_on=day, version=p.version, actor=actor))
        self._open_patient(ask)

    @Slot()
    def archive(self) -> None:
        def ask(p: Patient) -> None:
            if ask_confirm(self.window, "Archive patient",
                           f"Archive {p.full_name} ({p.mrn})? They are kept with their whole history, hidden from "
                           "the patient list and found by search; their plan becomes read-only.", "Archive"):
                self._run(p, f"Archived {p.full_name}", lambda db, actor: lifecycle.archive(
                    db, p.id or 0, version=p.version, actor=actor))
        self._open_patient(ask)

    @Slot()
    def reinstate(self) -> None:
        def ask(p: Patient) -> None:
            if ask_confirm(self.window, "Reinstate patient",
                           f"Return {p.full_name} ({p.mrn}) to active care? Their plan can be changed again.",
                           "Reinstate"):
                self._run(p, f"Reinstated {p.full_name}", lambda db, actor: lifecycle.reinstate(
                    db, p.id or 0, version=p.version, actor=actor))
        self._open_patient(ask)

    def _run(self, p: Patient, done: str, change: Callable[..., Patient]) -> None:
        actor = self.window.named_actor()  # the audit log records who: asked first if not yet known
        if not actor:
            return
        db, pid = self.window.db, p.id or 0

        def write() -> Outcome[Patient]:
            return Outcome(change(db, actor), Changes.patient(pid))

        CollectionOp(self, write).success(lambda saved: self._done(saved, done)).failure(self._failed).named(
            "patient-lifecycle").run_in_background()

    def _done(self, saved: Patient, done: str) -> None:
        self.window.editor.patient_updated(saved)
        self.window.show_message(f"{done}.")
        self.update_actions()

    def _failed(self, error: BaseException) -> None:
        if not isinstance(error, CarePlanError):
            raise error
        dialog_kit.show_error(self.window, "The patient's status was not changed", str(error))

