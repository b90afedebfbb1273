"""`careplan check`: is the database whole, consistent, and is its history unbroken?

It verifies, as an auditor would: SQLite's own integrity and foreign keys; the schema version;
that every history table is there; that every guard is present, switched on and unchanged
(persistence/guard_state.py); each plan's revision hash chain, which newer revisions tie to
their patient, with each revision dated no earlier than the one before; that the plan's summary
(head, status, next review) is its newest revision; the audit log's own chain; and that no plan
moved past or behind what the audit log last recorded for it. With a seal (`--against`), also
that nothing sealed then was rewritten since, which catches a recomputed chain.

The history is streamed, never loaded: two ordered cursors (plans with their revisions, and
the revisions' items) are read side by side, one plan at a time, and the audit log row by row,
so memory stays flat however many revisions the database holds. Restoring a backup runs the
same check.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import groupby
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, inspect, select, text
from sqlalchemy.exc import SQLAlchemyError

from careplan.domain.plan import CLOCK_SKEW, GENESIS_HASH, Revision
from careplan.persistence import db_problems, schema
from careplan.persistence.engine import OUR_TABLES, Database
from careplan.persistence.guard_state import guard_problems
from careplan.persistence.models import (
    HISTORY_TABLES,
    PatientRow,
    PlanRevisionRow,
    PlanRow,
    RevisionItemRow,
)
from careplan.services import audit_chain
from careplan.services.audit import REVISION_HASH
from careplan.services.course_check import assessment_problems
from careplan.services.history import revision_from_rows
from careplan.services.seal import Seal, SealedHead, write_seal
from careplan.services.signatures import signature_problems

ROWS_PER_FETCH = 1000  # rows held at a time per cursor: a server-side cursor on PostgreSQL
REQUIRED_TABLES = sorted({*OUR_TABLES, *HISTORY_TABLES, "alembic_version"})
PLAN_ACTIONS = ("plan.saved", "plan.restored", "data.imported")
PATIENT_ACTIONS = ("patient.created", "patient.edited")  # their entity_key is the MRN at the time


@dataclass
class CheckReport:
    schema_version: str | None = None
    problems: list[str] = field(default_factory=list)
    revisions_checked: int = 0
    audit_events_checked: int = 0
    assessments_checked: int = 0
    signatures_checked: int = 0
    # What a seal records, gathered when asked for (check_database(..., seal=True)).
    heads: dict[str, SealedHead] = field(default_factory=dict)
    audit: audit_chain.AuditHead = field(default_factory=audit_chain.AuditHead)

    @property
    def ok(self) -> bool:
        return not self.problems

    def seal(self) -> Seal:
        return Seal(datetime.now(UTC), self.schema_version, dict(self.heads), self.audit.as_json())


def _verify_assessments(conn: Connection, report: CheckReport) -> Iterator[str]:
    counted = [0]
    yield from assessment_problems(conn, counted, ROWS_PER_FETCH)
    report.assessments_checked = counted[0]


def _verify_signatures(conn: Connection, report: CheckReport) -> Iterator[str]:
    counted = [0]
    yield from signature_problems(conn, counted, ROWS_PER_FETCH)
    report.signatures_checked = counted[0]


def check_database(db: Database, *, against: Seal | None = None, seal: bool = False) -> CheckReport:
    return check_engine(db.engine, db.is_sqlite, against=against, seal=seal)


def check_engine(engine: Engine, is_sqlite: bool, *, against: Seal | None = None, seal: bool = False) -> CheckReport:
    """Check the database behind `engine`; only reads, so a read-only file works too."""
    report = CheckReport()
    tables: set[str] = set()

    def step(name: str, run: Callable[[Connection], Iterable[str]], snapshot: bool = False) -> None:
        # Each step on its own connection: on PostgreSQL an error ends the transaction it happened in.
        try:
            with engine.connect() as conn:
                report.problems.extend(run(_snapshot(conn, is_sqlite) if snapshot else conn))
        except SQLAlchemyError as e:
            found = db_problems.classify(e)
            if found is not None and found[0] is db_problems.Problem.DAMAGED:
                # The same sentence every other command gives for a damaged file.
                report.problems.append(db_problems.describe(e, "The database", busy_seconds=0) or "")
                return
            orig = getattr(e, "orig", None) or e
            first = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
            report.problems.append(f"{name} could not be read: {first}")

    def basics(conn: Connection) -> Iterator[str]:
        if is_sqlite:
            yield from _sqlite_integrity(conn)
        tables.update(inspect(conn).get_table_names())
        for table in REQUIRED_TABLES:
            if table not in tables:
                yield f"Table {table} is missing"
        if "alembic_version" in tables:
            report.schema_version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            if report.schema_version != schema.HEAD:
                yield f"Schema version is {report.schema_version}, expected {schema.HEAD}"

    step("The database", basics)
    step("The guards", guard_problems)
    if {"patients", "plans", "plan_revisions", "revision_items"} <= tables:
        step("The plan history", lambda conn: _verify_chains(conn, report, against, seal), snapshot=True)
    if "audit_events" in tables:
        step("The audit log", lambda conn: _verify_audit(conn, report, against), snapshot=True)
        if "plans" in tables and "patients" in tables:
            step("The audit log", _patients_against_audit)
    if "assessments" in tables:
        step("The assessments", lambda conn: _verify_assessments(conn, report), snapshot=True)
    if {"revision_signatures", "audit_events"} <= tables:
        step("The signatures", lambda conn: _verify_signatures(conn, report), snapshot=True)
    return report


def _sqlite_integrity(conn: Connection) -> Iterator[str]:
    rows = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").fetchall()]
    if rows != ["ok"]:
        yield from (f"Integrity: {r}" for r in rows)
    for table, rowid, parent, _fk in conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall():
        yield f"Foreign key: row {rowid} of {table} points at a missing {parent} row"


def _snapshot(conn: Connection, is_sqlite: bool) -> Connection:
    """Both cursors must see the same history: on PostgreSQL, one REPEATABLE READ snapshot.

    On SQLite one read transaction already is a snapshot (WAL), shared by both cursors.
    """
    if is_sqlite:
        return conn
    return conn.execution_options(isolation_level="REPEATABLE READ")


def _verify_chains(conn: Connection, report: CheckReport, against: Seal | None, seal: bool) -> Iterator[str]:
    """Recompute every revision's hash; name the first broken link of each plan."""
    unseen = dict(against.plans) if against else {}
    for plan, revisions in _plans_with_revisions(conn):
        mrn, current = plan.mrn, plan.current
        sealed = unseen.pop(plan.key, None) if plan.key else None
        count = 0
        prev = GENESIS_HASH
        last: Revision | None = None
        problem = None
        for rev in revisions:
            count += 1
            report.revisions_checked += 1
            problem = chain_problem(rev, count, prev) or order_problem(rev, last)
            if not problem and sealed and count == sealed.revision and rev.content_hash != sealed.hash:
                problem = f"differs from the seal of {against.when if against else ''}: history was rewritten since"
            if problem:
                yield f"Plan of {mrn}, revision {rev.number}: {problem}"
                break
            prev, last = rev.content_hash, rev
        if problem:
            continue
        if sealed and count < sealed.revision:
            yield f"Plan of {mrn}: the seal recorded {sealed.revision} revisions, only {count} are stored"
        if count != current:
            yield f"Plan of {mrn}: says it has {current} revisions but {count} are stored"
        elif last is not None and plan.last_hash != prev:
            yield f"Plan of {mrn}: latest hash does not match revision {current}"
        elif last is not None and (plan.status, plan.next_review) != (last.content.status.value, last.content.next_review):
            yield f"Plan of {mrn}: its status or next review differs from revision {current}, which it must copy"
        elif seal and last is not None and plan.key:
            report.heads[plan.key] = SealedHead(count, prev)
    if against:
        for key in sorted(unseen):
            yield (f"A plan sealed on {against.when} is missing (patient history key {key[:8]}…): "
                   "its patient or its history was removed")


