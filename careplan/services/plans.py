"""Saving and reading plan revisions: numbered, immutable, hash-chained.

Concurrency: a save names the revision it was based on. The plan row's current_revision is
moved with a compare-and-set UPDATE, so of two coordinators who started from revision N only
the first becomes N+1; the second gets a ConflictError carrying what the first one changed.
The unique (plan_id, number) constraint is the backstop below that.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import insert, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from careplan.domain.diff import PlanDiff, diff_contents
from careplan.domain.disciplines import Discipline
from careplan.domain.errors import CarePlanError
from careplan.domain.patient import Patient
from careplan.domain.plan import (
    GENESIS_HASH,
    Goal,
    ItemStatus,
    PlanContent,
    PlanItem,
    PlanStatus,
    Revision,
    new_plan_content,
    validate_author,
    validate_content,
    validate_reason,
)
from careplan.persistence.engine import Database
from careplan.persistence.errors import violated_constraint
from careplan.persistence.models import (
    PatientRow,
    PlanDraftRow,
    PlanRevisionRow,
    PlanRow,
    RevisionItemRow,
)
from careplan.services import audit
from careplan.services.clock import today, utcnow
from careplan.services.patients import NotFoundError, get_patient


class ConflictError(CarePlanError):
    """Someone saved the plan after this edit began."""

    def __init__(self, mrn: str, base: int, theirs: Revision, their_changes: PlanDiff):
        self.base = base
        self.theirs = theirs
        self.their_changes = their_changes
        super().__init__(
            f"{theirs.author} saved revision {theirs.number} of {mrn}'s plan while you were editing revision {base}. "
            "Your edits are kept: review their changes, then save again on top of them."
        )


@dataclass(frozen=True)
class PlanState:
    patient: Patient
    latest: Revision | None

    @property
    def number(self) -> int:
        return self.latest.number if self.latest else 0

    def content(self, on: date | None = None) -> PlanContent:
        return self.latest.content if self.latest else new_plan_content(on or today())


@dataclass(frozen=True)
class RevisionSummary:
    number: int
    created_at: datetime
    author: str
    reason: str
    status: str
    items: int
    content_hash: str
    restored_from: int | None


# --- reading ---------------------------------------------------------------------------------

def _item_from_row(r: RevisionItemRow) -> PlanItem:
    return PlanItem(
        uid=r.uid,
        catalogue_code=r.catalogue_code,
        discipline=Discipline(r.discipline),
        title=r.title,
        caregiver_instructions=r.caregiver_instructions,
        clinical_description=r.clinical_description,
        frequency=r.frequency,
        responsible=r.responsible,
        goal=r.goal,
        notes=r.notes,
        start_date=r.start_date,
        status=ItemStatus(r.status),
    )


def revision_from_rows(row: PlanRevisionRow, items: list[RevisionItemRow]) -> Revision:
    content = PlanContent(
        status=PlanStatus(row.status),
        start_date=row.start_date,
        next_review=row.next_review,
        goals=tuple(Goal(t) for t in json.loads(row.goals_json)),
        items=tuple(_item_from_row(i) for i in items),
    )
    return Revision(
        number=row.number,
        created_at=row.created_at,
        author=row.author,
        reason=row.reason,
        content=content,
        prev_hash=row.prev_hash,
        content_hash=row.content_hash,
        restored_from=row.restored_from,
    )


def _load_revision(s: Session, plan_id: int, number: int) -> Revision | None:
    row = s.scalar(select(PlanRevisionRow).where(PlanRevisionRow.plan_id == plan_id, PlanRevisionRow.number == number))
    if row is None:
        return None
    items = list(s.scalars(select(RevisionItemRow).where(RevisionItemRow.revision_id == row.id).order_by(RevisionItemRow.position)))
    return revision_from_rows(row, items)


def _plan_id(s: Session, patient_id: int) -> tuple[int, int] | None:
    row = s.execute(select(PlanRow.id, PlanRow.current_revision).where(PlanRow.patient_id == patient_id)).first()
    return (row[0], row[1]) if row else None


def load_plan(db: Database, patient_id: int) -> PlanState:
    patient = get_patient(db, patient_id)
    with db.reading() as s:
        found = _plan_id(s, patient_id)
        latest = _load_revision(s, found[0], found[1]) if found and found[1] else None
    return PlanState(patient, latest)


def get_revision(db: Database, patient_id: int, number: int) -> Revision:
    with db.reading() as s:
        found = _plan_id(s, patient_id)
        rev = _load_revision(s, found[0], number) if found else None
    if rev is None:
        raise NotFoundError(f"The plan has no revision {number}.")
    return rev


def history(db: Database, patient_id: int) -> list[RevisionSummary]:
    """Every revision of the patient's plan, oldest first."""
    q = (
        select(PlanRevisionRow)
        .join(PlanRow, PlanRow.id == PlanRevisionRow.plan_id)
        .where(PlanRow.patient_id == patient_id)
        .order_by(PlanRevisionRow.number)
    )
    with db.reading() as s:
        return [
            RevisionSummary(r.number, r.created_at, r.author, r.reason, r.status, r.item_count, r.content_hash, r.restored_from)
            for r in s.scalars(q)
        ]


