"""The audit log: a computer-generated, time-stamped, append-only record of every change."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from careplan.persistence.engine import Database
from careplan.persistence.models import AuditEventRow, PatientRow
from careplan.services.clock import utcnow

CHANGES_CHANNEL = "careplan_changes"
"""PostgreSQL NOTIFY channel: open windows LISTEN on it to notice saves made elsewhere."""

ACTIONS = {
    "patient.created": "Patient created",
    "patient.edited": "Patient edited",
    "catalogue.seeded": "Catalogue loaded",
    "catalogue.added": "Catalogue item added",
    "catalogue.edited": "Catalogue item edited",
    "catalogue.retired": "Catalogue item retired",
    "catalogue.reactivated": "Catalogue item back in use",
    "plan.saved": "Plan saved",
    "plan.restored": "Plan restored from an earlier revision",
    "pdf.exported": "Printout exported",
    "data.exported": "Data exported",
    "data.imported": "Data imported",
    "database.backup": "Backup made",
    "database.restored": "Database restored from a backup",
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
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action}")
    s.execute(
        insert(AuditEventRow).values(
            at=at or utcnow(),
            actor=actor,
            action=action,
            patient_id=patient_id,
            entity=entity,
            entity_key=entity_key,
            revision=revision,
            details=json.dumps(details or {}, ensure_ascii=False, sort_keys=True),
        )
    )
    if s.get_bind().dialect.name == "postgresql":
        # NOTIFY is transactional: delivered on commit, dropped on rollback. Ids and the action
        # only, never names: anyone connected to the database may listen.
        payload = json.dumps({"action": action, "patient_id": patient_id, "entity": entity})
        s.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANGES_CHANNEL, "payload": payload})


def list_events(
    db: Database,
    *,
    mrn: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 500,
    offset: int = 0,
) -> list[AuditEvent]:
    """Newest first. `since`/`until` are local calendar days, both inclusive."""
    q = select(AuditEventRow, PatientRow.mrn).outerjoin(PatientRow, PatientRow.id == AuditEventRow.patient_id)
    if mrn:
        q = q.where(PatientRow.mrn == mrn)
    if since:
        q = q.where(AuditEventRow.at >= _local_midnight(since))
    if until:
        q = q.where(AuditEventRow.at < _local_midnight(until + timedelta(days=1)))
    q = q.order_by(AuditEventRow.at.desc(), AuditEventRow.id.desc()).limit(limit).offset(offset)
    with db.reading() as s:
        return [
            AuditEvent(r.id, r.at, r.actor, r.action, m, r.entity, r.entity_key, r.revision, json.loads(r.details))
            for r, m in s.execute(q)
        ]


def _local_midnight(d: date) -> datetime:
    return datetime.combine(d, time.min).astimezone()
