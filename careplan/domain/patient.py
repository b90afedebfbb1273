"""Patients, their caregivers and their care team."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from careplan.domain.errors import Problems
from careplan.domain.team import Role
from careplan.domain.text import (
    LONG_MAX,
    NAME_MAX,
    SHORT_MAX,
    blank,
    check_length,
    control_characters,
)


class OnsetSite(StrEnum):
    BULBAR = "bulbar"
    LIMB = "limb"
    RESPIRATORY = "respiratory"
    OTHER = "other"

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
    id: int | None = None
    version: int = 0


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[0-9+()\-./ x#*]*$")


def validate_patient(p: Patient, *, today: date) -> None:
    """Raise ValidationError naming every field that cannot be saved."""
    problems = Problems()
    if blank(p.full_name):
        problems.add("full_name", "Enter the patient's full name.")
    elif msg := check_length(p.full_name, NAME_MAX):
        problems.add("full_name", f"The name {msg}.")
    if blank(p.mrn):
        problems.add("mrn", "Enter the clinic identifier (MRN).")
    elif p.mrn != p.mrn.strip() or any(c.isspace() for c in p.mrn):
        problems.add("mrn", "The MRN cannot contain spaces.")
    elif len(p.mrn) > 64:
        problems.add("mrn", "The MRN is longer than 64 characters.")
    if p.date_of_birth and p.date_of_birth > today:
        problems.add("date_of_birth", "The date of birth is in the future.")
    if p.diagnosis_date and p.diagnosis_date > today:
        problems.add("diagnosis_date", "The diagnosis date is in the future.")
    if p.date_of_birth and p.diagnosis_date and p.diagnosis_date < p.date_of_birth:
        problems.add("diagnosis_date", "The diagnosis date is before the date of birth.")
    if msg := check_length(p.notes, LONG_MAX):
        problems.add("notes", f"The notes {msg}.")
    if msg := check_length(p.preferred_language, SHORT_MAX):
        problems.add("preferred_language", f"The language {msg}.")
    for label, text in (("full_name", p.full_name), ("notes", p.notes)):
        if control_characters(text):
            problems.add(label, "Contains invisible control characters; retype it.")
    for i, c in enumerate(p.caregivers):
        where = f"caregivers[{i}]"
        if blank(c.name):
            problems.add(f"{where}.name", f"Caregiver {i + 1} has no name.")
        if c.email and not _EMAIL.match(c.email):
            problems.add(f"{where}.email", f"Caregiver {i + 1}: '{c.email}' is not an email address.")
        if c.phone and not _PHONE.match(c.phone):
            problems.add(f"{where}.phone", f"Caregiver {i + 1}: the phone number has letters in it.")
    for i, m in enumerate(p.care_team):
        where = f"care_team[{i}]"
        if blank(m.name):
            problems.add(f"{where}.name", f"Team member {i + 1} has no name.")
        if m.phone and not _PHONE.match(m.phone):
            problems.add(f"{where}.phone", f"Team member {i + 1}: the phone number has letters in it.")
    problems.raise_if_any()
