"""The ALS course of a patient: adding assessments (append-only) and reading them back computed.

A correction is a new assessment that supersedes an earlier one; nothing is ever edited. The
course shows only the assessments nobody has superseded, each with its computed values and
the rule behind each (careplan.domain.staging).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from careplan.domain.course import (
    Assessment,
    FvcPosition,
    Provision,
    parse_alsfrs,
    validate_assessment,
)
from careplan.domain.errors import CarePlanError, Problems
from careplan.domain.patient import Patient
from careplan.domain.staging import (
    AlsfrsScores,
    Computed,
    KingsStage,
    bmi,
    delta_fs,
    kings_from_alsfrs,
    kings_recorded,
    mitos,
    scores,
    weight_change_pct,
)
from careplan.persistence.engine import Database
from careplan.persistence.errors import violated_constraint
from careplan.persistence.models import AssessmentRow, PatientRow
from careplan.services import audit
from careplan.services.changes import Changes, Outcome
from careplan.services.clock import today, utcnow
from careplan.services.patients import NotFoundError, get_patient

SUPERSEDES_UNIQUE = "uq_assessments_supersedes"


class AlreadyCorrectedError(CarePlanError):
    """The assessment being corrected was corrected by someone else first."""


@dataclass(frozen=True)
class CourseEntry:
    """One current assessment and everything computed from it."""

    assessment: Assessment
    scores: AlsfrsScores | None
    kings: KingsStage
    kings_recorded: KingsStage | None
    mitos: Computed
    delta_fs: Computed
    bmi: Computed
    weight_change_pct: Computed


@dataclass(frozen=True)
class Course:
    patient: Patient
    entries: list[CourseEntry]  # oldest first; superseded assessments left out

    @property
    def latest(self) -> CourseEntry | None:
        return self.entries[-1] if self.entries else None

    def latest_with_alsfrs(self) -> CourseEntry | None:
        return next((e for e in reversed(self.entries) if e.scores is not None), None)


def to_domain(row: AssessmentRow) -> Assessment:
    return Assessment(
        id=row.id, assessed_on=row.assessed_on, author=row.author, supersedes=row.supersedes,
        reason=row.reason, alsfrs=parse_alsfrs(row.alsfrs) if row.alsfrs else None,
        fvc_pct=row.fvc_pct, fvc_litres=row.fvc_litres,
        fvc_position=FvcPosition(row.fvc_position) if row.fvc_position else None,
        snip_cmh2o=row.snip_cmh2o, weight_kg=row.weight_kg,
        niv=Provision(row.niv) if row.niv else None,
        gastrostomy=Provision(row.gastrostomy) if row.gastrostomy else None,
        kings_recorded=row.kings_recorded,
    )


def row_values(a: Assessment) -> dict[str, Any]:
    """The columns of an assessment row, without id, patient and recorded_at."""
    return {
        "assessed_on": a.assessed_on, "author": a.author, "supersedes": a.supersedes, "reason": a.reason,
        "alsfrs": a.alsfrs.as_text() if a.alsfrs else None, "fvc_pct": a.fvc_pct, "fvc_litres": a.fvc_litres,
        "fvc_position": a.fvc_position.value if a.fvc_position else None, "snip_cmh2o": a.snip_cmh2o,
        "weight_kg": a.weight_kg, "niv": a.niv.value if a.niv else None,
        "gastrostomy": a.gastrostomy.value if a.gastrostomy else None, "kings_recorded": a.kings_recorded,
    }


def add_assessment(db: Database, patient_id: int, a: Assessment) -> Assessment:
    """Validate and append `a` (its author is who recorded it); audited in the same transaction."""
    with db.transaction() as s:
        patient = s.get(PatientRow, patient_id)
        if patient is None:
            raise NotFoundError(f"No patient with id {patient_id}.")
        validate_assessment(a, today=today(), date_of_birth=patient.date_of_birth)
        if a.supersedes is not None:
            _check_supersedable(s, patient_id, a.supersedes)
        row = AssessmentRow(patient_id=patient_id, recorded_at=utcnow(), **row_values(replace(a, id=None)))
        s.add(row)
        try:
            s.flush()
        except IntegrityError as e:
            if violated_constraint(e) == SUPERSEDES_UNIQUE:
                raise AlreadyCorrectedError(f"Assessment {a.supersedes} was corrected by someone else just now; "
                                            "reopen the course to see their correction.") from None
            raise
        action = "course.corrected" if a.supersedes is not None else "course.assessed"
        audit.record(s, a.author, action, entity="assessment", entity_key=str(row.id), patient_id=patient_id,
                     details={"date": a.assessed_on.isoformat(), "supersedes": a.supersedes,
                              "parts": [k for k, v in row_values(a).items()
                                        if v is not None and k not in ("assessed_on", "author", "supersedes",
                                                                       "reason")]})
        return to_domain(row)


def record_assessment(db: Database, patient_id: int, a: Assessment) -> Outcome[Assessment]:
    """add_assessment for the GUI's operation layer: the patient's screens refresh from the Changes."""
    return Outcome(add_assessment(db, patient_id, a), Changes.patient(patient_id))


def _check_supersedable(s: Session, patient_id: int, old_id: int) -> None:
    old = s.get(AssessmentRow, old_id)
    problems = Problems()
    if old is None or old.patient_id != patient_id:
        problems.add("supersedes", f"This patient has no assessment {old_id} to correct.")
        problems.raise_if_any()
    newer = s.scalar(select(AssessmentRow.id).where(AssessmentRow.supersedes == old_id))
    if newer is not None:
        raise AlreadyCorrectedError(f"Assessment {old_id} was already corrected by assessment {newer}; "
                                    f"correct {newer} instead.")


def correction(db: Database, patient_id: int, old_id: int, *, author: str, reason: str,
               **changes: Any) -> Assessment:
    """A new assessment superseding `old_id`: the old values with `changes` applied, by `author`."""
    old = next((a for a in history(db, patient_id) if a.id == old_id), None)
    if old is None:
        problems = Problems()
        problems.add("supersedes", f"This patient has no assessment {old_id} to correct.")
        problems.raise_if_any()
        raise AssertionError  # unreachable: raise_if_any raised
    return replace(old, **changes, author=author, reason=reason, supersedes=old_id, id=None)


def all_assessments(s: Session, patient_id: int) -> list[Assessment]:
    """Every assessment ever recorded for the patient, superseded ones included, by id."""
    rows = s.scalars(select(AssessmentRow).where(AssessmentRow.patient_id == patient_id).order_by(AssessmentRow.id))
    return [to_domain(r) for r in rows]


def current(assessments: list[Assessment]) -> list[Assessment]:
    """Those nobody superseded, oldest visit first (ties in the order they were recorded)."""
    replaced = {a.supersedes for a in assessments if a.supersedes is not None}
    return sorted((a for a in assessments if a.id not in replaced), key=lambda a: (a.assessed_on, a.id or 0))


def compute(patient: Patient, a: Assessment) -> CourseEntry:
    return CourseEntry(
        assessment=a,
        scores=scores(a.alsfrs) if a.alsfrs else None,
        kings=kings_from_alsfrs(a.alsfrs),
        kings_recorded=kings_recorded(a),
        mitos=mitos(a.alsfrs),
        delta_fs=delta_fs(a.alsfrs, patient.onset_date, a.assessed_on),
        bmi=bmi(a.weight_kg, patient.height_cm),
        weight_change_pct=weight_change_pct(a.weight_kg, patient.usual_weight_kg),
    )


def get_course(db: Database, patient_id: int) -> Course:
    patient = get_patient(db, patient_id)
    with db.reading() as s:
        found = all_assessments(s, patient_id)
    return Course(patient, [compute(patient, a) for a in current(found)])


def history(db: Database, patient_id: int) -> list[Assessment]:
    """Every assessment including the superseded ones: what the record said on any date."""
    with db.reading() as s:
        return all_assessments(s, patient_id)


def age_in_words(when: date, on: date) -> str:
    """How old a value is, for a header: "today", "12 days ago", "3 months ago"."""
    days = (on - when).days
    if days <= 0:
        return "today"
    if days < 45:
        return f"{days} day{'s' if days != 1 else ''} ago"
    return f"{round(days / 30.4375)} months ago"


def headline(course: Course, on: date) -> str:
    """One line for the plan editor's header: latest stage and ΔFS, and how old they are."""
    entry = course.latest_with_alsfrs()
    if entry is None:
        return ("No ALSFRS-R recorded yet" if course.entries else "No assessments recorded yet") + \
            ": Patient \u25b8 Assessments (Ctrl+Shift+A)."
    when = entry.assessment.assessed_on
    k = entry.kings
    parts = [f"King's {k.stage} (estimated)" if k.stage else "King's not estimable"]
    if entry.kings_recorded:
        parts.insert(0, f"King's {entry.kings_recorded.stage} (recorded by clinician)")
    if entry.mitos.value is not None:
        parts.append(f"MiToS {entry.mitos.value:g}")
    dfs = entry.delta_fs.value
    if dfs is not None:
        pace = "slow" if dfs < 0.5 else "intermediate" if dfs < 1 else "fast"
        parts.append(f"\u0394FS {dfs:.2f}/month ({pace})")
    else:
        parts.append("\u0394FS not computable")
    stale = " \u2014 over 3 months old" if (on - when).days > 92 else ""
    joined = " \u00b7 ".join(parts)
    return (f"{joined}; ALSFRS-R {entry.scores.total if entry.scores else '?'}/48 on "
            f"{when.isoformat()} ({age_in_words(when, on)}){stale}")
