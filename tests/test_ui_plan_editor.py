"""Building, editing, undoing and saving a plan through the real widgets on a real database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt

from careplan.domain.disciplines import DISCIPLINE_ORDER
from careplan.domain.plan import ItemStatus, PlanStatus
from careplan.services import plans as plan_service
from careplan.ui.prompts import ReasonDialog

pytest.register_assert_rewrite("tests.ui_fixtures")  # before it is imported below
from tests.ui_fixtures import (  # noqa: E402 (after register_assert_rewrite)
    CANCEL,
    core_codes,
    new_patient,
    pick,
    press,
    settle,
    type_text,
)

pytest_plugins = ["tests.ui_fixtures"]  # the window factory and its fixtures

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def save(qtbot, window):
    with qtbot.waitSignal(window.editor.saver.saved, timeout=5000) as blocker:
        press(qtbot, window, Qt.Key.Key_S, CTRL)
    return blocker.args[0]


def test_build_edit_undo_save_and_reopen(qtbot, make_window, ui_db, answers):
    p = new_patient(ui_db)
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    editor = window.editor
    assert editor.items_empty.isVisible()
    assert not editor.unsaved.isVisible() and not window.isWindowModified()
    codes = core_codes(window)
    for n, code in enumerate(codes):
        pick(qtbot, window, code, "double-click" if n % 2 == 0 else "enter")
    assert [i.key for i in editor.doc.content.items] == codes
    assert not editor.items_empty.isVisible()
    # Grouped by discipline in the clinic's order, each with its items beneath.
    groups = [editor.model.index(r, 0).data() for r in range(editor.model.rowCount())]
    assert groups == [f"{d.label} (1)" for d in DISCIPLINE_ORDER[:5]]
    # The catalogue text was copied in; the picker ticks what is in the plan.
    first = editor.catalogue[codes[0]]
    item = editor.doc.item(codes[0])
    assert item.caregiver_instructions == first.caregiver_instructions
    assert item.title == first.title and item.status == ItemStatus.PLANNED
    assert item.responsible == "Pat Physio (Physiotherapist)"  # the team member with the catalogue's role
    assert editor.picker.index_of(codes[0]).data().startswith("\u2713")
    assert window.isWindowModified() and editor.unsaved.isVisible()
    assert window.windowTitle().endswith("[*]")

    # Edit the physiotherapy item through the form.
    editor._select(codes[0])
    form = editor.form
    assert form.uid == codes[0]
    form.notes.setFocus()
    qtbot.keyClicks(form.notes, "Check the knee")
    form.frequency.setFocus()
    form.frequency.lineEdit().selectAll()
    qtbot.keyClicks(form.frequency.lineEdit(), "Every other day")
    form.status.setCurrentIndex(form.status.findData(ItemStatus.ACTIVE.value))
    form.responsible.setCurrentIndex(0)
    form.goal.setFocus()
    qtbot.keyClicks(form.goal, "Keep the knee bending")
    edited = editor.doc.item(codes[0])
    assert edited.notes == "Check the knee"
    assert edited.frequency == "Every other day"
    assert edited.status == ItemStatus.ACTIVE
    assert edited.responsible == "Dr Kim (Neurologist)"
    # Typing in one field is one undo step, named in the Edit menu.
    assert window.actions["undo"].text() == f"Undo edit goal of \u201c{first.title}\u201d"
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    assert editor.doc.item(codes[0]).goal == ""
    assert form.goal.text() == ""
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    assert editor.doc.item(codes[0]).responsible == "Pat Physio (Physiotherapist)"
    assert form.responsible.currentText() == "Pat Physio (Physiotherapist)"
    press(qtbot, window, Qt.Key.Key_Z, CTRL_SHIFT)
    press(qtbot, window, Qt.Key.Key_Z, CTRL_SHIFT)
    assert editor.doc.item(codes[0]).goal == "Keep the knee bending"
    assert form.goal.text() == "Keep the knee bending"

    # Plan-level edits: a goal and the status; the review date defaults to three months on.
    content = editor.doc.content
    assert content.start_date == date.today()
    assert content.next_review == date.today() + timedelta(days=91)
    type_text(editor.fields.new_goal, "Slow the loss of weight")
    qtbot.mouseClick(editor.fields.add_goal, Qt.MouseButton.LeftButton)
    editor.fields.status.setCurrentIndex(editor.fields.status.findData(PlanStatus.ACTIVE.value))

    answers.first_reason = "First clinic visit"
    assert save(qtbot, window) == 1  # revision 1 asks what the plan is based on, too (issue 12)
    assert answers.asked == ["reason 1"]
    assert plan_service.get_revision(ui_db, p.id, 1).reason == "First clinic visit"
    assert not window.isWindowModified() and not editor.unsaved.isVisible()
    saved = plan_service.load_plan(ui_db, p.id).latest
    assert saved.author == "Nurse Test"
    assert saved.content == editor.doc.content
    assert [g.text for g in saved.content.goals] == ["Slow the loss of weight"]
    assert saved.content.status == PlanStatus.ACTIVE
    assert "Revision 1" in editor.revision_info.text()

    # A second window on the same database shows exactly what was saved.
    other = make_window()
    other.open_patient(p.id)
    settle(qtbot)
    assert other.editor.doc.content == saved.content
    assert not other.isWindowModified() and not other.editor.unsaved.isVisible()
    other.editor._select(codes[0])
    f2 = other.editor.form
    assert f2.notes.toPlainText() == "Check the knee"
    assert f2.frequency.currentText() == "Every other day"
    assert f2.status.currentData() == "active"
    assert f2.goal.text() == "Keep the knee bending"
    assert f2.instructions.toPlainText() == first.caregiver_instructions
    assert other.editor.fields.goals.item(0).text() == "Slow the loss of weight"
    assert other.editor.fields.review.text() == (date.today() + timedelta(days=91)).isoformat()


def test_second_revision_asks_why(qtbot, make_window, ui_db, answers):
    p = new_patient(ui_db)
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    pick(qtbot, window, core_codes(window)[0])
    save(qtbot, window)
    pick(qtbot, window, core_codes(window)[1])
    answers.reason = "Review on Tuesday: added an OT item"
    assert save(qtbot, window) == 2
    assert answers.asked == ["reason 1", "reason 2"]
    assert plan_service.get_revision(ui_db, p.id, 2).reason == "Review on Tuesday: added an OT item"
    # Cancelling the question saves nothing and keeps the edit.
    pick(qtbot, window, core_codes(window)[2])
    answers.reason = CANCEL
    answers.asked.clear()
    press(qtbot, window, Qt.Key.Key_S, CTRL)
    assert plan_service.load_plan(ui_db, p.id).number == 2
    assert window.isWindowModified()
    assert "Not saved" in window.statusBar().currentMessage()


def test_reason_dialog_waits_for_a_reason(qtbot):
    d = ReasonDialog(3)
    qtbot.addWidget(d)
    assert not d.ok.isEnabled()
    assert "reason" in d.hint.text().lower()
    qtbot.keyClicks(d.edit, "   ")
    assert not d.ok.isEnabled()
    qtbot.keyClicks(d.edit, "Breathing got worse")
    assert d.ok.isEnabled() and d.hint.text() == ""
    assert d.reason() == "Breathing got worse"


def test_same_item_twice_is_refused_and_drop_adds(qtbot, make_window, ui_db):
    p = new_patient(ui_db)
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    code = core_codes(window)[2]
    pick(qtbot, window, code)
    pick(qtbot, window, code, "enter")
    assert [i.key for i in window.editor.doc.content.items] == [code]
    assert "already in this plan" in window.statusBar().currentMessage()
    # Dragging from the catalogue onto the plan adds through the same undoable path.
    other = core_codes(window)[3]
    picker = window.editor.picker
    mime = picker.model.mimeData([picker.proxy.mapToSource(picker.index_of(other))])
    window.editor.model.dropMimeData(mime, Qt.DropAction.CopyAction, -1, -1, window.editor.items.rootIndex())
    assert window.editor.doc.has(other)
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    assert not window.editor.doc.has(other)


def test_remove_item_with_delete_and_undo(qtbot, make_window, ui_db):
    p = new_patient(ui_db)
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    a, b = core_codes(window)[:2]
    pick(qtbot, window, a)
    pick(qtbot, window, b)
    window.editor._select(a)
    window.editor.items.setFocus()
    press(qtbot, window, Qt.Key.Key_Delete, Qt.KeyboardModifier.NoModifier)
    assert [i.key for i in window.editor.doc.content.items] == [b]
    assert window.actions["undo"].text().startswith("Undo remove")
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    assert [i.key for i in window.editor.doc.content.items] == [a, b]  # back in its place


def test_catalogue_search_then_enter(qtbot, make_window, ui_db):
    p = new_patient(ui_db)
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    target = next(c for c in window.editor.catalogue.values() if c.discipline.value == "respiratory")
    window.editor.picker.search.setFocus()
    type_text(window.editor.picker.search, target.title)
    qtbot.keyClick(window.editor.picker.search, Qt.Key.Key_Down)
    assert window.editor.picker.tree.hasFocus()
    qtbot.keyClick(window.editor.picker.tree, Qt.Key.Key_Return)
    assert window.editor.doc.has(target.code)
    window.editor.picker.search.clear()
    type_text(window.editor.picker.search, "zzqx no such thing")
    assert window.editor.picker.empty.isVisible()
    assert "Nothing in the catalogue matches" in window.editor.picker.empty.text()


def visible_titles(picker) -> list[str]:
    proxy = picker.tree.model()
    out = []
    for g in range(proxy.rowCount()):
        group = proxy.index(g, 0)
        out += [proxy.index(r, 0, group).data() for r in range(proxy.rowCount(group))]
    return out


def test_catalogue_search_matches_words_in_any_order_and_case(qtbot, make_window, ui_db):
    window = make_window()
    window.open_patient(new_patient(ui_db).id)
    settle(qtbot)
    picker = window.editor.picker
    type_text(picker.search, "ASSIST COUGH")
    titles = visible_titles(picker)
    assert "Cough assist machine" in titles and len(titles) < 5  # matched in titles or descriptions
    picker.search.clear()
    type_text(picker.search, "riluz")
    assert visible_titles(picker) == ["Riluzole"]
    picker.search.clear()
    type_text(picker.search, "(.*[")  # typed text is matched literally, never as a pattern
    assert visible_titles(picker) == []
    picker.search.clear()
    assert len(visible_titles(picker)) == len(window.editor.catalogue)
    type_text(picker.search, "z")  # one letter would match most items: filtering starts at two
    assert len(visible_titles(picker)) == len(window.editor.catalogue)


def test_bad_plan_input_blocks_saving_with_reasons(qtbot, make_window, ui_db, answers):
    p = new_patient(ui_db)
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    editor = window.editor
    code = core_codes(window)[0]
    pick(qtbot, window, code)
    # A review date before the plan start.
    review = editor.fields.review.edit
    review.selectAll()
    type_text(review, (date.today() - timedelta(days=5)).isoformat())
    assert "before the plan's start" in editor.fields.review_error.text()
    assert editor.fields.review_error.isVisible()
    assert not editor.save_button.isEnabled()
    assert "before the plan's start" in editor.blocked.text()
    assert "before the plan's start" in editor.save_button.toolTip()
    press(qtbot, window, Qt.Key.Key_S, CTRL)
    assert "Cannot save yet" in window.statusBar().currentMessage()
    assert plan_service.load_plan(ui_db, p.id).latest is None
    review.selectAll()
    type_text(review, "not a date")
    assert "YYYY-MM-DD" in editor.fields.review_error.text()
    assert review.text() == "not a date"
    review.selectAll()
    type_text(review, (date.today() + timedelta(days=30)).isoformat())
    assert not editor.fields.review_error.isVisible()
    # Notes of 25,000 characters are too long; 10,000 are kept exactly.
    editor.form.notes.setPlainText("n" * 25_000)
    assert "25,000" in editor.form.errors["notes"].text()
    assert not editor.save_button.isEnabled()
    assert editor.model.index_of(code).data().startswith("\u26a0")
    long_notes = ("<b>bold?</b> & 🙂 שלום\n" * 500)[:10_000]
    editor.form.notes.setPlainText(long_notes)
    editor.form.goal.setFocus()
    type_text(editor.form.goal, "Keep <i>eating</i> & drinking 🙂 مرحبا")
    assert editor.save_button.isEnabled(), editor.blocked.text()
    save(qtbot, window)
    stored = plan_service.load_plan(ui_db, p.id).latest.content.items[0]
    assert stored.notes == long_notes
    assert stored.goal == "Keep <i>eating</i> & drinking 🙂 مرحبا"


def test_switching_patient_with_unsaved_edits_asks(qtbot, make_window, ui_db, answers):
    a = new_patient(ui_db, "A-1", "Ann First")
    b = new_patient(ui_db, "B-1", "Ben Second")
    window = make_window()
    window.open_patient(a.id)
    settle(qtbot)
    pick(qtbot, window, core_codes(window)[0])
    row_b = window.patients.model.row_of(b.id)

    answers.save_changes = "cancel"
    window.patients.table.setCurrentIndex(window.patients.model.index(row_b, 0))
    settle(qtbot)
    assert window.editor.doc.patient_id == a.id
    assert window.patients.current_patient_id() == a.id  # the list shows who is really open
    assert window.editor.doc.modified

    answers.save_changes = "save"
    with qtbot.waitSignal(window.editor.saver.saved, timeout=5000):
        window.patients.table.setCurrentIndex(window.patients.model.index(row_b, 0))
    qtbot.waitUntil(lambda: window.editor.doc.patient_id == b.id)
    assert plan_service.load_plan(ui_db, a.id).number == 1

    pick(qtbot, window, core_codes(window)[1])
    answers.save_changes = "discard"
    window.patients.table.setCurrentIndex(window.patients.model.index(window.patients.model.row_of(a.id), 0))
    settle(qtbot)
    assert window.editor.doc.patient_id == a.id
    assert plan_service.load_plan(ui_db, b.id).latest is None
    window.ops.wait()
    assert plan_service.load_draft(ui_db, b.id, "Nurse Test") is None
    assert answers.asked == ["save changes", "save changes", "reason 1", "save changes"]


def test_controls_are_named_and_menus_show_shortcuts(qtbot, make_window, ui_db):
    from PySide6.QtWidgets import QWidget

    window = make_window()
    window.open_patient(new_patient(ui_db).id)
    settle(qtbot)
    for name in ("patientSearch", "patientTable", "catalogueSearch", "catalogueTree", "planItems", "planStatus",
                 "planStartDate", "planNextReview", "planGoals", "planGoalNew", "itemStatus", "itemFrequency",
                 "itemResponsible", "itemStartDate", "itemGoal", "itemInstructions", "itemNotes", "planSave"):
        w = window.findChild(QWidget, name)
        assert w is not None, name
        assert w.accessibleName(), name
    shortcuts = {k: a.shortcut().toString() for k, a in window.actions.items()}
    assert shortcuts["save"] == "Ctrl+S" and shortcuts["quit"] == "Ctrl+Q"
    assert shortcuts["undo"] == "Ctrl+Z" and shortcuts["redo"] == "Ctrl+Shift+Z"
    assert shortcuts["history"] == "Ctrl+H" and shortcuts["catalogue"] == "Ctrl+Shift+K"
    assert shortcuts["export"] == "Ctrl+E" and shortcuts["print"] == "Ctrl+P"


def test_a_40_item_plan_opens_and_takes_six_more(qtbot, make_window, ui_db):
    # Timings live in bench/editor.py: a wall-clock assert fails on a busy machine.
    from careplan.domain.plan import PlanContent, PlanItem
    from careplan.services.catalogue import list_items

    p = new_patient(ui_db)
    cat = list_items(ui_db)
    items = tuple(PlanItem(catalogue_code=c.code, discipline=c.discipline, title=c.title, uid=c.code,
                           caregiver_instructions=c.caregiver_instructions, frequency=c.frequency)
                  for c in cat[:40])
    plan_service.save_revision(ui_db, p.id, base_revision=0, content=PlanContent(items=items), author="t", reason="")
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    assert window.editor.model.rowCount() == len({i.discipline for i in items})
    for c in cat[40:46]:
        window.editor.add_from_catalogue(c.code)
    assert len(window.editor.doc.content.items) == 46


def test_keep_editing_after_a_conflict_saves_nothing_and_loses_nothing(qtbot, make_window, ui_db, answers):
    p = new_patient(ui_db)
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    a, b = core_codes(window)[:2]
    pick(qtbot, window, a)
    with qtbot.waitSignal(window.editor.saver.saved, timeout=5000):
        window.editor.save()
    pick(qtbot, window, b)
    rev1 = plan_service.load_plan(ui_db, p.id).latest
    plan_service.save_revision(ui_db, p.id, base_revision=1, content=rev1.content, author="Other", reason="Same again")
    answers.reason = "Added b"
    answers.conflict = lambda parent, error, mine: False
    with qtbot.waitSignal(window.ops.jobDone, timeout=5000, check_params_cb=lambda name: name == "save"):
        window.editor.save()
    assert window.editor.doc.has(b) and window.editor.doc.base_number == 1 and window.isWindowModified()
    assert "Not saved" in window.statusBar().currentMessage()
    assert plan_service.load_plan(ui_db, p.id).number == 2


def test_name_is_asked_once_then_remembered(qtbot, make_window, ui_db, answers):
    from careplan.ui.identity import remembered_name
    from careplan.ui.settings import make_settings

    p = new_patient(ui_db)
    window = make_window(name=None)
    window.open_patient(p.id)
    settle(qtbot)
    pick(qtbot, window, core_codes(window)[0])
    answers.name = "Jo Coordinator"
    with qtbot.waitSignal(window.editor.saver.saved, timeout=5000):
        window.editor.save()
    pick(qtbot, window, core_codes(window)[1])
    answers.reason = "Second review"
    with qtbot.waitSignal(window.editor.saver.saved, timeout=5000):
        window.editor.save()
    assert answers.asked == ["name", "reason 1", "reason 2"]
    assert [r.author for r in plan_service.history(ui_db, p.id)] == ["Jo Coordinator", "Jo Coordinator"]
    assert remembered_name(make_settings()) == "Jo Coordinator"
    assert window.who.text() == "Saving as: Jo Coordinator"


def test_tab_moves_through_the_editor_in_reading_order(qtbot, make_window, ui_db):
    from PySide6.QtWidgets import QApplication

    window = make_window()
    window.open_patient(new_patient(ui_db).id)
    settle(qtbot)
    pick(qtbot, window, core_codes(window)[0], "enter")
    window.editor.picker.search.setFocus()
    seen = []
    for _ in range(16):
        widget = QApplication.focusWidget()
        seen.append(widget.objectName() or widget.parent().objectName())
        qtbot.keyClick(widget, Qt.Key.Key_Tab)
    order = ["catalogueSearch", "catalogueTree", "planStatus", "planStartDate", "planNextReview", "planGoals",
             "planGoalNew", "planItems", "itemStatus", "itemFrequency", "itemResponsible", "itemStartDate",
             "itemGoal", "itemInstructions", "itemNotes"]
    positions = [seen.index(name) for name in order]
    assert positions == sorted(positions), seen


def test_goals_and_plan_fields_undo_one_step_at_a_time(qtbot, make_window, ui_db):
    window = make_window()
    window.open_patient(new_patient(ui_db).id)
    settle(qtbot)
    fields, doc = window.editor.fields, window.editor.doc
    for goal in ("Keep walking indoors", "Slow the loss of weight"):
        fields.new_goal.setFocus()
        type_text(fields.new_goal, goal)
        qtbot.keyClick(fields.new_goal, Qt.Key.Key_Return)
    assert doc.goal_texts() == ("Keep walking indoors", "Slow the loss of weight")
    assert fields.new_goal.text() == ""
    fields.goals.item(0).setText("Keep walking indoors with a frame")  # what the in-place editor commits
    assert doc.goal_texts()[0] == "Keep walking indoors with a frame"
    assert window.actions["undo"].text() == "Undo reword goal"
    fields.goals.setCurrentRow(1)
    qtbot.mouseClick(fields.remove_goal, Qt.MouseButton.LeftButton)
    assert doc.goal_texts() == ("Keep walking indoors with a frame",)
    fields.status.setCurrentIndex(fields.status.findData("active"))
    assert doc.content.status == PlanStatus.ACTIVE
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    assert doc.content.status == PlanStatus.DRAFT and fields.status.currentData() == "draft"
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    assert fields.goals.count() == 2
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    assert fields.goals.item(0).text() == "Keep walking indoors"
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    assert doc.goal_texts() == () and not window.isWindowModified()
