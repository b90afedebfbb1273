"""A prompt accepted in the editor and lost to a crash before saving: the recovered draft keeps the
acceptance, and saving the recovered plan records the decision, as saving before the crash would
have (issue 14 leftover). Driven through the real start-up recovery and the real widgets."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from careplan.services import plans as plan_service
from careplan.services import prompts as prompt_service
from careplan.services.prompt_store import decisions_for
from careplan.services.rules import sync_rules
from careplan.ui import prompt_decisions

pytest.register_assert_rewrite("tests.ui_fixtures")  # before it is imported below
from tests.test_ui_prompts import card_with_items, open_strip, patient_with_fvc  # noqa: E402
from tests.test_ui_recovery import crash  # noqa: E402
from tests.ui_fixtures import press  # noqa: E402

pytest_plugins = ["tests.ui_fixtures"]

CTRL = Qt.KeyboardModifier.ControlModifier
LEFT = Qt.MouseButton.LeftButton
KING_4B = "4,4,4,4,4a,4,4,3,4,4,4,2"  # item 12 below 4 with FVC 45: NIV, and King's 4B with two items


@pytest.fixture(autouse=True)
def _shipped_rules(ui_db: Any) -> None:
    sync_rules(ui_db)


def accept_then_crash(qtbot: Any, make_window: Any, ui_db: Any) -> tuple[Any, str, str, Any]:
    """Accept the prompt with the most items, wait for the autosave, then lose the window."""
    p = patient_with_fvc(ui_db, 45, scores=KING_4B)
    window, strip = open_strip(qtbot, make_window, ui_db, p.id)
    card = card_with_items(strip)
    rule, hint = card.prompt.rule, prompt_service.accepted_reason(card.prompt)
    with qtbot.waitSignal(window.editor.saver.draftKept, timeout=5000):
        qtbot.mouseClick(card.accept, LEFT)
    expected = window.editor.doc.content
    crash(qtbot, window)
    return p, rule, hint, expected


def recover(qtbot: Any, make_window: Any, answers: Any, pid: int) -> Any:
    answers.startup_recovery = True
    window = make_window(offer_recovery=True)
    qtbot.waitUntil(lambda: window.editor.doc.patient_id == pid)
    strip = window.editor.prompts_strip
    qtbot.waitUntil(lambda: not strip.busy, timeout=10_000)
    return window


def test_a_recovered_draft_keeps_the_acceptance_and_the_save_records_it(qtbot, make_window, ui_db, answers):
    p, rule, hint, expected = accept_then_crash(qtbot, make_window, ui_db)
    draft = plan_service.load_draft(ui_db, p.id, "Nurse Test")
    assert draft is not None and draft.accepted == ((rule, hint),)
    assert plan_service.load_plan(ui_db, p.id).latest is None  # never saved
    with ui_db.reading() as s:
        assert decisions_for(s, [p.id]) == {}  # and nothing decided yet

    again = recover(qtbot, make_window, answers, p.id)
    editor = again.editor
    assert editor.doc.content == expected
    assert prompt_decisions.accepted_rules(editor.undo) == (rule,)
    card = editor.prompts_strip.card(rule)
    assert card is not None and card.pending  # shown as accepted in the working plan, as before the crash
    answers.first_reason = "NIV and cough assist discussed"
    with qtbot.waitSignal(editor.saver.saved, timeout=5000):
        press(qtbot, again, Qt.Key.Key_S, CTRL)
    assert answers.reason_prefills == [hint + ": "]  # the save reason names the prompt, as it would have
    with ui_db.reading() as s:
        [decision] = decisions_for(s, [p.id])[p.id]
    assert (decision.rule, decision.decision, decision.actor) == (rule, "accepted", "Nurse Test")
    assert decision.reason == "NIV and cough assist discussed"
    decided = {q.rule: q for q in prompt_service.prompts_for(ui_db, p.id)}
    assert rule not in decided or decided[rule].state == "accepted"
    assert plan_service.load_draft(ui_db, p.id, "Nurse Test") is None


def test_undoing_the_recovery_before_saving_records_no_decision(qtbot, make_window, ui_db, answers):
    p, rule, _hint, _expected = accept_then_crash(qtbot, make_window, ui_db)
    again = recover(qtbot, make_window, answers, p.id)
    editor = again.editor
    editor.undo.undo()  # the recovered changes out again, acceptance and all
    assert prompt_decisions.accepted_rules(editor.undo) == ()
    editor.fields.status.setCurrentIndex((editor.fields.status.currentIndex() + 1) % editor.fields.status.count())
    answers.first_reason = "status only"
    with qtbot.waitSignal(editor.saver.saved, timeout=5000):
        press(qtbot, again, Qt.Key.Key_S, CTRL)
    assert answers.reason_prefills == [""]
    with ui_db.reading() as s:
        assert decisions_for(s, [p.id]) == {}
    assert rule in [q.rule for q in prompt_service.prompts_for(ui_db, p.id) if q.state == "open"]


def test_an_acceptance_undone_before_the_crash_is_not_in_the_draft(qtbot, make_window, ui_db, answers):
    p = patient_with_fvc(ui_db, 45, scores=KING_4B)
    window, strip = open_strip(qtbot, make_window, ui_db, p.id)
    card = card_with_items(strip)
    qtbot.mouseClick(card.accept, LEFT)
    window.editor.undo.undo()
    window.editor.fields.status.setCurrentIndex(
        (window.editor.fields.status.currentIndex() + 1) % window.editor.fields.status.count())
    with qtbot.waitSignal(window.editor.saver.draftKept, timeout=5000):
        pass
    crash(qtbot, window)
    draft = plan_service.load_draft(ui_db, p.id, "Nurse Test")
    assert draft is not None and draft.accepted == ()
