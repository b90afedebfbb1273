"""Adding and editing patients through the real dialog, including the input people get wrong."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from careplan.domain.patient import Caregiver, Patient, TeamMember
from careplan.domain.team import Role
from careplan.services import patients as patient_service
from careplan.ui import patient_dialog
from careplan.ui.patient_dialog import PatientDialog

pytest.register_assert_rewrite("tests.ui_fixtures")  # before it is imported below
from tests.ui_fixtures import (  # noqa: E402 (after register_assert_rewrite)
    dialog_driver,
    fill_patient,
    settle,
    type_text,
)

pytest_plugins = ["tests.ui_fixtures"]  # the window factory and its fixtures

MARKUP = "Zoë <b>Bold</b> & Sons 🙂"
ARABIC = "مريم الحسن"


def test_first_patient_from_the_empty_window(qtbot, make_window, monkeypatch, ui_db):
    window = make_window()
    assert window.stack.currentWidget().objectName() == "emptyState"
    assert not window.actions["save"].isEnabled()
    assert not window.actions["history"].isEnabled()

    def fill(d):
        fill_patient(qtbot, d, name="Margaret Ellis", mrn="MRN-001", birth="1956-03-14",
                     caregivers=[("Tom Ellis", "Husband", "+44 7700 900123", "tom@example.org")],
                     team=[("Dr Asha Rao", Role.NEUROLOGIST, "020 7946 0001"),
                           ("Ben Okafor", Role.PHYSIOTHERAPIST, "020 7946 0002")])

    monkeypatch.setattr(patient_dialog, "edit_patient", dialog_driver(qtbot, fill))
    qtbot.mouseClick(window.findChild(QPushButton, "emptyNewPatient"), Qt.MouseButton.LeftButton)
    settle(qtbot)

    stored = patient_service.get_patient_by_mrn(ui_db, "MRN-001")
    assert stored.full_name == "Margaret Ellis"
    assert stored.date_of_birth == date(1956, 3, 14)
    assert stored.caregivers == [Caregiver("Tom Ellis", "Husband", "+44 7700 900123", "tom@example.org")]
    assert stored.care_team == [TeamMember("Dr Asha Rao", Role.NEUROLOGIST, "020 7946 0001"),
                                TeamMember("Ben Okafor", Role.PHYSIOTHERAPIST, "020 7946 0002")]
    # The new patient is open, listed and chosen; the welcome page is gone.
    assert window.stack.currentWidget().objectName() == "mainSplitter"
    assert window.editor.doc.patient_id == stored.id
    assert window.patients.current_patient_id() == stored.id
    assert window.windowTitle().startswith("CarePlan \u2014 Margaret Ellis")
    assert window.actions["save"].isEnabled()
    # Who helps offers the care team by name.
    combo = window.editor.form.responsible
    assert [combo.itemText(i) for i in range(combo.count())] == ["Dr Asha Rao (Neurologist)",
                                                                 "Ben Okafor (Physiotherapist)"]


def test_empty_dialog_explains_what_blocks_saving(qtbot, ui_db):
    d = PatientDialog(ui_db, "Nurse Test")
    qtbot.addWidget(d)
    d.show()
    assert not d.save_button.isEnabled()
    assert "full name" in d.blocked.text() and "MRN" in d.blocked.text()
    assert d.save_button.toolTip() == d.blocked.text()
    # Untouched fields are not shouted at; a touched one is.
    assert not d.errors["full_name"].isVisible()
    qtbot.keyClicks(d.name, "x")
    d.name.clear()
    qtbot.keyClicks(d.name, " ")
    assert d.errors["full_name"].isVisible()
    assert "full name" in d.errors["full_name"].text()


def test_future_birth_date_and_unreadable_dates_are_named(qtbot, ui_db):
    d = PatientDialog(ui_db, "Nurse Test")
    qtbot.addWidget(d)
    d.show()
    fill_patient(qtbot, d, name="A Person", mrn="M1", birth=(date.today() + timedelta(days=3)).isoformat())
    assert d.errors["date_of_birth"].isVisible()
    assert "future" in d.errors["date_of_birth"].text()
    assert not d.save_button.isEnabled()
    d.birth.edit.clear()
    qtbot.keyClicks(d.birth.edit, "31/02/1960")
    assert "YYYY-MM-DD" in d.errors["date_of_birth"].text()
    assert d.birth.text() == "31/02/1960"  # kept as typed, to be corrected
    d.birth.edit.clear()
    qtbot.keyClicks(d.birth.edit, "1960-02-31")
    assert "not a real date" in d.errors["date_of_birth"].text()
    d.birth.edit.clear()
    qtbot.keyClicks(d.birth.edit, "14 Mar 1956")
    assert not d.errors["date_of_birth"].isVisible()
    assert d.save_button.isEnabled()
    assert d.patient()[0].date_of_birth == date(1956, 3, 14)


def test_duplicate_mrn_is_caught_before_and_at_save(qtbot, ui_db, monkeypatch):
    patient_service.create_patient(ui_db, Patient(mrn="TAKEN-1", full_name="First"), actor="t")
    d = PatientDialog(ui_db, "Nurse Test")
    qtbot.addWidget(d)
    d.show()
    fill_patient(qtbot, d, name="Second Person", mrn="TAKEN-1")
    settle(qtbot)  # checked on the worker once typing pauses
    assert "already has the MRN" in d.errors["mrn"].text()
    assert not d.save_button.isEnabled()
    # A clash that appears only at save time (another computer) is shown the same way, nothing lost.
    d.mrn.clear()
    qtbot.keyClicks(d.mrn, "TAKEN-2")
    assert d.save_button.isEnabled()
    patient_service.create_patient(ui_db, Patient(mrn="TAKEN-2", full_name="Raced"), actor="t")
    qtbot.mouseClick(d.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert d.result_patient is None
    assert "already has the MRN" in d.errors["mrn"].text()
    assert d.name.text() == "Second Person" and d.mrn.text() == "TAKEN-2"


def test_text_is_stored_exactly_as_typed(qtbot, ui_db):
    notes = ("Line one <i>not italic</i> & more\n" + "x" * 10_000)[:10_000]
    d = PatientDialog(ui_db, "Nurse Test")
    qtbot.addWidget(d)
    d.show()
    fill_patient(qtbot, d, name=MARKUP, mrn="RTL-1",
                 caregivers=[(ARABIC, "ابنة", "", "")], team=[("Dr <Who>", Role.GP, "")])
    d.notes.setPlainText(notes)
    type_text(d.language, "العربية")
    qtbot.mouseClick(d.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    stored = patient_service.get_patient_by_mrn(ui_db, "RTL-1")
    assert stored.full_name == MARKUP
    assert stored.notes == notes and len(stored.notes) == 10_000
    assert stored.caregivers[0].name == ARABIC
    assert stored.care_team[0].name == "Dr <Who>"
    assert stored.preferred_language == "العربية"


def test_too_long_notes_and_bad_email_block_saving_with_reasons(qtbot, ui_db):
    d = PatientDialog(ui_db, "Nurse Test")
    qtbot.addWidget(d)
    d.show()
    fill_patient(qtbot, d, name="Long Notes", mrn="LN-1", caregivers=[("", "", "phone me", "not-an-email")])
    d.notes.setPlainText("y" * 25_000)
    assert "25,000" in d.errors["notes"].text()
    cg = d.caregivers.error.text()
    assert "no name" in cg and "not an email" in cg and "letters" in cg
    assert not d.save_button.isEnabled()
    assert "25,000" in d.save_button.toolTip()


def test_editing_a_patient_keeps_what_is_not_touched(qtbot, make_window, monkeypatch, ui_db):
    p = patient_service.create_patient(ui_db, Patient(
        mrn="ED-1", full_name="Old Name", caregivers=[Caregiver("Cara", "Daughter")],
        care_team=[TeamMember("Nurse Joy", Role.SPECIALIST_NURSE)]), actor="t")
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)

    def fill(d):
        d.name.clear()
        qtbot.keyClicks(d.name, "New Name")

    monkeypatch.setattr(patient_dialog, "edit_patient", dialog_driver(qtbot, fill))
    window.actions["edit_patient"].trigger()
    stored = patient_service.get_patient(ui_db, p.id)
    assert stored.full_name == "New Name"
    assert stored.caregivers == [Caregiver("Cara", "Daughter")]
    assert window.editor.heading.text() == "New Name"
    assert window.windowTitle().startswith("CarePlan \u2014 New Name")


def test_markup_in_a_name_is_shown_literally(qtbot, make_window, ui_db):
    p = patient_service.create_patient(ui_db, Patient(mrn="MK-1", full_name=MARKUP), actor="t")
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    heading = window.editor.heading
    assert heading.textFormat() == Qt.TextFormat.PlainText
    assert heading.text() == MARKUP
    row = window.patients.model.row_of(p.id)
    assert window.patients.model.index(row, 0).data() == MARKUP


@pytest.mark.parametrize("field", ["patientName", "patientMrn", "patientBirthDate", "patientNotes",
                                   "caregiversTable", "careTeamTable", "patientSave"])
def test_dialog_controls_have_names_for_screen_readers(qtbot, ui_db, field):
    from PySide6.QtWidgets import QWidget

    d = PatientDialog(ui_db, "Nurse Test")
    qtbot.addWidget(d)
    w = d.findChild(QWidget, field)
    assert w is not None and w.accessibleName()
