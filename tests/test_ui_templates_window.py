"""Plan > Templates…: the list with version, status and when each applies; retire, reinstate; save the open plan.

Real widgets on a real SQLite file; set CAREPLAN_SHOTS_DIR to save the window at 1280x720 and 1920x1080.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from careplan.services import template_store
from careplan.ui import templates_window
from careplan.ui.template_apply import TemplateDialog
from careplan.ui.template_save import NewTemplateDialog
from careplan.ui.templates_window import TemplatesWindow

pytest.register_assert_rewrite("tests.ui_fixtures")  # before it is imported below
from tests.ui_fixtures import new_patient, pick, settle, type_text  # noqa: E402 (after register_assert_rewrite)

pytest_plugins = ["tests.ui_fixtures"]


def _open(qtbot: Any, make_window: Any, ui_db: Any, *, patient: bool = True) -> tuple[Any, TemplatesWindow]:
    window = make_window()
    if patient:
        window.open_patient(new_patient(ui_db).id)
        settle(qtbot)
    window.actions["templates"].trigger()  # Plan > Templates…
    dialog = window.findChild(TemplatesWindow)
    assert dialog is not None and dialog.isVisible()
    settle(qtbot)
    return window, dialog


def _rows(dialog: TemplatesWindow) -> list[tuple[str, ...]]:
    m = dialog.model
    return [tuple(str(m.data(m.index(r, c))) for c in range(m.columnCount())) for r in range(m.rowCount())]


def test_the_list_shows_version_status_and_when_and_the_items_of_the_selected_one(qtbot, make_window, ui_db, answers):
    window, dialog = _open(qtbot, make_window, ui_db)
    rows = _rows(dialog)
    assert [r[:3] for r in rows] == [("Newly diagnosed", "v1", "In use"), ("Walking getting harder", "v1", "In use"),
                                     ("Starting NIV", "v1", "In use"), ("Feeding tube", "v1", "In use"),
                                     ("Last months of life", "v1", "In use")]
    assert rows[2][3].startswith("When breathing tests") or "FVC" in rows[2][3]
    dialog.table.selectRow(2)
    niv = template_store.get_template(ui_db, "starting_niv")
    assert dialog.heading.text() == "Starting NIV (version 1)"
    assert "Based on: " in dialog.about.text() and "As shipped with CarePlan." in dialog.about.text()
    assert dialog.items.count() == len(niv.items)
    first = window.editor.catalogue[niv.items[0].code]
    assert dialog.items.item(0).text().startswith(first.title)
    _shots(dialog, "templates")


def test_retire_and_reinstate_change_what_apply_offers(qtbot, make_window, ui_db, answers):
    window, dialog = _open(qtbot, make_window, ui_db)
    dialog.table.selectRow(3)
    assert dialog.retire_button.text() == "&Retire"
    with qtbot.waitSignal(window.changesApplied, timeout=5000):
        qtbot.mouseClick(dialog.retire_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert not template_store.get_template(ui_db, "feeding_tube").active
    assert _rows(dialog)[3][2] == "Retired" and dialog.heading.text() == "Feeding tube (version 1), retired"
    assert "no longer offered" in dialog.status.text()
    assert dialog.retire_button.text() == "&Reinstate"
    dialog.show_retired.setChecked(False)
    settle(qtbot)
    assert "Feeding tube" not in [r[0] for r in _rows(dialog)]
    dialog.show_retired.setChecked(True)
    settle(qtbot)
    dialog.table.selectRow(3)
    qtbot.mouseClick(dialog.retire_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert template_store.get_template(ui_db, "feeding_tube").active and _rows(dialog)[3][2] == "In use"


def test_a_conflicting_retire_is_refused_and_shown(qtbot, make_window, ui_db, answers):
    _, dialog = _open(qtbot, make_window, ui_db)
    dialog.table.selectRow(0)
    template_store.set_active(ui_db, "newly_diagnosed", False, actor="Someone Else")  # after the window read it
    qtbot.mouseClick(dialog.retire_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert answers.errors and "Someone Else changed the starter plan 'newly_diagnosed'" in answers.errors[-1]
    assert _rows(dialog)[0][2] == "Retired"  # the window now shows their change


def test_save_the_open_plan_as_a_new_template(qtbot, make_window, ui_db, answers, monkeypatch):
    window, dialog = _open(qtbot, make_window, ui_db)
    dialog.close()
    for code in ("pt_walker", "nut_weight_check"):
        pick(qtbot, window, code)
    window.actions["templates"].trigger()
    dialog = [d for d in window.findChildren(TemplatesWindow) if d.isVisible()][0]
    settle(qtbot)
    assert dialog.save_plan_button.isEnabled()

    def answer(parent: Any, found: Any, taken: set[str]) -> Any:
        form = NewTemplateDialog(parent, found, taken)
        qtbot.addWidget(form)
        type_text(form.code, "newly_diagnosed")
        type_text(form.title, "Falls <b>& safety</b> 😀")
        form.applies.setPlainText("שלום after a fall")
        form._accept()
        assert "already used" in form.problem.text() and form.result() != form.DialogCode.Accepted
        form.code.clear()
        type_text(form.code, "clinic_falls")
        if os.environ.get("CAREPLAN_SHOTS_DIR"):
            form.grab().save(str(Path(os.environ["CAREPLAN_SHOTS_DIR"]) / "new-template-form.png"))
        form._accept()
        assert form.result() == form.DialogCode.Accepted
        return form.template()

    monkeypatch.setattr(templates_window, "ask_new_template", answer)
    with qtbot.waitSignal(window.changesApplied, timeout=5000):
        qtbot.mouseClick(dialog.save_plan_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    saved = template_store.get_template(ui_db, "clinic_falls")
    assert [i.code for i in saved.items] == ["pt_walker", "nut_weight_check"]
    assert saved.title == "Falls <b>& safety</b> 😀" and saved.custom and saved.edited_by == "Nurse Test"
    assert dialog.current is not None and dialog.current.code == "clinic_falls"
    assert dialog.heading.text() == "Falls <b>& safety</b> 😀 (version 1)"  # plain text, never markup
    _shots(dialog, "templates-own")
    # Plan > Apply template… offers it, marked as the clinic's own (an import may share a shipped title).
    offered = TemplateDialog(template_store.list_templates(ui_db), lambda t: (), None)
    qtbot.addWidget(offered)
    assert offered.list.item(offered.list.count() - 1).text() == "Falls <b>& safety</b> 😀 (version 1, clinic's own)"
    assert offered.list.item(0).text() == "Newly diagnosed (version 1)"


def _shots(dialog: TemplatesWindow, name: str) -> None:
    folder = os.environ.get("CAREPLAN_SHOTS_DIR")
    if not folder:
        return
    for w, h in ((1280, 720), (1920, 1080)):
        dialog.resize(w, h)
        dialog.grab().save(str(Path(folder) / f"{name}-{w}x{h}.png"))
