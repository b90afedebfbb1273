"""A patient's course through the clinic: discharge, death, archiving and reinstatement.

Rules only, no I/O. A status change is an event (services/lifecycle.py records it in the audit
log); nothing about a patient is ever deleted. Only an active patient's plan can change: the
plan of a discharged, deceased or archived patient is read-only until they are reinstated.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from careplan.domain.errors import CarePlanError
from careplan.domain.patient import Patient, PatientStatus


class DischargeReason(StrEnum):
    """Stored as the code in patients.status_reason; shown with `label`."""

    MOVED = "moved"
    TRANSFERRED = "transferred"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return {
            "moved": "moved away",
            "transferred": "transferred to another clinic",
            "declined": "declined further care",
        }[self.value]


class LifecycleError(CarePlanError):
    """A status change that does not apply to this patient (already active, death before birth...)."""


class PlanReadOnlyError(CarePlanError):
    """The plan of a patient who is not in active care cannot change."""


def reason_label(code: str | None) -> str:
    """Plain words for a stored reason code; an unknown code (a newer CarePlan) is shown as stored."""
    try:
        return DischargeReason(code or "").label
    except ValueError:
        return code or ""


def status_text(status: PatientStatus, reason: str | None, on: date | None) -> str:
    """One line for the patient's status, e.g. "Discharged on 2026-11-30 (moved away)"."""
    when = f" on {on.isoformat()}" if on else ""
    if status is PatientStatus.DISCHARGED:
        why = f" ({reason_label(reason)})" if reason else ""
        return f"Discharged{when}{why}"
    if status is PatientStatus.DECEASED:
        return f"Died{when}"
    return status.label


def read_only_message(status: PatientStatus, reason: str | None, on: date | None) -> str | None:
    """Why the plan of a patient in this status cannot be edited, or None when it can."""
    if status is PatientStatus.ACTIVE:
        return None
    return f"{status_text(status, reason, on)}: the plan is read-only. Reinstate to change it."


def plan_read_only(p: Patient) -> str | None:
    return read_only_message(p.status, p.status_reason, p.status_date)


def check_death_date(p: Patient, died_on: date, *, today: date) -> None:
    if died_on > today:
        raise LifecycleError(f"The date of death {died_on.isoformat()} is in the future.")
    if p.date_of_birth and died_on < p.date_of_birth:
        raise LifecycleError(
            f"The date of death {died_on.isoformat()} is before the date of birth {p.date_of_birth.isoformat()}."
        )


def check_transition(p: Patient, to: PatientStatus) -> None:
    """Refuse a change that would record nothing new, or discharge someone not in care."""
    if p.status is to:
        raise LifecycleError(f"{p.mrn} is already {to.value}; nothing changed.")
    if to is PatientStatus.DISCHARGED and p.status is not PatientStatus.ACTIVE:
        raise LifecycleError(f"{p.mrn} is {p.status.value}, not in active care, so cannot be discharged; nothing changed.")
