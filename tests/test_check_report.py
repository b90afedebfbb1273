"""What `careplan check` says about damage outside the history: SQLite's own integrity and
foreign-key checks, the schema version, and the report's numbers.

Each test damages a real SQLite file the way someone with the sqlite3 shell could, then reads
the report word for word (found by mutation testing: these lines had no test that could fail).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from careplan.domain.plan import GENESIS_HASH, Revision
from careplan.persistence import schema
from careplan.persistence.engine import Database
from careplan.persistence.models import PlanRevisionRow, PlanRow, RevisionItemRow
from careplan.services.check import check_database
from careplan.services.history import revision_rows
from tests.history_builders import make_patient, plan_with, save_history
from tests.history_fixtures import tamper_sqlite

T0 = datetime(2026, 2, 2, 10, 0, tzinfo=UTC)


def _tamper(db: Database, *statements: str) -> None:
    """Edit the closed file with the plain sqlite3 module: no foreign keys, no app in the way."""
    assert db.path is not None
    db.dispose()
    tamper_sqlite(db.path, *statements)


def test_a_healthy_database_reports_its_schema_version_and_every_revision(sqlite_db: Database) -> None:
    save_history(sqlite_db, make_patient(sqlite_db, "MRN-A").id or 0, revisions=3)
    report = check_database(sqlite_db)
    assert (report.ok, report.problems, report.schema_version, report.revisions_checked) == (True, [], schema.HEAD, 3)


def test_check_names_a_damaged_index(sqlite_db: Database) -> None:
    """An index whose entries no longer match its table: PRAGMA integrity_check's own words, prefixed."""
    make_patient(sqlite_db, "MRN-A")
    make_patient(sqlite_db, "MRN-B")
    _tamper(sqlite_db,
            "CREATE INDEX ix_forged ON patients(mrn)",
            "PRAGMA writable_schema = ON",
            "UPDATE sqlite_master SET sql = 'CREATE INDEX ix_forged ON patients(full_name)' WHERE name = 'ix_forged'")
    report = check_database(sqlite_db)
    assert not report.ok
    assert report.problems, "a damaged index is a problem"
    assert all(p.startswith("Integrity: ") and "ix_forged" in p for p in report.problems), report.problems
    assert report.schema_version == schema.HEAD


def test_check_names_a_row_whose_parent_is_missing(sqlite_db: Database) -> None:
    pid = make_patient(sqlite_db, "MRN-A").id or 0
    _tamper(sqlite_db,
            "INSERT INTO caregivers (id, patient_id, position, name, relationship, phone, email) "
            f"VALUES (900, {pid + 41}, 0, 'Nobody', 'Spouse', '', '')")
    assert check_database(sqlite_db).problems == ["Foreign key: row 900 of caregivers points at a missing patients row"]


def test_check_names_a_schema_version_this_build_does_not_expect(sqlite_db: Database) -> None:
    older = schema.KNOWN_REVISIONS[-2]
    _tamper(sqlite_db, f"UPDATE alembic_version SET version_num = '{older}'")
    report = check_database(sqlite_db)
    assert report.schema_version == older
    assert report.problems == [f"Schema version is {older}, expected {schema.HEAD}"]


def _store_shuffled(db: Database, mrn: str, revisions: int) -> None:
    """A sound chain whose rows were inserted newest revision first, each one's items last first,
    as a hand-made or repaired database might hold them: row ids say nothing about order."""
    pid = make_patient(db, mrn).id or 0
    chain, prev = [], GENESIS_HASH
    for n in range(1, revisions + 1):
        rev = Revision(n, T0 + timedelta(days=n), "Nurse", "" if n == 1 else f"Review {n}", plan_with(n + 2),
                       prev_hash=prev)
        chain.append(replace(rev, content_hash=rev.compute_hash()))
        prev = chain[-1].content_hash
    with db.engine.begin() as c:
        plan_id = c.execute(insert(PlanRow).values(patient_id=pid, current_revision=revisions, status="active",
                                                   next_review=chain[-1].content.next_review, last_hash=prev).returning(PlanRow.id)).scalar_one()
        for rev in reversed(chain):
            head, items = revision_rows(plan_id, rev)
            rid = c.execute(insert(PlanRevisionRow).values(**head).returning(PlanRevisionRow.id)).scalar_one()
            for it in reversed(items):
                c.execute(insert(RevisionItemRow).values(**it, revision_id=rid))


def test_check_reads_revisions_by_number_and_items_by_position_not_by_row_id(db: Database) -> None:
    save_history(db, make_patient(db, "MRN-A").id or 0, revisions=2)
    _store_shuffled(db, "MRN-B", revisions=4)
    save_history(db, make_patient(db, "MRN-C").id or 0, revisions=1)
    report = check_database(db)
    assert (report.problems, report.revisions_checked) == ([], 2 + 4 + 1)
