"""What a write changed, as a plain value every screen can read to decide what to refresh.

The GUI wraps each write it makes in one of the small functions below, which call the existing
service and say what changed (`Outcome.changes`); saves made elsewhere (the CLI, another window,
another coordinator) are turned into the same kind of value from the audit log, which every
write appends to in its own transaction (`changes_since`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy import func, select

from careplan.domain.catalogue import CatalogueItem
from careplan.domain.clinic import ClinicSettings
from careplan.domain.patient import Patient
from careplan.domain.plan import PlanContent, Revision
from careplan.persistence.engine import Database
from careplan.persistence.models import AuditEventRow
from careplan.services import catalogue, clinic_settings, patients, plans

T = TypeVar("T")


@dataclass(frozen=True)
class Changes:
    """Which parts of the data a write touched. Empty means nothing a screen shows."""

    patients: frozenset[int] = frozenset()
    """Patients whose details (name, MRN, team...) or list row changed."""
    plans: frozenset[int] = frozenset()
    """Patients whose plan got a new revision."""
    drafts: frozenset[int] = frozenset()
    """Patients whose autosaved draft was written or discarded."""
    catalogue: bool = False
    audit: bool = False
    everything: bool = False
    """An import or a restore from backup: anything may differ."""
    revisions: tuple[tuple[int, int, str], ...] = field(default=(), compare=False)
    """(patient id, revision number, author) of the revisions saved, for messages."""
    rules: bool = False
    """A guideline rule was retired, brought back or edited: every patient's prompts may differ."""

    def __or__(self, other: Changes) -> Changes:
        return Changes(self.patients | other.patients, self.plans | other.plans, self.drafts | other.drafts,
                       self.catalogue or other.catalogue, self.audit or other.audit,
                       self.everything or other.everything, self.revisions + other.revisions,
                       self.rules or other.rules)

    def anything(self) -> bool:
        return bool(self.patients or self.plans or self.drafts or self.catalogue or self.audit or self.everything
                    or self.rules)

    def touches_rules(self) -> bool:
        return self.everything or self.rules

    def touches_patient_list(self) -> bool:
        return bool(self.everything or self.patients or self.plans)

    def touches_plan(self, patient_id: int | None) -> bool:
        return patient_id is not None and (self.everything or patient_id in self.plans)

    def touches_patient(self, patient_id: int | None) -> bool:
        return patient_id is not None and (self.everything or patient_id in self.patients)

    def touches_catalogue(self) -> bool:
        return self.everything or self.catalogue

    def touches_audit(self) -> bool:
        return self.everything or self.audit

    def latest_revision(self, patient_id: int) -> tuple[int, str] | None:
        """The newest revision number saved for this patient, and by whom."""
        found = [(n, who) for pid, n, who in self.revisions if pid == patient_id]
        return max(found) if found else None

    @staticmethod
    def plan(patient_id: int, number: int = 0, author: str = "") -> Changes:
        revisions = ((patient_id, number, author),) if number else ()
        return Changes(patients=frozenset({patient_id}), plans=frozenset({patient_id}), audit=True,
                       revisions=revisions)

    @staticmethod
    def patient(patient_id: int) -> Changes:
        return Changes(patients=frozenset({patient_id}), audit=True)


NOTHING = Changes()


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """A write's result, and what it changed."""

    value: T
    changes: Changes


# --- the writes the GUI makes ------------------------------------------------------------------

def save_plan(db: Database, patient_id: int, *, base_revision: int, content: PlanContent, author: str,
              reason: str, accepted_rules: Sequence[str] = ()) -> Outcome[Revision]:
    rev = plans.save_revision(db, patient_id, base_revision=base_revision, content=content, author=author,
                              reason=reason, accepted_rules=accepted_rules)
    return Outcome(rev, Changes.plan(patient_id, rev.number, rev.author))


def dismiss_prompt(db: Database, patient_id: int, rule: str, *, reason: str, actor: str) -> Outcome[None]:
    """A guideline prompt dismissed: the patient's screens (strip, worklist) read their prompts again."""
    from careplan.services import prompts  # the rules file is read only when a prompt is decided

    prompts.dismiss(db, patient_id, rule, reason=reason, actor=actor)
    return Outcome(None, Changes.patient(patient_id))


def restore_plan(db: Database, patient_id: int, number: int, *, base_revision: int, author: str,
                 reason: str) -> Outcome[Revision]:
    rev = plans.restore_revision(db, patient_id, number, base_revision=base_revision, author=author, reason=reason)
    return Outcome(rev, Changes.plan(patient_id, rev.number, rev.author))


def keep_draft(db: Database, patient_id: int, author: str, base_revision: int,
               content: PlanContent | None, accepted: Sequence[tuple[str, str]] = ()) -> Outcome[None]:
    """Write the autosaved draft (with the prompts accepted in it), or discard it when `content` is None."""
    if content is None:
        plans.discard_draft(db, patient_id, author)
    else:
        plans.save_draft(db, patient_id, author, base_revision, content, accepted)
    return Outcome(None, Changes(drafts=frozenset({patient_id})))


