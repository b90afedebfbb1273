"""Discharging, recording a death, archiving and reinstating patients: audited events, never deletions.

Each change is one transaction: the patient row's status columns move (with the same
optimistic version check as any patient edit) and an audit event records who, when, from
which status and why. The previous status stays readable in the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy.orm.exc import StaleDataError

from careplan.domain.lifecycle import DischargeReason, check_death_date, check_transition
from careplan.domain.patient import Patient, PatientStatus
from careplan.persistence.engine import Database
from careplan.persistence.models import PatientRow
from careplan.services import audit
from careplan.services.clock import today, utcnow
from careplan.services.patients import NotFoundError, PatientConflictError, to_domain

ACTIONS = {
    PatientStatus.ACTIVE: "patient.reinstated",
    PatientStatus.DISCHARGED: "patient.discharged",
    PatientStatus.DECEASED: "patient.deceased",
    PatientStatus.ARCHIVED: "patient.archived",
}


def discharge(db: Database, patient_id: int, *, reason: DischargeReason, version: int, actor: str,
              on: date | None = None) -> Patient:
    """Discharge an active patient for `reason`, as of `on` (default today)."""
    day = on or today()
    return _change(db, patient_id, PatientStatus.DISCHARGED, version, actor,
                   lambda p: (reason.value, day), {"reason": reason.value, "date": day.isoformat()})


def record_death(db: Database, patient_id: int, *, died_on: date, version: int, actor: str) -> Patient:
    """Mark the patient deceased; the date may be neither before birth nor in the future."""
    def values(p: Patient) -> tuple[str | None, date | None]:
        check_death_date(p, died_on, today=today())
        return None, died_on

    return _change(db, patient_id, PatientStatus.DECEASED, version, actor, values, {"date": died_on.isoformat()})


def archive(db: Database, patient_id: int, *, version: int, actor: str) -> Patient:
    """Hide the patient from the default list. Their reason and date (e.g. of death) are kept."""
    return _change(db, patient_id, PatientStatus.ARCHIVED, version, actor, lambda p: (p.status_reason, p.status_date), {})


def reinstate(db: Database, patient_id: int, *, version: int, actor: str) -> Patient:
    """Back to active care: the plan can be edited again."""
    return _change(db, patient_id, PatientStatus.ACTIVE, version, actor, lambda p: (None, None), {})


def _change(db: Database, patient_id: int, to: PatientStatus, version: int, actor: str,
            values: Callable[[Patient], tuple[str | None, date | None]], details: dict[str, Any]) -> Patient:
    try:
        with db.transaction() as s:
            row = s.get(PatientRow, patient_id)
            if row is None:
                raise NotFoundError("This patient no longer exists.")
            if row.version_id != version:
                raise PatientConflictError(
                    f"{row.mrn} was changed by someone else since you opened it. Reopen the patient to see their changes."
                )
            before = to_domain(row)
            check_transition(before, to)
            row.status_reason, row.status_date = values(before)
            row.status = to.value
            row.updated_at = utcnow()
            s.flush()
            audit.record(s, actor, ACTIONS[to], entity="patient", entity_key=row.mrn, patient_id=row.id,
                         details={"from": before.status.value, **details})
            return to_domain(row)
    except StaleDataError:
        raise PatientConflictError("This patient was changed by someone else at the same moment; reopen it.") from None
