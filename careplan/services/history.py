"""Appending to plan history: the one place where revisions are written.

Saving, restoring, importing and demo data all come through append_revisions(), so every
revision is numbered, linked to the plan's previous hash and hashed the same way, every plan
head moves by the same compare-and-set, and every append leaves the same kind of audit trail.

The compare-and-set: a writer names the revision it started from (`base`). The plan row is
updated only WHERE current_revision = base, so of two writers from the same base only the
first moves the head; the other gets HeadMovedError and writes nothing. A plan that does not
exist yet is inserted at its new head; the unique patient_id of plans and the unique
(plan_id, number) of revisions are the backstops below that, raising IntegrityError.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol, cast
from uuid import uuid4

from sqlalchemy import CursorResult, bindparam, insert, select, update
from sqlalchemy.orm import Session

from careplan.domain.disciplines import Discipline
from careplan.domain.errors import CarePlanError
from careplan.domain.lifecycle import PlanReadOnlyError, read_only_message
from careplan.domain.patient import PatientStatus
from careplan.domain.plan import (
    CLOCK_SKEW,
    GENESIS_HASH,
    HASH_VERSION,
    Goal,
    ItemStatus,
    PlanContent,
    PlanItem,
    PlanStatus,
    Revision,
)
from careplan.domain.signature import Meaning, signature_hash
from careplan.persistence.models import (
    PatientRow,
    PlanRevisionRow,
    PlanRow,
    RevisionItemRow,
    RevisionSignatureRow,
)
from careplan.services import audit

CHUNK = 500  # rows per IN (...) or multi-row INSERT: SQLite limits the values bound in one statement


@dataclass(frozen=True)
class Entry:
    """A revision to append, before it is numbered, linked and hashed."""

    created_at: datetime  # timezone-aware; stored and hashed as UTC
    author: str
    reason: str
    content: PlanContent
    restored_from: int | None = None
    # An imported revision's hash as the file gives it: recomputed here, and it must match.
    expected_hash: str | None = None
    # An imported revision keeps the hash scheme it was made with (1: made before schema 0005).
    hash_version: int = HASH_VERSION


@dataclass(frozen=True)
class Run:
    """Revisions appended to one patient's plan in one step, on top of revision `base`."""

    patient_id: int
    mrn: str
    base: int
    entries: Sequence[Entry]
    # One audit event for the whole run (an import), which gets the newest revision's number.
    # Without it, each revision gets its own "plan.saved" or "plan.restored" event.
    event: audit.NewEvent | None = None
    tags: Mapping[str, Any] = field(default_factory=dict)  # added to each revision's event details
    # The key an imported history was hashed with, given to a patient who has none yet.
    history_key: str | None = None
    # The login that signs each revision "authored" (domain/signature.py), its author's name as the
    # printed name; the event then names the signature's hash. Imports and demo data do not sign.
    signer: str | None = None


class HeadMovedError(CarePlanError):
    """The plan's head is no longer at the revision the writer started from; nothing was written."""

    def __init__(self, run: Run, plan_id: int | None):
        self.run = run
        self.plan_id = plan_id  # None: the patient has no plan at all
        super().__init__(f"The plan of {run.mrn} is no longer at revision {run.base}; nothing was saved.")


@dataclass(frozen=True)
class _Head:
    plan_id: int
    current: int
    last_hash: str
    last_at: datetime | None  # None: the plan has no revision yet
    last_version: int


@dataclass(frozen=True)
class _Patient:
    history_key: str | None
    head: _Head | None  # None: no plan yet


def append_revisions(s: Session, runs: Sequence[Run]) -> list[tuple[Revision, ...]]:
    """Append each run's entries to its patient's plan inside the caller's transaction.

    Returns the stored revisions of each run, in order. Raises HeadMovedError when a plan's
    head is not at its run's base (the caller's transaction must then be rolled back), and
    CarePlanError when an entry's recomputed hash differs from the one it was expected to have.
    """
    runs = [r for r in runs if r.entries]
    if len({r.patient_id for r in runs}) != len(runs):
        raise ValueError("one run per plan: a plan's revisions are appended in one run, in order")
    refuse_if_read_only(s, [r.patient_id for r in runs])
    patients = _patients(s, [r.patient_id for r in runs])
    _give_keys(s, runs, patients)
    chains = [_chain(run, patients.get(run.patient_id)) for run in runs]
    heads = {pid: p.head for pid, p in patients.items() if p.head is not None}
    plan_ids = _move_heads(s, runs, heads, chains)
    ids = _insert(s, [(plan_id, rev) for plan_id, chain in zip(plan_ids, chains, strict=True) for rev in chain])
    _sign_authored(s, runs, chains, ids)
    audit.record_many(s, [e for run, chain in zip(runs, chains, strict=True) for e in _events(run, chain)])
    return chains


