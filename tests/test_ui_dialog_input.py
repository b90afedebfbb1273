"""Keyboard, wheel and Escape in the forms (issue 12, bugs 2-4), replayed with real key and wheel events.

2. Tab in the care-team table walks its cells; it never lands on the patient's name, and Enter in a
   cell commits the cell instead of saving the dialog.
3. The wheel over a form scrolls the pane; a drop-down only takes the wheel once it has focus.
4. Escape, Cancel or the window's X with typed changes asks before throwing them away.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QMessageBox,
    QScrollArea,
    QWidget,
)

from careplan.domain.patient import TeamMember
from careplan.domain.team import Role
from careplan.services import patients as patient_service
from careplan.ui import prompts
from careplan.ui.catalogue_form import CatalogueItemForm
from careplan.ui.patient_dialog import PatientDialog

pytest.register_assert_rewrite("tests.ui_fixtures")  # before it is imported below
from tests.ui_fixtures import (  # noqa: E402 (after register_assert_rewrite)
    core_codes,
    new_patient,
    pick,
    settle,
    type_text,
)

pytest_plugins = ["tests.ui_fixtures"]  # the window factory and its fixtures

REAL_DISCARD_QUESTION = getattr(prompts, "ask_discard_patient_changes", None)  # before any fixture replaces it


def key(qtbot, k, modifiers=Qt.KeyboardModifier.NoModifier) -> QWidget:
    """Press a key where the keyboard focus is, as a user would; returns the widget focused after."""
    target = QApplication.focusWidget()
    assert target is not None, "nothing has keyboard focus"
    QTest.keyClick(target, k, modifiers)
    return QApplication.focusWidget()


def open_dialog(qtbot, ui_db, patient=None) -> PatientDialog:
    d = PatientDialog(ui_db, "Nurse Test", patient)
    qtbot.addWidget(d)
    with qtbot.waitActive(d):  # keyboard focus only exists in the active window
        d.show()
        d.activateWindow()
    settle(qtbot)
    return d


def editing_cell(d: PatientDialog) -> tuple[int, int]:
    """The team table cell whose editor has the keyboard focus, or (-1, -1)."""
    focus = QApplication.focusWidget()
    table = d.team.table
    if focus is None or not table.isAncestorOf(focus) or focus is table:
        return -1, -1
    return table.currentRow(), table.currentColumn()


# --- bug 2: Tab and Enter in the care-team table --------------------------------------------------

def test_tab_through_a_new_team_member_never_reaches_the_patient_name(qtbot, ui_db):
    p = new_patient(ui_db)  # two team members already
    d = open_dialog(qtbot, ui_db, p)
    qtbot.mouseClick(d.team.add_button, Qt.MouseButton.LeftButton)
    assert editing_cell(d) == (2, 0)
    QTest.keyClicks(QApplication.focusWidget(), "Sam Speech")

    focus = key(qtbot, Qt.Key.Key_Tab)
    assert focus is d.team.role_combo(2), f"Tab from the name went to {focus.objectName()!r}"
    before = d.team.role_combo(2).currentIndex()
    key(qtbot, Qt.Key.Key_Down)  # choose the next role with the keyboard
    chosen = Role(d.team.role_combo(2).currentData())
    assert d.team.role_combo(2).currentIndex() == before + 1

    focus = key(qtbot, Qt.Key.Key_Tab)
    assert focus is not d.name, "Tab from Role jumped to the patient's Full name"
    assert editing_cell(d) == (2, 2), f"Tab from Role went to {focus.objectName()!r}"
    assert isinstance(focus, QLineEdit)
    QTest.keyClicks(focus, "020 7946 0199")

    key(qtbot, Qt.Key.Key_Return)  # commits the cell (queued by Qt's delegate)...
    qtbot.waitUntil(lambda: d.team.people()[2] == TeamMember("Sam Speech", chosen, "020 7946 0199"))
    settle(qtbot)
    assert d.isVisible() and d.result_patient is None, "Enter in a cell saved the whole dialog"
    assert d.name.text() == "Alice Example"
    # ...and nothing was saved behind the coordinator's back.
    assert patient_service.get_patient_by_mrn(ui_db, p.mrn).care_team == p.care_team

    # Tab after the last cell leaves the table for the next control, not the patient's name.
    d.team.table.setCurrentCell(2, 2)
    d.team.table.setFocus()
    QTest.keyClick(d.team.table, Qt.Key.Key_F2)
    assert editing_cell(d) == (2, 2)
    focus = key(qtbot, Qt.Key.Key_Tab)
    assert focus is d.team.add_button, f"Tab after the last cell went to {focus.objectName()!r}"


def test_tab_and_shift_tab_walk_every_cell_row_by_row(qtbot, ui_db):
    p = new_patient(ui_db)
    d = open_dialog(qtbot, ui_db, p)
    table = d.team.table
    table.setCurrentCell(0, 0)
    table.setFocus()
    QTest.keyClick(table, Qt.Key.Key_F2)
    seen = [editing_cell(d)]
    for _ in range(5):
        key(qtbot, Qt.Key.Key_Tab)
        seen.append(editing_cell(d))
    assert seen == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]
    back = []
    for _ in range(5):
        key(qtbot, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
        back.append(editing_cell(d))
    assert back == [(1, 1), (1, 0), (0, 2), (0, 1), (0, 0)]
    assert d.name.text() == "Alice Example" and d.isVisible()
    # Passing through cells changes nothing.
    assert d.team.people() == p.care_team


def test_enter_in_a_caregiver_cell_commits_the_cell_not_the_dialog(qtbot, ui_db):
    p = new_patient(ui_db)
    d = open_dialog(qtbot, ui_db, p)
    table = d.caregivers.table
    table.setCurrentCell(0, 1)
    table.setFocus()
    QTest.keyClick(table, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit) and table.isAncestorOf(editor)
    editor.selectAll()
    QTest.keyClicks(editor, "Partner")
    key(qtbot, Qt.Key.Key_Enter)
    qtbot.waitUntil(lambda: d.caregivers.people()[0].relationship == "Partner")
    settle(qtbot)
    assert d.isVisible() and d.result_patient is None


# --- bug 3: the wheel ----------------------------------------------------------------------------

def wheel(widget: QWidget, down: bool = True) -> None:
    """One notch of a real mouse wheel over the middle of `widget`."""
    at = QPointF(widget.rect().center())
    event = QWheelEvent(at, QPointF(widget.mapToGlobal(at.toPoint())), QPoint(), QPoint(0, -120 if down else 120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_wheel_over_item_details_scrolls_the_pane_not_how_often(qtbot, make_window, ui_db):
    window = make_window()
    window.open_patient(new_patient(ui_db).id)
    settle(qtbot)
    pick(qtbot, window, core_codes(window)[0], "enter")
    settle(qtbot)
    form = window.editor.form
    form.frequency.setCurrentText("When needed")  # as the user found it
    uid = form.uid
    scroll = window.findChild(QScrollArea, "planItemFormScroll")
    window.editor.detail_splitter.setSizes([10_000, form.fontMetrics().height() * 8])  # a short pane
    qtbot.waitUntil(lambda: scroll.verticalScrollBar().maximum() > 0)
    bar = scroll.verticalScrollBar()
    bar.setValue(0)
    window.editor.items.setFocus()  # the pointer is over the details, the focus is elsewhere

    for combo in (form.frequency, form.status, form.responsible):
        shown = combo.currentText()
        wheel(combo)
        assert combo.currentText() == shown, f"the wheel changed {combo.objectName()}"
    assert window.editor.doc.item(uid).frequency == "When needed"
    assert bar.value() > 0, "the wheel over a drop-down did not scroll the details"

    # Once the user is in the drop-down (it has focus), the wheel chooses, as people expect.
    form.status.setFocus()
    qtbot.waitUntil(form.status.hasFocus)
    shown = form.status.currentText()
    wheel(form.status)
    assert form.status.currentText() != shown


def wheel_grabbers(root: QWidget) -> list[QWidget]:
    """What a wheel would change; the calendars' own year boxes live in closed pop-ups."""
    return [w for w in root.findChildren(QWidget) if isinstance(w, (QComboBox, QAbstractSpinBox)) and w.isVisible()]


