"""`careplan demo --remove`: take the fictional demo patients out, with everything of theirs.

History is append-only at the database level; the triggers (persistence/triggers.py) let a
history row go only when it belongs to a patient inserted as fictional, and refuse to turn a
real patient fictional. So this removal cannot touch a real patient's history even if it had
a bug: the database would refuse and the whole transaction roll back.

The audit log keeps one event saying how many demo patients were removed (no names, no MRNs).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Delete, delete, func, select
from sqlalchemy.orm import Session

from careplan.persistence.engine import Database
from careplan.persistence.models import (
    AssessmentRow,
    AuditEventRow,
    CaregiverRow,
    PatientRow,
    PlanDraftRow,
    PlanRevisionRow,
    PlanRow,
    PromptDecisionRow,
    RevisionItemRow,
    RevisionSignatureRow,
    TeamMemberRow,
)
from careplan.services import audit

CHUNK = 500  # patient ids per statement: SQLite limits the values bound in one statement


def count_demo_patients(db: Database) -> int:
    with db.reading() as s:
        return int(s.scalar(select(func.count()).where(PatientRow.fictional.is_(True))) or 0)


def remove_demo_patients(db: Database, *, actor: str) -> dict[str, int]:
    """Delete every fictional patient and their plans, revisions, drafts and audit events, in one transaction."""
    removed = {"patients": 0, "revisions": 0, "audit_events": 0}
    with db.transaction() as s:
        ids = list(s.scalars(select(PatientRow.id).where(PatientRow.fictional.is_(True)).order_by(PatientRow.id)))
        for start in range(0, len(ids), CHUNK):
            counts = _remove(s, ids[start:start + CHUNK])
            for key, n in counts.items():
                removed[key] += n
        # Recorded after the removal, with no patient: this event is not fictional and stays.
        audit.record(s, actor, "demo.removed", entity="database", details={"patients": removed["patients"]})
    return removed


def _remove(s: Session, ids: Sequence[int]) -> dict[str, int]:
    plans = select(PlanRow.id).where(PlanRow.patient_id.in_(ids))
    revisions = select(PlanRevisionRow.id).where(PlanRevisionRow.plan_id.in_(plans))
    # Children before parents: the foreign keys have no ON DELETE CASCADE.
    _run(s, delete(RevisionItemRow).where(RevisionItemRow.revision_id.in_(revisions)))
    _run(s, delete(RevisionSignatureRow).where(RevisionSignatureRow.revision_id.in_(revisions)))
    n_revisions = _run(s, delete(PlanRevisionRow).where(PlanRevisionRow.plan_id.in_(plans)))
    n_events = _run(s, delete(AuditEventRow).where(AuditEventRow.patient_id.in_(ids)))
    _run(s, delete(AssessmentRow).where(AssessmentRow.patient_id.in_(ids)))
    _run(s, delete(PromptDecisionRow).where(PromptDecisionRow.patient_id.in_(ids)))
    _run(s, delete(PlanDraftRow).where(PlanDraftRow.patient_id.in_(ids)))
    _run(s, delete(PlanRow).where(PlanRow.patient_id.in_(ids)))
    _run(s, delete(CaregiverRow).where(CaregiverRow.patient_id.in_(ids)))
    _run(s, delete(TeamMemberRow).where(TeamMemberRow.patient_id.in_(ids)))
    # Only rows still fictional: a second guard next to the triggers, in the statement itself.
    n_patients = _run(s, delete(PatientRow).where(PatientRow.id.in_(ids), PatientRow.fictional.is_(True)))
    return {"patients": n_patients, "revisions": n_revisions, "audit_events": n_events}


def _run(s: Session, statement: Delete) -> int:
    result = s.execute(statement.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)
