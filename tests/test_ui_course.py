"""The Assessments panel through its real widgets: typing a whole ALSFRS-R as 12 digits, per-field
errors that save nothing, corrections that supersede, and the plan header following."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from careplan.domain.course import Assessment, parse_alsfrs
from careplan.services import course as course_service
from careplan.services.course_view import chart_specs
from careplan.services.patients import update_patient
from careplan.ui.assessments_window import AssessmentsWindow

pytest.register_assert_rewrite("tests.ui_fixtures")  # before it is imported below
from tests.ui_fixtures import new_patient, press, settle  # noqa: E402

pytest_plugins = ["tests.ui_fixtures"]

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def open_window(qtbot, db, pid):
    w = AssessmentsWindow(db, pid, "Nurse Test")
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    settle(qtbot)
    return w


def patient_with_facts(db):
    p = new_patient(db)
    return update_patient(db, replace(p, onset_date=date(2025, 1, 1), usual_weight_kg=70.0, height_cm=175.0),
                          actor="setup")


def save(qtbot, w):
    with qtbot.waitSignal(w.saved, timeout=5000) as blocker:
        qtbot.mouseClick(w.form.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    return blocker.args[0]


def test_twelve_digits_then_tab_fill_the_form_and_save(qtbot, ui_db):
    p = patient_with_facts(ui_db)
    w = open_window(qtbot, ui_db, p.id)
    form = w.form.form
    form.date.setText("2026-01-01")
    form.scores[0].setFocus()
    qtbot.keyClicks(form.scores[0], "4")
    for n, digit in enumerate("44444434444", start=1):  # each digit moves on to the next item by itself
        assert QApplication.focusWidget() is form.scores[n]
        qtbot.keyClicks(form.scores[n], digit)
    assert QApplication.focusWidget() is form.numbers["fvc_pct"]
    qtbot.keyClicks(form.numbers["fvc_pct"], "82")
    qtbot.keyClick(form.numbers["fvc_pct"], Qt.Key.Key_Tab)
    qtbot.keyClicks(form.numbers["weight_kg"], "63")
    save(qtbot, w)
    [entry] = course_service.get_course(ui_db, p.id).entries
    assert entry.assessment.alsfrs.as_text() == "4,4,4,4,4a,4,4,3,4,4,4,4"
    assert (entry.assessment.fvc_pct, entry.assessment.weight_kg, entry.assessment.author) == (82, 63, "Nurse Test")
    cells = [w.model.index(0, c).data() for c in range(w.model.columnCount())]
    assert cells[:6] == ["2026-01-01", "Nurse Test", "47", "1", "0", "0.08"]
    assert "King's 1 (estimated)" in w.summary.text()
    assert "\u0394FS = (48 - 47)" in w.model.index(0, 5).data(Qt.ItemDataRole.ToolTipRole)
    assert all(not e.text() for e in form.scores), "the form is cleared for the next assessment"


@pytest.mark.parametrize(("field", "typed", "message"), [
    ("fvc_pct", "300", "FVC (% predicted) is 300"),
    ("fvc_pct", "0", "FVC (% predicted) is 0"),
    ("weight_kg", "-5", "The weight (kg) is -5"),
    ("weight_kg", "abc", "The weight (kg) is 'abc'"),
    ("snip_cmh2o", "<b>", "SNIP (cmH2O) is '<b>'"),
])
def test_a_bad_number_is_named_under_its_field_and_nothing_is_saved(qtbot, ui_db, field, typed, message):
    p = patient_with_facts(ui_db)
    w = open_window(qtbot, ui_db, p.id)
    edit = w.form.form.numbers[field]
    edit.setFocus()
    qtbot.keyClicks(edit, typed)
    qtbot.keyClick(edit, Qt.Key.Key_Tab)
    error = w.form.form.errors[field]
    assert error.isVisible() and message in error.text()
    qtbot.mouseClick(w.form.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert course_service.history(ui_db, p.id) == []
    assert QApplication.focusWidget() is edit


def test_partial_alsfrs_future_date_and_empty_form_are_refused(qtbot, ui_db):
    p = patient_with_facts(ui_db)
    w = open_window(qtbot, ui_db, p.id)
    form = w.form.form
    qtbot.mouseClick(w.form.save_button, Qt.MouseButton.LeftButton)
    assert "Nothing was entered" in form.problem.text()
    qtbot.keyClicks(form.scores[0], "3")
    form.date.setText("2999-01-01")
    qtbot.mouseClick(w.form.save_button, Qt.MouseButton.LeftButton)
    assert "items 2, 3" in form.errors["alsfrs"].text() and "is not a date" not in form.errors["date"].text()
    for e in form.scores[1:]:
        e.setText("4")
    qtbot.mouseClick(w.form.save_button, Qt.MouseButton.LeftButton)
    assert "in the future" in form.errors["date"].text()
    settle(qtbot)
    assert course_service.history(ui_db, p.id) == []


def test_a_correction_supersedes_and_the_table_shows_only_the_new_entry(qtbot, ui_db):
    p = patient_with_facts(ui_db)
    first = course_service.add_assessment(ui_db, p.id, Assessment(
        date(2026, 2, 1), "Nurse A", alsfrs=parse_alsfrs("4,4,4,4,4a,4,4,3,4,4,4,4"), fvc_pct=70))
    w = open_window(qtbot, ui_db, p.id)
    w.tabs.setCurrentIndex(1)
    w.table.selectRow(0)
    qtbot.mouseClick(w.correct_button, Qt.MouseButton.LeftButton)
    form = w.form.form
    assert form.supersedes == first.id and form.numbers["fvc_pct"].text() == "70"
    assert "Correcting the assessment of 2026-02-01 by Nurse A" in form.heading.text()
    form.numbers["fvc_pct"].setText("72")
    form.reason.setText("Misread the spirometer")
    save(qtbot, w)
    assert w.model.rowCount() == 1 and w.model.index(0, 10).data() == "72"
    old, new = course_service.history(ui_db, p.id)
    assert (old.fvc_pct, new.fvc_pct, new.supersedes, new.reason) == (70, 72, first.id, "Misread the spirometer")


def test_charts_mark_the_stage_and_the_thresholds(qtbot, ui_db):
    p = patient_with_facts(ui_db)
    for day, scores, fvc in ((date(2026, 1, 1), "4,4,4,4,4a,4,4,3,4,4,4,4", 90),
                             (date(2026, 4, 1), "3,4,4,3,4a,4,4,3,4,4,4,4", 70),
                             (date(2026, 7, 1), "3,4,3,3,3b,4,4,2,4,4,4,4", 45)):
        course_service.add_assessment(ui_db, p.id, Assessment(day, "N", alsfrs=parse_alsfrs(scores), fvc_pct=fvc,
                                                              weight_kg=66.0))
    total, domains, fvc_chart, weight = chart_specs(course_service.get_course(ui_db, p.id))
    assert total.marks == [(date(2026, 1, 1), "K1"), (date(2026, 4, 1), "K3"), (date(2026, 7, 1), "K4A")]
    assert [s.name for s in domains.series] == ["Bulbar", "Fine", "Gross", "Resp."]
    assert fvc_chart.guides[0][0] == 50 and weight.guides[0] == (70.0, "usual 70 kg")
    w = open_window(qtbot, ui_db, p.id)
    assert w.charts[2].accessibleDescription() == "FVC 45 on 2026-07-01"
    assert not w.charts[0].grab().isNull()


def test_main_window_shortcut_opens_it_and_the_header_follows(qtbot, make_window, ui_db):
    p = patient_with_facts(ui_db)
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    line = window.editor.header.course
    assert "No assessments recorded yet" in line.text()
    press(qtbot, window, Qt.Key.Key_A, CTRL_SHIFT)
    settle(qtbot)
    dialog = window.findChild(AssessmentsWindow)
    assert dialog is not None and dialog.isVisible()
    form = dialog.form.form
    for e, digit in zip(form.scores, "333444434444", strict=True):
        e.setText(digit)
    save(qtbot, dialog)
    assert line.text().startswith("King's 2 (estimated) \u00b7 MiToS 0 \u00b7 \u0394FS")
    assert "ALSFRS-R 44/48" in line.text() and "(today)" in line.text()


def test_patient_dialog_records_onset_usual_weight_and_height(qtbot, ui_db):
    from tests.test_ui_dialog_input import open_dialog
    from tests.ui_fixtures import type_text

    p = new_patient(ui_db)
    d = open_dialog(qtbot, ui_db, p)
    d.height.setFocus()
    type_text(d.height, "400")
    d.usual_weight.setFocus()
    type_text(d.usual_weight, "seventy")
    settle(qtbot)
    qtbot.mouseClick(d.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert d.isVisible(), "nothing is saved while a field is wrong"
    assert "The height (cm) is 400" in d.errors["height_cm"].text()
    assert "'seventy'" in d.errors["usual_weight_kg"].text()
    d.height.clear()
    d.usual_weight.clear()
    d.height.setFocus()
    type_text(d.height, "172")
    d.usual_weight.setFocus()
    type_text(d.usual_weight, "68.5")
    d.onset_date.edit.setFocus()
    type_text(d.onset_date.edit, "2025-03-01")
    qtbot.mouseClick(d.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    saved = d.result_patient
    assert (saved.onset_date, saved.usual_weight_kg, saved.height_cm) == (date(2025, 3, 1), 68.5, 172.0)
    # Opening and saving again keeps them (the dialog once knew nothing of these fields).
    d2 = open_dialog(qtbot, ui_db, saved)
    assert (d2.onset_date.text(), d2.usual_weight.text(), d2.height.text()) == ("2025-03-01", "68.5", "172")
