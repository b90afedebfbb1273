"""Every free-text field's maximum length and what it may hold, defined once.

The validators check these; the database models size their columns from them; the screens set
them as their boxes' maximum lengths; resources/export.schema.json and catalogue.schema.json
repeat them for other programs, and tests/test_limits.py proves the copies equal. A change
here that shortens a column needs a database migration.

Lengths count Unicode code points, as Python's len() and PostgreSQL's varchar(n) both do.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Allows(StrEnum):
    """What a field may hold besides its length limit."""

    TEXT = "text"  # any printable text; tabs and line breaks are kept
    MRN = "mrn"  # an identifier without spaces
    PHONE = "phone"  # digits, spaces and + ( ) - . / x # *
    EMAIL = "email"  # one @ and a dot after it, no spaces
    CODE = "code"  # lowercase letters, digits, underscores; starts with a letter


@dataclass(frozen=True)
class FieldLimit:
    max_length: int
    allows: Allows = Allows.TEXT
    label: str = ""  # how a message names the field, e.g. "The phone number"


NAME = 200
LONG = 20_000  # free text in a patient or a plan
CATALOGUE_TEXT = 10_000  # a catalogue item's text, copied into plans (so at most LONG)

FIELDS: dict[str, FieldLimit] = {
    "patient.mrn": FieldLimit(64, Allows.MRN, "The MRN"),
    "patient.full_name": FieldLimit(NAME, label="The name"),
    "patient.preferred_language": FieldLimit(500, label="The language"),
    "patient.notes": FieldLimit(LONG, label="The notes"),
    "caregiver.name": FieldLimit(NAME, label="The name"),
    "caregiver.relationship": FieldLimit(200, label="The relationship"),
    "caregiver.phone": FieldLimit(64, Allows.PHONE, "The phone number"),
    "caregiver.email": FieldLimit(320, Allows.EMAIL, "The email address"),
    "team_member.name": FieldLimit(NAME, label="The name"),
    "team_member.phone": FieldLimit(64, Allows.PHONE, "The phone number"),
    "plan.goal": FieldLimit(2000, label="The goal"),
    "revision.author": FieldLimit(NAME, label="Your name"),
    "revision.reason": FieldLimit(2000, label="The reason"),
    "assessment.author": FieldLimit(NAME, label="The assessor's name"),
    "assessment.reason": FieldLimit(2000, label="The reason for the correction"),
    # A guideline prompt decision: who made it, and why (a dismissal's reason, or the save's for an acceptance).
    "decision.actor": FieldLimit(NAME, label="The name"),
    "decision.reason": FieldLimit(2000, label="The reason"),
    "item.uid": FieldLimit(80, label="The item's identifier"),
    "item.catalogue_code": FieldLimit(64, label="The catalogue code"),
    "item.title": FieldLimit(300, label="The title"),
    "item.caregiver_instructions": FieldLimit(LONG, label="The caregiver instructions"),
    "item.clinical_description": FieldLimit(LONG, label="The clinical description"),
    "item.frequency": FieldLimit(500, label="How often"),
    "item.responsible": FieldLimit(300, label="Who helps"),
    "item.goal": FieldLimit(LONG, label="The goal"),
    "item.notes": FieldLimit(LONG, label="The notes"),
    "catalogue.code": FieldLimit(64, Allows.CODE, "The code"),
    "catalogue.title": FieldLimit(300, label="The title text"),
    "catalogue.clinical_description": FieldLimit(CATALOGUE_TEXT, label="The clinical description text"),
    "catalogue.caregiver_instructions": FieldLimit(CATALOGUE_TEXT, label="The caregiver instructions text"),
    "catalogue.frequency": FieldLimit(500, label="The 'how often' text"),
    "catalogue.safety_notes": FieldLimit(CATALOGUE_TEXT, label="The safety notes text"),
    "catalogue.source": FieldLimit(300, label="The source text"),
}


def limit(key: str) -> FieldLimit:
    """The rule for a field named "entity.field"; a KeyError for an unknown name is a bug."""
    return FIELDS[key]


def max_length(key: str) -> int:
    """The longest text the field holds, e.g. max_length("caregiver.phone") == 64."""
    return FIELDS[key].max_length
