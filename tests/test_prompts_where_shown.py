"""Guideline prompts outside the editor: the worklist (service, `careplan worklist --json`) and the
clinician summary PDF read back. On SQLite and PostgreSQL where the data is the point."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from careplan.cli import main
from careplan.domain.course import Assessment
from careplan.persistence.engine import Database
from careplan.services import prompts as prompt_service
from careplan.services.catalogue import sync_catalogue
from careplan.services.course import add_assessment
from careplan.services.patients import get_patient, update_patient
from careplan.services.rules import sync_rules
from careplan.services.summary import export_summary
from careplan.services.worklist import WorkKind, prompt_work, worklist
from tests.test_printing_service import flat, pdf_text
from tests.test_worklist import add_patient, save_plan, set_status

if TYPE_CHECKING:
    from tests.clock_fixtures import FixedClock

pytest_plugins = ["tests.clock_fixtures"]  # fixed_clock
TODAY = date(2026, 6, 15)


def with_fvc(db: Database, mrn: str, name: str, fvc: float) -> int:
    sync_catalogue(db)
    sync_rules(db)  # the app does both at start-up
    pid = add_patient(db, mrn, name)
    update_patient(db, replace(get_patient(db, pid), onset_date=date(2025, 1, 1), diagnosis_date=date(2025, 10, 1),
                               usual_weight_kg=80.0, height_cm=175.0), actor="setup")
    add_assessment(db, pid, Assessment(date(2026, 6, 1), "Nurse Setup", fvc_pct=fvc, weight_kg=70.0))
    return pid


def open_count(db: Database, pid: int) -> int:
    return len([p for p in prompt_service.prompts_for(db, pid) if p.state == "open"])


def test_patients_with_open_prompts_are_on_the_worklist(db: Database, fixed_clock: FixedClock) -> None:
    fixed_clock.at(datetime(2026, 6, 15, 9, 0, tzinfo=UTC))
    low = with_fvc(db, "PR-LOW", "Lena Low-FVC", 45)
    gone = with_fvc(db, "PR-OUT", "Otto Discharged", 45)
    for pid in (low, gone):
        save_plan(db, pid, date(2026, 9, 1))  # a plan with a far review: only the prompts list them
    set_status(db, gone, "discharged")  # not active: never on the worklist
    n = open_count(db, low)
    assert n > 0
    rows = [i for i in worklist(db) if i.kind is WorkKind.PROMPTS]
    assert [(i.mrn, i.reason, i.count, i.date, i.days) for i in rows] == [
        ("PR-LOW", f"Guideline prompts: {n} open", n, TODAY, 0)]
    # One dismissed: the row says one fewer; all decided: the patient leaves the worklist.
    first = next(p for p in prompt_service.prompts_for(db, low) if p.state == "open")
    prompt_service.dismiss(db, low, first.rule, reason="Discussed; declines for now", actor="Nurse X")
    rows = [i for i in worklist(db) if i.kind is WorkKind.PROMPTS]
    assert [i.reason for i in rows] == ([f"Guideline prompts: {n - 1} open"] if n > 1 else [])
    for p in prompt_service.prompts_for(db, low):
        if p.state == "open":
            prompt_service.dismiss(db, low, p.rule, reason="not now", actor="Nurse X")
    assert not [i for i in worklist(db) if i.kind is WorkKind.PROMPTS]


def test_prompts_come_after_dated_work_most_prompts_first(sqlite_db: Database, fixed_clock: FixedClock) -> None:
    fixed_clock.at(datetime(2026, 6, 15, 9, 0, tzinfo=UTC))
    many = with_fvc(sqlite_db, "PR-A", "Ann Many", 25)
    few = with_fvc(sqlite_db, "PR-B", "Bob Few", 45)
    save_plan(sqlite_db, many, date(2026, 6, 20))  # due in 5 days: above every prompts row
    kinds = [(i.mrn, i.kind) for i in worklist(sqlite_db)]
    assert kinds[:2] == [("PR-B", WorkKind.NO_PLAN), ("PR-A", WorkKind.DUE_SOON)]
    assert {k for _, k in kinds[2:]} == {WorkKind.PROMPTS}
    prompt_rows = [i for i in worklist(sqlite_db) if i.kind is WorkKind.PROMPTS]
    counts = [i.count for i in prompt_rows]
    assert counts == sorted(counts, reverse=True) and {i.patient_id for i in prompt_rows} == {many, few}
    # The home screen reads the two parts apart (the prompts are slower); together they are the same list.
    assert worklist(sqlite_db, prompts=False) + prompt_work(sqlite_db) == worklist(sqlite_db)


def test_worklist_json_lists_the_new_kind_with_the_same_keys(sqlite_db: Database, fixed_clock: FixedClock,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    fixed_clock.at(datetime(2026, 6, 15, 9, 0, tzinfo=UTC))
    pid = with_fvc(sqlite_db, "PR-J", "Jo Json", 45)
    save_plan(sqlite_db, pid, date(2026, 9, 1))
    assert main(["worklist", "--json", "--db", str(sqlite_db.path)]) == 0
    rows = json.loads(capsys.readouterr().out)
    [row] = [r for r in rows if r["kind"] == "prompts"]
    assert set(row) == {"mrn", "name", "kind", "reason", "date", "days", "author"}  # the contract's keys, no fewer
    assert row == {"mrn": "PR-J", "name": "Jo Json", "kind": "prompts",
                   "reason": f"Guideline prompts: {open_count(sqlite_db, pid)} open", "date": "2026-06-15", "days": 0,
                   "author": None}


def test_the_summary_pdf_lists_open_prompts_and_every_decision(db: Database, tmp_path: Path,
                                                               fixed_clock: FixedClock) -> None:
    fixed_clock.at(datetime(2026, 6, 15, 9, 0, tzinfo=UTC))
    pid = with_fvc(db, "PR-S", "Sam Summary", 45)
    found = [p for p in prompt_service.prompts_for(db, pid) if p.state == "open"]
    assert len(found) >= 2
    dismissed, accepted, still_open = found[0], found[1], found[2:]
    prompt_service.dismiss(db, pid, dismissed.rule, reason="Declines NIV <b>for now</b> & later", actor="Dr <i>Y</i>")
    fixed_clock.at(datetime(2026, 6, 15, 10, 30, tzinfo=UTC))
    prompt_service.accept(db, pid, accepted.rule, actor="Nurse Z", reason="agreed at the MDT")
    out, _pages = export_summary(db, pid, tmp_path / "summary.pdf", actor="Dr B")
    text = flat(pdf_text(out))
    section = text[text.index("Guideline prompts"):text.index("Current plan")]
    for p in still_open:
        assert flat(p.title) in section
    local = {h: datetime(2026, 6, 15, h, m, tzinfo=UTC).astimezone() for h, m in ((9, 0), (10, 30))}
    # Newest first; markup printed as written.
    assert section.index(f"{local[10]:%Y-%m-%d %H:%M}") < section.index(f"{local[9]:%Y-%m-%d %H:%M}")
    assert "dismissed Dr <i>Y</i> Declines NIV <b>for now</b> & later" in section
    assert f"accepted Nurse Z {prompt_service.accepted_reason(accepted)}: agreed at the MDT" in section


def test_the_summary_says_when_no_prompt_waits(sqlite_db: Database, tmp_path: Path, fixed_clock: FixedClock) -> None:
    fixed_clock.at(datetime(2026, 6, 15, 9, 0, tzinfo=UTC))
    pid = with_fvc(sqlite_db, "PR-N", "Nia None", 95)
    for p in prompt_service.prompts_for(sqlite_db, pid):
        if p.state == "open":
            prompt_service.dismiss(sqlite_db, pid, p.rule, reason="not now", actor="Nurse X")
    out, _ = export_summary(sqlite_db, pid, tmp_path / "s.pdf", actor="Dr B")
    text = flat(pdf_text(out))
    assert "Guideline prompts No guideline prompt is waiting for a decision." in text


def test_prompt_and_rule_events_from_elsewhere_reach_the_screens() -> None:
    from careplan.services.changes import SeenEvent, changes_from_events

    at = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)
    decided = changes_from_events([SeenEvent(1, at, "cli", "prompt.dismissed", 7, None)])
    assert decided.touches_patient(7) and not decided.touches_rules()
    for action in ("rule.retired", "rule.reactivated", "rule.edited", "rules.seeded"):
        retired = changes_from_events([SeenEvent(2, at, "cli", action, None, None)])
        assert retired.touches_rules() and retired.anything() and not retired.touches_patient(7)
    assert not changes_from_events([SeenEvent(3, at, "cli", "pdf.exported", 7, None)]).touches_rules()