def refuse_if_read_only(s: Session, ids: Sequence[int]) -> None:
    """Only an active patient's plan changes (domain/lifecycle.py).

    Every patient row of the write is locked FOR UPDATE, active or not: on PostgreSQL a discharge
    committing between this check and our commit then waits for us instead (a lock on only the
    inactive rows would let it through). Not FOR SHARE: the writer may then set the patient's
    history key, and two savers each holding a share lock and each waiting to update the row
    deadlock; with FOR UPDATE the second saver waits and then meets a conflict as it should.
    SQLite writers are serialised by BEGIN IMMEDIATE.
    """
    for start in range(0, len(ids), CHUNK):
        q = (select(PatientRow.mrn, PatientRow.status, PatientRow.status_reason, PatientRow.status_date)
             .where(PatientRow.id.in_(ids[start:start + CHUNK])).with_for_update())
        for mrn, status, reason, on in s.execute(q):
            why = read_only_message(PatientStatus(status), reason, on)
            if why is not None:
                raise PlanReadOnlyError(f"{mrn}: {why} Nothing was saved.")


def _patients(s: Session, patient_ids: list[int]) -> dict[int, _Patient]:
    """Each patient's history key and plan head (one query per chunk)."""
    out: dict[int, _Patient] = {}
    last = PlanRevisionRow
    for start in range(0, len(patient_ids), CHUNK):
        q = (select(PatientRow.id, PatientRow.history_key, PlanRow.id, PlanRow.current_revision, PlanRow.last_hash,
                    last.created_at, last.hash_version)
             .outerjoin(PlanRow, PlanRow.patient_id == PatientRow.id)
             .outerjoin(last, (last.plan_id == PlanRow.id) & (last.number == PlanRow.current_revision))
             .where(PatientRow.id.in_(patient_ids[start:start + CHUNK])))
        out.update((pid, _Patient(key, None if plan_id is None else _Head(plan_id, current, last_hash, at, version or 1)))
                   for pid, key, plan_id, current, last_hash, at, version in s.execute(q))
    return out


def _give_keys(s: Session, runs: list[Run], patients: dict[int, _Patient]) -> None:
    """A patient gets a history key with the first revision saved for them, and keeps it."""
    given = []
    for run in runs:
        p = patients.get(run.patient_id)
        if p is not None and p.history_key is None:
            patients[run.patient_id] = replace(p, history_key=run.history_key or uuid4().hex)
            given.append({"pid": run.patient_id, "key": patients[run.patient_id].history_key})
    if given:
        t = PatientRow.__table__.c
        s.connection().execute(update(PatientRow).where(t.id == bindparam("pid"), t.history_key.is_(None))
                               .values(history_key=bindparam("key")), given)


def _chain(run: Run, patient: _Patient | None) -> tuple[Revision, ...]:
    """Number, link and hash the run's entries on top of the plan's newest hash."""
    head = patient.head if patient else None
    if head is None and run.base != 0:
        raise HeadMovedError(run, None)
    if head is not None and head.current != run.base:  # seen early; the compare-and-set is the backstop
        raise HeadMovedError(run, head.plan_id)
    prev = head.last_hash if head else GENESIS_HASH
    out: list[Revision] = []
    before_at, before_version = (head.last_at, head.last_version) if head else (None, 1)
    for number, e in enumerate(run.entries, start=run.base + 1):
        key = patient.history_key if patient and e.hash_version >= HASH_VERSION else None
        if before_version > e.hash_version:
            raise CarePlanError(f"Revision {number} of {run.mrn} uses an older hash scheme than the revision before "
                                "it; nothing was written.")
        if before_at is not None and e.created_at < before_at - CLOCK_SKEW:
            when = e.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
            raise CarePlanError(f"Revision {number} of {run.mrn} would be dated {when} UTC, before revision "
                                f"{number - 1}; check this computer's clock. Nothing was written.")
        before_at, before_version = e.created_at, e.hash_version
        rev = Revision(number, e.created_at.astimezone(UTC), e.author, e.reason, e.content, prev_hash=prev,
                       restored_from=e.restored_from, patient_key=key)
        rev = replace(rev, content_hash=rev.compute_hash())
        if e.expected_hash is not None and e.expected_hash != rev.content_hash:
            raise CarePlanError(f"Revision {number} of {run.mrn} does not link to the revisions already saved "
                                "in CarePlan; nothing was written.")
        out.append(rev)
        prev = rev.content_hash
    return tuple(out)


def _head_values(chain: tuple[Revision, ...]) -> dict[str, Any]:
    last = chain[-1]
    return {"current_revision": last.number, "last_hash": last.content_hash,
            "status": last.content.status.value, "next_review": last.content.next_review}


