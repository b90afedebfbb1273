"""The main window as a whole: quitting, menus that apply only when they can, remembered layout,
and the windows other parts of the app provide."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from PySide6.QtCore import Qt

from careplan import __version__
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


def test_ctrl_q_quits_with_status_zero(tmp_path, settings_dir):
    script = textwrap.dedent(f"""
        import sys
        from PySide6.QtCore import Qt, QTimer
        from PySide6.QtTest import QTest
        from careplan.ui.app import build_main_window, make_application
        from careplan.persistence.engine import open_database
        app = make_application()
        window = build_main_window(open_database({str(tmp_path / 'q.sqlite3')!r}), offer_recovery=False)
        window.show()
        window.activateWindow()
        QTimer.singleShot(200, lambda: QTest.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier))
        QTimer.singleShot(10000, lambda: app.exit(3))  # would mean Ctrl+Q did nothing
        code = app.exec()
        print("visible_after", window.isVisible())
        sys.exit(code)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "visible_after False" in done.stdout


def test_quit_with_unsaved_edits_asks_first(qtbot, make_window, ui_db, answers):
    p = new_patient(ui_db)
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    pick(qtbot, window, core_codes(window)[0])
    answers.save_changes = "cancel"
    window.actions["quit"].trigger()
    assert window.isVisible() and answers.asked == ["save changes"]
    answers.save_changes = "save"
    with qtbot.waitSignal(window.editor.saver.saved, timeout=5000):
        window.actions["quit"].trigger()
    qtbot.waitUntil(lambda: not window.isVisible())
    assert plan_service.load_plan(ui_db, p.id).number == 1


def test_about_names_version_and_database(make_window, ui_db):
    window = make_window()
    text = window.about_text()
    assert __version__ in text and str(ui_db.path) in text


def test_menus_apply_only_when_they_can(qtbot, make_window, ui_db, answers):
    p = new_patient(ui_db)
    window = make_window()
    a = window.actions
    assert window.stack.currentWidget().objectName() == "mainSplitter"  # a patient exists
    assert window.right.currentWidget().objectName() == "worklistPanel"
    for key in ("save", "edit_patient", "close_patient", "history", "export", "print", "find_catalogue"):
        assert not a[key].isEnabled(), key
    assert not a["undo"].isEnabled()
    window.open_patient(p.id)
    settle(qtbot)
    assert a["save"].isEnabled() and a["edit_patient"].isEnabled()
    assert not a["history"].isEnabled() and not a["export"].isEnabled()  # nothing saved yet
    pick(qtbot, window, core_codes(window)[0])
    assert a["export"].isEnabled() and a["undo"].isEnabled()
    with qtbot.waitSignal(window.editor.saver.saved, timeout=5000):
        window.editor.save()
    assert a["history"].isEnabled()
    window.actions["close_patient"].trigger()
    assert window.right.currentWidget().objectName() == "worklistPanel"
    assert not a["history"].isEnabled()


def test_layout_is_remembered_between_runs(qtbot, make_window, ui_db):
    new_patient(ui_db)  # so the list is shown, not the welcome page
    first = make_window()
    first.resize(790, 650)  # the offscreen test screen is 800 x 800
    first.splitter.setSizes([300, 490])
    sizes = first.splitter.sizes()
    first._closing = True
    first.close()
    second = make_window()
    assert (second.width(), second.height()) == (790, 650)
    assert second.splitter.sizes() == sizes
    second.actions["show_list"].trigger()  # hide the patient list to give the plan room
    assert not second.patients.isVisible()
    second._closing = True
    second.close()
    third = make_window()
    assert not third.patients.isVisible()
    third.actions["find_patient"].trigger()  # Ctrl+F brings the list back, ready to type
    assert third.patients.isVisible() and third.patients.search.hasFocus()
    assert third.splitter.sizes()[0] > 100


