"""Fixtures and helpers for tests of history, exchange, backup and conflicts.

Row snapshots and digests let a test prove that "nothing was written" or "no history row
changed" on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from careplan.domain.disciplines import Discipline
from careplan.domain.patient import Caregiver, Patient, TeamMember
from careplan.domain.plan import Goal, ItemStatus, PlanContent, PlanStatus
from careplan.domain.team import Role
from careplan.persistence.engine import Database, open_database
from careplan.services.demo import generate_demo
from careplan.services.patients import create_patient
from careplan.services.plans import save_revision
from tests.history_builders import item

ALL_TABLES = ("patients", "caregivers", "care_team_members", "catalogue_items", "plans", "plan_revisions",
              "revision_items", "audit_events", "plan_drafts", "assessments", "revision_signatures", "templates",
              "guideline_rules", "prompt_decisions")
HISTORY = ("plan_revisions", "revision_items")
RTL = "مرحبا بالعالم שלום עולם"
HOSTILE = f"<b>bold</b> & <i>x</i> &amp; 😀👨‍👩‍👧 {RTL} Ελένη Łukasz \"quoted\" \\back"
LONG_NOTE = ("Ten thousand characters: " + HOSTILE + " ") * 200
LONG_NOTE = LONG_NOTE[:10_000]
DEMO_TODAY = date(2026, 1, 15)


def demo(db: Database, patients: int = 20, seed: int = 3) -> None:
    generate_demo(db, patients=patients, seed=seed, today=DEMO_TODAY, mean_revisions=6)


def hostile_patient(db: Database, mrn: str = "HOSTILE-1", revisions: int = 3) -> int:
    """A patient whose every text field is hard to print, store or escape; returns its id."""
    p = create_patient(db, Patient(
        mrn=mrn, full_name=f"Zoë <b>{RTL}</b> & Co 😀", date_of_birth=date(1955, 2, 28),
        diagnosis_date=date(2024, 6, 1), preferred_language=RTL, notes=LONG_NOTE,
        caregivers=[Caregiver(f"{RTL} & <Sam>", "Daughter 👩", "+44 (0)7700 900 123", "sam+care@example.org")],
        care_team=[TeamMember("Dr <Ada> & Ü", Role.NEUROLOGIST, "020 7946 0000")],
    ), actor="tester")
    items = (
        item("h1", Discipline.SPEECH, notes=LONG_NOTE, goal=HOSTILE, responsible=RTL),
        replace(item("h2", Discipline.NUTRITION, status=ItemStatus.DECLINED), title=HOSTILE[:300]),
        item("h3", Discipline.SUPPLEMENT, start_date=date(2031, 1, 1)),
    )
    content = PlanContent(status=PlanStatus.ACTIVE, start_date=date(2025, 1, 6), next_review=date(2025, 4, 7),
                          goals=(Goal(HOSTILE), Goal("Keep eating safely")), items=items)
    base = datetime(2025, 1, 6, 9, 30, 15, 123456, tzinfo=UTC)
    for n in range(1, revisions + 1):
        if n > 1:
            content = replace(content, items=content.items[:-1] if n % 2 else content.items + (
                item(f"h{n + 3}", Discipline.RESPIRATORY, notes=f"{HOSTILE} #{n}"),))
        save_revision(db, p.id or 0, base_revision=n - 1, content=content, author=f"Nurse {RTL}",
                      reason="" if n == 1 else f"Review {n}: {HOSTILE}", now=base + timedelta(days=91 * (n - 1)))
    return p.id or 0


def snapshot(db: Database, tables: tuple[str, ...] = ALL_TABLES) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the tables, by id, with values in one comparable form on both engines."""
    out = {}
    with db.engine.connect() as c:
        for t in tables:
            rows = c.execute(text(f"SELECT * FROM {t} ORDER BY id")).all()
            out[t] = [tuple(_plain(v) for v in r) for r in rows]
    return out


def _plain(v: object) -> object:
    if isinstance(v, datetime):
        return v.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bool):
        return int(v)
    return v


def tamper_sqlite(path: Path, *statements: str) -> None:
    """What someone with the file and the sqlite3 shell could do: drop the guard and edit."""
    conn = sqlite3.connect(path)
    try:
        for s in statements:
            conn.execute(s)
        conn.commit()
    finally:
        conn.close()


def digest(db: Database) -> str:
    return hashlib.sha256(repr(snapshot(db)).encode()).hexdigest()


def file_digest(path: Path) -> str:
    """The database file and its write-ahead log, byte for byte."""
    h = hashlib.sha256()
    for p in (path, Path(f"{path}-wal")):
        h.update(p.read_bytes() if p.exists() else b"")
    return h.hexdigest()


def counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as c:
        return {t: int(c.execute(text(f"SELECT count(*) FROM {t}")).scalar() or 0) for t in ALL_TABLES}


def contains_rows(before: dict[str, list[tuple[object, ...]]], after: dict[str, list[tuple[object, ...]]]) -> None:
    """Every row in `before` is still in `after`, unchanged, under the same id."""
    for table, rows in before.items():
        now = {r[0]: r for r in after[table]}
        changed = [r[0] for r in rows if now.get(r[0]) != r]
        assert not changed, f"{table}: rows {changed[:5]} changed or vanished"


@pytest.fixture(name="second_db")
def second_db_fixture(db: Database, tmp_path: Path) -> Iterator[Database]:
    """A second, empty database of the same kind as `db` (another file, or another schema)."""
    if db.is_sqlite:
        other = open_database(str(tmp_path / "second.sqlite3"))
        yield other
        other.dispose()
        return
    base = os.environ["CAREPLAN_TEST_PG_URL"]
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f"CREATE SCHEMA {schema}"))
    other = open_database(f"{base}?options=-csearch_path%3D{schema}")
    yield other
    other.dispose()
    with admin.connect() as c:
        c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()