def compare(db: Database, patient_id: int, old: int, new: int) -> PlanDiff:
    return diff_contents(get_revision(db, patient_id, old).content, get_revision(db, patient_id, new).content)


def changes_since_previous(db: Database, patient_id: int, revision: Revision) -> PlanDiff | None:
    if revision.number <= 1:
        return None
    return diff_contents(get_revision(db, patient_id, revision.number - 1).content, revision.content)


# --- writing ---------------------------------------------------------------------------------

def revision_rows(plan_id: int, rev: Revision) -> tuple[dict[str, object], list[dict[str, object]]]:
    """Column values for a revision and its items; shared by saving, import and demo data."""
    c = rev.content
    head = {
        "plan_id": plan_id,
        "number": rev.number,
        "created_at": rev.created_at,
        "author": rev.author,
        "reason": rev.reason,
        "status": c.status.value,
        "start_date": c.start_date,
        "next_review": c.next_review,
        "goals_json": json.dumps([g.text for g in c.goals], ensure_ascii=False),
        "restored_from": rev.restored_from,
        "item_count": len(c.items),
        "prev_hash": rev.prev_hash,
        "content_hash": rev.content_hash,
    }
    items: list[dict[str, object]] = [
        {
            "position": i,
            "uid": it.key,
            "catalogue_code": it.catalogue_code,
            "discipline": it.discipline.value,
            "title": it.title,
            "caregiver_instructions": it.caregiver_instructions,
            "clinical_description": it.clinical_description,
            "frequency": it.frequency,
            "responsible": it.responsible,
            "goal": it.goal,
            "notes": it.notes,
            "start_date": it.start_date,
            "status": it.status.value,
        }
        for i, it in enumerate(c.items)
    ]
    return head, items


def insert_revision(s: Session, plan_id: int, rev: Revision) -> None:
    head, items = revision_rows(plan_id, rev)
    revision_id = s.execute(insert(PlanRevisionRow).values(**head).returning(PlanRevisionRow.id)).scalar_one()
    if items:
        s.execute(insert(RevisionItemRow), [{**i, "revision_id": revision_id} for i in items])


def _conflict(s: Session, mrn: str, plan_id: int, base: int, mine: PlanContent) -> ConflictError:
    current = s.scalar(select(PlanRow.current_revision).where(PlanRow.id == plan_id)) or 0
    theirs = _load_revision(s, plan_id, current)
    assert theirs is not None
    before = _load_revision(s, plan_id, base)
    base_content = before.content if before else PlanContent()
    return ConflictError(mrn, base, theirs, diff_contents(base_content, theirs.content))


