"""`careplan check`: is the database whole, consistent, and is its history unbroken?"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, text

from careplan.domain.plan import GENESIS_HASH
from careplan.persistence import schema
from careplan.persistence.engine import Database
from careplan.persistence.models import PatientRow, PlanRevisionRow, PlanRow, RevisionItemRow
from careplan.persistence.triggers import missing_triggers
from careplan.services.plans import revision_from_rows


@dataclass
class CheckReport:
    schema_version: str | None = None
    problems: list[str] = field(default_factory=list)
    revisions_checked: int = 0

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
    report.problems.extend(_verify_chains(db, report))
    return report


def _verify_chains(db: Database, report: CheckReport) -> list[str]:
    """Recompute every revision's hash; name the first broken link of each plan."""
    problems = []
    with db.reading() as s:
        plans = s.execute(select(PlanRow.id, PlanRow.current_revision, PlanRow.last_hash, PatientRow.mrn)
                          .join(PatientRow, PatientRow.id == PlanRow.patient_id).order_by(PlanRow.id)).all()
        revs_by_plan: dict[int, list[PlanRevisionRow]] = {}
        for r in s.scalars(select(PlanRevisionRow).order_by(PlanRevisionRow.plan_id, PlanRevisionRow.number)):
            revs_by_plan.setdefault(r.plan_id, []).append(r)
        items_by_rev: dict[int, list[RevisionItemRow]] = {}
        for it in s.scalars(select(RevisionItemRow).order_by(RevisionItemRow.revision_id, RevisionItemRow.position)):
            items_by_rev.setdefault(it.revision_id, []).append(it)
    for plan_id, current, last_hash, mrn in plans:
        prev = GENESIS_HASH
        revs = revs_by_plan.get(plan_id, [])
        for expected_number, row in enumerate(revs, start=1):
            report.revisions_checked += 1
            where = f"Plan of {mrn}, revision {row.number}"
            if row.number != expected_number:
                problems.append(f"{where}: revision {expected_number} is missing")
                break
            if row.prev_hash != prev:
                problems.append(f"{where}: does not link to revision {row.number - 1} (first broken link)")
                break
            rev = revision_from_rows(row, items_by_rev.get(row.id, []))
            if rev.compute_hash() != row.content_hash:
                problems.append(f"{where}: content does not match its hash (first broken link)")
                break
            prev = row.content_hash
        else:
            if len(revs) != current:
                problems.append(f"Plan of {mrn}: says it has {current} revisions but {len(revs)} are stored")
            elif revs and last_hash != prev:
                problems.append(f"Plan of {mrn}: latest hash does not match revision {current}")
    return problems
