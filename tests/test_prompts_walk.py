"""Issue 14's "done when": a demo-like patient walks through a realistic course, on both databases.

FVC 95 -> 70 -> 45 % predicted, weight 80 -> 76 -> 70 kg (usual 80). Each step says exactly
which prompts hold and where each stands after the coordinator's decisions: which open, which
close when accepted, which stay dismissed, and which come back when their facts or their rule
change.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from careplan.domain.course import Assessment, parse_alsfrs
from careplan.domain.plan import ItemStatus, PlanContent
from careplan.persistence.engine import Database
from careplan.services import audit, catalogue, prompts, rules
from careplan.services.course import add_assessment
from careplan.services.patients import update_patient
from careplan.services.plans import history, load_plan, save_revision
from tests.history_builders import make_patient

if TYPE_CHECKING:
    from tests.clock_fixtures import FixedClock

pytest_plugins = ["tests.clock_fixtures"]  # fixed_clock

ACCEPT, DISMISS, EDIT_RULE = "accept", "dismiss", "edit rule"

# (day, assessment, decisions made that day, {rule: state} after them)
WALK: list[tuple[date, dict[str, Any], list[tuple[str, str]], dict[str, str]]] = [
    # Diagnosis visit: only advance care planning is missing; accepting it closes the prompt.
    (date(2026, 1, 10), {"fvc_pct": 95, "weight_kg": 80, "alsfrs": "4,4,4,4,3a,4,4,3,4,4,4,4"},
     [(ACCEPT, "acp_at_diagnosis")],
     {}),
    # FVC 70 with orthopnoea, 5% weight lost, speech changing: three prompts open.
    (date(2026, 4, 10), {"fvc_pct": 70, "weight_kg": 76, "alsfrs": "3,4,4,4,3a,4,4,3,4,4,3,4"},
     [(DISMISS, "gastrostomy_before_10pct_loss"), (ACCEPT, "voice_banking_speech_declining"),
      (ACCEPT, "niv_symptoms_fvc_below_80")],
     {"niv_symptoms_fvc_below_80": "accepted", "gastrostomy_before_10pct_loss": "dismissed",
      "voice_banking_speech_declining": "accepted"}),
    # Weighed again at 76 kg: the same facts, so the dismissal holds.
    (date(2026, 5, 12), {"weight_kg": 76},
     [],
     {"niv_symptoms_fvc_below_80": "accepted", "gastrostomy_before_10pct_loss": "dismissed",
      "voice_banking_speech_declining": "accepted"}),
    # FVC 45, 70 kg: the dismissed weight prompt comes back (new weight); NIV is already in the
    # plan, so both NIV rules count as decided; advance care planning is due again.
    (date(2026, 7, 10), {"fvc_pct": 45, "weight_kg": 70, "alsfrs": "3,4,3,4,3a,4,4,3,4,3,3,4"},
     [],
     {"niv_fvc_below_50": "accepted", "niv_symptoms_fvc_below_80": "accepted",
      "gastrostomy_before_10pct_loss": "open", "gastrostomy_weight_loss_over_10": "open",
      "voice_banking_speech_declining": "accepted", "acp_after_major_change": "open"}),
    # Revisiting advance care planning re-dates the item, so that prompt goes; both weight
    # prompts are dismissed.
    (date(2026, 7, 11), {},
     [(ACCEPT, "acp_after_major_change"), (DISMISS, "gastrostomy_before_10pct_loss"),
      (DISMISS, "gastrostomy_weight_loss_over_10")],
     {"niv_fvc_below_50": "accepted", "niv_symptoms_fvc_below_80": "accepted",
      "gastrostomy_before_10pct_loss": "dismissed", "gastrostomy_weight_loss_over_10": "dismissed",
      "voice_banking_speech_declining": "accepted"}),
    # The clinic rewords one rule: only that dismissed prompt comes back.
    (date(2026, 7, 12), {},
     [(EDIT_RULE, "gastrostomy_weight_loss_over_10")],
     {"niv_fvc_below_50": "accepted", "niv_symptoms_fvc_below_80": "accepted",
      "gastrostomy_before_10pct_loss": "dismissed", "gastrostomy_weight_loss_over_10": "open",
      "voice_banking_speech_declining": "accepted"}),
]


def start_patient(db: Database) -> int:
    catalogue.sync_catalogue(db)
    rules.sync_rules(db)
    p = make_patient(db, "WALK-1")
    update_patient(db, replace(p, diagnosis_date=date(2026, 1, 5), onset_date=date(2025, 3, 1),
                               usual_weight_kg=80.0, height_cm=178.0), actor="t")
    pid = p.id or 0
    first = [catalogue.get_item(db, c) for c in ("resp_fvc_snip", "nut_weight_check", "pt_stretching")]
    from careplan.domain.plan import PlanItem

    items = tuple(PlanItem(uid=c.code, catalogue_code=c.code, discipline=c.discipline, title=c.title,
                           caregiver_instructions=c.caregiver_instructions, start_date=date(2026, 1, 10))
                  for c in first)
    save_revision(db, pid, base_revision=0, content=PlanContent(start_date=date(2026, 1, 10), items=items),
                  author="Nurse Ada", reason="First plan")
    return pid


def edit_rule(db: Database, code: str, tmp: Path) -> None:
    rule = rules.get_rule(db, code)
    path = tmp / "edited.yaml"
    path.write_text(rules.rules_as_yaml([replace(rule, rationale=rule.rationale + " Weigh weekly meanwhile.")]),
                    encoding="utf-8")
    assert rules.import_rules(db, path, actor="Dr Lead") == {"added": 0, "edited": 1, "unchanged": 0}


def test_the_walk(db: Database, fixed_clock: FixedClock, tmp_path: Path) -> None:
    fixed_clock.at(datetime(2026, 1, 10, 9, 0, tzinfo=UTC))
    pid = start_patient(db)
    for day, measured, decisions, expected in WALK:
        fixed_clock.at(datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC))
        if measured:
            values = dict(measured)  # WALK is shared by both databases' runs: never changed
            alsfrs = parse_alsfrs(values.pop("alsfrs")) if "alsfrs" in values else None
            add_assessment(db, pid, Assessment(assessed_on=day, author="Nurse Ada", alsfrs=alsfrs, **values))
        for action, rule in decisions:
            if action == ACCEPT:
                before = load_plan(db, pid).number
                rev = prompts.accept(db, pid, rule, actor="Nurse Ada")
                assert rev.number == before + 1 and rule in rev.reason
            elif action == DISMISS:
                prompts.dismiss(db, pid, rule, reason="Discussed; the patient wants to wait", actor="Nurse Ada")
            else:
                edit_rule(db, rule, tmp_path)
        got = {p.rule: p.state for p in prompts.prompts_for(db, pid)}
        assert got == expected, day
    # Accepting added each suggested item once; the plan never lost one.
    codes = [i.catalogue_code for i in load_plan(db, pid).content().items]
    assert sorted(codes) == sorted(set(codes))
    assert {"pal_advance_care_planning", "resp_niv", "slt_voice_banking", "slt_aac_assessment"} <= set(codes)
    acp = next(i for i in load_plan(db, pid).content().items if i.catalogue_code == "pal_advance_care_planning")
    assert acp.start_date == date(2026, 7, 11)  # re-dated by the revisit, not added twice
    reasons = [r.reason for r in history(db, pid)]
    assert sum("Accepted guideline prompt" in r for r in reasons) == 4
    actions = [e.action for e in audit.list_events(db, mrn="WALK-1")]
    assert actions.count("prompt.accepted") == 4 and actions.count("prompt.dismissed") == 3


def test_declined_items_count_as_decided(db: Database, fixed_clock: FixedClock) -> None:
    fixed_clock.at(datetime(2026, 1, 10, 9, 0, tzinfo=UTC))
    pid = start_patient(db)
    add_assessment(db, pid, Assessment(assessed_on=date(2026, 1, 10), author="Nurse Ada", fvc_pct=45))
    assert {p.rule: p.state for p in prompts.prompts_for(db, pid)}["niv_fvc_below_50"] == "open"
    state = load_plan(db, pid)
    niv = catalogue.get_item(db, "resp_niv")
    from careplan.domain.plan import PlanItem

    declined = PlanItem(uid="resp_niv", catalogue_code="resp_niv", discipline=niv.discipline, title=niv.title,
                        status=ItemStatus.DECLINED)
    content = state.content()
    save_revision(db, pid, base_revision=state.number, content=content.with_items(content.items + (declined,)),
                  author="Nurse Ada", reason="NIV offered, declined")
    [niv_prompt] = [p for p in prompts.prompts_for(db, pid) if p.rule == "niv_fvc_below_50"]
    assert niv_prompt.state == "accepted" and niv_prompt.decided_by is None
    assert niv_prompt.reason is not None and "declined" in niv_prompt.reason
    with pytest.raises(Exception, match="already in the plan"):
        prompts.accept(db, pid, "niv_fvc_below_50", actor="Nurse Ada")