def shown_value(widget: QWidget) -> str:
    return widget.currentText() if isinstance(widget, QComboBox) else widget.text()


def test_no_drop_down_in_any_form_takes_the_wheel_without_focus(qtbot, make_window, ui_db):
    window = make_window()
    window.open_patient(new_patient(ui_db).id)
    settle(qtbot)
    pick(qtbot, window, core_codes(window)[0], "enter")
    settle(qtbot)
    dialog = PatientDialog(ui_db, "Nurse Test", patient_service.get_patient_by_mrn(ui_db, "P-1"))
    qtbot.addWidget(dialog)
    dialog.show()
    catalogue = QScrollArea()
    catalogue.setWidgetResizable(True)
    catalogue.setWidget(CatalogueItemForm())
    qtbot.addWidget(catalogue)
    catalogue.show()
    QApplication.focusWidget() and QApplication.focusWidget().clearFocus()

    forms = (window.editor.form, window.editor.fields, dialog, catalogue.widget())
    checked = []
    for form in forms:
        for widget in wheel_grabbers(form):
            if widget.hasFocus() or not widget.isEnabled():
                continue
            for down in (True, False):
                shown = shown_value(widget)
                wheel(widget, down)
                assert shown_value(widget) == shown, f"the wheel changed {widget.objectName()} without focus"
            # Nor may the wheel give it the focus (and so the next notch).
            assert widget.focusPolicy() != Qt.FocusPolicy.WheelFocus, widget.objectName()
            checked.append(widget.objectName())
    assert {"itemFrequency", "itemStatus", "planStatus", "patientOnsetSite", "teamRole0",
            "catalogue_frequency", "catalogue_role", "catalogue_discipline"} <= set(checked), checked


