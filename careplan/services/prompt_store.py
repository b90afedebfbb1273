"""Inside one transaction: the facts guideline rules read, and the decisions on their prompts.

Session-level, so a plan save (services/plans.py) records the prompts it accepts in the same
transaction as the revision, and the worklist reads every patient's facts in a few queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from careplan.domain.errors import CarePlanError
from careplan.domain.guideline_facts import PatientFacts, PlanEntry
from careplan.domain.guidelines import Decision, Finding, evaluate, settle
from careplan.persistence.models import (
    AssessmentRow,
    PatientRow,
    PlanRevisionRow,
    PlanRow,
    PromptDecisionRow,
    RevisionItemRow,
)
from careplan.services import audit
from careplan.services.clock import utcnow
from careplan.services.course import current, to_domain
from careplan.services.rules import rules_in

DECISIONS = ("accepted", "dismissed")


def facts_for(s: Session, patient_ids: Sequence[int] | None, on: date) -> dict[int, PatientFacts]:
    """The facts of each patient (every active patient when `patient_ids` is None), as stored now."""
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
              .where(only(PlanRow.patient_id)))
    for r in s.execute(latest):
        # An undated item counts from the plan's start: the best the record says of when it began.
        plans[r.patient_id].append(PlanEntry(r.catalogue_code, r.status, r.item_start or r.start_date))
    return {p.id: PatientFacts(on=on, assessments=tuple(current(assessments[p.id])), diagnosis_date=p.diagnosis_date,
                               onset_date=p.onset_date, usual_weight_kg=p.usual_weight_kg, height_cm=p.height_cm,
                               plan=tuple(plans[p.id])) for p in patients}


def decisions_for(s: Session, patient_ids: Sequence[int] | None) -> dict[int, list[Decision]]:
    q = select(PromptDecisionRow).order_by(PromptDecisionRow.id)
    if patient_ids is not None:
        q = q.where(PromptDecisionRow.patient_id.in_(patient_ids))
    out: dict[int, list[Decision]] = defaultdict(list)
    for r in s.scalars(q):
        out[r.patient_id].append(Decision(r.rule_code, r.decision, r.rule_hash, r.facts_hash, r.actor,
                                          r.decided_at, r.reason))
    return out


@dataclass(frozen=True)
class Evaluated:
    """One prompt for one patient: the finding and where it stands."""

    finding: Finding
    state: str
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None


def evaluate_patients(s: Session, patient_ids: Sequence[int] | None, on: date) -> dict[int, list[Evaluated]]:
    rules = rules_in(s)
    facts = facts_for(s, patient_ids, on)
    decisions = decisions_for(s, list(facts))
    out: dict[int, list[Evaluated]] = {}
    for pid, f in facts.items():
        found = []
        for finding in evaluate(rules, f):
            st = settle(finding, f, decisions.get(pid, []))
            found.append(Evaluated(finding, st.state, st.decided_by, st.decided_at, st.reason))
        out[pid] = found
    return out


def finding_for(s: Session, patient_id: int, rule_code: str, on: date) -> Finding:
    """The rule's finding for the patient now; a rule that does not hold gives no triggers."""
    rule = next((r for r in rules_in(s, include_retired=True) if r.code == rule_code), None)
    if rule is None:
        raise CarePlanError(f"There is no guideline rule '{rule_code}' (see `careplan rules`).")
    facts = facts_for(s, [patient_id], on).get(patient_id)
    if facts is None:
        raise CarePlanError("This patient no longer exists.")
    found = evaluate([rule], facts) if rule.active else []
    return found[0] if found else Finding(rule, ())


def record_decision(s: Session, patient_id: int, finding: Finding, decision: str, *, actor: str, reason: str,
                    revision: int | None = None) -> None:
    """Append the decision and its audit event, inside the caller's transaction."""
    assert decision in DECISIONS
    s.add(PromptDecisionRow(patient_id=patient_id, rule_code=finding.rule.code, decision=decision,
                            rule_hash=finding.rule.text_hash(), facts_hash=finding.facts_hash, reason=reason,
                            actor=actor, decided_at=utcnow(), revision=revision))
    audit.record(s, actor, f"prompt.{decision}", entity="prompt", entity_key=finding.rule.code,
                 patient_id=patient_id, revision=revision,
                 details={"rule_hash": finding.rule.text_hash(), "facts_hash": finding.facts_hash,
                          "triggered_by": [f"{t.what}: {t.value}" for t in finding.triggers]})


def accepting(s: Session, patient_id: int, rule_codes: Iterable[str], on: date) -> list[Finding]:
    """What accepting these rules records: their findings on the facts as they stand before the save."""
    return [finding_for(s, patient_id, code, on) for code in dict.fromkeys(rule_codes)]
