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
from careplan.persistence.audit_access import (
    HEAD_FUNCTION,
    LINKS_FUNCTION,
    legacy_digest,
    links_installed,
)
from careplan.persistence.models import AuditEventRow, PatientRow
from careplan.persistence.types import UTCDateTime

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
    behind_policy = False
    if s.get_bind().dialect.name == "postgresql":
        behind_policy = s.execute(text(f"SELECT pg_advisory_xact_lock(:key), to_regprocedure('{HEAD_FUNCTION}()') "
                                       "IS NOT NULL"), {"key": PG_AUDIT_LOCK}).one()[1]
    if behind_policy:
        # A non-admin cannot see access events (audit_access.py), yet the newest may be one of them.
        prev = s.scalar(text(f"SELECT {HEAD_FUNCTION}()")) or GENESIS_HASH
    else:
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
    if links_installed(conn):
        return _read_rows_with_links(conn, per_fetch)
    c = AuditEventRow.__table__.c
    # Demo (fictional) patients' entries are not chained (see link()); patients.fictional never changes.
    demo = select(PatientRow.id).where(PatientRow.id == c.patient_id, PatientRow.fictional.is_(True)).exists()
    q = select(*(c[k] for k in AUDIT_COLUMNS)).where(~demo).order_by(c.id)
    return conn.execution_options(yield_per=per_fetch).execute(q)


def _read_rows_with_links(conn: Connection, per_fetch: int) -> Iterable[Any]:
    """Every entry's link from the server (audit_access.py), with the content this login may read.

    An entry it may not read (an access event, for a non-admin) comes with no content and the
    server's word on whether its content matches its hash. The function leaves demo entries out."""
    content = ", ".join(f"e.{k}" for k in FIELDS)
    q = text(f"SELECT l.id, {content}, l.prev_hash, l.hash, l.content_ok, e.id IS NULL AS hidden "
             f"FROM {LINKS_FUNCTION}() l LEFT JOIN audit_events e ON e.id = l.id ORDER BY l.id"
             ).columns(at=UTCDateTime())
    return conn.execution_options(yield_per=per_fetch).execute(q)


def verify(rows: Iterable[Any], verdict: AuditVerdict, keep: set[int], conn: Connection | None = None
           ) -> Iterator[str]:
    """Walk the log oldest first; name the first broken link (later ones follow from it).

    `conn` is asked for the digest of entries from before the chain when some were hidden."""
    head = verdict.head
    legacy = hashlib.sha256()
    legacy_hidden = False
    prev = GENESIS_HASH
    chained = False
    for row in rows:
        head.rows += 1
        hidden = getattr(row, "hidden", False)
        if row.hash is None and row.prev_hash is None and not chained:
            head.legacy_rows += 1
            legacy_hidden = legacy_hidden or hidden
            if not hidden:
                legacy.update(canonical_json([row.id, *(_plain(getattr(row, k)) for k in FIELDS)]).encode("utf-8"))
            continue
        chained = True
        if row.id in keep:
            verdict.hashes[row.id] = row.hash
        if row.prev_hash != prev:
            what = "was inserted without a link" if row.hash is None else "does not link to the entry before it"
            yield f"Audit log, entry {row.id}: {what} (entries before it were removed, or it was added by hand)"
            return
        if (row.content_ok is not True) if hidden else event_hash(prev, row) != row.hash:
            yield f"Audit log, entry {row.id}: its content does not match its hash (first broken link)"
            return
        prev = row.hash
        head.last_id, head.last_hash = row.id, row.hash
    # Hidden entries from before the chain: the server digests them all, the same way.
    head.legacy_digest = legacy_digest(conn) if legacy_hidden and conn is not None else legacy.hexdigest()


def _plain(v: Any) -> Any:
    return v.astimezone(UTC).isoformat(timespec="microseconds") if isinstance(v, datetime) else v
