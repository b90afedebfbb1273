"""The clinic's name, phone, out-of-hours number and address, kept in the database (app_meta).

Stored in the database, not in a per-computer settings file, so every computer and the command
line print the same clinic on the caregiver printout.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import delete, select

from careplan.domain.clinic import CLINIC_FIELD_MAX, CLINIC_FIELDS, ClinicSettings
from careplan.domain.errors import CarePlanError
from careplan.persistence.engine import Database
from careplan.persistence.models import AppMetaRow

_PREFIX = "clinic."
_LABELS = {"name": "clinic name", "phone": "clinic phone number", "out_of_hours": "out-of-hours number",
           "address": "clinic address"}


def load_clinic_settings(db: Database) -> ClinicSettings:
    with db.reading() as s:
        rows = s.execute(select(AppMetaRow.key, AppMetaRow.value)
                         .where(AppMetaRow.key.in_([_PREFIX + f for f in CLINIC_FIELDS]))).all()
    return ClinicSettings(**{key.removeprefix(_PREFIX): value for key, value in rows})


def save_clinic_settings(db: Database, **changes: str) -> ClinicSettings:
    """Set the given fields (others stay as they are); an empty value clears a field.

    Raises CarePlanError naming the field when a value cannot be printed.
    """
    unknown = set(changes) - set(CLINIC_FIELDS)
    if unknown:
        raise CarePlanError(f"Unknown clinic setting: {sorted(unknown)[0]}.")
    cleaned = {key: _clean(key, value) for key, value in changes.items()}
    with db.transaction() as s:
        for key, value in cleaned.items():
            if value:
                s.merge(AppMetaRow(key=_PREFIX + key, value=value))
            else:
                s.execute(delete(AppMetaRow).where(AppMetaRow.key == _PREFIX + key))
    return replace(load_clinic_settings(db))


def _clean(key: str, value: str) -> str:
    text = " ".join(value.replace("\r", " ").replace("\n", " ").split())
    if len(text) > CLINIC_FIELD_MAX:
        raise CarePlanError(f"The {_LABELS[key]} is {len(text)} characters long; "
                            f"keep it to {CLINIC_FIELD_MAX} so it fits on the printout.")
    if any(ord(c) < 32 for c in text):
        raise CarePlanError(f"The {_LABELS[key]} contains control characters that cannot be printed.")
    return text
