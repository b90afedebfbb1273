"""Backups clean their partial files, SQLite's journal beside them included (issue 18): on failure at
once, and after a kill on the next run, which says what it removed."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from careplan.atomic_file import PARTIAL_SUFFIX
from careplan.cli import main
from careplan.domain.errors import CarePlanError

# Stops a backup dead in the middle of SQLite writing its copy: a write transaction is open on the
# partial file, so its -journal is on the disk, and os._exit skips every clean-up.
KILLED_MID_WRITE = """
import os, sqlite3, sys
import careplan.services.backup as backup
def killed(path):
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("CREATE TABLE half_written(x)")
    os._exit(137)
backup._single_file = killed
from careplan.cli import main
raise SystemExit(main(sys.argv[1:]))
"""


@pytest.fixture
def clinic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    db = tmp_path / "clinic.sqlite3"
    assert main(["demo", "--patients", "2", "--create", "--db", str(db)]) == 0
    capsys.readouterr()
    return db


def test_a_killed_backup_is_cleaned_on_the_next_run_which_says_so(
        clinic: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    dest = out / "b.sqlite3"
    r = subprocess.run([sys.executable, "-c", KILLED_MID_WRITE, "backup", str(dest), "--db", str(clinic)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 137
    left = sorted(p.name for p in out.iterdir())
    assert len(left) == 2 and left[0].endswith(PARTIAL_SUFFIX) and left[1] == f"{left[0]}-journal"
    assert main(["backup", str(dest), "--db", str(clinic)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert sorted(line.split("removed ")[1].split(",")[0] for line in err) == left
    assert all("interrupted command" in line for line in err)
    assert sorted(p.name for p in out.iterdir()) == ["b.sqlite3", "b.sqlite3.seal.json"]
    conn = sqlite3.connect(f"{dest.as_uri()}?mode=ro", uri=True)
    assert conn.execute("SELECT count(*) FROM patients").fetchone()[0] == 2
    conn.close()


def test_a_failed_backup_removes_its_partial_file_and_journal(
        clinic: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.mkdir()

    def fails_half_way(path: Path) -> None:
        Path(f"{path}-journal").write_bytes(b"half a transaction")
        raise CarePlanError("the disk went away")

    monkeypatch.setattr("careplan.services.backup._single_file", fails_half_way)
    assert main(["backup", str(out / "b.sqlite3"), "--db", str(clinic)]) == 2
    assert "the disk went away" in capsys.readouterr().err
    assert list(out.iterdir()) == []
