"""Tools > Clinic details…: the clinic's name, phone, out-of-hours number and address, printed on
page 1 of every caregiver printout. The same settings as `careplan settings`, checked by the same
service, read and saved through the operation layer."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QMainWindow,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from careplan.domain.clinic import CLINIC_FIELD_MAX, CLINIC_FIELDS, ClinicSettings
from careplan.persistence.engine import Database
from careplan.services import changes
from careplan.services.clinic_settings import load_clinic_settings
from careplan.ui.dialog_kit import error_label, plain_label, set_error
from careplan.ui.operations import CollectionOp, QueryOp

# (field, label, object name, hint shown in the empty field)
_FIELDS = (
    ("name", "Clinic &name", "clinicName", "e.g. Northfield ALS/MND clinic"),
    ("phone", "&Phone", "clinicPhone", "the number carers call in working hours"),
    ("out_of_hours", "&Out of hours", "clinicOutOfHours", "nights and weekends"),
    ("address", "&Address", "clinicAddress", "printed on one line, e.g. 1 Hospital Road, Northfield"),
)
assert tuple(f for f, *_ in _FIELDS) == CLINIC_FIELDS


class ClinicDialog(QDialog):
    """Loads the saved details when opened; Save writes them all at once, or says which field is wrong."""

    def __init__(self, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.setObjectName("clinicDialog")
        self.setWindowTitle("Clinic details")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label("Printed on page 1 of every caregiver printout, for every patient. "
                                     "Leave a field empty to leave it off the printout.", "clinicIntro"))
        form = QFormLayout()
        self.edits: dict[str, QLineEdit] = {}
        for field, label, name, hint in _FIELDS:
            edit = QLineEdit()
            edit.setObjectName(name)
            edit.setAccessibleName(label.replace("&", ""))
            edit.setPlaceholderText(hint)
            edit.setMaxLength(CLINIC_FIELD_MAX + 50)  # the service names a text that is too long
            edit.setEnabled(False)  # until the saved details have been read
            form.addRow(label, edit)
            self.edits[field] = edit
        layout.addLayout(form)
        self.problem = error_label("clinicProblem")
        layout.addWidget(self.problem)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.setObjectName("clinicButtons")
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setEnabled(False)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.saved: ClinicSettings | None = None
        QueryOp(self, lambda: load_clinic_settings(db)).named("Read the clinic details").success(self._loaded) \
            .failure(self._failed).run_in_background()

    def _loaded(self, settings: ClinicSettings) -> None:
        for field, edit in self.edits.items():
            edit.setText(getattr(settings, field))
            edit.setEnabled(True)
        self.save_button.setEnabled(True)
        self.edits["name"].setFocus()

    def _failed(self, error: BaseException) -> None:
        set_error(self.problem, str(error))  # the service's message names the field and the fix
        self.save_button.setEnabled(True)

    def values(self) -> dict[str, str]:
        return {field: edit.text() for field, edit in self.edits.items()}

    @Slot()
    def save(self) -> None:
        set_error(self.problem, None)
        self.save_button.setEnabled(False)
        values = self.values()
        CollectionOp(self, lambda: changes.save_clinic_details(self.db, **values)).named("Save the clinic details") \
            .success(self._saved).failure(self._failed).run_in_background()

    def _saved(self, settings: ClinicSettings) -> None:
        self.saved = settings
        self.accept()


def add_clinic_action(window: QMainWindow, tools_menu: QMenu, db: Database) -> dict[str, QAction]:
    action = QAction("C&linic details\u2026", window)
    action.setObjectName("actionClinicDetails")
    tip = "The clinic's name and numbers printed on page 1 of every caregiver printout"
    action.setStatusTip(tip)
    action.setToolTip(tip)
    action.triggered.connect(lambda: open_clinic_dialog(window, db))
    tools_menu.addAction(action)
    return {"clinic_details": action}


def open_clinic_dialog(parent: QWidget, db: Database) -> ClinicDialog:
    """Opened window-modal and returned at once: tests drive it, the user fills it in."""
    dialog = ClinicDialog(db, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setModal(True)
    dialog.show()
    return dialog
