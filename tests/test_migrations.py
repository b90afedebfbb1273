"""Migrations keep every row and every append-only trigger of a database full of history."""

from __future__ import annotations

import ast
import sqlite3
import stat
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection

from careplan.domain.course import Assessment
from careplan.domain.guidelines import Finding
from careplan.paths import migrations_dir
from careplan.persistence import schema
from careplan.persistence.engine import Database, open_database
from careplan.persistence.migrate import alembic_config, script_revisions
from careplan.persistence.models import HISTORY_TABLES, Base
from careplan.persistence.triggers import (
    PG_FUNCTIONS,
    ensure_append_only,
    missing_triggers,
    trigger_names,
)
from careplan.services.check import check_database
from careplan.services.course import add_assessment
from careplan.services.plans import save_revision
from careplan.services.prompt_store import record_decision
from careplan.services.rules import shipped_rules
from careplan.services.signatures import sign
from tests.history_builders import make_patient, plan_with, save_history
from tests.old_schema import at_first_schema, column_names

# The tables of the first schema, whose rows every upgrade must keep (later ones start empty).
ALL_TABLES = ("patients", "caregivers", "care_team_members", "plans", "plan_revisions", "revision_items",
              "audit_events")


def test_known_revisions_match_the_migration_scripts() -> None:
    assert list(schema.KNOWN_REVISIONS) == script_revisions()


