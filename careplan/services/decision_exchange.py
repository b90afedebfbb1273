"""Guideline prompt decisions in the export file: written with each patient, read back and merged on import.

A decision is history like a revision: an imported one keeps who decided, when, why, and the
rule and facts hashes it was made on, so a dismissal made elsewhere holds here exactly as long
as it held there (the same rule text and the same triggering facts). It is matched with one
already saved by all of its values, so importing the same file twice adds nothing the second
time. "revision" names the plan revision an acceptance was saved with: the file's revisions
keep their numbers on import (their hashes cover them), so the number still points at it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import astuple, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careplan.domain.text import field_problem, quoted
from careplan.persistence.models import PromptDecisionRow
from careplan.services.clock import today
from careplan.services.export_rows import rows_by_patient

CHUNK = 500  # SQLite limits the number of values bound in one IN (...)
KEY = "prompt_decisions"  # the patient's key in the file


@dataclass(frozen=True)
class FileDecision:
    rule: str
    decision: str  # "accepted" or "dismissed"
    rule_hash: str
    facts_hash: str
    decided_by: str
    decided_at: datetime
    reason: str
    revision: int | None


def decision_json(row: PromptDecisionRow) -> dict[str, Any]:
    return {"rule": row.rule_code, "decision": row.decision, "rule_hash": row.rule_hash, "facts_hash": row.facts_hash,
            "decided_by": row.actor, "decided_at": row.decided_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "reason": row.reason, "revision": row.revision}


def export_decisions(s: Session, patient_ids: Sequence[int] | None) -> dict[int, list[dict[str, Any]]]:
    """Every decision of the patients, by patient id, in the order they were made."""
    return rows_by_patient(s, PromptDecisionRow, patient_ids, decision_json)


def parse_decisions(d: dict[str, Any], where: str, problems: list[str]) -> tuple[FileDecision, ...]:
    """The file's decisions of one patient (already checked by the schema), each held to the rules a save keeps."""
    out: list[FileDecision] = []
    revisions = len(d["revisions"])
    for j, x in enumerate(d.get(KEY, [])):
        at = f"{where}.{KEY}[{j}]"
        before = len(problems)
        try:
            decided_at = datetime.fromisoformat(x["decided_at"]).astimezone(UTC)
        except (ValueError, OverflowError):
            problems.append(f"{at}.decided_at: {quoted(x['decided_at'])} is not a real date and time")
            continue
        if decided_at.date() > today():
            problems.append(f"{at}.decided_at: {quoted(x['decided_at'])} is in the future")
        for name, field in (("decided_by", "decision.actor"), ("reason", "decision.reason")):
            if msg := field_problem(field, x[name]):
                problems.append(f"{at}.{name}: {quoted(x[name])} {msg}")
        if x["decision"] == "dismissed":
            if not x["reason"].strip():
                problems.append(f"{at}.reason: a dismissal needs its written reason, and this one is blank")
            if x["revision"] is not None:
                problems.append(f"{at}.revision: a dismissal saves no plan revision, but this one names revision "
                                f"{x['revision']}")
        elif x["revision"] is None or not 1 <= x["revision"] <= revisions:
            have = f"the file holds revisions 1 to {revisions}" if revisions else "the file holds no revision"
            problems.append(f"{at}.revision: an acceptance names the plan revision it was saved with; "
                            f"{x['revision']} is not one of this patient's ({have})")
        if len(problems) == before:
            out.append(FileDecision(x["rule"], x["decision"], x["rule_hash"], x["facts_hash"], x["decided_by"],
                                    decided_at, x["reason"], x["revision"]))
    return tuple(out)


def _row_key(r: PromptDecisionRow) -> tuple[Any, ...]:
    return astuple(FileDecision(r.rule_code, r.decision, r.rule_hash, r.facts_hash, r.actor,
                                r.decided_at.astimezone(UTC), r.reason, r.revision))


def import_decisions(s: Session, patient_id: int, decisions: Sequence[FileDecision]) -> int:
    """Add the file's decisions the patient does not have yet, as they were made; returns how many were added."""
    if not decisions:
        return 0
    # Counted, not a set: two decisions alike in every value (the same person deciding twice within
    # a microsecond) are both history, and a file holding both must add both, then nothing again.
    have = Counter(_row_key(r) for r in
                   s.scalars(select(PromptDecisionRow).where(PromptDecisionRow.patient_id == patient_id)))
    added = 0
    for fd in decisions:
        if have[astuple(fd)] > 0:
            have[astuple(fd)] -= 1
            continue
        s.add(PromptDecisionRow(patient_id=patient_id, rule_code=fd.rule, decision=fd.decision, rule_hash=fd.rule_hash,
                                facts_hash=fd.facts_hash, reason=fd.reason, actor=fd.decided_by,
                                decided_at=fd.decided_at, revision=fd.revision))
        added += 1
    if added:
        s.flush()
    return added
