"""Guideline prompt decisions for the demo patients, as a clinic would have made them.

Without decisions every demo patient shows open prompts, which no running clinic looks like.
At the last visit the coordinator goes through the prompts open then: about half are accepted
(their items added in one more revision whose reason names them, and the decision saved with
it), a quarter dismissed with a plausible clinical reason, and the rest left open for the next
visit. The prompts are evaluated by the app's own code (services.prompt_store) on the demo rows
just written, so a decision holds exactly as one made in the editor would. Deterministic for a seed.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from careplan.domain.catalogue import CatalogueItem
from careplan.domain.guidelines import Finding
from careplan.domain.plan import ItemStatus, PlanItem, Revision
from careplan.persistence.models import PromptDecisionRow
from careplan.services import audit, prompt_store
from careplan.services.history import Entry, Run, append_revisions
from careplan.services.prompts import acceptance_name

ACCEPT, DISMISS = 0.5, 0.75  # cumulative shares of the open prompts: accepted, dismissed; the rest stay open
ACCEPT_NOTES = ("discussed at clinic", "agreed with the patient and family", "referral made today",
                "patient keen to go ahead")
# Why a prompt did not apply, by rule; the shared ones fit any prompt.
DISMISS_REASONS: dict[str, tuple[str, ...]] = {
    "niv": ("Discussed NIV; the patient prefers to wait and review at the next visit.",
            "FVC effort poor today (facial weakness); repeat with a mask before deciding on NIV."),
    "kings": ("Reviewed with the neurologist; stage reflects a one-off low score, recheck next visit.",),
    "breathing": ("Lung function done at the respiratory clinic last week; results awaited.",),
    "gastrostomy": ("Feeding tube discussed; the patient declines for now. Dietitian follows weight monthly.",
                    "Weight loss after a recent chest infection; review once recovered."),
    "weight": ("Weighed at home by the community nurse; readings sent monthly.",),
    "voice": ("Voice banking offered; the patient has already banked with the charity's service.",),
    "aac": ("Communication aid assessment already booked with the regional service.",),
    "acp": ("Advance care planning started with the palliative team; documents held by the GP.",
            "The patient asked to leave this until after the family visit next month."),
}
SHARED_REASONS = ("Discussed at clinic; not wanted at present, revisit at the next review.",)
STAFF = ("Nurse Demo", "Coordinator Sample", "Dr. Ada Demo")


@dataclass(frozen=True)
class DemoPatient:
    patient_id: int
    mrn: str
    last: Revision  # the plan's newest revision, saved at the last visit
    visit_ends: datetime  # when the last visit's revision and assessment were both written


def _family(rule: str) -> str:
    for prefix in ("niv", "kings", "breathing", "gastrostomy", "weight", "voice", "aac", "acp"):
        if rule.startswith(prefix):
            return prefix
    return ""


def decide(s: Session, rng: random.Random, patients: Sequence[DemoPatient], catalogue: Sequence[CatalogueItem],
           on: date, actor: str) -> dict[str, int]:
    """Decide the demo patients' open prompts, inside the batch's transaction; returns what was written."""
    found = prompt_store.evaluate_patients(s, [p.patient_id for p in patients], on)
    by_code = {c.code: c for c in catalogue}
    runs: list[Run] = []
    decisions: list[tuple[dict[str, Any], Finding]] = []
    for p in patients:
        accepted, dismissed = [], []
        for e in found.get(p.patient_id, []):
            if e.state != "open":
                continue
            roll = rng.random()
            addable = all(code in by_code for code in e.finding.rule.suggests)
            if roll < ACCEPT and addable:
                accepted.append(e.finding)
            elif roll < DISMISS:
                dismissed.append(e.finding)
        when = p.visit_ends + timedelta(minutes=rng.randint(5, 40))
        for finding in dismissed:
            reasons = DISMISS_REASONS.get(_family(finding.rule.code), SHARED_REASONS)
            decisions.append((_row(p.patient_id, finding, "dismissed", rng.choice(reasons), rng.choice(STAFF), when,
                                   None), finding))
        entry = _acceptance(rng, p.last, accepted, by_code, when)
        if entry is None:
            continue
        runs.append(Run(p.patient_id, p.mrn, p.last.number, (entry,), tags={"demo": True}))
        decisions += [(_row(p.patient_id, f, "accepted", entry.reason, entry.author, when, p.last.number + 1), f)
                      for f in accepted]
    append_revisions(s, runs)
    if decisions:
        s.execute(insert(PromptDecisionRow), [d for d, _ in decisions])
    # The events services.prompt_store.record_decision writes, marked as demo data.
    audit.record_many(s, [audit.NewEvent(actor, f"prompt.{d['decision']}", entity="prompt", entity_key=d["rule_code"],
                                         patient_id=d["patient_id"], revision=d["revision"], at=d["decided_at"],
                                         details={"rule_hash": d["rule_hash"], "facts_hash": d["facts_hash"],
                                                  "triggered_by": [f"{t.what}: {t.value}" for t in f.triggers],
                                                  "demo": True})
                          for d, f in decisions])
    return {"revisions": len(runs), "items": sum(len(r.entries[0].content.items) for r in runs),
            "decisions": len(decisions)}


def _acceptance(rng: random.Random, last: Revision, accepted: Sequence[Finding],
                by_code: dict[str, CatalogueItem], when: datetime) -> Entry | None:
    """The revision that adds the accepted prompts' items (and re-dates revisited ones), as the editor saves it."""
    if not accepted:
        return None
    day = when.date()
    items = list(last.content.items)
    present = {i.catalogue_code for i in items}
    for finding in accepted:
        rule = finding.rule
        for k, it in enumerate(items):
            if rule.revisit and it.catalogue_code in rule.suggests:
                items[k] = replace(it, start_date=day)
        for code in rule.suggests:
            if code not in present:
                c = by_code[code]
                items.append(PlanItem(catalogue_code=code, discipline=c.discipline, title=c.title, uid=code,
                                      caregiver_instructions=c.caregiver_instructions,
                                      clinical_description=c.clinical_description, frequency=c.frequency,
                                      responsible=c.role.label, start_date=day, status=ItemStatus.PLANNED))
                present.add(code)
    # The reason the editor offers (ui.prompt_decisions.reason_prefill), then what the coordinator typed.
    names = "; ".join(acceptance_name(f.rule.title, f.rule.code) for f in accepted)
    return Entry(when, last.author, f"{names}: {rng.choice(ACCEPT_NOTES)}", last.content.with_items(tuple(items)))


def _row(patient_id: int, finding: Finding, decision: str, reason: str, actor: str, at: datetime,
         revision: int | None) -> dict[str, Any]:
    return {"patient_id": patient_id, "rule_code": finding.rule.code, "decision": decision,
            "rule_hash": finding.rule.text_hash(), "facts_hash": finding.facts_hash, "reason": reason,
            "actor": actor, "decided_at": at, "revision": revision}
