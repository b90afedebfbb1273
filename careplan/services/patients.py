"""Creating, editing, finding and listing patients."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from careplan.domain.errors import CarePlanError, FieldProblem, ValidationError
from careplan.domain.limits import max_length
from careplan.domain.patient import (
    Caregiver,
    OnsetSite,
    Patient,
    PatientStatus,
    TeamMember,
    validate_patient,
)
from careplan.domain.search_fold import FOLD_VERSION, fold
from careplan.domain.team import Role
from careplan.domain.text import quoted
from careplan.persistence.engine import Database
from careplan.persistence.errors import violated_constraint
from careplan.persistence.models import AppMetaRow, CaregiverRow, PatientRow, PlanRow, TeamMemberRow
from careplan.services import audit
from careplan.services.clock import today, utcnow

DUE_SOON = timedelta(days=14)
MRN_UNIQUE = "uq_patients_mrn"  # named by the models' naming convention


class NotFoundError(CarePlanError):
    pass


class PatientConflictError(CarePlanError):
    """Someone else saved this patient since it was opened."""


class ReviewState(StrEnum):
    NO_PLAN = "no_plan"
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    SCHEDULED = "scheduled"
    NOT_SET = "not_set"

    @property
    def label(self) -> str:
        return {
            "no_plan": "No plan yet",
            "overdue": "Overdue",
            "due_soon": "Due soon",
            "scheduled": "Scheduled",
            "not_set": "No date set",
        }[self.value]


@dataclass(frozen=True)
class PatientSummary:
    id: int
    mrn: str
    full_name: str
    date_of_birth: date | None
    plan_status: str  # "none", "draft" or "active"
    revisions: int
    next_review: date | None
    review_state: ReviewState
    status: PatientStatus = PatientStatus.ACTIVE


# Shown by default: patients in the clinic's care and those whose course ended recently enough
# to still be looked up. Archived patients appear when searched for or asked for.
DEFAULT_STATUSES = (PatientStatus.ACTIVE, PatientStatus.DISCHARGED, PatientStatus.DECEASED)
SEARCH_KEY_VERSION = "search_key_version"  # app_meta key: the fold() version search_name was built with


def search_key(name: str) -> str:
    # Folding can lengthen a name ("ﬃ" -> "ffi", "æ" -> "ae"); the key must still fit its column.
    # Only the part of a very long name past the limit is then not found by search.
    return fold(name)[: max_length("patient.full_name")]


def refresh_search_keys(db: Database, *, batch: int = 1000) -> int | None:
    """Rebuild every search_name when fold() changed since they were built; the count, or None if current.

    Runs at start-up (cli/common.py, cli/gui.py). Only patients.search_name is written: no
    history row, no version_id (a coordinator's open patient dialog must not see a conflict).
    """
    with db.reading() as s:
        if s.scalar(select(AppMetaRow.value).where(AppMetaRow.key == SEARCH_KEY_VERSION)) == FOLD_VERSION:
            return None
    changed = 0
    with db.transaction() as s:
        rows = s.execute(select(PatientRow.id, PatientRow.full_name, PatientRow.search_name)).all()
        stale = [{"pid": pid, "key": search_key(name)} for pid, name, key in rows if key != search_key(name)]
        table = cast(Table, PatientRow.__table__)  # Core: the ORM would bump version_id
        for start in range(0, len(stale), batch):
            s.connection().execute(
                update(table).where(table.c.id == bindparam("pid")).values(search_name=bindparam("key")),
                stale[start:start + batch],
            )
        changed = len(stale)
        s.merge(AppMetaRow(key=SEARCH_KEY_VERSION, value=FOLD_VERSION))
    return changed


def review_state(revisions: int, next_review: date | None, on: date, soon: timedelta = DUE_SOON) -> ReviewState:
    """Where a plan's review stands on a day; `soon` is how far ahead counts as due soon."""
    if revisions == 0:
        return ReviewState.NO_PLAN
    if next_review is None:
        return ReviewState.NOT_SET
    if next_review < on:
        return ReviewState.OVERDUE
    if next_review - on <= soon:
        return ReviewState.DUE_SOON
    return ReviewState.SCHEDULED


def to_domain(row: PatientRow) -> Patient:
    return Patient(
        id=row.id,
        version=row.version_id,
        mrn=row.mrn,
        full_name=row.full_name,
        date_of_birth=row.date_of_birth,
        diagnosis_date=row.diagnosis_date,
        onset_site=OnsetSite(row.onset_site) if row.onset_site else None,
        preferred_language=row.preferred_language,
        notes=row.notes,
        caregivers=[Caregiver(c.name, c.relationship_, c.phone, c.email) for c in row.caregivers],
        care_team=[TeamMember(m.name, Role(m.role), m.phone) for m in row.care_team],
        onset_date=row.onset_date,
        usual_weight_kg=row.usual_weight_kg,
        height_cm=row.height_cm,
        status=PatientStatus(row.status),
        status_reason=row.status_reason,
        status_date=row.status_date,
        fictional=row.fictional,
    )


def _apply(row: PatientRow, p: Patient) -> None:
    row.mrn = p.mrn
    row.full_name = p.full_name
    row.search_name = search_key(p.full_name)
    row.date_of_birth = p.date_of_birth
    row.diagnosis_date = p.diagnosis_date
    row.onset_site = p.onset_site.value if p.onset_site else None
    row.onset_date = p.onset_date
    row.usual_weight_kg = p.usual_weight_kg
    row.height_cm = p.height_cm
    row.preferred_language = p.preferred_language
    row.notes = p.notes
    row.caregivers = [
        CaregiverRow(position=i, name=c.name, relationship_=c.relationship, phone=c.phone, email=c.email)
        for i, c in enumerate(p.caregivers)
    ]
    row.care_team = [
        TeamMemberRow(position=i, name=m.name, role=m.role.value, phone=m.phone) for i, m in enumerate(p.care_team)
    ]


def _duplicate_mrn(mrn: str) -> ValidationError:
    return ValidationError([FieldProblem("mrn", f"Another patient already has the MRN {quoted(mrn)}.")])


def _raise_if_duplicate_mrn(e: IntegrityError, mrn: str) -> None:
    """Another writer saved the same MRN between our check and our write."""
    if violated_constraint(e) == MRN_UNIQUE:
        raise _duplicate_mrn(mrn) from None


def _mrn_taken(s: Session, mrn: str, except_id: int | None) -> bool:
    q = select(PatientRow.id).where(PatientRow.mrn == mrn)
    if except_id is not None:
        q = q.where(PatientRow.id != except_id)
    return s.scalar(q) is not None


def create_patient(db: Database, p: Patient, *, actor: str) -> Patient:
    validate_patient(p, today=today())
    now = utcnow()
    try:
        with db.transaction() as s:
            if _mrn_taken(s, p.mrn, None):
                raise _duplicate_mrn(p.mrn)
            row = PatientRow(created_at=now, updated_at=now)
            _apply(row, p)
            s.add(row)
            s.flush()
            audit.record(s, actor, "patient.created", entity="patient", entity_key=p.mrn, patient_id=row.id)
            result = to_domain(row)
    except IntegrityError as e:
        _raise_if_duplicate_mrn(e, p.mrn)
        raise
    return result


def update_patient(db: Database, p: Patient, *, actor: str) -> Patient:
    """Save edits to an existing patient; refuses if someone else saved it since p was loaded."""
    if p.id is None:
        raise ValueError("update_patient needs a saved patient")
    validate_patient(p, today=today())
    try:
        with db.transaction() as s:
            row = s.get(PatientRow, p.id, options=[selectinload(PatientRow.caregivers), selectinload(PatientRow.care_team)])
            if row is None:
                raise NotFoundError(f"Patient {p.mrn} no longer exists.")
            if row.version_id != p.version:
                raise PatientConflictError(
                    f"{row.mrn} was changed by someone else since you opened it. Reopen the patient to see their changes."
                )
            if _mrn_taken(s, p.mrn, p.id):
                raise _duplicate_mrn(p.mrn)
            old = to_domain(row)
            _apply(row, p)
            row.updated_at = utcnow()
            s.flush()
            changed = [f for f in ("mrn", "full_name", "date_of_birth", "diagnosis_date", "onset_site",
                                   "preferred_language", "notes", "caregivers", "care_team", "onset_date",
                                   "usual_weight_kg", "height_cm")
                       if getattr(old, f) != getattr(p, f)]
            audit.record(s, actor, "patient.edited", entity="patient", entity_key=p.mrn, patient_id=row.id,
                         details={"fields": changed})
            result = to_domain(row)
    except StaleDataError:
        raise PatientConflictError(f"{p.mrn} was changed by someone else at the same moment; reopen it.") from None
    except IntegrityError as e:
        _raise_if_duplicate_mrn(e, p.mrn)
        raise
    return result


def _load(s: Session, where: object) -> Patient | None:
    row = s.scalar(
        select(PatientRow).where(where).options(selectinload(PatientRow.caregivers), selectinload(PatientRow.care_team))  # type: ignore[arg-type]
    )
    return to_domain(row) if row else None


def get_patient(db: Database, patient_id: int) -> Patient:
    with db.reading() as s:
        p = _load(s, PatientRow.id == patient_id)
    if p is None:
        raise NotFoundError(f"No patient with id {patient_id}.")
    return p


def get_patient_by_mrn(db: Database, mrn: str) -> Patient:
    with db.reading() as s:
        p = _load(s, PatientRow.mrn == mrn)
    if p is None:
        raise NotFoundError(f"No patient has the MRN '{mrn}'.")
    return p


SORT_COLUMNS = {
    "name": PatientRow.search_name,
    "mrn": PatientRow.mrn,
    "plan_status": PlanRow.status,
    "next_review": PlanRow.next_review,
}


def _like(needle: str) -> str:
    return "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _filtered(text: str, statuses: Collection[PatientStatus] | None) -> Select[Any]:
    """Patients whose folded name or case-folded MRN contains `text`, in `statuses` (None: all)."""
    q = select(PatientRow.id).outerjoin(PlanRow, PlanRow.patient_id == PatientRow.id)
    typed = text.strip()
    if typed:
        q = q.where(or_(PatientRow.search_name.like(_like(fold(typed)), escape="\\"),
                        func.lower(PatientRow.mrn).like(_like(typed.casefold()), escape="\\")))
    if statuses is not None:
        q = q.where(PatientRow.status.in_([st.value for st in statuses]))
    return q


def count_patients(db: Database, text: str = "", *, statuses: Collection[PatientStatus] | None = None) -> int:
    with db.reading() as s:
        return int(s.scalar(select(func.count()).select_from(_filtered(text, statuses).subquery())) or 0)


def search_patients(
    db: Database,
    text: str = "",
    *,
    sort: str = "name",
    descending: bool = False,
    offset: int = 0,
    limit: int = 200,
    on: date | None = None,
    statuses: Collection[PatientStatus] | None = None,
) -> list[PatientSummary]:
    """One page of patients whose name (ignoring case and accents) or MRN contains `text`.

    `statuses` limits the list (None: every patient, archived too).
    """
    on = on or today()
    col = SORT_COLUMNS[sort]
    order = [col.desc() if descending else col.asc(), PatientRow.id]
    if sort in ("plan_status", "next_review"):
        order.insert(0, col.is_(None))  # patients without a plan last, whichever way
    q = (
        _filtered(text, statuses)
        .add_columns(PatientRow.mrn, PatientRow.full_name, PatientRow.date_of_birth, PlanRow.status,
                     PlanRow.current_revision, PlanRow.next_review, PatientRow.status)
        .order_by(*order)
        .offset(offset)
        .limit(limit)
    )
    with db.reading() as s:
        rows = s.execute(q).all()
    out = []
    for pid, mrn, name, dob, status, revs, nxt, life in rows:
        revs = revs or 0
        out.append(PatientSummary(pid, mrn, name, dob, status if revs else "none", revs, nxt, review_state(revs, nxt, on),
                                  PatientStatus(life)))
    return out
