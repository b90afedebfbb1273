"""The guideline prompts strip in the plan editor, through its real widgets: Accept as one undoable
step recorded with the save, Dismiss only with a reason, a refresh after an assessment is saved,
read-only for a patient who is not active, and texts shown as written (never as markup)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from careplan.domain.course import Assessment, parse_alsfrs
from careplan.services import course as course_service
from careplan.services import plans as plan_service
from careplan.services import prompts as prompt_service
from careplan.services.clock import today
from careplan.services.patients import update_patient
from careplan.services.prompts import Prompt, Trigger
from careplan.services.rules import sync_rules
from careplan.ui import prompt_decisions
from careplan.ui.assessments_window import AssessmentsWindow
from careplan.ui.dialog_kit import local_day
from careplan.ui.prompt_card import PromptCard
from careplan.ui.prompt_decisions import DismissDialog

pytest.register_assert_rewrite("tests.ui_fixtures")  # before it is imported below
from tests.ui_fixtures import new_patient, press, settle  # noqa: E402 (after register_assert_rewrite)

pytest_plugins = ["tests.ui_fixtures"]

CTRL = Qt.KeyboardModifier.ControlModifier
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture(autouse=True)
def _shipped_rules(ui_db: Any) -> None:
    sync_rules(ui_db)  # the app does this at start-up, as it does for the catalogue


def patient_with_fvc(db: Any, fvc: float | None, *, day: date = date(2026, 3, 2), scores: str | None = None) -> Any:
    p = new_patient(db)
    p = update_patient(db, replace(p, onset_date=date(2025, 1, 1), diagnosis_date=date(2025, 11, 1),
                                   usual_weight_kg=80.0, height_cm=175.0), actor="setup")
    if fvc is not None:
        course_service.add_assessment(db, p.id, Assessment(day, "Nurse Setup", fvc_pct=fvc, weight_kg=79.0,
                                                           alsfrs=parse_alsfrs(scores) if scores else None))
    return p


def open_strip(qtbot: Any, make_window: Any, db: Any, pid: int) -> tuple[Any, Any]:
    window = make_window()
    window.open_patient(pid)
    settle(qtbot)
    strip = window.editor.prompts_strip
    qtbot.waitUntil(lambda: not strip.busy, timeout=10_000)
    if strip.cards and not strip.toggle.isChecked():
        qtbot.mouseClick(strip.toggle, LEFT)  # a small test window starts with the strip collapsed
    return window, strip


def open_rules(db: Any, pid: int) -> list[str]:
    return [p.rule for p in prompt_service.prompts_for(db, pid) if p.state == "open"]


def card_with_items(strip: Any) -> Any:
    """The prompt whose Accept adds the most items (King's 4B suggests NIV and cough assist)."""
    editor = strip.editor
    present = {i.catalogue_code for i in editor.doc.content.items}
    return max(strip.cards, key=lambda c: len(set(c.prompt.suggested_items) - present))


def test_accept_adds_the_items_as_one_undo_step_and_the_save_records_the_decision(qtbot, make_window, ui_db,
                                                                                    answers):
    p = patient_with_fvc(ui_db, 45, scores="4,4,4,4,4a,4,4,3,4,4,4,2")  # item 12 below 4: King's 4B
    window, strip = open_strip(qtbot, make_window, ui_db, p.id)
    editor = window.editor
    assert strip.isVisible() and strip.cards, strip.summary.full_text
    assert [c.prompt.rule for c in strip.cards] == open_rules(ui_db, p.id)
    card = card_with_items(strip)
    rule, suggested = card.prompt.rule, card.prompt.suggested_items
    before, steps = editor.doc.content, editor.undo.count()
    qtbot.mouseClick(card.accept, LEFT)
    added = [i.catalogue_code for i in editor.doc.content.items if i not in before.items]
    assert len(added) >= 2 and set(added) == set(suggested)
    assert editor.undo.count() == steps + 1  # every suggested item in ONE step
    assert card.pending and card.because.full_text.startswith("Accepted: save the plan")
    assert "accepted in the working plan" in strip.summary.full_text
    editor.undo.undo()
    assert editor.doc.content == before  # exactly as it was
    assert not card.pending and card.because.full_text.startswith("Because: ")
    editor.undo.redo()
    answers.first_reason = "NIV discussed at clinic"
    with qtbot.waitSignal(editor.saver.saved, timeout=5000):
        press(qtbot, window, Qt.Key.Key_S, CTRL)
    settle(qtbot)
    hint = prompt_service.accepted_reason(card.prompt)
    assert answers.reason_prefills == [hint + ": "]
    saved = plan_service.get_revision(ui_db, p.id, 1)
    assert set(added) <= {i.catalogue_code for i in saved.content.items}
    decided = {q.rule: q for q in prompt_service.prompts_for(ui_db, p.id)}[rule]
    assert (decided.state, decided.decided_by) == ("accepted", "Nurse Test")
    qtbot.waitUntil(lambda: not strip.busy)
    assert strip.card(rule) is None  # decided: no longer offered


def test_an_accept_undone_before_saving_records_nothing(qtbot, make_window, ui_db, answers):
    p = patient_with_fvc(ui_db, 45)
    window, strip = open_strip(qtbot, make_window, ui_db, p.id)
    editor = window.editor
    card = card_with_items(strip)
    rule = card.prompt.rule
    qtbot.mouseClick(card.accept, LEFT)
    editor.undo.undo()
    editor.fields.status.setCurrentIndex((editor.fields.status.currentIndex() + 1) % editor.fields.status.count())
    answers.first_reason = "status only"
    with qtbot.waitSignal(editor.saver.saved, timeout=5000):
        press(qtbot, window, Qt.Key.Key_S, CTRL)
    settle(qtbot)
    assert answers.reason_prefills == [""]
    assert rule in open_rules(ui_db, p.id)


def _drive_dismiss_dialog(monkeypatch: pytest.MonkeyPatch, qtbot: Any, typed: str, seen: list[bool]) -> None:
    """The real dialog: Dismiss stays disabled until a reason is written."""
    def ask(parent: Any, prompt: Prompt) -> Any:
        dialog = DismissDialog(prompt, parent)
        qtbot.addWidget(dialog)
        seen.append(dialog.ok.isEnabled())
        qtbot.keyClicks(dialog.edit, "   ")
        seen.append(dialog.ok.isEnabled())
        dialog.edit.clear()
        ascii_part = typed.encode("ascii", "ignore").decode()
        qtbot.keyClicks(dialog.edit, ascii_part)  # QTest types ASCII only; the rest arrives as pasted text
        dialog.edit.insertPlainText(typed[len(ascii_part):])
        seen.append(dialog.ok.isEnabled())
        if not dialog.ok.isEnabled():
            return None
        qtbot.mouseClick(dialog.ok, LEFT)
        return dialog.reason() if dialog.result() == dialog.DialogCode.Accepted else None

    monkeypatch.setattr(prompt_decisions, "ask_dismiss_reason", ask)


def test_dismiss_needs_a_written_reason_and_the_strip_refreshes(qtbot, make_window, ui_db, answers, monkeypatch):
    p = patient_with_fvc(ui_db, 45)
    window, strip = open_strip(qtbot, make_window, ui_db, p.id)
    card = strip.cards[0]
    rule, count = card.prompt.rule, len(strip.cards)
    seen: list[bool] = []
    _drive_dismiss_dialog(monkeypatch, qtbot, "Declines NIV for now <b>&amp;</b> \u05e9\u05dc\u05d5\u05dd", seen)
    with qtbot.waitSignal(strip.loaded, timeout=5000):
        qtbot.mouseClick(card.dismiss, LEFT)
    assert seen == [False, False, True]
    assert strip.card(rule) is None and len(strip.cards) == count - 1
    decided = {q.rule: q for q in prompt_service.prompts_for(ui_db, p.id)}[rule]
    assert (decided.state, decided.decided_by) == ("dismissed", "Nurse Test")
    assert decided.reason == "Declines NIV for now <b>&amp;</b> \u05e9\u05dc\u05d5\u05dd"
    assert window.editor.undo.count() == 0  # a dismissal is not an edit of the plan


def test_a_cancelled_dismissal_stores_nothing(qtbot, make_window, ui_db, answers, monkeypatch):
    p = patient_with_fvc(ui_db, 45)
    window, strip = open_strip(qtbot, make_window, ui_db, p.id)
    before = open_rules(ui_db, p.id)
    seen: list[bool] = []
    _drive_dismiss_dialog(monkeypatch, qtbot, "", seen)
    assert strip.dismiss(strip.cards[0].prompt.rule) is False
    assert seen == [False, False, False]
    settle(qtbot)
    assert open_rules(ui_db, p.id) == before


def test_the_strip_refreshes_after_an_assessment_is_saved(qtbot, make_window, ui_db, answers):
    p = patient_with_fvc(ui_db, 95, day=date(2026, 1, 5))
    window, strip = open_strip(qtbot, make_window, ui_db, p.id)
    first = {c.prompt.rule for c in strip.cards}
    press(qtbot, window, Qt.Key.Key_A, CTRL | Qt.KeyboardModifier.ShiftModifier)
    settle(qtbot)
    dialog = window.findChild(AssessmentsWindow)
    assert dialog is not None
    form = dialog.form.form
    form.numbers["fvc_pct"].setText("45")
    with qtbot.waitSignal(strip.loaded, timeout=5000), qtbot.waitSignal(dialog.saved, timeout=5000):
        qtbot.mouseClick(dialog.form.save_button, LEFT)
    now = {c.prompt.rule for c in strip.cards}
    assert now - first, (first, now)  # FVC 45 opened a breathing prompt the strip now shows
    assert now == set(open_rules(ui_db, p.id))


def test_a_discharged_patients_prompts_are_read_only(qtbot, make_window, ui_db, answers):
    from careplan.domain.lifecycle import DischargeReason
    from careplan.services import lifecycle

    p = patient_with_fvc(ui_db, 45)
    lifecycle.discharge(ui_db, p.id, reason=DischargeReason.MOVED, version=p.version, actor="nurse",
                        on=date(2026, 3, 3))
    window, strip = open_strip(qtbot, make_window, ui_db, p.id)
    assert strip.cards
    for card in strip.cards:
        assert not card.accept.isEnabled() and not card.dismiss.isEnabled()
        assert card.accept.toolTip() == window.editor.read_only_reason
    assert strip.accept(strip.cards[0].prompt.rule) is False
    assert window.editor.undo.count() == 0


def test_no_open_prompts_collapse_the_strip_to_one_line(qtbot, make_window, ui_db, answers):
    p = patient_with_fvc(ui_db, 95, day=date(2026, 1, 5))
    window, strip = open_strip(qtbot, make_window, ui_db, p.id)
    for rule in open_rules(ui_db, p.id):
        prompt_service.dismiss(ui_db, p.id, rule, reason="not now", actor="setup")
    strip.reload()
    qtbot.waitUntil(lambda: not strip.busy)
    assert strip.cards == [] and not strip.body.isVisible() and not strip.toggle.isVisible()
    assert strip.summary.full_text == "Guideline prompts: none open for this patient."


def test_the_prompts_are_reached_with_the_keyboard(qtbot, make_window, ui_db, answers):
    p = patient_with_fvc(ui_db, 45)
    window = make_window()
    window.open_patient(p.id)
    settle(qtbot)
    strip = window.editor.prompts_strip
    qtbot.waitUntil(lambda: not strip.busy)
    window.editor.items.setFocus()
    press(qtbot, window, Qt.Key.Key_G, CTRL)  # Edit > Go to guideline prompts, from anywhere in the plan
    assert strip.body.isVisible() and window.focusWidget() is strip.cards[0].accept
    strip.toggle.setFocus()
    qtbot.keyClick(strip.toggle, Qt.Key.Key_Tab)
    card = strip.cards[0]
    assert window.focusWidget() is card.why
    qtbot.keyClick(card.why, Qt.Key.Key_Space)
    assert card.details.isVisible() and card.prompt.source in card.details.text()
    qtbot.keyClick(card.why, Qt.Key.Key_Tab)
    assert window.focusWidget() is card.accept


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=TEXT, what=TEXT, value=TEXT, rationale=TEXT, source=TEXT)
def test_every_shown_text_is_plain_never_markup(qtbot, title, what, value, rationale, source):
    prompt = Prompt(rule="r1", title=title, triggered_by=(Trigger(what, value, date(2026, 3, 2)),),
                    rationale=rationale, source=source, suggested_items=("resp_niv",), state="open",
                    decided_by=None, decided_at=None, reason=None)
    card = PromptCard(prompt, ["Breathing support <i>NIV</i>"])
    qtbot.addWidget(card)
    labels = card.findChildren(QLabel)
    assert labels and all(label.textFormat() == Qt.TextFormat.PlainText for label in labels)
    assert card.title.full_text == title
    assert card.because.full_text == f"Because: {what} {value} (2 Mar 2026)"
    assert rationale in card.details.text() and source in card.details.text()
    assert "Breathing support <i>NIV</i>" in card.details.text()


