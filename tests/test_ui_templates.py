"""Plan > Apply template…: the preview, one undoable step, and the save reason naming the template."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from careplan.services import plans as plan_service
from careplan.services.templates import shipped_templates
from careplan.ui import template_apply
from careplan.ui.template_apply import TemplateDialog

pytest.register_assert_rewrite("tests.ui_fixtures")  # before it is imported below
from tests.ui_fixtures import new_patient, pick, press, settle  # noqa: E402 (after register_assert_rewrite)

pytest_plugins = ["tests.ui_fixtures"]

CTRL = Qt.KeyboardModifier.ControlModifier


def get_template(code: str) -> Any:
    """A shipped template: what ui_db (synced from the shipped file) holds."""
    return next(t for t in shipped_templates() if t.code == code)


def _open(qtbot: Any, make_window: Any, ui_db: Any) -> tuple[Any, Any]:
    p = new_patient(ui_db)
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    return window, p


def _answer_with_dialog(monkeypatch: pytest.MonkeyPatch, qtbot: Any, title: str, seen: list[list[str]]) -> None:
    """Drive the real dialog: pick the template by its row, read the preview, press its OK button."""
    def choose(parent: Any, templates: Any, preview: Any) -> Any:
        dialog = TemplateDialog(templates, preview, parent)
        qtbot.addWidget(dialog)
        dialog.list.setCurrentRow([t.title for t in templates].index(title))
        seen.append([dialog.items.item(i).text() for i in range(dialog.items.count())])
        if not dialog.ok.isEnabled():
            return None
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
        assert dialog.result() == dialog.DialogCode.Accepted
        return dialog.template, dialog.to_add

    monkeypatch.setattr(template_apply, "choose_template", choose)


def test_apply_previews_adds_missing_items_as_one_undo_step_and_names_it_in_the_reason(
        qtbot, make_window, ui_db, answers, monkeypatch):
    window, p = _open(qtbot, make_window, ui_db)
    editor = window.editor
    pick(qtbot, window, "pt_walker")  # already in the plan: the template must leave it alone
    before = editor.doc.content
    seen: list[list[str]] = []
    _answer_with_dialog(monkeypatch, qtbot, "Walking getting harder", seen)
    action = window.actions["apply_template"]
    assert action.objectName() == "actionApplyTemplate" and action.text() == "Apply &template\u2026"
    action.trigger()  # Plan > Apply template…
    settle(qtbot)  # the templates are read off the GUI thread, then the dialog opens
    template = get_template("walking_harder")
    expected = [t.code for t in template.items if t.code != "pt_walker"]
    assert [i.key for i in editor.doc.content.items] == ["pt_walker", *expected]
    assert len(seen[0]) == len(expected) and not any("Walker" in line for line in seen[0])
    assert "Pat Physio (Physiotherapist)" in seen[0][0]  # who helps: the patient's own physiotherapist
    assert editor.undo.count() == 2  # the pick, then the whole template as ONE step
    editor.undo.undo()
    assert editor.doc.content == before  # exactly as it was
    editor.undo.redo()
    answers.first_reason = "Template Walking getting harder v1: walking review"
    with qtbot.waitSignal(editor.saver.saved, timeout=5000):
        press(qtbot, window, Qt.Key.Key_S, CTRL)
    assert answers.reason_prefills == ["Template Walking getting harder v1: "]
    saved = plan_service.get_revision(ui_db, p.id, 1)
    assert saved.reason.startswith("Template Walking getting harder v1: ")
    assert [i.catalogue_code for i in saved.content.items] == ["pt_walker", *expected]


def test_nothing_to_add_disables_the_button_and_changes_nothing(qtbot, make_window, ui_db, answers, monkeypatch):
    window, _ = _open(qtbot, make_window, ui_db)
    editor = window.editor
    for item in get_template("last_months").items:
        pick(qtbot, window, item.code)
    steps = editor.undo.count()
    seen: list[list[str]] = []
    _answer_with_dialog(monkeypatch, qtbot, "Last months of life", seen)
    assert template_apply.apply_to_editor(editor)
    settle(qtbot)
    assert seen == [["Everything in this starter plan is already in the plan: nothing to add."]]
    assert editor.undo.count() == steps


def test_undoing_the_template_clears_the_reason_prefill(qtbot, make_window, ui_db, answers, monkeypatch):
    window, _ = _open(qtbot, make_window, ui_db)
    editor = window.editor
    _answer_with_dialog(monkeypatch, qtbot, "Starting NIV", [])
    assert template_apply.apply_to_editor(editor)
    settle(qtbot)
    assert template_apply.reason_hint(editor.undo) == "Template Starting NIV v1: "
    editor.undo.undo()
    assert template_apply.reason_hint(editor.undo) == ""


def test_the_dialog_shows_each_template_with_when_and_sources(qtbot):
    dialog = TemplateDialog(shipped_templates(), lambda t: (), None)
    qtbot.addWidget(dialog)
    assert dialog.list.count() == 5
    dialog.list.setCurrentRow(2)
    assert "FVC below 50%" in dialog.about.text() and "NICE NG42" in dialog.about.text()
    assert not dialog.ok.isEnabled()


def test_a_discharged_patients_plan_refuses_a_template_without_asking(qtbot, make_window, ui_db, answers, monkeypatch):
    from datetime import date

    from careplan.domain.lifecycle import DischargeReason
    from careplan.services import lifecycle

    p = new_patient(ui_db)
    lifecycle.discharge(ui_db, p.id, reason=DischargeReason.MOVED, version=p.version, actor="nurse", on=date(2026, 3, 2))
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    editor = window.editor
    asked: list[str] = []
    monkeypatch.setattr(template_apply, "choose_template", lambda *a: asked.append("dialog"))
    with qtbot.waitSignal(editor.message) as told:
        assert template_apply.apply_to_editor(editor) is False
    assert asked == [] and "read-only" in told.args[0]
    assert editor.undo.count() == 0 and not editor.doc.modified


def test_every_template_applied_then_undone_leaves_the_plan_exactly_as_it_was(qtbot, make_window, ui_db, answers,
                                                                              monkeypatch):
    """Done when (issue 17): one Undo takes a whole template back out, whatever the plan held."""
    window, _ = _open(qtbot, make_window, ui_db)
    editor = window.editor
    for code in ("pt_walker", "nut_weight_check", "pal_advance_care_planning"):  # items several templates name
        pick(qtbot, window, code)
    before, steps = editor.doc.content, editor.undo.count()
    for template in shipped_templates():
        _answer_with_dialog(monkeypatch, qtbot, template.title, [])
        assert template_apply.apply_to_editor(editor)
        settle(qtbot)
        assert editor.undo.count() == steps + 1 and editor.doc.content != before
        editor.undo.undo()
        assert editor.doc.content == before
        assert template_apply.reason_hint(editor.undo) == ""
        editor.undo.redo()
        editor.undo.undo()
        assert editor.doc.content == before
