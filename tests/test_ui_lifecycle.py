"""Patient > Discharge…, Record death…, Archive, Reinstate, and the read-only banner, driven with qtbot."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDialogButtonBox

from careplan.domain.lifecycle import DischargeReason
from careplan.domain.patient import PatientStatus
from careplan.services import audit, lifecycle, plans
from careplan.services import patients as patient_service
from careplan.ui import lifecycle as lifecycle_ui

pytest.register_assert_rewrite("tests.ui_fixtures")  # before it is imported below
from tests.history_builders import make_patient, save_history  # noqa: E402
from tests.ui_fixtures import core_codes, pick, settle  # noqa: E402

pytest_plugins = ["tests.ui_fixtures"]


def _open(qtbot, window, pid: int) -> None:  # type: ignore[no-untyped-def]
    window.open_patient(pid)
    settle(qtbot)
    assert window.editor.doc.patient_id == pid


def _drive_discharge(qtbot, reason: DischargeReason, day: date):  # type: ignore[no-untyped-def]
    """A stand-in for ask_discharge that uses the real dialog like a user, without exec()."""
    def ask(parent, patient):  # type: ignore[no-untyped-def]
        dialog = lifecycle_ui.DischargeDialog(parent, patient)
        qtbot.addWidget(dialog)
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert not ok.isEnabled()  # no reason chosen yet
        dialog.findChild(type(dialog.reasons.button(0)), f"dischargeReason_{reason.value}").click()
        dialog.day.setDate(QDate(day))
        assert ok.isEnabled(), dialog.problem.text()
        return dialog.reason(), dialog.chosen_day()
    return ask


def test_discharge_makes_the_plan_read_only_and_reinstate_from_the_banner_undoes_it(qtbot, make_window, ui_db,
                                                                                    monkeypatch, answers):
    p = make_patient(ui_db, "UI-1")
    save_history(ui_db, p.id or 0, 2)
    window = make_window()
    _open(qtbot, window, p.id or 0)
    editor = window.editor
    banner = editor.findChild(lifecycle_ui.ReadOnlyBanner)
    assert banner is not None and not banner.isVisible()
    window.lifecycle.update_actions()
    assert window.lifecycle.actions["discharge"].isEnabled() and not window.lifecycle.actions["reinstate"].isEnabled()

    monkeypatch.setattr(lifecycle_ui, "ask_discharge", _drive_discharge(qtbot, DischargeReason.MOVED, date(2026, 11, 2)))
    window.lifecycle.actions["discharge"].trigger()
    settle(qtbot)

    assert patient_service.get_patient(ui_db, p.id or 0).status is PatientStatus.DISCHARGED
    assert banner.isVisible()
    assert banner.text.text() == ("Discharged on 2026-11-02 (moved away): the plan is read-only. "
                                  "Reinstate to change it.")
    assert not editor.picker.isEnabled() and not editor.fields.isEnabled() and not editor.form.isEnabled()
    assert not editor.save_button.isEnabled() and not editor.remove_action.isEnabled()
    assert editor.save_button.toolTip().startswith("Discharged on 2026-11-02")
    assert editor.items.isEnabled()  # the plan can still be read
    # Ctrl+S does not get past the editor, and nothing was written.
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot)
    assert len(plans.history(ui_db, p.id or 0)) == 2
    # The list says it in words where the review date was.
    row = window.patients.model.row_of(p.id or 0)
    assert window.patients.model.index(row, 3).data() == "Discharged"
    assert [e.action for e in audit.list_events(ui_db, mrn="UI-1")][0] == "patient.discharged"

    monkeypatch.setattr(lifecycle_ui, "ask_confirm", lambda parent, title, question, yes: yes == "Reinstate")
    qtbot.mouseClick(banner.reinstate, Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert patient_service.get_patient(ui_db, p.id or 0).status is PatientStatus.ACTIVE
    assert not banner.isVisible()
    assert editor.picker.isEnabled() and editor.fields.isEnabled() and editor.form.isEnabled()
    assert editor.read_only_reason is None


def test_a_deceased_patient_opens_read_only(qtbot, make_window, ui_db):
    p = make_patient(ui_db, "UI-2")
    save_history(ui_db, p.id or 0, 1)
    lifecycle.record_death(ui_db, p.id or 0, died_on=date(2026, 6, 7), version=p.version, actor="a")
    window = make_window()
    _open(qtbot, window, p.id or 0)
    banner = window.editor.findChild(lifecycle_ui.ReadOnlyBanner)
    assert banner.isVisible() and banner.text.text().startswith("Died on 2026-06-07: the plan is read-only.")
    assert not window.editor.picker.isEnabled()
    window.lifecycle.update_actions()
    actions = window.lifecycle.actions
    assert [k for k, a in actions.items() if a.isEnabled()] == ["archive", "reinstate"]


def test_death_dialog_refuses_a_date_before_birth_or_in_the_future(qtbot, ui_db):
    p = make_patient(ui_db, "UI-3")  # born 1960-05-01
    dialog = lifecycle_ui.DeathDialog(None, p)
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.isEnabled()  # today
    dialog.day.setDate(QDate(1960, 4, 30))
    assert not ok.isEnabled()
    assert dialog.problem.text() == "The date of death 1960-04-30 is before the date of birth 1960-05-01."
    dialog.day.setDate(QDate(date.today() + timedelta(days=1)))
    assert not ok.isEnabled() and "is in the future" in dialog.problem.text()
    dialog.day.setDate(QDate(1960, 5, 1))
    assert ok.isEnabled() and not dialog.problem.isVisible()


def test_record_death_then_archive_hides_from_the_list_until_searched_or_shown(qtbot, make_window, ui_db,
                                                                             monkeypatch, answers):
    keep = make_patient(ui_db, "UI-4", name="Anna Active")
    p = make_patient(ui_db, "UI-5", name="Żółć Müller")
    window = make_window()
    _open(qtbot, window, p.id or 0)
    monkeypatch.setattr(lifecycle_ui, "ask_death", lambda parent, patient: date(2026, 1, 9))
    window.lifecycle.actions["deceased"].trigger()
    settle(qtbot)
    monkeypatch.setattr(lifecycle_ui, "ask_confirm", lambda parent, title, question, yes: yes == "Archive")
    window.lifecycle.actions["archive"].trigger()
    settle(qtbot)
    assert patient_service.get_patient(ui_db, p.id or 0).status is PatientStatus.ARCHIVED
    listed = window.patients.model
    assert [listed.summary(r).id for r in range(listed.rowCount())] == [keep.id]
    window.patients.search.setText("zolc muller")  # accents and case ignored
    settle(qtbot)
    assert [listed.summary(r).id for r in range(listed.rowCount())] == [p.id]
    assert listed.index(0, 3).data() == "Archived"
    window.patients.search.clear()
    window.patients.show_archived.setChecked(True)
    settle(qtbot)
    assert {listed.summary(r).id for r in range(listed.rowCount())} == {keep.id, p.id}
    assert not answers.errors


def test_a_refused_change_says_why(qtbot, make_window, ui_db, monkeypatch, answers):
    p = make_patient(ui_db, "UI-6")
    window = make_window()
    _open(qtbot, window, p.id or 0)
    # Someone else discharges the patient first: this window's version is stale.
    lifecycle.discharge(ui_db, p.id or 0, reason=DischargeReason.DECLINED, version=p.version, actor="other")
    monkeypatch.setattr(lifecycle_ui, "ask_death", lambda parent, patient: date(2026, 1, 9))
    window.lifecycle.actions["deceased"].trigger()
    settle(qtbot)
    assert answers.errors and "changed by someone else" in answers.errors[0]
    assert patient_service.get_patient(ui_db, p.id or 0).status is PatientStatus.DISCHARGED


def test_the_audit_log_says_lifecycle_events_in_plain_words(ui_db):
    from careplan.ui.audit_text import summarise

    p = make_patient(ui_db, "UI-7")
    lifecycle.discharge(ui_db, p.id or 0, reason=DischargeReason.TRANSFERRED, version=p.version, actor="a",
                        on=date(2026, 2, 3))
    event = audit.list_events(ui_db, mrn="UI-7")[0]
    assert (event.label, summarise(event)) == (
        "Patient discharged", "Was active. Reason: transferred to another clinic. Date: 2026-02-03.")


def test_unsaved_edits_are_saved_first_when_asked_then_the_patient_is_discharged(qtbot, make_window, ui_db,
                                                                                 monkeypatch, answers):
    p = make_patient(ui_db, "UI-8")
    save_history(ui_db, p.id or 0, 1)
    window = make_window()
    _open(qtbot, window, p.id or 0)
    pick(qtbot, window, core_codes(window)[-1])
    assert window.editor.doc.modified
    answers.save_changes, answers.reason = "save", "Last review before the move"
    monkeypatch.setattr(lifecycle_ui, "ask_discharge", lambda parent, patient: (DischargeReason.MOVED, date.today()))
    window.lifecycle.actions["discharge"].trigger()
    settle(qtbot)
    assert answers.asked == ["save changes", "reason 2"]
    assert [r.reason for r in plans.history(ui_db, p.id or 0)][-1] == "Last review before the move"
    assert patient_service.get_patient(ui_db, p.id or 0).status is PatientStatus.DISCHARGED
    assert not window.editor.doc.modified and window.editor.read_only_reason is not None