def chain_problem(rev: Revision, expected_number: int, prev_hash: str) -> str | None:
    """What is wrong with this revision as the next link after `prev_hash`, if anything."""
    if rev.number != expected_number:
        return f"revision {expected_number} is missing"
    if rev.prev_hash != prev_hash:
        return f"does not link to revision {rev.number - 1} (first broken link)"
    if rev.compute_hash() != rev.content_hash:
        return "content does not match its hash (first broken link)"
    return None


def order_problem(rev: Revision, before: Revision | None) -> str | None:
    """A sound link can still be out of place: dated before its predecessor (by more than clocks
    differ), or hashed the old way (which does not tie it to the patient) after the new way."""
    if before is None:
        return None
    if rev.created_at < before.created_at - CLOCK_SKEW:
        return f"is dated {rev.created_at:%Y-%m-%d %H:%M:%S} UTC, before revision {before.number}"
    if rev.hash_version < before.hash_version:
        return f"uses hash version {rev.hash_version} after revision {before.number}'s version {before.hash_version}"
    return None


def _verify_audit(conn: Connection, report: CheckReport, against: Seal | None) -> Iterator[str]:
    sealed = against.audit if against else {}
    keep = {sealed["last_id"]} if sealed.get("last_id") is not None else set()
    verdict = audit_chain.AuditVerdict(report.audit)
    with conn.begin():
        problems = list(audit_chain.verify(audit_chain.read_rows(conn, ROWS_PER_FETCH), verdict, keep, conn))
    report.audit_events_checked = report.audit.rows
    yield from problems
    if not against or problems:
        return
    head = report.audit
    if (head.legacy_rows, head.legacy_digest) != (sealed.get("legacy_rows"), sealed.get("legacy_digest")):
        yield (f"Audit log: its {sealed.get('legacy_rows')} entries from before the chain differ from the seal of "
               f"{against.when} (now {head.legacy_rows}): they were changed since")
    last_id = sealed.get("last_id")
    if last_id is not None and verdict.hashes.get(last_id) != sealed.get("last_hash"):
        what = "differs from" if last_id in verdict.hashes else "is missing since"
        yield f"Audit log, entry {last_id}: {what} the seal of {against.when}: the log was rewritten"


