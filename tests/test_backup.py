"""`careplan backup` and `careplan restore` on SQLite; a clear refusal on PostgreSQL."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from careplan.cli import main
from careplan.domain.errors import CarePlanError
from careplan.persistence import schema
from careplan.persistence.engine import open_database
from careplan.services import audit, patients
from careplan.services.backup import RestoreRefusedError, backup_database, restore_database
from careplan.services.check import check_database
from tests.history_builders import make_patient, save_history
from tests.history_fixtures import ALL_TABLES, contains_rows, demo, file_digest, hostile_patient
from tests.old_schema import at_first_schema, column_names

TABLES = tuple(t for t in ALL_TABLES if t != "plan_drafts")


def rows(path: Path, tables: tuple[str, ...] = TABLES,
         columns: dict[str, list[str]] | None = None) -> dict[str, list[tuple[object, ...]]]:
    """Every row; with `columns`, only those (a newer schema has more)."""
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        return {t: conn.execute(f"SELECT {', '.join(columns[t]) if columns else '*'} FROM {t} ORDER BY id").fetchall()
                for t in tables}
    finally:
        conn.close()


@pytest.fixture
def live(tmp_path: Path) -> Path:
    """A database full of history, closed, as after the app exits."""
    path = tmp_path / "live" / "careplan.sqlite3"
    path.parent.mkdir()
    db = open_database(str(path))
    demo(db, patients=12)
    hostile_patient(db)
    db.dispose()
    return path


def backup_of(live: Path, dest: Path) -> Path:
    db = open_database(str(live))
    try:
        backup_database(db, dest, actor="tester")
    finally:
        db.dispose()
    return dest


def add_revision(path: Path, mrn: str = "LATE-1") -> None:
    db = open_database(str(path))
    try:
        p = make_patient(db, mrn)
        save_history(db, p.id or 0, revisions=2)
    finally:
        db.dispose()


# --- backup ----------------------------------------------------------------------------------

def test_backup_while_the_app_is_open_and_writing(live: Path, tmp_path: Path) -> None:
    app = open_database(str(live))  # the app, with a read in progress and unsaved WAL pages
    try:
        with app.reading() as s:
            s.execute(text("SELECT count(*) FROM patients")).scalar()
            add_revision(live)
            before = rows(live)
            result = backup_database(app, tmp_path / "copy.sqlite3", actor="Nurse Backup")
        assert stat.S_IMODE(result.path.stat().st_mode) == 0o600
        assert rows(result.path) == before, "the copy holds everything committed, including the WAL"
        assert rows(live)["audit_events"][:-1] == before["audit_events"], "then the backup is logged in the live database"
        assert (result.patients, result.revisions) == (len(before["patients"]), len(before["plan_revisions"]))
        assert not Path(f"{result.path}-wal").exists(), "a backup is one self-contained file"
        event = audit.list_events(app, limit=1)[0]
        assert (event.action, event.actor, event.details["file"]) == ("database.backup", "Nurse Backup", result.path.name)
        copy = open_database(str(result.path))
        try:
            assert check_database(copy).ok
        finally:
            copy.dispose()
    finally:
        app.dispose()


def test_backup_refuses_to_overwrite_unless_forced(live: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dest = tmp_path / "b.sqlite3"
    dest.write_bytes(b"precious")
    assert main(["backup", "--db", str(live), str(dest)]) == 2
    assert "already exists" in capsys.readouterr().err and dest.read_bytes() == b"precious"
    assert main(["backup", "--db", str(live), str(dest), "--force"]) == 0
    assert "Backed up 13 patients" in capsys.readouterr().out
    assert rows(dest)["plan_revisions"] == rows(live)["plan_revisions"]
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []


@pytest.mark.parametrize("where", ["itself", "wal", "folder", "missing"])
def test_backup_refuses_impossible_targets(live: Path, tmp_path: Path, where: str) -> None:
    dest = {"itself": live, "wal": Path(f"{live}-wal"), "folder": tmp_path,
            "missing": tmp_path / "no" / "b.sqlite3"}[where]
    before = file_digest(live)
    db = open_database(str(live))
    try:
        with pytest.raises(CarePlanError, match="database CarePlan has open|open database.s wal file|is a folder|does not exist"):
            backup_database(db, dest, actor="t", force=True)
    finally:
        db.dispose()
    assert file_digest(live) == before


@pytest.mark.pg
def test_postgresql_backup_and_restore_say_who_does_it(pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = open_database(pg_url)
    try:
        with pytest.raises(CarePlanError, match="pg_dump"):
            backup_database(db, tmp_path / "b.sqlite3", actor="t")
    finally:
        db.dispose()
    assert main(["backup", "--db", pg_url, str(tmp_path / "b.sqlite3")]) == 2
    assert "pg_dump" in capsys.readouterr().err
    assert main(["restore", "--db", pg_url, str(tmp_path / "b.sqlite3")]) == 2
    assert "pg_restore" in capsys.readouterr().err
    assert not (tmp_path / "b.sqlite3").exists()


# --- restore ---------------------------------------------------------------------------------

def test_restore_keeps_the_live_file_aside_and_records_itself(live: Path, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    backup = backup_of(live, tmp_path / "b.sqlite3")
    backup_rows = rows(backup)
    live_rows = rows(live)  # holds one more audit event: the backup itself
    assert main(["restore", "--db", str(live), str(backup), "--author", "Nurse Restore"]) == 0
    out = capsys.readouterr().out
    [kept] = [p for p in live.parent.glob("careplan.sqlite3.replaced-*") if not p.name.endswith(("-wal", "-shm"))]
    assert f"kept at {kept}" in out
    assert rows(kept) == live_rows, "the replaced database is kept whole"
    restored = rows(live)
    assert {t: restored[t] for t in TABLES if t != "audit_events"} == {t: backup_rows[t] for t in TABLES if t != "audit_events"}
    contains_rows({"audit_events": backup_rows["audit_events"]}, restored)
    assert stat.S_IMODE(live.stat().st_mode) == 0o600
    assert rows(backup) == backup_rows, "the backup file itself is never changed"
    db = open_database(str(live))
    try:
        event = audit.list_events(db, limit=1)[0]
        assert (event.action, event.actor) == ("database.restored", "Nurse Restore")
        assert event.details["kept_aside"] == kept.name and event.details["file"] == backup.name  # never folders
        assert check_database(db).ok
    finally:
        db.dispose()


def test_restore_refuses_to_drop_newer_revisions_unless_forced(live: Path, tmp_path: Path) -> None:
    backup = backup_of(live, tmp_path / "b.sqlite3")
    add_revision(live, "LATE-1")
    add_revision(live, "LATE-2")
    before = file_digest(live)
    with pytest.raises(RestoreRefusedError) as e:
        restore_database(live, backup, actor="t")
    assert "4 plan revisions (for 2 patients) and the records of 2 patients" in str(e.value)
    assert "--force" in str(e.value) and "Nothing was changed" in str(e.value)
    assert file_digest(live) == before and list(live.parent.glob("*.replaced-*")) == []
    live_rows = rows(live)
    result = restore_database(live, backup, actor="t", force=True)
    assert (result.revisions_not_in_backup, result.patients_affected) == (4, 2)
    assert result.kept_aside is not None and rows(result.kept_aside) == live_rows
    db = open_database(str(live))
    try:
        assert check_database(db).ok
        with pytest.raises(patients.NotFoundError):
            patients.get_patient_by_mrn(db, "LATE-1")
        assert audit.list_events(db, limit=1)[0].details["forced"] is True
    finally:
        db.dispose()


def test_restore_refuses_while_the_database_is_open(live: Path, tmp_path: Path) -> None:
    backup = backup_of(live, tmp_path / "b.sqlite3")
    app = open_database(str(live))
    try:
        with app.reading() as s:
            s.execute(text("SELECT 1")).scalar()
            with pytest.raises(CarePlanError, match="CarePlan is open on this database in another window"):
                restore_database(live, backup, actor="t")
    finally:
        app.dispose()
    assert list(live.parent.glob("*.replaced-*")) == []
    assert rows(live)["plan_revisions"] == rows(backup)["plan_revisions"]


@pytest.mark.parametrize("kind", ["text", "empty", "truncated", "corrupt", "foreign", "newer", "missing", "live"])
def test_restore_refuses_a_bad_backup_and_changes_nothing(live: Path, tmp_path: Path, kind: str) -> None:
    bad = tmp_path / "bad.sqlite3"
    if kind == "text":
        bad.write_text("not a database at all")
    elif kind == "empty":
        sqlite3.connect(bad).close()
        bad.write_bytes(b"")
    elif kind == "truncated":
        whole = backup_of(live, tmp_path / "whole.sqlite3").read_bytes()
        bad.write_bytes(whole[: len(whole) // 3])
    elif kind == "corrupt":  # page 1 reads fine, a page of history does not
        whole = bytearray(backup_of(live, tmp_path / "whole.sqlite3").read_bytes())
        middle = len(whole) * 2 // 3
        whole[middle:middle + 8192] = b"\xa5" * 8192
        bad.write_bytes(bytes(whole))
    elif kind == "foreign":
        conn = sqlite3.connect(bad)
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
        conn.commit()
        conn.close()
    elif kind == "newer":
        backup_of(live, bad)
        conn = sqlite3.connect(bad)
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
        conn.commit()
        conn.close()
    elif kind == "live":
        bad = live
    before = file_digest(live)
    with pytest.raises(CarePlanError) as e:
        restore_database(live, bad, actor="t")
    assert "nothing was restored" in str(e.value).lower() or "live database itself" in str(e.value)
    assert file_digest(live) == before
    assert sorted(p.name for p in live.parent.iterdir()) == ["careplan.sqlite3", "careplan.sqlite3.lock"], \
        "no kept-aside or temporary files"


def test_restore_of_a_backup_that_fails_its_check(live: Path, tmp_path: Path) -> None:
    backup = backup_of(live, tmp_path / "b.sqlite3")
    conn = sqlite3.connect(backup)
    conn.execute("DROP TRIGGER plan_revisions_no_update")
    conn.execute("UPDATE plan_revisions SET reason = 'rewritten' WHERE number = 2")
    conn.commit()
    conn.close()
    before = file_digest(live)
    with pytest.raises(CarePlanError, match="fails CarePlan's check") as e:
        restore_database(live, backup, actor="t")
    assert "first broken link" in str(e.value)
    assert file_digest(live) == before


def test_restore_of_an_older_schema_upgrades_it(live: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.sqlite3"
    at_first_schema(old, lambda db: save_history(db, make_patient(db, "OLD-1").id or 0, revisions=3))
    later = ("assessments", "templates", "revision_signatures", "guideline_rules", "prompt_decisions")
    first_schema = tuple(t for t in TABLES if t not in later)  # tables later migrations add
    old_rows = rows(old, first_schema)
    old_columns = column_names(old, first_schema)
    result = restore_database(live, old, actor="t", force=True)
    assert result.upgraded and result.schema_from == "0001_initial"
    db = open_database(str(live))
    try:
        with db.engine.connect() as c:
            assert c.execute(text("SELECT version_num FROM alembic_version")).scalar() == schema.HEAD
        assert check_database(db).ok
    finally:
        db.dispose()
    contains_rows(old_rows, rows(live, first_schema, columns=old_columns))
    assert rows(old, first_schema) == old_rows and not list(tmp_path.glob("old.sqlite3.before-*")), "the backup is never touched"


def test_restore_over_a_damaged_database_needs_force(live: Path, tmp_path: Path) -> None:
    backup = backup_of(live, tmp_path / "b.sqlite3")
    damaged = live.read_bytes()
    live.write_bytes(damaged[:100] + b"\0" * 5000 + damaged[5100:])
    before = file_digest(live)
    with pytest.raises(RestoreRefusedError, match="cannot be read.*--force"):
        restore_database(live, backup, actor="t")
    assert file_digest(live) == before
    result = restore_database(live, backup, actor="t", force=True)
    assert result.kept_aside is not None
    assert file_digest(result.kept_aside) == before, "the damaged file is kept aside as it was"
    assert rows(live)["plan_revisions"] == rows(backup)["plan_revisions"]


def test_restore_into_a_fresh_install(live: Path, tmp_path: Path) -> None:
    backup = backup_of(live, tmp_path / "b.sqlite3")
    target = tmp_path / "new-computer" / "careplan.sqlite3"
    result = restore_database(target, backup, actor="t")
    assert result.kept_aside is None
    assert rows(target)["plan_revisions"] == rows(backup)["plan_revisions"]


def test_restore_leaves_every_history_row_of_both_files_intact(live: Path, tmp_path: Path) -> None:
    backup = backup_of(live, tmp_path / "b.sqlite3")
    add_revision(live, "AFTER-BACKUP")
    live_rows, backup_rows = rows(live), rows(backup)
    result = restore_database(live, backup, actor="t", force=True)
    assert result.kept_aside is not None
    assert rows(result.kept_aside) == live_rows
    contains_rows({t: backup_rows[t] for t in ("plan_revisions", "revision_items", "audit_events")}, rows(live))
    db = open_database(str(live))
    try:
        report = check_database(db)
        assert report.ok and report.revisions_checked == len(backup_rows["plan_revisions"])
    finally:
        db.dispose()
