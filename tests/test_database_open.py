"""Opening databases: every bad input gets one clear sentence, exit 2, and an untouched file."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from careplan.cli import main
from careplan.persistence import schema
from careplan.persistence.engine import open_database, resolve_url
from careplan.persistence.errors import DatabaseOpenError, ForeignDatabaseError, NewerSchemaError


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_check(db: str, capsys: pytest.CaptureFixture[str], *, create: bool = False) -> tuple[int, str, str]:
    code = main(["check", *(["--create"] if create else []), "--db", db])
    out, err = capsys.readouterr()
    return code, out, err


def test_new_database_is_private_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "new.sqlite3"
    db = open_database(str(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    with db.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert c.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0
    db.dispose()


def test_default_database_lives_in_the_data_folder(_private_data_dir: Path) -> None:
    url = resolve_url(None)
    assert url.database == str(_private_data_dir / "careplan.sqlite3")


def test_env_var_selects_the_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREPLAN_DB_URL", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    assert resolve_url(None).database == str(tmp_path / "env.sqlite3")
    assert resolve_url(str(tmp_path / "arg.sqlite3")).database == str(tmp_path / "arg.sqlite3")


def test_check_on_a_fresh_database_says_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_check(str(tmp_path / "x.sqlite3"), capsys, create=True)
    assert (code, out.strip()) == (0, "ok")


def test_directory_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_check(str(tmp_path), capsys)
    assert code == 2
    assert "is a folder" in err and err.count("\n") == 1


def test_text_file_is_refused_and_untouched(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "notes.txt"
    f.write_text("shopping list\n" * 100)
    before = digest(f)
    code, _, err = run_check(str(f), capsys)
    assert code == 2 and "not a CarePlan database" in err
    assert digest(f) == before
    assert not Path(str(f) + "-wal").exists()


def test_corrupt_sqlite_file_is_refused_and_untouched(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "broken.sqlite3"
    db = open_database(str(f))
    db.dispose()
    data = bytearray(f.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # wreck the schema page, keep the header
    f.write_bytes(bytes(data))
    before = digest(f)
    code, out, err = run_check(str(f), capsys)
    assert code == 1 and f"{f} is damaged" in out  # check's finding; every other command refuses it
    assert main(["patients", "--db", str(f)]) == 2 and f"{f} is damaged" in capsys.readouterr().err
    assert digest(f) == before


def test_other_applications_database_is_left_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "firefox-places.sqlite"
    conn = sqlite3.connect(f)
    conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    conn.execute("INSERT INTO moz_places (url) VALUES ('https://example.org')")
    conn.commit()
    conn.close()
    before = digest(f)
    with pytest.raises(ForeignDatabaseError, match="another application"):
        open_database(str(f))
    code, _, err = run_check(str(f), capsys)
    assert code == 2 and "moz_places" in err
    assert digest(f) == before


def test_newer_schema_is_refused_and_untouched(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "future.sqlite3"
    open_database(str(f)).dispose()
    conn = sqlite3.connect(f)
    conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    conn.commit()
    conn.close()
    before = digest(f)
    with pytest.raises(NewerSchemaError, match="newer CarePlan"):
        open_database(str(f))
    code, _, err = run_check(str(f), capsys)
    assert code == 2 and "9999_from_the_future" in err and schema.HEAD in err
    assert digest(f) == before


def test_locked_database_gives_a_clear_message(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREPLAN_BUSY_TIMEOUT_MS", "200")
    f = tmp_path / "locked.sqlite3"
    open_database(str(f)).dispose()
    holder = sqlite3.connect(f, isolation_level=None)
    holder.execute("PRAGMA journal_mode=DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("CREATE TABLE scratch (x)")
    try:
        code, _, err = run_check(str(f), capsys)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 2 and "locked by another program" in err


def test_unreachable_folder_gives_a_clear_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    code, _, err = run_check(str(blocker / "db.sqlite3"), capsys, create=True)
    assert code == 2 and "Cannot create the database" in err


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql+psycopg://user@host:notaport/db", "not valid"),
        ("mysql://root@localhost/x", "names 'mysql'"),
        ("sqlite://", "in-memory"),
    ],
)
def test_malformed_urls(url: str, expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_check(url, capsys)
    assert code == 2 and expected in err


def test_unreachable_server_gives_a_clear_message(capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # A password may come from the environment (never from --db: see test_output_targets).
    monkeypatch.setenv("CAREPLAN_DB_URL", "postgresql+psycopg://nobody:secret@127.0.0.1:9/none")
    code = main(["check"])
    err = capsys.readouterr().err
    assert code == 2 and "Cannot reach the database server" in err
    assert "secret" not in err


def test_cli_bad_database_as_a_subprocess(tmp_path: Path) -> None:
    f = tmp_path / "plain.txt"
    f.write_text("not a database")
    before = digest(f)
    r = subprocess.run([sys.executable, "-m", "careplan", "check", "--db", str(f)], capture_output=True, text=True,
                       env={**os.environ}, timeout=60)
    assert r.returncode == 2
    assert r.stderr.startswith("careplan: ") and len(r.stderr.strip().splitlines()) == 1
    assert digest(f) == before


def test_open_errors_are_user_facing() -> None:
    assert issubclass(DatabaseOpenError, Exception)
