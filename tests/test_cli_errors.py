"""How the `careplan` command answers errors: one line on stderr and exit status 2, a traceback
only with --debug, and never a patient's name from an error's message."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from careplan.cli import main

NAME = "Margaret O'Brien"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def demo_db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    db = str(tmp_path / "a.sqlite3")
    assert run(["demo", "--patients", "3", "--create", "--db", db], capsys)[0] == 0
    return db


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("careplan: ")
    return lines[0]


def test_a_database_damaged_past_its_schema_gives_one_line_and_status_2(tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite3"
    careplan = [sys.executable, "-m", "careplan"]
    made = subprocess.run([*careplan, "demo", "--patients", "3", "--create", "--db", str(db)], capture_output=True, timeout=120)
    assert made.returncode == 0 and not Path(f"{db}-wal").exists()
    with open(db, "r+b") as f:  # the later half, where the revisions are: the database still opens
        start = db.stat().st_size // 2 // 4096 * 4096
        f.seek(start)
        f.write(b"\xff" * (db.stat().st_size - start))
    cmd = ["export", "--out", str(tmp_path / "x.json"), "--db", str(db)]
    r = subprocess.run([*careplan, *cmd], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    # Refused when opening (persistence/sqlite_file.py), the same sentence every command gives.
    assert "is damaged (database disk image is malformed)" in one_line(r.stderr)
    assert "Traceback" not in r.stderr and r.stdout == ""
    for debug in (["--debug", *cmd], [*cmd, "--debug"]):
        r = subprocess.run([*careplan, *debug], capture_output=True, text=True, timeout=120)
        assert r.returncode == 2 and "is damaged" in one_line(r.stderr)
    assert not (tmp_path / "x.json").exists()


def test_an_unexpected_error_in_a_command_is_one_line_without_its_message(
        demo_db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"cannot list {NAME}")

    monkeypatch.setattr("careplan.services.patients.search_patients", broken)
    code, out, err = run(["patients", "--db", demo_db], capsys)
    line = one_line(err)
    assert code == 2 and out == ""
    assert "RuntimeError" in line and "careplan/cli/core_commands.py:" in line
    assert NAME not in err and "cannot list" not in err
    code, _, err = run(["--debug", "patients", "--db", demo_db], capsys)
    assert code == 2 and "Traceback" in err and f"RuntimeError: cannot list {NAME}" in err


@pytest.mark.parametrize(("driver_error", "shown"), [
    (sqlite3.IntegrityError("UNIQUE constraint failed: patients.mrn"), "UNIQUE constraint failed: patients.mrn"),
    (ValueError(f"Key (full_name)=({NAME}) already exists"), "(ValueError)"),
])
def test_a_database_error_never_shows_the_row_it_was_writing(
        demo_db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        driver_error: Exception, shown: str) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise IntegrityError("INSERT INTO patients (full_name) VALUES (?)", (NAME,), driver_error)

    monkeypatch.setattr("careplan.services.patients.search_patients", broken)
    code, _, err = run(["patients", "--db", demo_db], capsys)
    assert code == 2 and shown in one_line(err) and NAME not in err


def test_known_errors_keep_their_own_message(demo_db: str, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run(["history", "NOPE", "--db", demo_db], capsys)
    assert code == 2 and "NOPE" in one_line(err) and "--debug" not in err
    code, _, err = run(["export-pdf", "NOPE", "--db", demo_db, "--out", "/nonexistent/x.pdf"], capsys)
    assert code == 2 and "unexpected" not in one_line(err)


def test_a_database_that_cannot_be_reached_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable(*args: object, **kwargs: object) -> None:
        raise OperationalError("SELECT 1", {}, sqlite3.OperationalError("disk I/O error"))

    monkeypatch.setattr("careplan.services.check.check_database", unreachable)
    code, _, err = run(["check", "--create", "--db", str(tmp_path / "b.sqlite3")], capsys)
    assert code == 2 and "disk I/O error" in one_line(err)


def test_help_mentions_debug(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "--debug" in capsys.readouterr().out