def save_patient(db: Database, patient: Patient, *, actor: str) -> Outcome[Patient]:
    saved = (patients.create_patient(db, patient, actor=actor) if patient.id is None
             else patients.update_patient(db, patient, actor=actor))
    assert saved.id is not None
    return Outcome(saved, Changes.patient(saved.id))


def add_catalogue_item(db: Database, item: CatalogueItem, *, actor: str) -> Outcome[CatalogueItem]:
    return Outcome(catalogue.add_custom_item(db, item, actor=actor), Changes(catalogue=True, audit=True))


def edit_catalogue_item(db: Database, code: str, changes: dict[str, str], *, actor: str,
                        expected_version: int | None = None) -> Outcome[CatalogueItem]:
    return Outcome(catalogue.edit_item(db, code, changes, actor=actor, expected_version=expected_version),
                   Changes(catalogue=True, audit=True))


def set_catalogue_active(db: Database, code: str, active: bool, *, actor: str,
                         expected_version: int | None = None) -> Outcome[CatalogueItem]:
    catalogue.set_active(db, code, active, actor=actor, expected_version=expected_version)
    return Outcome(catalogue.get_item(db, code), Changes(catalogue=True, audit=True))


def set_rule_active(db: Database, code: str, active: bool, *, actor: str) -> Outcome[bool]:
    """A guideline rule retired or brought back: every screen showing prompts reads them again."""
    from careplan.services import rules

    return Outcome(rules.set_rule_active(db, code, active, actor=actor), Changes(rules=True, audit=True))


def audit_only(value: T) -> Outcome[T]:
    """A write that only adds to the audit log (a printout made, an export written)."""
    return Outcome(value, Changes(audit=True))


# --- saves made elsewhere ----------------------------------------------------------------------

PATIENT_ACTIONS = {"patient.created", "patient.edited", "patient.discharged", "patient.deceased", "patient.archived",
                   "patient.reinstated",
                   "course.assessed", "course.corrected",
                   "prompt.accepted", "prompt.dismissed"}  # the patient's guideline prompts changed
PLAN_ACTIONS = {"plan.saved", "plan.restored"}
EVERYTHING_ACTIONS = {"data.imported", "database.restored", "demo.removed"}
# Someone opening a record elsewhere changes nothing on screen: no refresh, no "saved elsewhere" note.
QUIET_ACTIONS = {"patient.opened"}


@dataclass(frozen=True)
class SeenEvent:
    """An audit event reduced to what a screen needs: no names, no details."""

    id: int
    at: datetime
    actor: str
    action: str
    patient_id: int | None
    revision: int | None


def last_event_id(db: Database) -> int:
    with db.reading() as s:
        return int(s.scalar(select(func.max(AuditEventRow.id))) or 0)


def events_after(db: Database, last_id: int, limit: int = 1000) -> list[SeenEvent]:
    q = (select(AuditEventRow.id, AuditEventRow.at, AuditEventRow.actor, AuditEventRow.action,
                AuditEventRow.patient_id, AuditEventRow.revision)
         .where(AuditEventRow.id > last_id).order_by(AuditEventRow.id).limit(limit))
    with db.reading() as s:
        return [SeenEvent(*row) for row in s.execute(q)]


def changes_from_events(events: Iterable[SeenEvent]) -> Changes:
    result = NOTHING
    for e in events:
        if e.action in QUIET_ACTIONS:
            continue
        if e.action in EVERYTHING_ACTIONS:
            result |= Changes(everything=True, audit=True)
        elif e.action in PLAN_ACTIONS and e.patient_id is not None:
            result |= Changes.plan(e.patient_id, e.revision or 0, e.actor)
        elif e.action in PATIENT_ACTIONS and e.patient_id is not None:
            result |= Changes.patient(e.patient_id)
        elif e.action.startswith(("catalogue.", "template.")):  # templates are listed beside the catalogue
            result |= Changes(catalogue=True, audit=True)
        elif e.action.startswith("prompt.") and e.patient_id is not None:  # a prompt decided (the CLI)
            result |= Changes.patient(e.patient_id)
        elif e.action.startswith("rule"):  # rule.retired, rules.seeded...: every patient's prompts
            result |= Changes(rules=True, audit=True)
        else:
            result |= Changes(audit=True)
    return result


class SqliteDataVersion:
    """`PRAGMA data_version` on a connection of its own that never writes: it changes whenever any
    other connection (this app's pool, the CLI, another window) commits to the file."""

    def __init__(self, db: Database):
        assert db.path is not None
        self._conn = sqlite3.connect(str(db.path), check_same_thread=False, isolation_level=None)

    def read(self) -> int:
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def close(self) -> None:
        self._conn.close()


def save_clinic_details(db: Database, **fields: str) -> Outcome[ClinicSettings]:
    """The Clinic details dialog's save: the same checks as `careplan settings`. No screen shows
    the clinic details (only the next printout does), so nothing needs refreshing."""
    return Outcome(clinic_settings.save_clinic_settings(db, **fields), Changes())