def snapshot(path: Path, columns: dict[str, list[str]] | None = None) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table; with `columns`, only those columns (a later schema adds some)."""
    conn = sqlite3.connect(path)
    try:
        out = {}
        for t in ALL_TABLES:
            names = ", ".join(columns[t]) if columns else "*"
            out[t] = conn.execute(f"SELECT {names} FROM {t} ORDER BY id").fetchall()
        return out
    finally:
        conn.close()


def sqlite_triggers(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
    finally:
        conn.close()


def test_upgrade_from_first_schema_keeps_all_history(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    def build(db: Database) -> None:
        for p in [make_patient(db, f"MRN-{i}") for i in range(5)]:
            save_history(db, p.id or 0, revisions=8)

    at_first_schema(path, build)
    before = snapshot(path)
    old_columns = column_names(path, ALL_TABLES)
    assert len(before["plan_revisions"]) == 40 and len(before["revision_items"]) == 240
    assert len(before["audit_events"]) == 45

    db = open_database(str(path))  # upgrades 0001 -> head on open
    with db.engine.connect() as c:
        assert c.execute(text("SELECT version_num FROM alembic_version")).scalar() == schema.HEAD
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    report = check_database(db)
    db.dispose()

    assert snapshot(path, old_columns) == before, "a migration changed or dropped rows"
    assert {n for t in HISTORY_TABLES for n in trigger_names(t)} <= sqlite_triggers(path)
    assert report.ok, report.problems
    assert report.revisions_checked == 40
    backups = list(tmp_path.glob("old.sqlite3.before-*.bak"))
    assert len(backups) == 1, "a backup must be taken before upgrading"
    assert stat.S_IMODE(backups[0].stat().st_mode) == 0o600
    assert snapshot(backups[0]) == before


def test_history_stays_append_only_after_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    at_first_schema(path, lambda db: save_history(db, make_patient(db, "MRN-1").id or 0, revisions=2))
    db = open_database(str(path))
    # Tables newer than the first schema start empty; a row each, so a row trigger has work to refuse.
    add_assessment(db, 1, Assessment(date(2026, 1, 5), "Nurse", weight_kg=60))
    with db.transaction() as s:
        record_decision(s, 1, Finding(shipped_rules()[0], ()), "dismissed", actor="Nurse", reason="Not now")
    sign(db, 1, 1, "reviewed", printed_name="Nurse")
    for table in HISTORY_TABLES:
        with pytest.raises(Exception, match="append-only"), db.engine.begin() as c:
            c.execute(text(f"UPDATE {table} SET id = id"))
        with pytest.raises(Exception, match="append-only"), db.engine.begin() as c:
            c.execute(text(f"DELETE FROM {table}"))
    db.dispose()


def test_failed_foreign_key_check_undoes_the_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "orphans.sqlite3"
    at_first_schema(path, lambda db: save_history(db, make_patient(db, "MRN-1").id or 0, revisions=1))
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("INSERT INTO caregivers (patient_id, position, name, relationship, phone, email) VALUES (999, 0, 'x', '', '', '')")
    conn.commit()
    conn.close()
    from careplan.persistence.errors import DatabaseOpenError

    with pytest.raises(DatabaseOpenError, match="caregivers"):
        open_database(str(path))
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001_initial"
    conn.close()


def test_migrations_install_triggers_on_both_databases(db_url: str) -> None:
    db = open_database(db_url)
    with db.engine.connect() as c:
        assert missing_triggers(c) == []
    db.dispose()


def test_no_migration_imports_careplan() -> None:
    """A migration that imported the app would change meaning whenever the app changed."""
    with migrations_dir() as folder:
        scripts = sorted(folder.rglob("*.py"))
        offenders = []
        for script in scripts:
            for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"), str(script))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if isinstance(node, ast.ImportFrom):
                    names = [node.module or ""] if node.level == 0 else ["(relative import)"]
                offenders += [f"{script.relative_to(folder)}: {n}" for n in names
                              if n.split(".")[0] == "careplan" or n == "(relative import)"]
    assert len(scripts) >= len(schema.KNOWN_REVISIONS) + 1, "the migration scripts were not found"
    assert offenders == []


def migrated_by_scripts_alone(url: str) -> Database:
    """Upgrade to head through Alembic only, without the runner re-installing the guards."""
    db = open_database(url, migrate=False)
    with alembic_config() as cfg, db.engine.connect() as conn, conn.begin():
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return db


def guard_definitions(conn: Connection) -> dict[str, str]:
    """Each append-only trigger (and PostgreSQL's trigger function) as the database states it."""
    if conn.dialect.name == "sqlite":
        rows = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
        return {name: sql for name, sql in rows}
    triggers = conn.execute(text(
        "SELECT t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal AND n.nspname = current_schema()"))
    functions = conn.execute(text(
        "SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = current_schema()"))
    return {name: sql for name, sql in [*triggers, *functions]}


def test_migrations_alone_install_the_guards_the_app_expects(db_url: str) -> None:
    """The SQL copied into the migrations is exactly what persistence.triggers installs today."""
    db = migrated_by_scripts_alone(db_url)
    with db.engine.begin() as conn:
        from_migrations = guard_definitions(conn)
        assert missing_triggers(conn) == []
        if conn.dialect.name == "sqlite":  # start again from no guards at all
            for name in from_migrations:
                conn.execute(text(f"DROP TRIGGER {name}"))
        else:
            for function in PG_FUNCTIONS:
                conn.execute(text(f"DROP FUNCTION {function}() CASCADE"))
        assert guard_definitions(conn) == {}
        ensure_append_only(conn)
        from_app = guard_definitions(conn)
    db.dispose()
    assert len(from_app) >= 2 * len(HISTORY_TABLES)
    assert from_migrations == from_app


def test_the_migrated_schema_is_the_one_the_models_declare(db_url: str) -> None:
    """Migrations carry their own SQL, so nothing ties them to the models but this test.

    Constraint names matter beyond tidiness: the services tell a duplicate MRN or a conflicting
    save from other errors by the violated constraint's name.
    """
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import CheckConstraint, UniqueConstraint, inspect


    db = open_database(db_url)
    try:
        with db.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
            found = inspect(conn)
            for table in Base.metadata.sorted_tables:
                declared = {str(c.name) for c in table.constraints if isinstance(c, CheckConstraint | UniqueConstraint)}
                migrated = {c["name"] for c in found.get_check_constraints(table.name)}
                migrated |= {c["name"] for c in found.get_unique_constraints(table.name)}
                assert migrated == declared, table.name
    finally:
        db.dispose()


def test_sealed_history_upgrade_keeps_old_hashes_and_chains_what_comes_after(tmp_path: Path) -> None:
    """0005 only adds: old revisions keep hash version 1, old audit rows stay unchained, and both
    still verify; a save after the upgrade is hashed with its patient and chained to the log."""
    path = tmp_path / "old.sqlite3"

    def build(db: Database) -> None:
        for p in [make_patient(db, f"MRN-{i}") for i in range(3)]:
            save_history(db, p.id or 0, revisions=3)
        make_patient(db, "MRN-NO-PLAN")

    at_first_schema(path, build)
    before, old_columns = snapshot(path), column_names(path, ALL_TABLES)
    db = open_database(str(path))
    try:
        with db.engine.connect() as c:
            assert {v for (v,) in c.exec_driver_sql("SELECT DISTINCT hash_version FROM plan_revisions")} == {1}
            pid = c.exec_driver_sql("SELECT id FROM patients WHERE mrn = 'MRN-0'").scalar() or 0
            assert c.exec_driver_sql("SELECT count(*) FROM audit_events WHERE hash IS NOT NULL").scalar() == 0
            keys = dict(c.exec_driver_sql("SELECT mrn, history_key FROM patients").fetchall())
        assert keys["MRN-NO-PLAN"] is None and all(keys[f"MRN-{i}"] for i in range(3)), "a key for each plan"
        sealed = check_database(db, seal=True)
        assert sealed.ok, sealed.problems
        assert sealed.audit.legacy_rows == len(before["audit_events"]) and len(sealed.heads) == 3
        save_revision(db, pid, base_revision=3, content=plan_with(2), author="Nurse", reason="After the upgrade")
        with db.engine.connect() as c:
            assert c.exec_driver_sql("SELECT hash_version FROM plan_revisions WHERE number = 4").scalar() == 2
        report = check_database(db, against=sealed.seal())
        assert report.ok, report.problems
        assert report.audit.legacy_rows == len(before["audit_events"]) and report.audit.last_id is not None
    finally:
        db.dispose()
    assert snapshot(path, old_columns)["plan_revisions"][:9] == before["plan_revisions"], "old rows unchanged"
