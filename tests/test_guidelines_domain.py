"""The condition evaluator against a plain restatement of each shipped rule, over generated facts;
and the decision logic: which rule text and which facts a decision holds for."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from careplan.domain.course import Alsfrs, Assessment, Item5Form, Provision
from careplan.domain.guideline_facts import PatientFacts, PlanEntry
from careplan.domain.guidelines import COMPARE, Decision, Rule, evaluate, holds, settle
from careplan.domain.staging import kings_from_alsfrs, months_between
from careplan.services.rules import load_rules_file

RULES = load_rules_file()
START = date(2025, 1, 1)
PLAN_CODES = ["resp_niv", "resp_cough_assist", "nut_gastrostomy_discussion", "nut_dietitian_support",
              "nut_fortified_food", "nut_feeding_tube", "pal_advance_care_planning", "slt_voice_banking",
              "slt_aac_assessment", "resp_fvc_snip", "nut_weight_check"]
STATUSES = ["planned", "active", "on_hold", "completed", "declined", "stopped"]

alsfrs = st.builds(lambda items, form: Alsfrs(tuple(items), form),
                   st.lists(st.integers(0, 4), min_size=12, max_size=12), st.sampled_from(list(Item5Form)))
maybe = st.none() | st.sampled_from(list(Provision))
assessment = st.builds(
    lambda day, **kw: Assessment(assessed_on=START + timedelta(days=day), author="t", **kw),
    st.integers(0, 900),
    alsfrs=st.none() | alsfrs,
    fvc_pct=st.none() | st.floats(1, 200).map(lambda x: round(x, 1)),
    snip_cmh2o=st.none() | st.integers(1, 150).map(float),
    weight_kg=st.none() | st.floats(40, 120).map(lambda x: round(x, 1)),
    niv=maybe, gastrostomy=maybe,
    kings_recorded=st.none() | st.sampled_from(["1", "2", "3", "4A", "4B"]),
)
entry = st.builds(PlanEntry, st.sampled_from(PLAN_CODES), st.sampled_from(STATUSES),
                  st.none() | st.integers(0, 900).map(lambda d: START + timedelta(days=d)))
facts = st.builds(
    lambda on, visits, **kw: PatientFacts(on=START + timedelta(days=on),
                                          assessments=tuple(sorted(visits, key=lambda a: a.assessed_on)), **kw),
    st.integers(0, 1000), st.lists(assessment, max_size=4),
    diagnosis_date=st.none() | st.integers(-400, 900).map(lambda d: START + timedelta(days=d)),
    usual_weight_kg=st.none() | st.floats(40, 120).map(lambda x: round(x, 1)),
    height_cm=st.none() | st.floats(140, 200),
    plan=st.lists(entry, max_size=5, unique_by=lambda e: e.code).map(tuple),
)


# --- the shipped rules, restated in plain Python -------------------------------------------------

def plain_truths(f: PatientFacts) -> set[str]:
    seen = [a for a in f.assessments if a.assessed_on <= f.on]

    def latest(attr: str) -> Any:
        return next((getattr(a, attr) for a in reversed(seen) if getattr(a, attr) is not None), None)

    fvc, snip, weight, scores = latest("fvc_pct"), latest("snip_cmh2o"), latest("weight_kg"), latest("alsfrs")
    item = (lambda n: scores.item(n)) if scores else (lambda n: None)
    loss = (f.usual_weight_kg - weight) / f.usual_weight_kg * 100 if weight and f.usual_weight_kg else None
    nutritional = any(a.gastrostomy is not None or a.kings_recorded == "4A"
                      or (a.alsfrs is not None and a.alsfrs.item5_form is Item5Form.WITH_GASTROSTOMY) for a in seen)
    respiratory = any(a.niv is not None or a.kings_recorded == "4B"
                      or (a.alsfrs is not None and kings_from_alsfrs(a.alsfrs).respiratory_failure) for a in seen)
    codes = {e.code for e in f.plan}

    def since(attr: str) -> float | None:
        last = next((a.assessed_on for a in reversed(seen) if getattr(a, attr) is not None), None)
        return None if last is None else months_between(last, f.on)

    acp = [e.dated for e in f.plan if e.code == "pal_advance_care_planning" and e.dated]
    acp_months = months_between(max(acp), f.on) if acp else None
    rules = {
        "niv_fvc_below_50": fvc is not None and fvc < 50,
        "niv_symptoms_fvc_below_80": fvc is not None and fvc < 80 and scores is not None
                                     and (item(10) < 4 or item(11) < 4),
        "niv_snip_below_40": snip is not None and snip < 40,
        "kings_4b_respiratory_failure": respiratory,
        "breathing_tests_due": since("fvc_pct") is None or since("fvc_pct") >= 3,  # type: ignore[operator]
        "gastrostomy_before_10pct_loss": loss is not None and loss >= 5,
        "gastrostomy_weight_loss_over_10": loss is not None and loss > 10,
        "gastrostomy_fvc_near_50": fvc is not None and 50 <= fvc < 60 and "nut_feeding_tube" not in codes,
        "kings_4a_nutritional_failure": nutritional,
        "weight_check_due": since("weight_kg") is None or since("weight_kg") >= 3,  # type: ignore[operator]
        "voice_banking_speech_declining": scores is not None and item(1) == 3,
        "aac_speech_hard_to_understand": scores is not None and item(1) <= 2,
        "acp_at_diagnosis": f.diagnosis_date is not None and f.diagnosis_date <= f.on
                            and "pal_advance_care_planning" not in codes,
        "acp_after_major_change": ((fvc is not None and fvc < 50) or respiratory or nutritional)
                                  and acp_months is not None and acp_months >= 3,
        "acp_yearly": acp_months is not None and acp_months >= 12,
    }
    assert set(rules) == {r.code for r in RULES}, "restate every shipped rule"
    return {code for code, ok in rules.items() if ok}


@settings(max_examples=400, deadline=None)
@given(facts)
def test_shipped_rules_match_their_plain_restatement(f: PatientFacts) -> None:
    assert {x.rule.code for x in evaluate(RULES, f)} == plain_truths(f)


@settings(max_examples=300, deadline=None)
@given(facts, st.sampled_from(list(COMPARE)), st.floats(-20, 120, allow_nan=False))
def test_a_comparison_is_the_plain_comparison(f: PatientFacts, op: str, threshold: float) -> None:
    weight = next((a.weight_kg for a in reversed(f.assessments) if a.assessed_on <= f.on and a.weight_kg), None)
    loss = (f.usual_weight_kg - weight) / f.usual_weight_kg * 100 if weight and f.usual_weight_kg else None
    ok, why = holds({"fact": "weight_loss_percent", op: threshold}, f)
    assert ok == (loss is not None and COMPARE[op](loss, threshold))
    assert (len(why) == 1) == ok


# --- decisions ----------------------------------------------------------------------------------

NIV = next(r for r in RULES if r.code == "niv_fvc_below_50")
AT = datetime(2026, 3, 1, tzinfo=UTC)


def low_fvc(value: float, plan: tuple[PlanEntry, ...] = ()) -> PatientFacts:
    return PatientFacts(on=date(2026, 3, 1), plan=plan,
                        assessments=(Assessment(date(2026, 3, 1), "t", fvc_pct=value),))


def decided(rule: Rule, f: PatientFacts, decision: str = "dismissed") -> Decision:
    [finding] = evaluate([rule], f)
    return Decision(rule.code, decision, rule.text_hash(), finding.facts_hash, "Nurse Ada", AT, "waiting")


def test_a_dismissal_holds_for_the_same_rule_and_facts_only() -> None:
    f = low_fvc(45)
    d = decided(NIV, f)
    [finding] = evaluate([NIV], f)
    assert settle(finding, f, [d]).state == "dismissed"
    # Measured again at 45 on a later day: the same fact, still dismissed.
    later = PatientFacts(on=date(2026, 5, 1), assessments=(Assessment(date(2026, 5, 1), "t", fvc_pct=45),))
    [same] = evaluate([NIV], later)
    assert settle(same, later, [d]).state == "dismissed"
    # A new value: back.
    [lower] = evaluate([NIV], low_fvc(40))
    assert settle(lower, low_fvc(40), [d]).state == "open"
    # The rule's text edited: back.
    edited = replace(NIV, rationale=NIV.rationale + " Edited.")
    [reworded] = evaluate([edited], f)
    assert settle(reworded, f, [d]).state == "open"


def test_the_latest_matching_decision_wins_and_others_do_not_count() -> None:
    f = low_fvc(45)
    dismissed = decided(NIV, f)
    accepted = Decision(NIV.code, "accepted", NIV.text_hash(), dismissed.facts_hash, "Dr B", AT + timedelta(days=1), "")
    other_rule = Decision("niv_snip_below_40", "dismissed", NIV.text_hash(), dismissed.facts_hash, "x", AT, "r")
    [finding] = evaluate([NIV], f)
    assert settle(finding, f, [accepted, dismissed]).state == "accepted"
    assert settle(finding, f, [other_rule]).state == "open"


def test_items_in_the_plan_in_any_status_decide_unless_the_rule_revisits() -> None:
    for status in STATUSES:
        f = low_fvc(45, (PlanEntry("resp_niv", status, None),))
        [finding] = evaluate([NIV], f)
        assert settle(finding, f, []).state == "accepted"
    declined = low_fvc(45, (PlanEntry("resp_niv", "declined", None),))
    [finding] = evaluate([NIV], declined)
    assert "offered but declined" in (settle(finding, declined, []).reason or "")
    revisit = replace(NIV, revisit=True)
    [finding] = evaluate([revisit], low_fvc(45, (PlanEntry("resp_niv", "active", None),)))
    assert settle(finding, low_fvc(45), []).state == "open"


def test_retired_rules_never_prompt() -> None:
    assert evaluate([replace(NIV, active=False)], low_fvc(20)) == []
