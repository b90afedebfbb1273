"""Saving and reading plan revisions: numbered, immutable, hash-chained.

Concurrency: a save names the revision it was based on. history.append_revisions moves the
plan row's current_revision with a compare-and-set UPDATE, so of two coordinators who started
from revision N only the first becomes N+1; the second gets a ConflictError carrying what the
first one changed. The unique (plan_id, number) constraint is the backstop below that.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from careplan.domain.diff import PlanDiff, diff_contents
from careplan.domain.errors import CarePlanError
from careplan.domain.patient import Patient
from careplan.domain.plan import (
    PlanContent,
    Revision,
    new_plan_content,
    validate_author,
    validate_content,
    validate_reason,
)
from careplan.domain.rebase import reapply
from careplan.persistence.engine import Database
from careplan.persistence.errors import violated_constraint
from careplan.persistence.models import (
    PatientRow,
    PlanDraftRow,
    PlanRevisionRow,
    PlanRow,
    RevisionItemRow,
)
from careplan.services.clock import today, utcnow
from careplan.services.history import (
    Entry,
    HeadMovedError,
    Run,
    append_revisions,
    refuse_if_read_only,
    revision_from_rows,
)
from careplan.services.patients import NotFoundError, get_patient
from careplan.services.signatures import validated_signer


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

def _load_revision(s: Session, plan_id: int, number: int) -> Revision | None:
    row = s.scalar(select(PlanRevisionRow).where(PlanRevisionRow.plan_id == plan_id, PlanRevisionRow.number == number))
    if row is None:
        return None
    items = list(s.scalars(select(RevisionItemRow).where(RevisionItemRow.revision_id == row.id).order_by(RevisionItemRow.position)))
    key = s.scalar(select(PatientRow.history_key).join(PlanRow, PlanRow.patient_id == PatientRow.id)
                   .where(PlanRow.id == plan_id))
    return revision_from_rows(row, items, key)


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
    accepted_rules: Sequence[str] = (),
    signed_by: str | None = None,
) -> Revision:
    """Store `content` as revision base_revision + 1, or raise ConflictError if that is taken.

    `accepted_rules`: guideline prompts this save accepts (the editor added their items); each
    decision is recorded in the same transaction, on the facts as they stood before the save.
    The revision is signed "authored" by `author` (its printed name) as `signed_by` (default: the login).
    """
    validate_content(content)
    validate_reason(base_revision + 1, reason)
    validate_author(author)  # a blank name too
    # Imported here: prompt_store reads the course, whose module imports this one (via changes).
    from careplan.services import prompt_store

    signer = validated_signer(author, signed_by if signed_by is not None else db.server_login)
    entry = Entry(now or utcnow(), author.strip(), reason.strip(), content, restored_from=restored_from)
    try:
        with db.transaction() as s:
            mrn = s.scalar(select(PatientRow.mrn).where(PatientRow.id == patient_id))
            if mrn is None:
                raise NotFoundError("This patient no longer exists.")
            accepted = prompt_store.accepting(s, patient_id, accepted_rules, today()) if accepted_rules else []
            try:
                # Saving is signing: the "authored" signature commits or fails with the revision.
                [(rev,)] = append_revisions(s, [Run(patient_id, mrn, base_revision, (entry,), signer=signer)])
            except HeadMovedError as moved:
                if moved.plan_id is None:
                    raise NotFoundError("The plan this edit was based on no longer exists.") from None
                raise _conflict(s, mrn, moved.plan_id, base_revision, content) from None
            for finding in accepted:
                prompt_store.record_decision(s, patient_id, finding, "accepted", actor=entry.author,
                                             reason=entry.reason, revision=rev.number)
            _discard_draft_if_saved(s, patient_id, author, rev)
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
    return rev


def _discard_draft_if_saved(s: Session, patient_id: int, author: str, saved: Revision) -> None:
    """Drop the author's autosaved draft only if the revision just saved already holds all of it.

    The draft may be the only copy of newer edits: a restore from History, or a save from another
    window, while the editor still holds unsaved work. Re-applying the draft's edits on top of
    the saved revision tells: if that changes nothing, every edit in it was saved.
    """
    row = s.scalar(select(PlanDraftRow).where(PlanDraftRow.patient_id == patient_id, PlanDraftRow.author == author))
    if row is None:
        return
    try:
        draft = PlanContent.from_dict(json.loads(row.content_json))
    except (ValueError, KeyError, TypeError):
        return  # unreadable: nobody can tell what it holds, so it is not thrown away here
    found = _plan_id(s, patient_id)
    base = _load_revision(s, found[0], row.base_revision) if found and row.base_revision else None
    if reapply(base.content if base else PlanContent(), draft, saved.content) == saved.content:
        s.delete(row)


def restore_revision(db: Database, patient_id: int, number: int, *, base_revision: int, author: str, reason: str = "") -> Revision:
    """Save an old revision's content as a new revision; history itself is never rewritten."""
    old = get_revision(db, patient_id, number)
    why = reason.strip() or f"Restored revision {number}"
    return save_revision(db, patient_id, base_revision=base_revision, content=old.content, author=author,
                         reason=why, restored_from=number)