def test_the_worklist_lists_open_prompts_and_follows_a_dismissal(qtbot, make_window, ui_db, answers, monkeypatch):
    p = patient_with_fvc(ui_db, 45)
    window = make_window()
    settle(qtbot)
    model = window.worklist.model

    def prompt_rows() -> list[tuple[str, str, str]]:
        rows = [(model.index(r, 0).data(), model.index(r, 2).data(), model.index(r, 3).data())
                for r in range(model.rowCount())]
        return [r for r in rows if r[1].startswith("Guideline prompts")]

    n = len(open_rules(ui_db, p.id))
    assert prompt_rows() == [("Alice Example", f"Guideline prompts: {n} open", f"As of {local_day(today())}")]
    assert "patient with guideline prompts" in window.worklist.summary.text()
    window.open_patient(p.id)
    settle(qtbot)
    strip = window.editor.prompts_strip
    qtbot.waitUntil(lambda: not strip.busy)
    monkeypatch.setattr(prompt_decisions, "ask_dismiss_reason", lambda parent, prompt: "Not for now")
    with qtbot.waitSignal(strip.loaded, timeout=5000):
        assert strip.dismiss(strip.prompts[0].rule)
    window.go_home()
    settle(qtbot)
    qtbot.waitUntil(lambda: not window.worklist.busy)
    expected = [("Alice Example", f"Guideline prompts: {n - 1} open")] if n > 1 else []
    assert [r[:2] for r in prompt_rows()] == expected