def _patients_against_audit(conn: Connection) -> Iterator[str]:
    """What the hash-chained audit log last recorded for each patient must still be so: their MRN,
    and their plan's newest revision (number and hash). So a patient record relabelled, a history
    moved to another patient, or a revision cut off the end (or slipped in without an entry) shows.
    Only hashed entries count: entries from before the audit chain may predate these rules."""
    plan_actions = ", ".join(f"'{a}'" for a in PLAN_ACTIONS)
    patient_actions = ", ".join(f"'{a}'" for a in (*PLAN_ACTIONS, *PATIENT_ACTIONS))
    newest = ("(SELECT max(a.id) FROM audit_events a WHERE a.patient_id = p.id AND a.hash IS NOT NULL "
              "AND a.action IN ({}){})")
    rows = conn.execution_options(yield_per=ROWS_PER_FETCH).execute(text(
        "SELECT p.mrn, pl.current_revision, r.content_hash, e.revision, e.details, pe.entity_key FROM patients p "
        "LEFT JOIN plans pl ON pl.patient_id = p.id "
        "LEFT JOIN plan_revisions r ON r.plan_id = pl.id AND r.number = pl.current_revision "
        f"LEFT JOIN audit_events e ON e.id = {newest.format(plan_actions, ' AND a.revision IS NOT NULL')} "
        f"LEFT JOIN audit_events pe ON pe.id = {newest.format(patient_actions, '')} ORDER BY p.mrn"))
    for mrn, current, newest_hash, recorded, details, recorded_mrn in rows:
        if recorded_mrn is not None and recorded_mrn != mrn:
            yield (f"Patient {mrn}: the audit log last recorded this patient as {recorded_mrn}; "
                   "the record was changed outside CarePlan")
        if current is None or recorded is None:
            continue
        if recorded != current:
            yield f"Plan of {mrn}: is at revision {current}, but the audit log last recorded revision {recorded}"
        elif json.loads(details).get(REVISION_HASH, newest_hash) != newest_hash:
            yield (f"Plan of {mrn}: revision {current} is not the one the audit log recorded for this patient "
                   "(a history moved from another patient?)")


