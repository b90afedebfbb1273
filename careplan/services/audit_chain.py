"""The audit log's hash chain: each row's hash covers its fields and the hash of the row before.

Rows written before schema 0005 have no hash (prev_hash and hash are NULL); they come first,
and a seal (`careplan check --seal`) covers them with a digest. Every later row links to the
newest hashed row, so removing, changing or inserting a row in the middle breaks the chain.

Writers are serialised so two transactions cannot link to the same row: on SQLite every write
transaction already holds the write lock (BEGIN IMMEDIATE); on PostgreSQL a transaction-level
advisory lock is taken before the newest hash is read, and held until commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from careplan.domain.plan import GENESIS_HASH, canonical_json
from careplan.persistence.models import AuditEventRow, PatientRow

# An arbitrary constant naming CarePlan's audit lock among the server's advisory locks.
PG_AUDIT_LOCK = 0x43415245504C414E  # "CAREPLAN"
FIELDS = ("at", "actor", "action", "patient_id", "entity", "entity_key", "revision", "details")


def event_hash(prev_hash: str, row: Any) -> str:
    """The hash of an audit row (a dict of its columns, or a row read back) after `prev_hash`."""
    values = row if isinstance(row, dict) else row._mapping
    payload = {k: values[k] for k in FIELDS}
    payload["at"] = values["at"].astimezone(UTC).isoformat(timespec="microseconds")
    payload["prev_hash"] = prev_hash
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def link(s: Session, rows: list[dict[str, Any]]) -> None:
    """Give each new row (in insert order) its prev_hash and hash, after the newest hashed row."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_AUDIT_LOCK})
    prev = s.scalar(select(AuditEventRow.hash).where(AuditEventRow.hash.is_not(None))
                    .order_by(AuditEventRow.id.desc()).limit(1)) or GENESIS_HASH
    ids = {row["patient_id"] for row in rows if row.get("patient_id") is not None}
    fictional = set(s.scalars(select(PatientRow.id).where(PatientRow.id.in_(ids), PatientRow.fictional.is_(True))))
    for row in rows:
        if row.get("patient_id") in fictional:
            # Demo patients' entries stay out of the chain: `demo --remove` deletes them (the
            # database allows that for fictional patients only) without breaking the chain.
            row["prev_hash"] = row["hash"] = None
            continue
        row["prev_hash"] = prev
        row["hash"] = prev = event_hash(prev, row)


@dataclass
class AuditHead:
    """Where the audit log stands: what a seal records and `--against` compares."""

    legacy_rows: int = 0  # rows written before the chain began, first in the log
    legacy_digest: str = ""  # sha256 over those rows' contents
    last_id: int | None = None  # the newest hashed row
    last_hash: str | None = None
    rows: int = 0

    def as_json(self) -> dict[str, Any]:
        return {"rows": self.rows, "legacy_rows": self.legacy_rows, "legacy_digest": self.legacy_digest,
                "last_id": self.last_id, "last_hash": self.last_hash}


@dataclass
class AuditVerdict:
    head: AuditHead = field(default_factory=AuditHead)
    hashes: dict[int, str] = field(default_factory=dict)  # only the ids asked for (a seal's head)


AUDIT_COLUMNS = ("id", *FIELDS, "prev_hash", "hash")


def read_rows(conn: Connection, per_fetch: int) -> Iterable[Any]:
    c = AuditEventRow.__table__.c
    # Demo (fictional) patients' entries are not chained (see link()); patients.fictional never changes.
    demo = select(PatientRow.id).where(PatientRow.id == c.patient_id, PatientRow.fictional.is_(True)).exists()
    q = select(*(c[k] for k in AUDIT_COLUMNS)).where(~demo).order_by(c.id)
    return conn.execution_options(yield_per=per_fetch).execute(q)


def verify(rows: Iterable[Any], verdict: AuditVerdict, keep: set[int]) -> Iterator[str]:
    """Walk the log oldest first; name the first broken link (later ones follow from it)."""
    head = verdict.head
    legacy = hashlib.sha256()
    prev = GENESIS_HASH
    chained = False
    for row in rows:
        head.rows += 1
        if row.hash is None and row.prev_hash is None and not chained:
            head.legacy_rows += 1
            legacy.update(canonical_json([row.id, *(_plain(getattr(row, k)) for k in FIELDS)]).encode("utf-8"))
            continue
        chained = True
        if row.id in keep:
            verdict.hashes[row.id] = row.hash
        if row.prev_hash != prev:
            what = "was inserted without a link" if row.hash is None else "does not link to the entry before it"
            yield f"Audit log, entry {row.id}: {what} (entries before it were removed, or it was added by hand)"
            return
        if event_hash(prev, row) != row.hash:
            yield f"Audit log, entry {row.id}: its content does not match its hash (first broken link)"
            return
        prev = row.hash
        head.last_id, head.last_hash = row.id, row.hash
    head.legacy_digest = legacy.hexdigest()


def _plain(v: Any) -> Any:
    return v.astimezone(UTC).isoformat(timespec="microseconds") if isinstance(v, datetime) else v