def test_an_accept_carried_over_a_conflict_is_still_recorded_with_the_save(qtbot, make_window, ui_db, answers):
    from careplan.services.prompt_store import decisions_for
    from tests.test_worklist import save_plan

    p = patient_with_fvc(ui_db, 45, scores="4,4,4,4,4a,4,4,3,4,4,4,2")
    save_plan(ui_db, p.id, date(2026, 5, 1))
    window, strip = open_strip(qtbot, make_window, ui_db, p.id)
    editor = window.editor
    card = card_with_items(strip)
    rule, hint = card.prompt.rule, prompt_service.accepted_reason(card.prompt)
    qtbot.mouseClick(card.accept, LEFT)
    rev1 = plan_service.load_plan(ui_db, p.id).latest
    plan_service.save_revision(ui_db, p.id, base_revision=1, content=replace(rev1.content, next_review=date(2026, 6, 1)),
                               author="Other Nurse", reason="Review moved")
    answers.conflict = lambda parent, error, mine: True
    answers.reason = hint + ": at clinic"
    with qtbot.waitSignal(window.ops.jobDone, timeout=5000, check_params_cb=lambda name: name == "save"):
        press(qtbot, window, Qt.Key.Key_S, CTRL)
    assert editor.doc.base_number == 2  # my edits now sit on their revision, as whole-plan steps
    assert prompt_decisions.accepted_rules(editor.undo) == (rule,)
    assert strip.card(rule) is not None and strip.card(rule).pending
    with qtbot.waitSignal(editor.saver.saved, timeout=5000):
        press(qtbot, window, Qt.Key.Key_S, CTRL)
    assert answers.reason_prefills == [hint + ": ", hint + ": "]
    with ui_db.reading() as s:
        [decision] = decisions_for(s, [p.id])[p.id]
    assert (decision.rule, decision.decision, decision.actor) == (rule, "accepted", "Nurse Test")
    assert plan_service.get_revision(ui_db, p.id, 3).content.next_review == date(2026, 6, 1)