# --- autosaved drafts ------------------------------------------------------------------------

# The draft's JSON holds the plan's content and, under this key, the guideline prompts accepted in
# the working plan and not saved yet: the decision is recorded when the recovered plan is saved.
# An older CarePlan reading the draft ignores the key (PlanContent.from_dict takes only its own).
ACCEPTED_KEY = "accepted_prompts"


@dataclass(frozen=True)
class Draft:
    patient_id: int
    author: str
    base_revision: int
    content: PlanContent
    saved_at: datetime
    accepted: tuple[tuple[str, str], ...] = ()  # (rule code, how the save reason names it), in the order accepted


def _draft_from(row: PlanDraftRow) -> Draft:
    data = json.loads(row.content_json)
    # Read leniently: a draft is a safety copy, and a damaged entry must not keep the edits from coming back.
    accepted = tuple((a["rule"], str(a.get("hint") or "")) for a in data.get(ACCEPTED_KEY, ())
                     if isinstance(a, dict) and isinstance(a.get("rule"), str))
    return Draft(row.patient_id, row.author, row.base_revision, PlanContent.from_dict(data), row.saved_at, accepted)


def save_draft(db: Database, patient_id: int, author: str, base_revision: int, content: PlanContent,
               accepted: Sequence[tuple[str, str]] = ()) -> None:
    """Keep the unsaved edits, and the prompts accepted in them (`accepted`: (rule, hint) pairs)."""
    data_dict = content.to_dict()
    if accepted:
        data_dict[ACCEPTED_KEY] = [{"rule": rule, "hint": hint} for rule, hint in accepted]
    # ASCII escapes: a draft keeps whatever was typed, even text the validators would refuse at
    # save time (NUL, a lone surrogate), which neither database could store as raw text.
    data = json.dumps(data_dict, ensure_ascii=True)
    with db.transaction() as s:
        refuse_if_read_only(s, [patient_id])
        row = s.scalar(select(PlanDraftRow).where(PlanDraftRow.patient_id == patient_id, PlanDraftRow.author == author))
        if row is None:
            s.add(PlanDraftRow(patient_id=patient_id, author=author, base_revision=base_revision, content_json=data, saved_at=utcnow()))
        else:
            row.base_revision, row.content_json, row.saved_at = base_revision, data, utcnow()


def load_draft(db: Database, patient_id: int, author: str) -> Draft | None:
    with db.reading() as s:
        row = s.scalar(select(PlanDraftRow).where(PlanDraftRow.patient_id == patient_id, PlanDraftRow.author == author))
        return None if row is None else _draft_from(row)


def drafts_for(db: Database, author: str) -> list[Draft]:
    """Unsaved work this coordinator left behind, e.g. after a crash."""
    with db.reading() as s:
        rows = list(s.scalars(select(PlanDraftRow).where(PlanDraftRow.author == author).order_by(PlanDraftRow.saved_at)))
        return [_draft_from(r) for r in rows]


def discard_draft(db: Database, patient_id: int, author: str) -> None:
    with db.transaction() as s:
        row = s.scalar(select(PlanDraftRow).where(PlanDraftRow.patient_id == patient_id, PlanDraftRow.author == author))
        if row is not None:
            s.delete(row)
