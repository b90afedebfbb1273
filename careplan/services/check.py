"""`careplan check`: is the database whole, consistent, and is its history unbroken?

The history is streamed, never loaded: two ordered cursors (plans with their revisions, and
the revisions' items) are read side by side, one plan at a time, so memory stays flat however
many revisions the database holds. Restoring a backup runs the same check.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, select, text

from careplan.domain.plan import GENESIS_HASH, Revision
from careplan.persistence import schema
from careplan.persistence.engine import Database
from careplan.persistence.models import PatientRow, PlanRevisionRow, PlanRow, RevisionItemRow
from careplan.persistence.triggers import missing_triggers
from careplan.services.course_check import assessment_problems
from careplan.services.history import revision_from_rows

ROWS_PER_FETCH = 1000  # rows held at a time per cursor: a server-side cursor on PostgreSQL


@dataclass
class CheckReport:
    schema_version: str | None = None
    problems: list[str] = field(default_factory=list)
    revisions_checked: int = 0
    assessments_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def check_database(db: Database) -> CheckReport:
    report = CheckReport()
    with db.engine.connect() as conn:
        if db.is_sqlite:
            rows = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").fetchall()]
            if rows != ["ok"]:
                report.problems.extend(f"Integrity: {r}" for r in rows)
            for table, rowid, parent, _fk in conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall():
                report.problems.append(f"Foreign key: row {rowid} of {table} points at a missing {parent} row")
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        report.schema_version = version
        if version != schema.HEAD:
            report.problems.append(f"Schema version is {version}, expected {schema.HEAD}")
        for name in missing_triggers(conn):
            report.problems.append(f"Append-only guard missing: trigger {name}")
    with db.engine.connect() as conn:
        report.problems.extend(_verify_chains(_snapshot(conn, db.is_sqlite), report))
    with db.engine.connect() as conn:
        counted = [0]
        report.problems.extend(assessment_problems(_snapshot(conn, db.is_sqlite), counted, ROWS_PER_FETCH))
        report.assessments_checked = counted[0]
    return report


def _snapshot(conn: Connection, is_sqlite: bool) -> Connection:
    """Both cursors must see the same history: on PostgreSQL, one REPEATABLE READ snapshot.

    On SQLite one read transaction already is a snapshot (WAL), shared by both cursors.
    """
    if is_sqlite:
        return conn
    return conn.execution_options(isolation_level="REPEATABLE READ")


def _verify_chains(conn: Connection, report: CheckReport) -> Iterator[str]:
    """Recompute every revision's hash; name the first broken link of each plan."""
    for plan, revisions in _plans_with_revisions(conn):
        mrn, current = plan.mrn, plan.current
        count = 0
        prev = GENESIS_HASH
        problem = None
        for rev in revisions:
            count += 1
            report.revisions_checked += 1
            problem = chain_problem(rev, count, prev)
            if problem:
                yield f"Plan of {mrn}, revision {rev.number}: {problem}"
                break
            prev = rev.content_hash
        if problem:
            continue
        if count != current:
            yield f"Plan of {mrn}: says it has {current} revisions but {count} are stored"
        elif count and plan.last_hash != prev:
            yield f"Plan of {mrn}: latest hash does not match revision {current}"


def chain_problem(rev: Revision, expected_number: int, prev_hash: str) -> str | None:
    """What is wrong with this revision as the next link after `prev_hash`, if anything."""
    if rev.number != expected_number:
        return f"revision {expected_number} is missing"
    if rev.prev_hash != prev_hash:
        return f"does not link to revision {rev.number - 1} (first broken link)"
    if rev.compute_hash() != rev.content_hash:
        return "content does not match its hash (first broken link)"
    return None


@dataclass(frozen=True)
class _Plan:
    plan_id: int
    current: int
    last_hash: str
    mrn: str


def _plans_with_revisions(conn: Connection) -> Iterator[tuple[_Plan, Iterator[Revision]]]:
    """Each plan with its revisions, oldest first, read lazily.

    A plan's revisions are read as the caller asks for them; whatever it leaves unread (after
    a broken link) is skipped before the next plan, so the item cursor keeps pace.
    """
    rev = PlanRevisionRow.__table__.c
    item = RevisionItemRow.__table__.c
    # Both cursors walk the same plans (with a patient) in the same order: plan, revision number.
    heads = (
        select(PlanRow.id.label("plan_key"), PlanRow.current_revision, PlanRow.last_hash, PatientRow.mrn, *rev)
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
            yield (_Plan(first.plan_key, first.current_revision, first.last_hash, first.mrn),
                   (revision_from_rows(r, items_of.take(r.id)) for r in revs))
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
