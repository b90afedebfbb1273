"""The audit log: a computer-generated, time-stamped, append-only record of every change."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import Table, insert, select, text
from sqlalchemy.orm import Session

from careplan.domain.errors import Problems
from careplan.domain.text import field_problem
from careplan.persistence.engine import Database
from careplan.persistence.models import AuditEventRow, PatientRow
from careplan.services import audit_chain
from careplan.services.clock import login_name, utcnow

REVISION_HASH = "revision_hash"
"""Key of a plan event's details: the hash of the revision the event recorded."""

SIGNATURE = "signature"
"""Key of a signed save's details: the hash of the revision's "authored" signature (services/signatures.py)."""

CHANGES_CHANNEL = "careplan_changes"
"""PostgreSQL NOTIFY channel: open windows LISTEN on it to notice saves made elsewhere."""

ACTIONS = {
    "patient.created": "Patient created",
    "patient.edited": "Patient edited",
    "patient.discharged": "Patient discharged",
    "patient.deceased": "Death recorded",
    "patient.archived": "Patient archived",
    "patient.reinstated": "Patient reinstated",
    "demo.removed": "Demo patients removed",
    "catalogue.seeded": "Catalogue loaded",
    "catalogue.added": "Catalogue item added",
    "catalogue.edited": "Catalogue item edited",
    "catalogue.retired": "Catalogue item retired",
    "catalogue.reactivated": "Catalogue item back in use",
    "template.seeded": "Starter plans loaded",
    "template.added": "Starter plan added",
    "template.edited": "Starter plan edited",
    "template.retired": "Starter plan retired",
    "template.reinstated": "Starter plan back in use",
    "plan.saved": "Plan saved",
    "plan.restored": "Plan restored from an earlier revision",
    "plan.signed": "Plan revision signed",
    "patient.opened": "Patient record opened",
    "pdf.exported": "Printout exported",
    "data.exported": "Data exported",
    "data.imported": "Data imported",
    "database.backup": "Backup made",
    "database.restored": "Database restored from a backup",
    "course.assessed": "Assessment recorded",
    "course.corrected": "Assessment corrected",
    "rules.seeded": "Guideline rules loaded",
    "rule.added": "Guideline rule added",
    "rule.edited": "Guideline rule edited",
    "rule.retired": "Guideline rule retired",
    "rule.reactivated": "Guideline rule back in use",
    "prompt.accepted": "Guideline prompt accepted",
    "prompt.dismissed": "Guideline prompt dismissed",
    "staff.added": "Staff login added",
    "staff.disabled": "Staff login disabled",
}


@dataclass(frozen=True)
class AuditEvent:
    id: int
    at: datetime
    actor: str
    action: str
    mrn: str | None
    entity: str
    entity_key: str
    revision: int | None
    details: dict[str, Any]
    login: str | None = None  # the login behind the printed name (schema 0008); None before

    @property
    def label(self) -> str:
        return ACTIONS.get(self.action, self.action)


def record(
    s: Session,
    actor: str,
    action: str,
    *,
    entity: str,
    entity_key: str = "",
    patient_id: int | None = None,
    revision: int | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Add an event inside the caller's transaction, so it commits or fails with the change."""
    record_many(s, [NewEvent(actor, action, entity, entity_key, patient_id, revision, details or {}, at)])


def _check_actor(actor: str) -> None:
    """Who did it is named by the same rule as a revision's author (--author, the app's name box).

    Checked before the insert, so the caller's whole transaction is refused with a message
    naming the field instead of a database error (PostgreSQL refuses an over-long name).
    """
    if msg := field_problem("revision.author", actor):
        problems = Problems()
        problems.add("author", f"The name recorded in the audit log {msg}.")
        problems.raise_if_any()


def _notify(s: Session, action: str, patient_id: int | None, entity: str) -> None:
    """Tell open windows on other machines that something changed (PostgreSQL LISTEN/NOTIFY).

    NOTIFY is transactional: delivered on commit, dropped on rollback. Ids and the action only,
    never names: anyone connected to the database may listen. Listeners read the audit log for
    the details, so one notification per transaction is enough.
    """
    if s.get_bind().dialect.name == "postgresql":
        payload = json.dumps({"action": action, "patient_id": patient_id, "entity": entity})
        s.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANGES_CHANNEL, "payload": payload})


@dataclass(frozen=True)
class NewEvent:
    """An event to write with record_many(): the arguments record() takes, as one value."""

    actor: str
    action: str
    entity: str
    entity_key: str = ""
    patient_id: int | None = None
    revision: int | None = None
    details: dict[str, Any] = field(default_factory=dict)
    at: datetime | None = None


def record_many(s: Session, events: Sequence[NewEvent]) -> None:
    """Add events in one statement (demo data and imports write thousands), chained to the log."""
    if not events:
        return
    unknown = {e.action for e in events} - ACTIONS.keys()
    if unknown:
        raise ValueError(f"unknown audit action {sorted(unknown)[0]}")
    for actor in {e.actor for e in events}:
        _check_actor(actor)
    now = utcnow()
    rows = [
        {"at": e.at or now, "actor": e.actor, "action": e.action, "patient_id": e.patient_id, "entity": e.entity,
         "entity_key": e.entity_key, "revision": e.revision,
         "details": json.dumps(e.details, ensure_ascii=False, sort_keys=True)}
        for e in events
    ]
    if s.get_bind().dialect.name == "sqlite":
        # A desktop file's only witness of who is the computer's login; PostgreSQL fills in the
        # server's own login (session_user) by the column's default.
        for row in rows:
            row["login"] = login_name()[:63]
    audit_chain.link(s, rows)  # inserted in this order, so ids follow the chain
    # Inline: no RETURNING of the new id, which a non-admin could not read back from an access
    # event on a server with row-level security (persistence/audit_access.py); nobody needs it.
    s.execute(insert(cast(Table, AuditEventRow.__table__)).inline(), rows)
    first = events[0]
    # Saves and restores come through here too: open windows elsewhere must hear of them.
    _notify(s, first.action, first.patient_id if len(events) == 1 else None, first.entity)


def list_events(
    db: Database,
    *,
    mrn: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 500,
    offset: int = 0,
    actions: Sequence[str] | None = None,
) -> list[AuditEvent]:
    """Newest first. `since`/`until` are local calendar days, both inclusive."""
    q = select(AuditEventRow, PatientRow.mrn).outerjoin(PatientRow, PatientRow.id == AuditEventRow.patient_id)
    if mrn:
        q = q.where(PatientRow.mrn == mrn)
    if actions is not None:
        q = q.where(AuditEventRow.action.in_(actions))
    if since:
        q = q.where(AuditEventRow.at >= _local_midnight(since))
    if until:
        q = q.where(AuditEventRow.at < _local_midnight(until + timedelta(days=1)))
    q = q.order_by(AuditEventRow.at.desc(), AuditEventRow.id.desc()).limit(limit).offset(offset)
    with db.reading() as s:
        return [
            AuditEvent(r.id, r.at, r.actor, r.action, m, r.entity, r.entity_key, r.revision, json.loads(r.details),
                       r.login)
            for r, m in s.execute(q)
        ]


def _local_midnight(d: date) -> datetime:
    return datetime.combine(d, time.min).astimezone()