def _move_heads(s: Session, runs: list[Run], heads: dict[int, _Head],
                chains: list[tuple[Revision, ...]]) -> list[int]:
    """Each run's plan id, after moving its head to the run's newest revision."""
    plan_ids: dict[int, int] = {}
    new = [(run, chain) for run, chain in zip(runs, chains, strict=True) if run.patient_id not in heads]
    for start in range(0, len(new), CHUNK):
        part = new[start:start + CHUNK]
        ids = s.scalars(insert(PlanRow).returning(PlanRow.id, sort_by_parameter_order=True),
                        [{"patient_id": run.patient_id, **_head_values(chain)} for run, chain in part]).all()
        plan_ids.update((run.patient_id, plan_id) for (run, _), plan_id in zip(part, ids, strict=True))
    for run, chain in zip(runs, chains, strict=True):
        head = heads.get(run.patient_id)
        if head is None:
            continue
        moved = s.execute(
            update(PlanRow)
            .where(PlanRow.id == head.plan_id, PlanRow.current_revision == run.base)
            .values(**_head_values(chain))
            .execution_options(synchronize_session=False)
        )
        if cast(CursorResult[Any], moved).rowcount != 1:
            raise HeadMovedError(run, head.plan_id)
        plan_ids[run.patient_id] = head.plan_id
    return [plan_ids[run.patient_id] for run in runs]


def _insert(s: Session, revisions: list[tuple[int, Revision]]) -> list[int]:
    """Insert the revisions with their items; returns their row ids, in order."""
    all_ids: list[int] = []
    for start in range(0, len(revisions), CHUNK):
        part = [revision_rows(plan_id, rev) for plan_id, rev in revisions[start:start + CHUNK]]
        ids = s.scalars(insert(PlanRevisionRow).returning(PlanRevisionRow.id, sort_by_parameter_order=True),
                        [head for head, _ in part]).all()
        all_ids += ids
        items = [{**it, "revision_id": rid} for rid, (_, its) in zip(ids, part, strict=True) for it in its]
        for k in range(0, len(items), CHUNK):
            s.execute(insert(RevisionItemRow), items[k:k + CHUNK])
    return all_ids


def _authored(run: Run, rev: Revision) -> str | None:
    """The hash of the revision's "authored" signature, when the run is signed."""
    if run.signer is None:
        return None
    return signature_hash(prev_hash=rev.content_hash, revision_hash=rev.content_hash, meaning=Meaning.AUTHORED.value,
                          signed_by=run.signer, printed_name=rev.author, signed_at=rev.created_at)


def _sign_authored(s: Session, runs: list[Run], chains: list[tuple[Revision, ...]], ids: list[int]) -> None:
    revs = [(run, rev) for run, chain in zip(runs, chains, strict=True) for rev in chain]
    rows = [{"revision_id": rid, "meaning": Meaning.AUTHORED.value, "signed_by": run.signer,
             "printed_name": rev.author, "signed_at": rev.created_at, "prev_hash": rev.content_hash, "hash": h}
            for rid, (run, rev) in zip(ids, revs, strict=True) if (h := _authored(run, rev)) is not None]
    for k in range(0, len(rows), CHUNK):
        s.execute(insert(RevisionSignatureRow), rows[k:k + CHUNK])


def _events(run: Run, chain: tuple[Revision, ...]) -> Iterator[audit.NewEvent]:
    """Each event names the revision it wrote and its hash (REVISION_HASH), so the hash-chained audit
    log says which history belongs to which patient, and `careplan check` compares the two."""
    if run.event is not None:
        yield replace(run.event, revision=chain[-1].number,
                      details={**run.event.details, audit.REVISION_HASH: chain[-1].content_hash})
        return
    for rev in chain:
        details: dict[str, Any] = {"items": len(rev.content.items), "reason": rev.reason, **run.tags,
                                   audit.REVISION_HASH: rev.content_hash}
        if rev.restored_from:
            details["restored_from"] = rev.restored_from
        if (signed := _authored(run, rev)) is not None:
            details[audit.SIGNATURE] = signed
        yield audit.NewEvent(rev.author, "plan.restored" if rev.restored_from else "plan.saved", entity="plan",
                             entity_key=run.mrn, patient_id=run.patient_id, revision=rev.number,
                             details=details, at=rev.created_at)


# --- rows <-> revisions ----------------------------------------------------------------------

def revision_rows(plan_id: int, rev: Revision) -> tuple[dict[str, object], list[dict[str, object]]]:
    """Column values for a revision and its items."""
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
        "hash_version": rev.hash_version,
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


class RevisionColumns(Protocol):
    """A plan_revisions row: an ORM object, or a Core row read by `careplan check`."""

    number: int
    created_at: datetime
    author: str
    reason: str
    status: str
    start_date: Any
    next_review: Any
    goals_json: str
    restored_from: int | None
    prev_hash: str
    content_hash: str
    hash_version: int


def item_from_row(r: Any) -> PlanItem:
    """A revision_items row (ORM object or Core row) as the item it stores."""
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


def revision_from_rows(row: RevisionColumns, items: Sequence[Any], patient_key: str | None) -> Revision:
    """The stored revision; `patient_key` is its patient's history key, which newer hashes cover."""
    content = PlanContent(
        status=PlanStatus(row.status),
        start_date=row.start_date,
        next_review=row.next_review,
        goals=tuple(Goal(t) for t in json.loads(row.goals_json)),
        items=tuple(item_from_row(i) for i in items),
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
        patient_key=patient_key if row.hash_version >= HASH_VERSION else None,
    )