def save_revision(
    db: Database,
    patient_id: int,
    *,
    base_revision: int,
    content: PlanContent,
    author: str,
    reason: str,
    restored_from: int | None = None,
    now: datetime | None = None,
) -> Revision:
    """Store `content` as revision base_revision + 1, or raise ConflictError if that is taken."""
    number = base_revision + 1
    validate_content(content)
    validate_reason(number, reason)
    validate_author(author)
    if not author.strip():
        raise CarePlanError("Enter your name before saving: every revision records who made it.")
    created = (now or utcnow()).astimezone(UTC)  # hashed and stored in the same form
    conflict: ConflictError | None = None
    try:
        with db.transaction() as s:
            mrn = s.scalar(select(PatientRow.mrn).where(PatientRow.id == patient_id))
            if mrn is None:
                raise NotFoundError("This patient no longer exists.")
            found = _plan_id(s, patient_id)
            if found is None:
                if base_revision != 0:
                    raise NotFoundError("The plan this edit was based on no longer exists.")
                plan = PlanRow(patient_id=patient_id, current_revision=0, status=content.status.value,
                               next_review=content.next_review, last_hash=GENESIS_HASH)
                s.add(plan)
                s.flush()
                plan_id, prev_hash = plan.id, GENESIS_HASH
            else:
                plan_id = found[0]
                prev_hash = s.scalar(select(PlanRow.last_hash).where(PlanRow.id == plan_id)) or GENESIS_HASH
            rev = Revision(number, created, author.strip(), reason.strip(), content, prev_hash=prev_hash,
                           restored_from=restored_from)
            rev = replace(rev, content_hash=rev.compute_hash())
            moved = s.execute(
                update(PlanRow)
                .where(PlanRow.id == plan_id, PlanRow.current_revision == base_revision)
                .values(current_revision=number, last_hash=rev.content_hash, status=content.status.value,
                        next_review=content.next_review)
                .execution_options(synchronize_session=False)
            )
            if cast(CursorResult[Any], moved).rowcount != 1:
                conflict = _conflict(s, mrn, plan_id, base_revision, content)
                raise conflict
            insert_revision(s, plan_id, rev)
            action = "plan.restored" if restored_from else "plan.saved"
            details = {"items": len(content.items), "reason": rev.reason}
            if restored_from:
                details["restored_from"] = restored_from
            audit.record(s, rev.author, action, entity="plan", entity_key=mrn, patient_id=patient_id,
                         revision=number, details=details, at=created)
    except IntegrityError as e:
        # Another writer created the plan or the revision number between our read and write.
        if violated_constraint(e) not in ("uq_plans_patient_id", "uq_plan_revisions_plan_number"):
            raise
        with db.reading() as s:
            found = _plan_id(s, patient_id)
            mrn = s.scalar(select(PatientRow.mrn).where(PatientRow.id == patient_id)) or "?"
            if found is None:
                raise
            raise _conflict(s, mrn, found[0], base_revision, content) from None
    discard_draft(db, patient_id, author)
    return rev


def restore_revision(db: Database, patient_id: int, number: int, *, base_revision: int, author: str, reason: str = "") -> Revision:
    """Save an old revision's content as a new revision; history itself is never rewritten."""
    old = get_revision(db, patient_id, number)
    why = reason.strip() or f"Restored revision {number}"
    return save_revision(db, patient_id, base_revision=base_revision, content=old.content, author=author,
                         reason=why, restored_from=number)


# --- autosaved drafts ------------------------------------------------------------------------

@dataclass(frozen=True)
class Draft:
    patient_id: int
    author: str
    base_revision: int
    content: PlanContent
    saved_at: datetime


def save_draft(db: Database, patient_id: int, author: str, base_revision: int, content: PlanContent) -> None:
    data = json.dumps(content.to_dict(), ensure_ascii=False)
    with db.transaction() as s:
        row = s.scalar(select(PlanDraftRow).where(PlanDraftRow.patient_id == patient_id, PlanDraftRow.author == author))
        if row is None:
            s.add(PlanDraftRow(patient_id=patient_id, author=author, base_revision=base_revision, content_json=data, saved_at=utcnow()))
        else:
            row.base_revision, row.content_json, row.saved_at = base_revision, data, utcnow()


def load_draft(db: Database, patient_id: int, author: str) -> Draft | None:
    with db.reading() as s:
        row = s.scalar(select(PlanDraftRow).where(PlanDraftRow.patient_id == patient_id, PlanDraftRow.author == author))
        if row is None:
            return None
        return Draft(patient_id, author, row.base_revision, PlanContent.from_dict(json.loads(row.content_json)), row.saved_at)


def drafts_for(db: Database, author: str) -> list[Draft]:
    """Unsaved work this coordinator left behind, e.g. after a crash."""
    with db.reading() as s:
        rows = list(s.scalars(select(PlanDraftRow).where(PlanDraftRow.author == author).order_by(PlanDraftRow.saved_at)))
        return [Draft(r.patient_id, r.author, r.base_revision, PlanContent.from_dict(json.loads(r.content_json)), r.saved_at) for r in rows]


def discard_draft(db: Database, patient_id: int, author: str) -> None:
    with db.transaction() as s:
        row = s.scalar(select(PlanDraftRow).where(PlanDraftRow.patient_id == patient_id, PlanDraftRow.author == author))
        if row is not None:
            s.delete(row)