def test_retiring_a_rule_in_the_rules_window_takes_its_prompt_away_and_bringing_it_back_returns_it(
        qtbot, make_window, ui_db, answers, monkeypatch):
    from careplan.services.rules import get_rule
    from careplan.ui import dialog_kit
    from careplan.ui.rules_window import RulesWindow

    p = patient_with_fvc(ui_db, 45)
    window, strip = open_strip(qtbot, make_window, ui_db, p.id)
    rule = strip.cards[0].prompt.rule
    window.actions["rules"].trigger()  # Tools > Guideline rules…
    rules = window.findChild(RulesWindow)
    assert rules is not None
    qtbot.waitUntil(lambda: rules.model.rowCount() > 0)
    row = [r.code for r in rules.model.rules].index(rule)
    rules.table.selectRow(row)
    assert rules.current.code == rule and rules.toggle.text() == "&Retire\u2026"
    assert "When: " in rules.details.text() and rules.current.source in rules.details.text()
    asked: list[str] = []
    monkeypatch.setattr(dialog_kit, "ask_yes_no", lambda parent, title, question, yes, *a, **k: asked.append(yes) or True)
    with qtbot.waitSignal(strip.loaded, timeout=5000):
        qtbot.mouseClick(rules.toggle, LEFT)
    assert asked == ["Retire"] and not get_rule(ui_db, rule).active
    assert strip.card(rule) is None
    qtbot.waitUntil(lambda: rules.current is not None and not rules.current.active)
    assert rules.model.index(row, 3).data() == "Retired" and rules.toggle.text() == "&Bring back"
    with qtbot.waitSignal(strip.loaded, timeout=5000):
        qtbot.mouseClick(rules.toggle, LEFT)  # bringing back asks nothing
    assert asked == ["Retire"] and get_rule(ui_db, rule).active and strip.card(rule) is not None


