"""Issue 12, bug 6: a restore or a save never throws away unsaved edits, their safety copy or
their undo steps.

- History > Restore while the editor holds unsaved edits keeps the autosaved draft.
- Edits typed while a save is running stay unsaved (title, banner, undo's saved point).
- After a conflict puts my edits on top of someone else's revision, Ctrl+Z undoes my last edit.
"""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from PySide6.QtCore import Qt

from careplan.domain.plan import ItemStatus
from careplan.services import plans as plan_service

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


def _saved_plan(qtbot, make_window, ui_db, answers, n_items=2):
    p = new_patient(ui_db)
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    codes = core_codes(window)
    for code in codes[:n_items]:
        pick(qtbot, window, code)
    with qtbot.waitSignal(window.editor.saver.saved, timeout=5000):
        window.editor.save()
    return p, window, codes


def test_restore_in_history_keeps_the_drafts_edits_and_their_undo_steps(qtbot, make_window, ui_db, answers,
                                                                          monkeypatch):
    from careplan.ui import restore_dialog
    from careplan.ui.history_window import HistoryWindow

    p, window, (a, b, c, *_) = _saved_plan(qtbot, make_window, ui_db, answers, n_items=1)
    pick(qtbot, window, b)
    answers.reason = "Added b"
    with qtbot.waitSignal(window.editor.saver.saved, timeout=5000):
        window.editor.save()
    editor, doc = window.editor, window.editor.doc
    pick(qtbot, window, c)  # unsaved: only the autosaved draft keeps it if the app dies
    editor._select(a)
    editor.form.notes.setFocus()
    type_text(editor.form.notes, "Mine: mornings")
    with qtbot.waitSignal(editor.saver.draftKept, timeout=5000):
        pass
    mine = doc.content

    press(qtbot, window, Qt.Key.Key_H, CTRL)
    history = window.findChild(HistoryWindow)
    settle(qtbot)
    monkeypatch.setattr(restore_dialog, "ask_restore_reason", lambda *_: "Back to the first plan")
    history.table.clearSelection()
    history.table.selectRow(1)  # newest first: row 1 is revision 1
    with qtbot.waitSignal(history.restored, timeout=5000):
        history.restore_button.click()
    qtbot.waitUntil(lambda: editor.revision_bar.isVisible())
    settle(qtbot)
    assert doc.content == mine and doc.modified and window.isWindowModified()
    # The app dies now: the draft is all that is left of the edits, and it is still there.
    draft = plan_service.load_draft(ui_db, p.id, "Nurse Test")
    assert draft is not None and draft.content == mine and draft.base_revision == 2
    history.close()

    # Saving goes through the conflict step; my steps come along onto revision 3.
    answers.conflict = lambda parent, error, mine: True
    answers.reason = "Mine on top"
    with qtbot.waitSignal(window.ops.jobDone, timeout=5000, check_params_cb=lambda name: name == "save"):
        press(qtbot, window, Qt.Key.Key_S, CTRL)
    assert doc.base_number == 3 and doc.modified
    assert [i.key for i in doc.content.items] == [a, c] and doc.item(a).notes == "Mine: mornings"
    assert window.actions["undo"].isEnabled()
    editor.items.setFocus()  # the notes box has its own Ctrl+Z for the text it holds
    press(qtbot, window, Qt.Key.Key_Z, CTRL)  # the notes, and only the notes
    assert doc.item(a).notes == "" and doc.has(c) and doc.modified
    press(qtbot, window, Qt.Key.Key_Z, CTRL)  # adding c: back to revision 3 exactly
    assert doc.content == doc.base_content and not doc.modified and not window.isWindowModified()
    assert editor.undo.isClean()
    editor.undo.redo()
    assert doc.has(c) and doc.modified