@dataclass(frozen=True)
class _Plan:
    plan_id: int
    current: int
    last_hash: str
    mrn: str
    key: str | None  # the patient's history key
    status: str
    next_review: Any


def _plans_with_revisions(conn: Connection) -> Iterator[tuple[_Plan, Iterator[Revision]]]:
    """Each plan with its revisions, oldest first, read lazily.

    A plan's revisions are read as the caller asks for them; whatever it leaves unread (after
    a broken link) is skipped before the next plan, so the item cursor keeps pace.
    """
    rev = PlanRevisionRow.__table__.c
    item = RevisionItemRow.__table__.c
    # Both cursors walk the same plans (with a patient) in the same order: plan, revision number.
    heads = (
        select(PlanRow.id.label("plan_key"), PlanRow.current_revision, PlanRow.last_hash,
               PlanRow.status.label("plan_status"), PlanRow.next_review.label("plan_next_review"),
               PatientRow.mrn, PatientRow.history_key, *rev)
        .join(PatientRow, PatientRow.id == PlanRow.patient_id)
        .outerjoin(PlanRevisionRow, PlanRevisionRow.plan_id == PlanRow.id)
        .order_by(PlanRow.id, rev.number)
    )
    items = (
        select(*item)
        .join(PlanRevisionRow, PlanRevisionRow.id == item.revision_id)
        .join(PlanRow, PlanRow.id == PlanRevisionRow.plan_id)
        .join(PatientRow, PatientRow.id == PlanRow.patient_id)
        .order_by(rev.plan_id, rev.number, item.position)
    )
    streaming = conn.execution_options(yield_per=ROWS_PER_FETCH)
    with conn.begin():
        items_of = _ItemsByRevision(streaming.execute(items))
        for _, group in groupby(streaming.execute(heads), key=lambda r: r.plan_key):
            rows = list(group)  # one plan's revision rows, without their items
            first = rows[0]
            revs = [r for r in rows if r.id is not None]  # a plan without revisions has one row of NULLs
            key = first.history_key
            yield (_Plan(first.plan_key, first.current_revision, first.last_hash, first.mrn, key,
                         first.plan_status, first.plan_next_review),
                   (revision_from_rows(r, items_of.take(r.id), key) for r in revs))
            for r in revs:
                items_of.take(r.id)


class _ItemsByRevision:
    """Item rows in revision order, handed out one revision at a time."""

    def __init__(self, rows: Iterable[Any]):
        self._rows = iter(rows)
        self._next: Any = next(self._rows, None)

    def take(self, revision_id: int) -> list[Any]:
        """The items of this revision; [] once they have been taken."""
        out = []
        while self._next is not None and self._next.revision_id == revision_id:
            out.append(self._next)
            self._next = next(self._rows, None)
        return out


def seal_path(backup: Path) -> Path:
    return backup.with_name(f"{backup.name}.seal.json")


def seal_beside(backup: Path) -> Path:
    """Write BACKUP.seal.json beside a backup: its chains' heads, read from the file itself
    (read-only, so the copy stays byte for byte what was backed up)."""
    uri = f"{backup.as_uri()}?mode=ro"
    engine = create_engine(f"sqlite:///{backup}", creator=lambda: sqlite3.connect(uri, uri=True))
    try:
        report = check_engine(engine, True, seal=True)
    finally:
        engine.dispose()
    return write_seal(report.seal(), seal_path(backup), replace=True)