def test_tooltips_show_rule_texts_as_written(qtbot):
    from PySide6.QtGui import QTextDocumentFragment

    hostile = "<b>NIV</b> & <i>now</i>  \u05e9\u05dc\u05d5\u05dd"
    prompt = Prompt(rule="r1", title=hostile, triggered_by=(), rationale=hostile, source="NICE <NG42>",
                    suggested_items=(), state="open", decided_by=None, decided_at=None, reason=None)
    card = PromptCard(prompt, [])
    qtbot.addWidget(card)
    shown = QTextDocumentFragment.fromHtml(card.title.toolTip()).toPlainText()
    assert hostile in shown and "Source: NICE <NG42>" in shown
    assert card.because.full_text == "Because: the rule's condition holds"


@pytest.mark.parametrize(("typed", "ok"), [("", False), (" \n\t ", False), ("x" * 2001, False), ("x" * 2000, True),
                                           ("Declines \U0001f600 \u05e9\u05dc\u05d5\u05dd <b>&</b>", True)])
def test_the_dismiss_dialog_names_what_is_wrong_with_the_reason(qtbot, typed, ok):
    prompt = Prompt(rule="r1", title="<b>T</b>", triggered_by=(), rationale="", source="", suggested_items=(),
                    state="open", decided_by=None, decided_at=None, reason=None)
    dialog = DismissDialog(prompt)
    qtbot.addWidget(dialog)
    dialog.edit.setPlainText(typed)
    assert dialog.ok.isEnabled() is ok
    assert (dialog.hint.text() == "") is ok
    if len(typed) > 2000:
        assert "2,000 characters (it has 2,001)" in dialog.hint.text()
    assert dialog.findChild(QLabel, "dismissPromptTitle").text() == "<b>T</b>"


def test_accepting_a_revisit_prompt_dates_the_item_today_in_one_undoable_step(qtbot, make_window, ui_db, answers):
    from careplan.domain.plan import PlanContent, PlanItem, PlanStatus
    from careplan.services.catalogue import get_item

    p = patient_with_fvc(ui_db, None)
    cat = get_item(ui_db, "pal_advance_care_planning")
    acp = PlanItem(uid=cat.code, catalogue_code=cat.code, discipline=cat.discipline, title=cat.title,
                   start_date=date(2024, 1, 10))
    plan_service.save_revision(ui_db, p.id, base_revision=0, author="Setup", reason="first plan",
                               content=PlanContent(status=PlanStatus.ACTIVE, start_date=date(2024, 1, 10),
                                                   items=(acp,)))
    window, strip = open_strip(qtbot, make_window, ui_db, p.id)
    editor = window.editor
    card = strip.card("acp_yearly")
    assert card is not None, [c.prompt.rule for c in strip.cards]
    before = editor.doc.content
    qtbot.mouseClick(card.accept, LEFT)
    assert editor.doc.item(cat.code).start_date == today() and len(editor.doc.content.items) == 1
    editor.undo.undo()
    assert editor.doc.content == before
    editor.undo.redo()
    answers.reason = "Reviewed wishes with the family"
    with qtbot.waitSignal(editor.saver.saved, timeout=5000):
        press(qtbot, window, Qt.Key.Key_S, CTRL)
    settle(qtbot)
    qtbot.waitUntil(lambda: not strip.busy)
    assert strip.card("acp_yearly") is None  # dated today: nothing to review for a year
