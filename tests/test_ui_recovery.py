"""Nothing typed is lost: autosaved drafts after a crash, and saving over someone else's save."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from careplan.domain.plan import Goal, ItemStatus
from careplan.services import plans as plan_service
from careplan.ui.conflict_dialog import ConflictDialog

pytest.register_assert_rewrite("tests.ui_fixtures")  # before it is imported below
from tests.ui_fixtures import (  # noqa: E402 (after register_assert_rewrite)
    core_codes,
    new_patient,
    pick,
    press,
    settle,
    type_text,
)

pytest_plugins = ["tests.ui_fixtures"]  # the window factory and its fixtures

CTRL = Qt.KeyboardModifier.ControlModifier


def crash(qtbot, window):
    """The window goes away without any chance to save or ask (a crash or a power cut)."""
    window.ops.wait()
    window._closing = True
    window.hide()
    with qtbot.waitSignal(window.destroyed):
        window.deleteLater()


def test_autosaved_draft_is_offered_at_next_start(qtbot, make_window, ui_db, answers):
    p = new_patient(ui_db)
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    codes = core_codes(window)
    pick(qtbot, window, codes[0])
    window.editor.form.notes.setFocus()
    type_text(window.editor.form.notes, "Left knee sore after walks")
    with qtbot.waitSignal(window.editor.saver.draftKept, timeout=5000):
        pass  # the 3 s autosave (50 ms in tests) after the last keystroke
    assert "safety copy" in window.editor.unsaved.text()
    draft = plan_service.load_draft(ui_db, p.id, "Nurse Test")
    assert draft is not None and draft.content == window.editor.doc.content
    expected = window.editor.doc.content
    crash(qtbot, window)
    assert plan_service.load_plan(ui_db, p.id).latest is None  # never saved

    answers.startup_recovery = True
    again = make_window(offer_recovery=True)
    qtbot.waitUntil(lambda: again.editor.doc.patient_id == p.id)
    assert answers.asked[0].startswith("startup recovery: Alice Example (P-1)")
    assert "recover draft" not in answers.asked  # already said yes once
    assert again.editor.doc.content == expected
    assert again.isWindowModified() and again.editor.unsaved.isVisible()
    assert again.actions["undo"].text() == "Undo recover unsaved changes"
    again.editor._select(codes[0])
    assert again.editor.form.notes.toPlainText() == "Left knee sore after walks"
    with qtbot.waitSignal(again.editor.saver.saved, timeout=5000):
        press(qtbot, again, Qt.Key.Key_S, CTRL)
    assert plan_service.load_plan(ui_db, p.id).latest.content == expected
    assert plan_service.load_draft(ui_db, p.id, "Nurse Test") is None


def test_opening_a_patient_offers_their_draft_and_discard_removes_it(qtbot, make_window, ui_db, answers):
    p = new_patient(ui_db)
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    pick(qtbot, window, core_codes(window)[1])
    with qtbot.waitSignal(window.editor.saver.draftKept, timeout=5000):
        pass
    crash(qtbot, window)

    answers.recover_draft = "later"
    second = make_window()
    second.open_patient(p.id)
    settle(qtbot)
    assert not second.isWindowModified()
    assert plan_service.load_draft(ui_db, p.id, "Nurse Test") is not None

    answers.recover_draft = "discard"
    third = make_window()
    third.open_patient(p.id)
    settle(qtbot)
    third.ops.wait()
    assert plan_service.load_draft(ui_db, p.id, "Nurse Test") is None
    assert answers.asked == ["recover draft", "recover draft"]


def test_draft_made_on_an_older_revision_is_reapplied_on_top(qtbot, make_window, ui_db, answers):
    p = new_patient(ui_db)
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    a, b, c = core_codes(window)[:3]
    pick(qtbot, window, a)
    with qtbot.waitSignal(window.editor.saver.saved, timeout=5000):
        window.editor.save()
    pick(qtbot, window, b)  # unsaved, autosaved
    with qtbot.waitSignal(window.editor.saver.draftKept, timeout=5000):
        pass
    crash(qtbot, window)
    # Meanwhile a colleague saves revision 2 with another item.
    rev1 = plan_service.load_plan(ui_db, p.id).latest
    cat_c = next(i for i in plan_service.load_plan(ui_db, p.id).latest.content.items)
    theirs = rev1.content.with_items((*rev1.content.items, replace(cat_c, uid=c, catalogue_code=c, title="Their item")))
    plan_service.save_revision(ui_db, p.id, base_revision=1, content=theirs, author="Other Nurse", reason="Added theirs")

    answers.recover_draft = "recover"
    again = make_window()
    again.open_patient(p.id)
    settle(qtbot)
    keys = [i.key for i in again.editor.doc.content.items]
    assert keys == [a, c, b]  # theirs kept, mine re-applied
    assert again.editor.doc.base_number == 2 and again.isWindowModified()


def test_conflict_shows_their_changes_and_reapplies_mine(qtbot, make_window, ui_db, answers):
    p = new_patient(ui_db)
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    a, b, c = core_codes(window)[:3]
    for code in (a, b):
        pick(qtbot, window, code)
    with qtbot.waitSignal(window.editor.saver.saved, timeout=5000):
        window.editor.save()

    # I add an item and change a field of another...
    pick(qtbot, window, c)
    window.editor._select(a)
    window.editor.form.notes.setFocus()
    type_text(window.editor.form.notes, "Mine: morning only")
    # ...while someone else, from revision 1, changes b's status and adds a goal.
    rev1 = plan_service.load_plan(ui_db, p.id).latest
    items = tuple(replace(i, status=ItemStatus.ACTIVE) if i.key == b else i for i in rev1.content.items)
    theirs_content = replace(rev1.content, items=items, goals=(Goal("Keep talking with the family"),))
    plan_service.save_revision(ui_db, p.id, base_revision=1, content=theirs_content, author="Other Nurse",
                               reason="Started b")

    shown = {}

    def conflict(parent, error, mine):
        dialog = ConflictDialog(error, mine, parent)
        qtbot.addWidget(dialog)
        shown["theirs"] = [dialog.theirs_list.item(i).text() for i in range(dialog.theirs_list.count())]
        shown["mine"] = [dialog.mine_list.item(i).text() for i in range(dialog.mine_list.count())]
        shown["intro"] = dialog.findChild(QLabel, "conflictIntro").text()
        qtbot.mouseClick(dialog.reapply, Qt.MouseButton.LeftButton)
        return dialog.result() == dialog.DialogCode.Accepted

    answers.conflict = conflict
    answers.reason = "Review: morning walks"
    with qtbot.waitSignal(window.ops.jobDone, timeout=5000, check_params_cb=lambda name: name == "save"):
        press(qtbot, window, Qt.Key.Key_S, CTRL)
    title_b = window.editor.catalogue[b].title
    assert any(title_b in line and "Active" in line for line in shown["theirs"]), shown["theirs"]
    assert any("Keep talking with the family" in line for line in shown["theirs"])
    assert any("Mine: morning only" in line for line in shown["mine"])
    assert "Other Nurse saved revision 2" in shown["intro"] and "nothing has been lost" in shown["intro"]
    assert any(window.editor.catalogue[c].title in line for line in shown["mine"])
    # Nothing saved yet, nothing lost: their revision plus my edits, still unsaved.
    doc = window.editor.doc
    assert plan_service.load_plan(ui_db, p.id).number == 2
    assert doc.base_number == 2 and doc.modified and window.isWindowModified()
    assert doc.item(b).status == ItemStatus.ACTIVE
    assert doc.item(a).notes == "Mine: morning only"
    assert doc.has(c)
    assert [g.text for g in doc.content.goals] == ["Keep talking with the family"]
    assert "on top of revision 2" in window.statusBar().currentMessage()
    # The watcher then reads the same revision 2 from the audit log: the editor already shows it,
    # so it is not announced again over the editor's own message.
    window.watcher.check()
    settle(qtbot)
    assert "on top of revision 2" in window.statusBar().currentMessage()

    with qtbot.waitSignal(window.editor.saver.saved, timeout=5000):
        press(qtbot, window, Qt.Key.Key_S, CTRL)
    rev3 = plan_service.load_plan(ui_db, p.id).latest
    assert rev3.number == 3 and rev3.content == doc.content
    assert not window.isWindowModified()
    assert answers.asked == ["reason 1", "reason 2", "conflict", "reason 3"]


def test_undoing_back_to_the_saved_plan_leaves_no_draft_behind(qtbot, make_window, ui_db, answers):
    a = new_patient(ui_db, "A-1", "Ann First")
    b = new_patient(ui_db, "B-1", "Ben Second")
    window = make_window()
    window.editor.saver.autosave.setInterval(60_000)  # the switch comes before any autosave
    window.open_patient(a.id)
    settle(qtbot)
    pick(qtbot, window, core_codes(window)[0])
    window.editor.saver.keep_draft()
    window.ops.wait()
    assert plan_service.load_draft(ui_db, a.id, "Nurse Test") is not None
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    assert not window.isWindowModified()
    window.open_patient(b.id)  # no question: nothing unsaved
    window.ops.wait()
    assert plan_service.load_draft(ui_db, a.id, "Nurse Test") is None
    assert answers.asked == []
