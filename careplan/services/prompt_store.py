"""Inside one transaction: the facts guideline rules read, and the decisions on their prompts.

Session-level, so a plan save (services/plans.py) records the prompts it accepts in the same
transaction as the revision, and the worklist reads every patient's facts in a few queries.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from careplan.domain.errors import CarePlanError
from careplan.domain.guidelines import Decision, Finding, Rule, evaluate, settle
from careplan.persistence.models import PatientRow, PromptDecisionRow
from careplan.services import audit
from careplan.services.clock import utcnow
from careplan.services.prompt_facts import facts_for
from careplan.services.rules import rules_in

DECISIONS = ("accepted", "dismissed")


def decisions_for(s: Session, patient_ids: Sequence[int] | None, *,
                  id_range: tuple[int, int] | None = None) -> dict[int, list[Decision]]:
    """The decisions on these patients' prompts (None: every patient's, or those with ids in `id_range`)."""
    d = PromptDecisionRow
    q = select(d.patient_id, d.rule_code, d.decision, d.rule_hash, d.facts_hash, d.actor, d.decided_at,
               d.reason).order_by(d.id)
    if patient_ids is not None:
        q = q.where(d.patient_id.in_(patient_ids))
    elif id_range is not None:
        q = q.where(d.patient_id.between(*id_range))
    out: dict[int, list[Decision]] = defaultdict(list)
    for pid, rule, decision, rule_hash, facts_hash, actor, at, reason in s.connection().execute(q):
        out[pid].append(Decision(rule, decision, rule_hash, facts_hash, actor, at, reason))
    return out


class Evaluated(NamedTuple):
    """One prompt for one patient: the finding and where it stands."""

    finding: Finding
    state: str
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None


def evaluate_patients(s: Session, patient_ids: Sequence[int] | None, on: date) -> dict[int, list[Evaluated]]:
    """Each patient's prompts (None: every active patient's)."""
    if patient_ids is None:
        out: dict[int, list[Evaluated]] = {}
        for part in evaluate_in_chunks(s, on):
            out.update(part)
        return out
    return _evaluate(s, rules_in(s), patient_ids, on)


# Patients read at once when reading all: the objects one chunk builds (visit rows, facts, findings)
# are freed before the next, so the read's memory stays flat as the clinic grows (all 10,000 demo
# patients at once held about 100 MB, on the worker while the window starts).
CHUNK = 500


def evaluate_in_chunks(s: Session, on: date, *, chunk: int = CHUNK) -> Iterator[dict[int, list[Evaluated]]]:
    """Every active patient's prompts, `chunk` patients at a time in order of id.

    Each chunk is a range of ids, not an IN of them: thousands of bind parameters cost more than the rows."""
    rules = rules_in(s)
    active = select(PatientRow.id).where(PatientRow.status == "active").order_by(PatientRow.id)
    ids = s.connection().execute(active).scalars().all()
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        with cyclic_gc_paused():  # one chunk at a time: the collector runs between chunks
            found = _evaluate(s, rules, None, on, id_range=(part[0], part[-1]))
        yield found


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """A chunk's read makes tens of thousands of small objects, none in a cycle; the cyclic collector
    walked them again and again for nothing (about 30% of the whole read's time at 10,000 patients).
    The pause is process-wide, so it lasts one chunk, not the whole read."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _evaluate(s: Session, rules: Sequence[Rule], patient_ids: Sequence[int] | None, on: date, *,
              id_range: tuple[int, int] | None = None) -> dict[int, list[Evaluated]]:
    facts = facts_for(s, patient_ids, on, rules, id_range=id_range)
    decisions = decisions_for(s, patient_ids, id_range=id_range)
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
    facts = facts_for(s, [patient_id], on, [rule]).get(patient_id)
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
