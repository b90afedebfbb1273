"""The guideline prompts as they were read before the worklist needed them for every patient at once.

Kept as the reference the fast path (services/prompt_facts.py, the compiled conditions in
domain/guidelines.py) must equal: every assessment loaded as an ORM object and parsed, every
plan item read, and each condition interpreted field by field on every call. Slow and plain on
purpose; only tests/test_prompts_fast.py uses it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from careplan.domain.guideline_facts import FACTS, Fact, PatientFacts, PlanEntry
from careplan.domain.guidelines import (
    COMPARE,
    OPERATORS,
    Decision,
    Finding,
    Settled,
    Triggered,
    _label,
    _status_label,
)
from careplan.persistence.models import (
    AssessmentRow,
    PatientRow,
    PlanRevisionRow,
    PlanRow,
    PromptDecisionRow,
    RevisionItemRow,
)
from careplan.services.course import current, to_domain
from careplan.services.rules import rules_in


def facts_for(s: Session, patient_ids: Sequence[int] | None, on: date) -> dict[int, PatientFacts]:
    q = select(PatientRow.id, PatientRow.diagnosis_date, PatientRow.onset_date, PatientRow.usual_weight_kg,
               PatientRow.height_cm)
    q = q.where(PatientRow.id.in_(patient_ids)) if patient_ids is not None else q.where(PatientRow.status == "active")
    patients = list(s.execute(q))
    ids = [p.id for p in patients]
    if not ids:
        return {}
    active = select(PatientRow.id).where(PatientRow.status == "active")
    only = (lambda col: col.in_(ids)) if patient_ids is not None else (lambda col: col.in_(active))
    assessments: dict[int, list] = defaultdict(list)
    for row in s.scalars(select(AssessmentRow).where(only(AssessmentRow.patient_id)).order_by(AssessmentRow.id)):
        assessments[row.patient_id].append(to_domain(row))
    plans: dict[int, list[PlanEntry]] = defaultdict(list)
    latest = (select(PlanRow.patient_id, PlanRevisionRow.start_date, RevisionItemRow.catalogue_code,
                     RevisionItemRow.status, RevisionItemRow.start_date.label("item_start"))
              .join(PlanRevisionRow, and_(PlanRevisionRow.plan_id == PlanRow.id,
                                          PlanRevisionRow.number == PlanRow.current_revision))
              .join(RevisionItemRow, RevisionItemRow.revision_id == PlanRevisionRow.id)
              .where(only(PlanRow.patient_id))
              # The original had no order; a code twice in one plan then showed whichever came last.
              .order_by(RevisionItemRow.id))
    for r in s.execute(latest):
        plans[r.patient_id].append(PlanEntry(r.catalogue_code, r.status, r.item_start or r.start_date))
    return {p.id: PatientFacts(on=on, assessments=tuple(current(assessments[p.id])), diagnosis_date=p.diagnosis_date,
                               onset_date=p.onset_date, usual_weight_kg=p.usual_weight_kg, height_cm=p.height_cm,
                               plan=tuple(plans[p.id])) for p in patients}


def decisions_for(s: Session) -> dict[int, list[Decision]]:
    out: dict[int, list[Decision]] = defaultdict(list)
    for r in s.scalars(select(PromptDecisionRow).order_by(PromptDecisionRow.id)):
        out[r.patient_id].append(Decision(r.rule_code, r.decision, r.rule_hash, r.facts_hash, r.actor,
                                          r.decided_at, r.reason))
    return out


def holds(cond: Mapping[str, Any], facts: PatientFacts) -> tuple[bool, tuple[Triggered, ...]]:
    if "all" in cond:
        found: list[Triggered] = []
        for part in cond["all"]:
            ok, why = holds(part, facts)
            if not ok:
                return False, ()
            found += why
        return True, tuple(found)
    if "any" in cond:
        results = [holds(part, facts) for part in cond["any"]]
        why = tuple(t for ok, ts in results if ok for t in ts)
        return any(ok for ok, _ in results), why
    if "not" in cond:
        return not holds(cond["not"], facts)[0], ()
    present = facts.plan_codes()
    if "plan_has" in cond:
        there = [c for c in cond["plan_has"] if c in present]
        return bool(there), tuple(Triggered("In the plan", f"{c} ({present[c]})", None, f"has:{c}") for c in there)
    if "plan_lacks" in cond:
        codes = cond["plan_lacks"]
        lacks = not any(c in present for c in codes)
        return lacks, (Triggered("Not in the plan", ", ".join(codes), None, f"lacks:{','.join(codes)}"),) if lacks else ()
    spec = FACTS[cond["fact"]]
    param = cond.get(spec.param) if spec.param else None
    fact = facts.lookup(spec.name, param)
    op = next(k for k in cond if k in OPERATORS)
    if op == "missing":
        ok = fact is None
        label = _label(spec.label, spec.param, param)
        return ok, (Triggered(label, "not recorded", None, f"{spec.name}:{param}:missing"),) if ok else ()
    if fact is None or not _compare(op, fact, cond[op]):
        return False, ()
    return True, (Triggered(_label(spec.label, spec.param, param), fact.shown, fact.on, fact.fingerprint),)


def _compare(op: str, fact: Fact, expected: Any) -> bool:
    if op in COMPARE:
        return isinstance(fact.value, int | float) and not isinstance(fact.value, bool) and COMPARE[op](fact.value, expected)
    if op == "in":
        return fact.value in expected
    return bool(fact.value == expected)


def settle(finding: Finding, facts: PatientFacts, decisions: Sequence[Decision]) -> Settled:
    rule_hash, facts_hash = finding.rule.text_hash(), finding.facts_hash
    for d in sorted(decisions, key=lambda d: d.at, reverse=True):
        if d.rule == finding.rule.code and d.rule_hash == rule_hash and d.facts_hash == facts_hash:
            return Settled(d.decision, d.actor, d.at, d.reason)
    present = facts.plan_codes()
    if not finding.rule.revisit and finding.rule.suggests and all(c in present for c in finding.rule.suggests):
        listed = ", ".join(f"{c} ({_status_label(present[c])})" for c in finding.rule.suggests)
        return Settled("accepted", None, None, f"Already in the plan: {listed}.")
    return Settled("open")


def evaluate_patients(s: Session, on: date) -> dict[int, list[tuple[Finding, Settled]]]:
    """Every active patient's prompts: each rule that holds, with where it stands."""
    rules = [r for r in rules_in(s) if r.active]
    facts = facts_for(s, None, on)
    decisions = decisions_for(s)
    out = {}
    for pid, f in facts.items():
        found = []
        for rule in rules:
            ok, why = holds(rule.when, f)
            if ok:
                finding = Finding(rule, why)
                found.append((finding, settle(finding, f, decisions.get(pid, []))))
        out[pid] = found
    return out
