"""The worklist as the home screen: what it shows, how a row opens the patient, and going Home."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt

from careplan.domain.plan import PlanContent, PlanStatus
from careplan.services import changes, plans
from careplan.services.clock import today

pytest.register_assert_rewrite("tests.ui_fixtures")  # before it is imported below
from tests.ui_fixtures import core_codes, new_patient, pick, press, settle  # noqa: E402

pytest_plugins = ["tests.ui_fixtures"]  # the window factory and its fixtures


def plan_due_in(db, patient_id: int, days: int) -> None:
    start = today() - timedelta(days=200)
    content = PlanContent(status=PlanStatus.ACTIVE, start_date=start, next_review=today() + timedelta(days=days))
    plans.save_revision(db, patient_id, base_revision=0, content=content, author="Nurse Setup", reason="first")


def shown(window) -> list[tuple[str, str]]:
    model = window.worklist.model
    return [(model.index(r, 0).data(), model.index(r, 2).data()) for r in range(model.rowCount())]


@pytest.fixture
def clinic(ui_db):
    late = new_patient(ui_db, "P-LATE", "Lena Late")
    plan_due_in(ui_db, late.id, -9)
    soon = new_patient(ui_db, "P-SOON", "Sam Soon")
    plan_due_in(ui_db, soon.id, 3)
    fine = new_patient(ui_db, "P-FINE", "Fran Fine")
    plan_due_in(ui_db, fine.id, 90)
    waiting = new_patient(ui_db, "P-NEW", "Nia New")
    return {"late": late.id, "soon": soon.id, "fine": fine.id, "waiting": waiting.id}


def test_home_lists_what_needs_doing_and_enter_opens_the_patient(qtbot, make_window, clinic):
    window = make_window()
    assert window.right.currentWidget() is window.worklist
    assert shown(window) == [("Lena Late", "Review overdue by 9 days"), ("Nia New", "No plan yet"),
                             ("Sam Soon", "Review due in 3 days")]
    assert window.worklist.summary.text().startswith("3 to do: 1 review overdue, 1 patient with no plan, 1 review due soon.")
    table = window.worklist.table
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Down)  # arrow keys move, and open nothing
    qtbot.keyClick(table, Qt.Key.Key_Down)
    settle(qtbot)
    assert window.editor.doc.patient is None
    qtbot.keyClick(table, Qt.Key.Key_Return)
    settle(qtbot)
    assert window.editor.doc.patient_id == clinic["soon"]
    assert window.right.currentWidget() is window.editor
    assert window.patients.current_patient_id() == clinic["soon"]  # the list follows, as when chosen there


def test_double_click_opens_the_patient(qtbot, make_window, clinic):
    window = make_window()
    table = window.worklist.table
    at = table.visualRect(window.worklist.model.index(1, 2)).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=at)
    settle(qtbot)
    assert window.editor.doc.patient is None  # one click chooses the row, no more
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=at)
    settle(qtbot)
    assert window.editor.doc.patient_id == clinic["waiting"]


def test_home_asks_about_unsaved_edits_then_shows_the_worklist(qtbot, make_window, clinic, answers):
    window = make_window()
    window.open_patient(clinic["waiting"])
    settle(qtbot)
    pick(qtbot, window, core_codes(window)[0])
    assert window.editor.doc.modified
    answers.save_changes = "cancel"
    press(qtbot, window, Qt.Key.Key_Home, Qt.KeyboardModifier.AltModifier)
    settle(qtbot)
    assert answers.asked == ["save changes"]
    assert window.editor.doc.patient_id == clinic["waiting"]  # Cancel: still there, edits kept
    assert window.editor.doc.modified
    answers.save_changes = "discard"
    window.actions["home"].trigger()
    settle(qtbot)
    assert window.editor.doc.patient is None
    assert window.right.currentWidget() is window.worklist
    assert window.worklist.table.hasFocus()  # ready for the arrow keys and Enter
    assert window.worklist.table.currentIndex().row() == 0
    assert ("Nia New", "No plan yet") in shown(window)  # the discarded edits left no draft behind


def test_a_draft_left_open_is_listed_with_its_author(qtbot, make_window, clinic, answers):
    window = make_window()
    window.open_patient(clinic["fine"])
    settle(qtbot)
    pick(qtbot, window, core_codes(window)[0])
    window.editor.saver.flush()  # the autosave writes the draft now, as it would after a few seconds
    settle(qtbot)
    window.editor.close_patient()  # as a crash would leave it: the draft stays
    window._update()
    settle(qtbot)
    drafts = [(n, r) for n, r in shown(window) if r.startswith("Unsaved draft")]
    assert drafts == [("Fran Fine", "Unsaved draft by Nurse Test")]  # the Date column says since when
    assert shown(window)[1] == drafts[0]  # after the overdue review, before the patient with no plan


def test_the_worklist_follows_saves(qtbot, make_window, clinic, ui_db):
    window = make_window()
    assert ("Nia New", "No plan yet") in shown(window)
    content = PlanContent(status=PlanStatus.ACTIVE, start_date=today(), next_review=today() + timedelta(days=60))
    from careplan.ui.operations import CollectionOp

    CollectionOp(window, lambda: changes.save_plan(ui_db, clinic["waiting"], base_revision=0, content=content,
                                                   author="Nurse Test", reason="first plan")).run_in_background()
    settle(qtbot)
    assert [name for name, _ in shown(window)] == ["Lena Late", "Sam Soon"]


def test_nothing_to_do_says_so_in_a_sentence(qtbot, make_window, ui_db):
    fine = new_patient(ui_db, "P-FINE", "Fran Fine")
    plan_due_in(ui_db, fine.id, 90)
    window = make_window()
    assert window.worklist.pages.currentWidget() is window.worklist.empty
    assert window.worklist.empty.isVisible()
    assert window.worklist.empty.text().startswith("Nothing needs you today")