def test_export_with_unsaved_edits_saves_first(qtbot, make_window, ui_db, answers, monkeypatch):
    from careplan.ui import export

    p = new_patient(ui_db)
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    pick(qtbot, window, core_codes(window)[0])
    calls = []
    monkeypatch.setattr(export, "export_pdf", lambda parent, db, pid, actor, revision=None: calls.append((pid, actor)))
    answers.save_before = False
    press(qtbot, window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert calls == [] and plan_service.load_plan(ui_db, p.id).latest is None
    answers.save_before = True
    with qtbot.waitSignal(window.editor.saver.saved, timeout=5000):
        press(qtbot, window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert calls == [(p.id, "Nurse Test")]
    assert plan_service.load_plan(ui_db, p.id).number == 1


def test_catalogue_window_changes_reach_the_picker(qtbot, make_window, ui_db):
    from careplan.ui.catalogue_window import CatalogueWindow

    window = make_window()
    window.actions["catalogue"].trigger()
    dialog = window.findChild(CatalogueWindow)
    assert dialog is not None and dialog.isVisible()
    settle(qtbot)
    item = dialog._current
    assert item is not None and item.code in window.editor.catalogue
    dialog.form.title.selectAll()
    type_text(dialog.form.title, "Renamed by the clinic")
    assert dialog.save_button.isEnabled()
    with qtbot.waitSignal(window.changesApplied, timeout=5000) as applied:
        dialog.save_button.click()
    assert applied.args[0].catalogue and applied.args[1] is dialog
    qtbot.waitUntil(lambda: window.editor.catalogue[item.code].title == "Renamed by the clinic")
    assert window.editor.picker.index_of(item.code).data() == "Renamed by the clinic"
    dialog.close()


def test_restore_in_history_keeps_edits_and_says_so(qtbot, make_window, ui_db, answers, monkeypatch):
    from careplan.ui import restore_dialog
    from careplan.ui.history_window import HistoryWindow

    p = new_patient(ui_db)
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    a, b, c = core_codes(window)[:3]
    pick(qtbot, window, a)
    with qtbot.waitSignal(window.editor.saver.saved, timeout=5000):
        window.editor.save()
    pick(qtbot, window, b)
    answers.reason = "Added b"
    with qtbot.waitSignal(window.editor.saver.saved, timeout=5000):
        window.editor.save()
    pick(qtbot, window, c)  # unsaved while history restores revision 1
    press(qtbot, window, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    dialog = window.findChild(HistoryWindow)
    assert dialog is not None and dialog.isVisible()
    settle(qtbot)
    monkeypatch.setattr(restore_dialog, "ask_restore_reason", lambda *_: "Back to the first plan")
    dialog.table.clearSelection()
    dialog.table.selectRow(1)  # newest first: row 1 is revision 1
    assert dialog.restore_button.isEnabled(), (dialog.model.rows, dialog.selected_numbers(), dialog.summary.text())
    with qtbot.waitSignal(dialog.restored, timeout=5000):
        dialog.restore_button.click()
    bar = window.editor.revision_bar
    qtbot.waitUntil(lambda: bar.isVisible())
    doc = window.editor.doc
    # Nothing moved under the user's hands: the edits stay on revision 2, the bar says who saved.
    assert doc.base_number == 2 and doc.modified
    assert "Nurse Test saved revision 3" in bar.text.text() and "your edits are kept" in bar.text.text()
    qtbot.waitUntil(lambda: len(dialog.model.rows) == 3)
    # Saving goes through the usual conflict step, which puts the edits on top of revision 3.
    answers.conflict = lambda parent, error, mine: True
    window.editor.save()
    qtbot.waitUntil(lambda: doc.base_number == 3)
    assert [i.key for i in doc.content.items] == [a, c]  # revision 1 again, plus my unsaved item
    assert doc.modified and not bar.isVisible() and "revision 3" in window.statusBar().currentMessage()
    dialog.close()


def test_audit_window_opens_for_the_open_patient(qtbot, make_window, ui_db):
    from careplan.ui.audit_window import AuditWindow

    p = new_patient(ui_db)
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    window.actions["audit"].trigger()
    audit = window.findChild(AuditWindow)
    assert audit is not None and audit.isVisible()
    assert audit.mrn.text() == p.mrn
    audit.close()
