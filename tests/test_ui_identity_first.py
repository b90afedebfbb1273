"""Who did it, from the very first entry: the name is asked before the first audited action, and
revision 1 asks what the plan is based on (issue 12)."""

from __future__ import annotations

from typing import Any

import pytest

from careplan.services import audit
from careplan.services import plans as plan_service

pytest.register_assert_rewrite("tests.ui_fixtures")
from tests.ui_fixtures import CANCEL, core_codes, new_patient, pick, settle  # noqa: E402

pytest_plugins = ["tests.ui_fixtures"]


def test_new_patient_asks_the_name_first_and_logs_it_not_the_login(qtbot, make_window, ui_db, answers,
                                                                 monkeypatch):
    from careplan.ui import patient_dialog

    used: list[str] = []

    def fake_edit(parent: Any, db: Any, actor: str, patient: Any = None) -> Any:
        used.append(actor)
        return None  # the dialog was cancelled: only who it was opened for matters here

    monkeypatch.setattr(patient_dialog, "edit_patient", fake_edit)
    window = make_window(name=None)
    assert "root" not in window.who.text() and "asked at your first change" in window.who.text()
    answers.name = CANCEL
    window.actions["new_patient"].trigger()
    assert used == [] and answers.asked == ["name"]  # declined: nothing opened, nothing logged
    assert "needs your name" in window.statusBar().currentMessage()
    answers.name = "Jo Coordinator"
    window.actions["new_patient"].trigger()
    assert used == ["Jo Coordinator"] and answers.asked == ["name", "name"]
    assert window.who.text() == "Saving as: Jo Coordinator"
    window.actions["new_patient"].trigger()
    assert used == ["Jo Coordinator"] * 2 and answers.asked == ["name", "name"]  # asked once, then remembered


def test_catalogue_edits_are_logged_under_the_name_asked_first(qtbot, make_window, ui_db, answers):
    from PySide6.QtWidgets import QApplication

    from careplan.ui.catalogue_window import CatalogueWindow

    window = make_window(name=None)
    answers.name = "Sam Nurse"
    window.actions["catalogue"].trigger()
    settle(qtbot)
    (cat,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, CatalogueWindow) and w.isVisible()]
    assert cat.actor == "Sam Nurse" and answers.asked == ["name"]
    cat.close()
    settle(qtbot)


def test_first_save_asks_what_the_plan_is_based_on(qtbot, make_window, ui_db, answers):
    p = new_patient(ui_db)
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    pick(qtbot, window, core_codes(window)[0])
    answers.first_reason = CANCEL
    window.editor.save()
    settle(qtbot)
    assert answers.asked == ["reason 1"] and window.editor.doc.modified
    assert plan_service.load_plan(ui_db, p.id).latest is None  # cancelled: nothing saved, edit kept
    answers.first_reason = "First clinic assessment, 3 March"
    with qtbot.waitSignal(window.editor.saver.saved, timeout=5000):
        window.editor.save()
    assert plan_service.get_revision(ui_db, p.id, 1).reason == "First clinic assessment, 3 March"
    saved = [e for e in audit.list_events(ui_db) if e.action.startswith("plan.")]
    assert saved and all(e.actor == "Nurse Test" for e in saved)


def test_the_first_revision_dialog_asks_what_the_plan_is_based_on(qtbot):
    from PySide6.QtWidgets import QLabel

    from careplan.ui.prompts import ReasonDialog

    d = ReasonDialog(1)
    qtbot.addWidget(d)
    assert any("first saved version" in label.text() for label in d.findChildren(QLabel))
    assert not d.ok.isEnabled()  # a blank reason cannot be saved, for revision 1 as for the rest
    d.edit.setPlainText("First clinic assessment")
    assert d.ok.isEnabled()
