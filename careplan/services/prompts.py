"""Guideline prompts: the course suggests, the coordinator decides, the decision is kept.

Reading prompts never changes anything. Accepting adds the suggested items the plan lacks as
one revision whose reason names the prompt, and records the decision in that transaction;
dismissing needs a written reason. Decisions are append-only and audited. A decision holds
while the rule's text and the triggering facts are unchanged (careplan.domain.guidelines.settle).

The screens (plan editor strip, worklist, clinician summary) use only the names below.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import select

from careplan.domain.errors import CarePlanError
from careplan.domain.lifecycle import PlanReadOnlyError, plan_read_only
from careplan.domain.plan import PlanItem, Revision, new_plan_content
from careplan.domain.templates import who_helps
from careplan.domain.text import field_problem
from careplan.persistence.engine import Database
from careplan.persistence.models import CatalogueItemRow, PatientRow
from careplan.services import catalogue, prompt_store
from careplan.services.clock import today
from careplan.services.patients import NotFoundError
from careplan.services.plans import load_plan, save_revision

STATES = ("open", "accepted", "dismissed")


@dataclass(frozen=True)
class Trigger:
    what: str
    value: str
    on: date | None


@dataclass(frozen=True)
class Prompt:
    rule: str
    title: str
    triggered_by: tuple[Trigger, ...]
    rationale: str
    source: str
    suggested_items: tuple[str, ...]
    state: str  # 'open' | 'accepted' | 'dismissed'
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None


def _prompt(e: prompt_store.Evaluated) -> Prompt:
    rule = e.finding.rule
    return Prompt(rule=rule.code, title=rule.title,
                  triggered_by=tuple(Trigger(t.what, t.value, t.on) for t in e.finding.triggers),
                  rationale=rule.rationale, source=rule.source, suggested_items=rule.suggests,
                  state=e.state, decided_by=e.decided_by, decided_at=e.decided_at, reason=e.reason)


def prompts_for(db: Database, patient_id: int, *, on: date | None = None) -> list[Prompt]:
    """The prompts whose rule holds for the patient on `on` (default today), in the rules' order."""
    with db.reading() as s:
        if s.get(PatientRow, patient_id) is None:
            raise NotFoundError(f"No patient with id {patient_id}.")
        found = prompt_store.evaluate_patients(s, [patient_id], on or today())
    return [_prompt(e) for e in found.get(patient_id, [])]


def open_prompt_counts(db: Database, *, on: date | None = None, chunk: int = prompt_store.CHUNK) -> dict[int, int]:
    """patient_id -> number of open prompts, for active patients with at least one.

    Only the counts are kept: each chunk of patients' facts and findings is freed before the next."""
    counts: dict[int, int] = {}
    with db.reading() as s:
        for found in prompt_store.evaluate_in_chunks(s, on or today(), chunk=chunk):
            for pid, es in found.items():
                if n := sum(1 for e in es if e.state == "open"):
                    counts[pid] = n
    return counts


def accepted_reason(prompt: Prompt) -> str:
    """The revision reason for accepting a prompt: names the prompt, as the history shows it."""
    return acceptance_name(prompt.title, prompt.rule)


def acceptance_name(title: str, rule: str) -> str:
    """How a revision's reason names an accepted prompt (demo data writes it too)."""
    return f"Accepted guideline prompt '{title}' ({rule})"


def _current(db: Database, patient_id: int, rule: str) -> Prompt:
    for p in prompts_for(db, patient_id):
        if p.rule == rule:
            return p
    from careplan.services.rules import get_rule

    get_rule(db, rule)  # an unknown code says so
    raise CarePlanError(f"The guideline rule '{rule}' does not prompt anything for this patient now; "
                        "there is nothing to decide.")


def _refuse_read_only(db: Database, patient_id: int) -> None:
    state = load_plan(db, patient_id)
    if (why := plan_read_only(state.patient)) is not None:
        raise PlanReadOnlyError(f"{state.patient.mrn}: {why} Nothing was saved.")


def dismiss(db: Database, patient_id: int, rule: str, *, reason: str, actor: str) -> None:
    """Dismiss the prompt with a written reason; it stays dismissed until the rule or its facts change."""
    if not reason or not reason.strip():
        raise CarePlanError("Say why the prompt is dismissed: the reason cannot be empty.")
    if problem := field_problem("decision.reason", reason.strip()):
        # The same limit the export file holds it to: a decision saved here always travels.
        raise CarePlanError(f"The reason {problem}; the prompt was not dismissed.")
    _current(db, patient_id, rule)
    _refuse_read_only(db, patient_id)
    with db.transaction() as s:
        finding = prompt_store.finding_for(s, patient_id, rule, today())
        prompt_store.record_decision(s, patient_id, finding, "dismissed", actor=actor, reason=reason.strip())


def accept(db: Database, patient_id: int, rule: str, *, actor: str, reason: str | None = None) -> Revision:
    """Add the prompt's suggested items the plan lacks as one new revision, and record the decision with it.

    A rule that asks to revisit items already in the plan (advance care planning each year)
    dates them today instead. Nothing to add or re-date: refused, nothing saved.
    """
    prompt = _current(db, patient_id, rule)
    _refuse_read_only(db, patient_id)
    state = load_plan(db, patient_id)
    on = today()
    content = state.content(on) if state.latest else new_plan_content(on)
    present = {i.catalogue_code for i in content.items}
    revisit = _is_revisit(db, rule)
    items = tuple(replace(i, start_date=on) if revisit and i.catalogue_code in prompt.suggested_items else i
                  for i in content.items)
    added = _new_items(db, [c for c in prompt.suggested_items if c not in present], state.patient.care_team, on)
    if not added and items == content.items:
        raise CarePlanError(f"The items '{prompt.rule}' suggests are already in the plan; nothing to add.")
    why = accepted_reason(prompt) + (f": {reason.strip()}" if reason and reason.strip() else "")
    return save_revision(db, patient_id, base_revision=state.number, content=content.with_items(items + added),
                         author=actor, reason=why, accepted_rules=[rule])


def _is_revisit(db: Database, rule: str) -> bool:
    from careplan.services.rules import get_rule

    return get_rule(db, rule).revisit


def _new_items(db: Database, codes: Sequence[str], team: Sequence, on: date) -> tuple[PlanItem, ...]:
    if not codes:
        return ()
    with db.reading() as s:
        rows = {r.code: r for r in s.scalars(select(CatalogueItemRow).where(CatalogueItemRow.code.in_(codes)))}
    unusable = [c for c in codes if c not in rows or not rows[c].active]
    if unusable:
        raise CarePlanError(f"The catalogue items {', '.join(unusable)} are retired or unknown here; nothing was "
                            "added. Edit the rule (`careplan rules import`) or bring the items back.")
    out = []
    for code in codes:
        cat = catalogue.get_item(db, code)
        out.append(PlanItem(uid=code, catalogue_code=code, discipline=cat.discipline, title=cat.title,
                            caregiver_instructions=cat.caregiver_instructions,
                            clinical_description=cat.clinical_description, frequency=cat.frequency,
                            responsible=who_helps(cat.role, team), start_date=on))
    return tuple(out)