# --- bug 4: unsaved changes in Edit patient --------------------------------------------------------

@pytest.fixture
def discard_answers(monkeypatch: pytest.MonkeyPatch) -> tuple[list[bool], list[str]]:
    """(answers to give, in order; the questions asked). raising=False: the question is new."""
    replies: list[bool] = []
    asked: list[str] = []

    def ask(parent: QWidget | None) -> bool:
        asked.append("discard patient changes")
        assert replies, "unexpected question: discard patient changes"
        return replies.pop(0)

    monkeypatch.setattr(prompts, "ask_discard_patient_changes", ask, raising=False)
    return replies, asked


def test_escape_cancel_and_close_ask_before_throwing_away_an_allergy_note(qtbot, ui_db, discard_answers):
    replies, asked = discard_answers
    p = new_patient(ui_db)
    d = open_dialog(qtbot, ui_db, p)
    d.notes.setFocus()
    type_text(d.notes, "Allergic to penicillin")

    replies.append(False)  # Keep editing
    QTest.keyClick(d.notes, Qt.Key.Key_Escape)
    assert asked == ["discard patient changes"], "Escape threw the typed note away without asking"
    assert d.isVisible() and d.notes.toPlainText() == "Allergic to penicillin"

    replies.append(False)
    qtbot.mouseClick(d.buttons.button(d.buttons.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    replies.append(False)
    d.close()  # the window's X
    assert len(asked) == 3 and d.isVisible() and d.notes.toPlainText() == "Allergic to penicillin"

    replies.append(True)  # Discard
    QTest.keyClick(d.notes, Qt.Key.Key_Escape)
    assert len(asked) == 4 and not d.isVisible()
    assert d.result() == d.DialogCode.Rejected and d.result_patient is None
    assert patient_service.get_patient_by_mrn(ui_db, p.mrn).notes == p.notes


def test_without_changes_escape_closes_at_once(qtbot, ui_db, discard_answers):
    _replies, asked = discard_answers
    d = open_dialog(qtbot, ui_db, new_patient(ui_db))
    d.name.setFocus()
    QTest.keyClick(d.name, Qt.Key.Key_End)
    QTest.keyClicks(d.name, "x")
    QTest.keyClick(d.name, Qt.Key.Key_Backspace)  # typed and taken back: nothing changed
    QTest.keyClick(d.name, Qt.Key.Key_Escape)
    assert asked == [] and not d.isVisible()

    empty = open_dialog(qtbot, ui_db)  # a new patient, nothing typed
    empty.close()
    assert asked == [] and not empty.isVisible()


def test_saving_asks_nothing(qtbot, ui_db, discard_answers):
    _replies, asked = discard_answers
    d = open_dialog(qtbot, ui_db, new_patient(ui_db))
    d.notes.setFocus()
    type_text(d.notes, "Allergic to penicillin")
    qtbot.mouseClick(d.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert asked == [] and not d.isVisible()
    assert d.result_patient is not None and d.result_patient.notes == "Allergic to penicillin"


def test_the_discard_question_defaults_to_keep_editing(qtbot, monkeypatch):
    """The real box: Enter on it keeps editing; the Discard button discards."""
    monkeypatch.setattr(prompts, "ask_discard_patient_changes", REAL_DISCARD_QUESTION)  # not the fixtures' stand-in
    seen: list[str] = []
    answer_box("askDiscardPatientChanges", None, seen)
    assert REAL_DISCARD_QUESTION is not None
    assert prompts.ask_discard_patient_changes(None) is False
    answer_box("askDiscardPatientChanges", "Discard", seen)
    assert prompts.ask_discard_patient_changes(None) is True
    assert seen == ["Discard your changes to this patient?"] * 2


def test_the_catalogue_discard_question_defaults_to_keep_editing(qtbot):
    """The real box: Enter, pressed by habit, keeps the catalogue edits; the button discards them."""
    from careplan.ui.catalogue_window import confirm_discard

    seen: list[str] = []
    answer_box("questionBox", None, seen)
    assert confirm_discard(None, "Daily stretching") is False  # type: ignore[arg-type]
    answer_box("questionBox", "Discard changes", seen)
    assert confirm_discard(None, "Daily stretching") is True  # type: ignore[arg-type]
    assert len(seen) == 2 and "Daily stretching" in seen[0]


def answer_box(object_name: str, button_text: str | None, seen: list[str]) -> None:
    """Once the message box named `object_name` shows, press Enter (None) or click a button."""
    box = next((w for w in QApplication.topLevelWidgets() if w.objectName() == object_name and w.isVisible()), None)
    if box is None:  # not shown yet: look again on the next turn of the event loop
        QTimer.singleShot(0, lambda: answer_box(object_name, button_text, seen))
        return
    assert isinstance(box, QMessageBox)
    seen.append(box.text())
    if button_text is None:  # Enter where the keyboard focus is
        QTest.keyClick(box.focusWidget() or box, Qt.Key.Key_Return)
    else:
        next(b for b in box.buttons() if b.text() == button_text).click()