def test_edits_typed_while_the_save_runs_stay_unsaved(qtbot, make_window, ui_db, answers):
    from careplan.ui.operations import QueryOp

    p, window, (a, b, c, *_) = _saved_plan(qtbot, make_window, ui_db, answers, n_items=1)
    editor, doc = window.editor, window.editor.doc
    pick(qtbot, window, b)
    answers.reason = "Added b"
    gate = threading.Event()
    # The worker is busy with something slow: the save waits behind it while the user types on.
    QueryOp(window, lambda: gate.wait(10)).named("slow-read").run_in_background()
    assert editor.save()
    pick(qtbot, window, c)
    with qtbot.waitSignal(editor.saver.saved, timeout=5000):
        gate.set()
    settle(qtbot)
    rev2 = plan_service.load_plan(ui_db, p.id).latest
    assert [i.key for i in rev2.content.items] == [a, b]  # c was not in the save
    assert doc.base_number == 2 and doc.has(c)
    assert doc.modified and window.isWindowModified() and editor.unsaved.isVisible()
    assert not editor.undo.isClean()  # the saved point is before adding c
    draft = plan_service.load_draft(ui_db, p.id, "Nurse Test")
    assert draft is not None and draft.content == doc.content and draft.base_revision == 2
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    assert doc.content == rev2.content and not window.isWindowModified()
    assert editor.undo.isClean()  # undone exactly to what revision 2 holds


def test_conflict_keeps_each_of_my_steps_on_top_of_theirs(qtbot, make_window, ui_db, answers):
    p, window, (a, b, c, *_) = _saved_plan(qtbot, make_window, ui_db, answers)
    editor, doc = window.editor, window.editor.doc
    pick(qtbot, window, c)
    editor._select(a)
    editor.form.notes.setFocus()
    type_text(editor.form.notes, "Mine: mornings")
    rev1 = plan_service.load_plan(ui_db, p.id).latest
    items = tuple(replace(i, status=ItemStatus.ACTIVE) if i.key == b else i for i in rev1.content.items)
    plan_service.save_revision(ui_db, p.id, base_revision=1, content=rev1.content.with_items(items),
                               author="Other Nurse", reason="Started b")
    answers.conflict = lambda parent, error, mine: True
    answers.reason = "Mine"
    with qtbot.waitSignal(window.ops.jobDone, timeout=5000, check_params_cb=lambda name: name == "save"):
        press(qtbot, window, Qt.Key.Key_S, CTRL)
    assert doc.base_number == 2 and doc.item(b).status == ItemStatus.ACTIVE
    assert window.actions["undo"].text().startswith("Undo edit notes of")
    editor.items.setFocus()  # the notes box has its own Ctrl+Z for the text it holds
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    assert doc.item(a).notes == "" and doc.has(c) and doc.item(b).status == ItemStatus.ACTIVE
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    assert not doc.has(c) and doc.content == doc.base_content and not window.isWindowModified()
    # Further back are my steps that revision 1 already held: undoing them edits their plan.
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    assert doc.modified and not doc.has(b) and doc.has(a)


def test_following_a_restore_keeps_the_undo_steps_that_still_apply(qtbot, make_window, ui_db, answers,
                                                                    monkeypatch):
    from careplan.ui import restore_dialog
    from careplan.ui.history_window import HistoryWindow

    p, window, (a, b, *_) = _saved_plan(qtbot, make_window, ui_db, answers, n_items=1)
    pick(qtbot, window, b)
    answers.reason = "Added b"
    with qtbot.waitSignal(window.editor.saver.saved, timeout=5000):
        window.editor.save()
    editor, doc = window.editor, window.editor.doc
    press(qtbot, window, Qt.Key.Key_H, CTRL)
    history = window.findChild(HistoryWindow)
    settle(qtbot)
    monkeypatch.setattr(restore_dialog, "ask_restore_reason", lambda *_: "Back to the first plan")
    history.table.clearSelection()
    history.table.selectRow(1)
    with qtbot.waitSignal(history.restored, timeout=5000):
        history.restore_button.click()
    qtbot.waitUntil(lambda: doc.base_number == 3)  # nothing unsaved: the editor follows
    history.close()
    assert [i.key for i in doc.content.items] == [a] and not window.isWindowModified()
    # Adding b is gone with the restore; adding a still means something on revision 3.
    title_a = editor.catalogue[a].title
    assert window.actions["undo"].text() == f"Undo add \u201c{title_a}\u201d"
    editor.items.setFocus()
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    assert not doc.content.items and window.isWindowModified()
    editor.undo.redo()
    assert [i.key for i in doc.content.items] == [a] and not window.isWindowModified()
