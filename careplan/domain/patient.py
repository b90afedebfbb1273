"""Patients, their caregivers and their care team."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from careplan.domain.course import check_measure
from careplan.domain.errors import Problems
from careplan.domain.limits import limit
from careplan.domain.team import Role
from careplan.domain.text import blank, field_problem


class OnsetSite(StrEnum):
    BULBAR = "bulbar"
    LIMB = "limb"
    RESPIRATORY = "respiratory"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class PatientStatus(StrEnum):
    """Where the patient is in the clinic's care. Patients are never deleted."""

    ACTIVE = "active"
    DISCHARGED = "discharged"
    DECEASED = "deceased"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        return self.value.capitalize()


@dataclass
class Caregiver:
    name: str
    relationship: str = ""
    phone: str = ""
    email: str = ""


@dataclass
class TeamMember:
    name: str
    role: Role
    phone: str = ""


@dataclass
class Patient:
    mrn: str
    full_name: str
    date_of_birth: date | None = None
    diagnosis_date: date | None = None
    onset_site: OnsetSite | None = None
    preferred_language: str = ""
    notes: str = ""
    caregivers: list[Caregiver] = field(default_factory=list)
    care_team: list[TeamMember] = field(default_factory=list)
    onset_date: date | None = None
    usual_weight_kg: float | None = None
    height_cm: float | None = None
    # Set only by lifecycle events (discharge, death, reinstatement), never by editing details.
    status: PatientStatus = PatientStatus.ACTIVE
    status_reason: str | None = None
    status_date: date | None = None
    fictional: bool = False
    id: int | None = None
    version: int = 0


def validate_patient(p: Patient, *, today: date) -> None:
    """Raise ValidationError naming every field that cannot be saved."""
    problems = Problems()
    if blank(p.full_name):
        problems.add("full_name", "Enter the patient's full name.")
    if blank(p.mrn):
        problems.add("mrn", "Enter the clinic identifier (MRN).")
    for name in ("mrn", "full_name", "preferred_language", "notes"):
        key = f"patient.{name}"
        if msg := field_problem(key, getattr(p, name)):
            problems.add(name, f"{limit(key).label} {msg}.")
    if p.date_of_birth and p.date_of_birth > today:
        problems.add("date_of_birth", "The date of birth is in the future.")
    if p.diagnosis_date and p.diagnosis_date > today:
        problems.add("diagnosis_date", "The diagnosis date is in the future.")
    if p.date_of_birth and p.diagnosis_date and p.diagnosis_date < p.date_of_birth:
        problems.add("diagnosis_date", "The diagnosis date is before the date of birth.")
    _check_course_facts(problems, p, today)
    for i, c in enumerate(p.caregivers):
        if blank(c.name):
            problems.add(f"caregivers[{i}].name", f"Caregiver {i + 1} has no name.")
        _check_person(problems, "caregiver", f"caregivers[{i}]", f"Caregiver {i + 1}", c,
                      ("name", "relationship", "phone", "email"))
    for i, m in enumerate(p.care_team):
        if blank(m.name):
            problems.add(f"care_team[{i}].name", f"Team member {i + 1} has no name.")
        _check_person(problems, "team_member", f"care_team[{i}]", f"Team member {i + 1}", m, ("name", "phone"))
    problems.raise_if_any()


def _check_course_facts(problems: Problems, p: Patient, today: date) -> None:
    """Symptom onset, usual weight and height: what the progression rate, weight change and BMI need."""
    if p.onset_date and p.onset_date > today:
        problems.add("onset_date", "The symptom onset date is in the future.")
    if p.date_of_birth and p.onset_date and p.onset_date < p.date_of_birth:
        problems.add("onset_date", "The symptom onset date is before the date of birth.")
    if p.diagnosis_date and p.onset_date and p.onset_date > p.diagnosis_date:
        problems.add("onset_date", "The symptom onset date is after the diagnosis date: symptoms come first.")
    check_measure(problems, "usual_weight_kg", p.usual_weight_kg)
    check_measure(problems, "height_cm", p.height_cm)


def _check_person(problems: Problems, entity: str, where: str, who: str, person: object,
                  fields: tuple[str, ...]) -> None:
    for name in fields:
        key = f"{entity}.{name}"
        if msg := field_problem(key, getattr(person, name)):
            label = limit(key).label
            problems.add(f"{where}.{name}", f"{who}: {label[0].lower()}{label[1:]} {msg}.")
