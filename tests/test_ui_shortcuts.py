"""Keyboard shortcuts work wherever the cursor is, and Help lists them all (issue 12)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication

from careplan.services import plans as plan_service
from tests.uib_fixtures import content, plan_item

pytest.register_assert_rewrite("tests.ui_fixtures")
from tests.ui_fixtures import new_patient, settle  # noqa: E402 (after register_assert_rewrite)

pytest_plugins = ["tests.ui_fixtures"]

# Keys a text box must keep for itself: editing text is what the cursor is there for.
TEXT_KEYS = {"undo", "redo", "remove_item"}


def window_with_saved_plan(qtbot: Any, make_window: Any, ui_db: Any) -> Any:
    p = new_patient(ui_db)
    plan_service.save_revision(ui_db, p.id, base_revision=0, content=content([plan_item(1)]), author="t",
                               reason="First plan")
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    return window


def record_triggers(window: Any) -> list[str]:
    """Each window action, when fired, says so instead of doing its work (no dialogs, no quitting)."""
    fired: list[str] = []
    for key, action in window.actions.items():
        if key in TEXT_KEYS:
            continue
        action.triggered.disconnect()
        action.triggered.connect(lambda _checked=False, key=key: fired.append(key))
    return fired


def focus_targets(window: Any) -> dict[str, Any]:
    editor = window.editor
    return {"patient search": window.patients.search, "catalogue search": editor.picker.search,
            "plan items table": editor.items, "patient table": window.patients.table}


def test_every_window_shortcut_fires_while_a_search_box_or_table_has_the_cursor(qtbot, make_window, ui_db):
    window = window_with_saved_plan(qtbot, make_window, ui_db)
    fired = record_triggers(window)
    checked = 0
    for where, widget in focus_targets(window).items():
        for key, action in window.actions.items():
            if key in TEXT_KEYS or action.shortcut().isEmpty() or not action.isEnabled():
                continue
            widget.setFocus(Qt.FocusReason.OtherFocusReason)
            assert QApplication.focusWidget() is widget or widget.isAncestorOf(QApplication.focusWidget()), where
            fired.clear()
            combo = action.shortcut()[0]
            qtbot.keyClick(QApplication.focusWidget(), combo.key(), combo.keyboardModifiers())
            assert fired == [key], f"{action.shortcut().toString()} ({key}) in the {where}: fired {fired}"
            checked += 1
    assert checked >= 4 * 10


def test_ctrl_e_in_the_patient_search_box_exports(qtbot, make_window, ui_db, monkeypatch):
    from careplan.ui import export

    window = window_with_saved_plan(qtbot, make_window, ui_db)
    calls: list[int] = []
    monkeypatch.setattr(export, "export_pdf", lambda parent, db, pid, actor, revision=None: calls.append(pid))
    window.patients.search.setFocus()
    qtbot.keyClicks(window.patients.search, "Ali")
    qtbot.keyClick(window.patients.search, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert calls == [window.editor.doc.patient_id]
    assert window.patients.search.text() == "Ali"  # the key did not edit the search text


def test_help_lists_every_shortcut_from_the_actions_themselves(qtbot, make_window, ui_db):
    from careplan.ui.help_page import ShortcutsDialog, shortcut_rows

    window = make_window()
    rows = shortcut_rows(window)
    listed = {(r.keys, r.what) for r in rows}
    for action in window.findChildren(QAction):
        if not action.shortcut().isEmpty() and action.text():
            keys = ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts())
            assert (keys, action.text().replace("&", "").rstrip("\u2026")) in listed, action.objectName()
    # A new action added later is listed without touching the help page.
    extra = QAction("Brand new thing", window)
    extra.setShortcut(QKeySequence("Ctrl+Alt+J"))
    window.addAction(extra)
    assert any(r.what == "Brand new thing" for r in shortcut_rows(window))
    dialog = ShortcutsDialog(window)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == len(shortcut_rows(window))
    assert window.actions["shortcuts"].shortcut() == QKeySequence(QKeySequence.StandardKey.HelpContents)



def test_window_shortcuts_fire_from_every_focusable_widget(qtbot, make_window, ui_db):
    """Not only search boxes and tables: every field of the plan and its item can hold the cursor."""
    from PySide6.QtWidgets import QWidget

    window = window_with_saved_plan(qtbot, make_window, ui_db)
    items = window.editor.items
    items.setCurrentIndex(items.model().index(0, 0, items.model().index(0, 0)))  # an item's fields are shown
    settle(qtbot)
    fired = record_triggers(window)
    missed = []
    widgets = [w for w in window.findChildren(QWidget)
               if w.isVisible() and w.isEnabled() and w.focusPolicy() != Qt.FocusPolicy.NoFocus]
    assert len(widgets) > 15
    for widget in widgets:
        for key in ("export", "print", "save", "find_patient", "history", "shortcuts"):
            widget.setFocus(Qt.FocusReason.OtherFocusReason)
            fired.clear()
            combo = window.actions[key].shortcut()[0]
            qtbot.keyClick(QApplication.focusWidget() or widget, combo.key(), combo.keyboardModifiers())
            if fired != [key]:
                missed.append((type(widget).__name__, widget.objectName(), key, fired))
    assert missed == []
