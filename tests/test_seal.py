"""`careplan check --seal FILE` and `--against FILE`, and the seal every backup writes beside itself."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path

import pytest

from careplan.cli import main
from careplan.persistence.engine import Database
from careplan.services.backup import backup_database
from careplan.services.check import check_database, seal_path
from careplan.services.seal import read_seal
from tests.history_builders import make_patient, save_history
from tests.history_fixtures import hostile_patient, tamper_sqlite


def _history(db: Database) -> None:
    for mrn in ("MRN-A", "MRN-B"):
        save_history(db, make_patient(db, mrn).id or 0, revisions=3)
    hostile_patient(db)


def test_a_seal_is_private_small_names_nobody_and_vouches_for_the_database(
        db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _history(db)
    url = str(db.path) if db.is_sqlite else db.url.render_as_string(hide_password=False)
    seal = tmp_path / "seal.json"
    assert main(["check", "--db", url, "--seal", str(seal)]) == 0
    out = capsys.readouterr().out
    doc = json.loads(seal.read_text(encoding="utf-8"))
    assert stat.S_IMODE(seal.stat().st_mode) == 0o600
    assert out.startswith("ok\n") and f"digest {doc['digest']}" in out
    assert (doc["format"], doc["version"], len(doc["plans"])) == ("careplan-seal", 1, 3)
    assert doc["audit"]["last_id"] is not None and doc["audit"]["legacy_rows"] == 0
    text = seal.read_text(encoding="utf-8")
    assert "MRN-" not in text and "HOSTILE" not in text and "Łukasz" not in text, "a seal names no patient"

    later = make_patient(db, "MRN-LATER").id or 0  # appending after the seal is what history does
    save_history(db, later, revisions=2)
    assert main(["check", "--db", url, "--against", str(seal), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["problems"] == [] and report["against"]["digest"] == doc["digest"]
    assert {"ok", "schema_version", "revisions_checked", "problems", "audit_events_checked"} <= set(report)


def test_a_seal_is_never_written_over_a_file_or_for_a_database_with_problems(
        sqlite_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _history(sqlite_db)
    taken = tmp_path / "taken.json"
    taken.write_text("keep me", encoding="utf-8")
    assert main(["check", "--db", str(sqlite_db.path), "--seal", str(taken)]) == 2
    assert "already exists" in capsys.readouterr().err and taken.read_text(encoding="utf-8") == "keep me"
    assert sqlite_db.path is not None
    sqlite_db.dispose()
    tamper_sqlite(sqlite_db.path, "UPDATE plans SET next_review = '2099-01-01'")
    fresh = tmp_path / "fresh.json"
    assert main(["check", "--db", str(sqlite_db.path), "--seal", str(fresh), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["seal"] is None and not fresh.exists()


@pytest.mark.parametrize(("edit", "message"), [
    (lambda doc: doc["plans"].update({k: {**v, "hash": "0" * 64} for k, v in doc["plans"].items()}),
     "was changed after it was written"),
    (lambda doc: doc.update({"format": "something else"}), "is not a CarePlan seal"),
    (lambda doc: doc.update({"version": 9}), "this CarePlan reads version 1"),
    (lambda doc: doc.pop("plans"), "is a damaged seal"),
])
def test_an_edited_or_foreign_seal_is_refused_in_one_line(sqlite_db: Database, tmp_path: Path, edit: object,
                                                          message: str, capsys: pytest.CaptureFixture[str]) -> None:
    _history(sqlite_db)
    seal = tmp_path / "seal.json"
    assert main(["check", "--db", str(sqlite_db.path), "--seal", str(seal)]) == 0
    doc = json.loads(seal.read_text(encoding="utf-8"))
    edit(doc)  # type: ignore[operator]
    seal.write_text(json.dumps(doc), encoding="utf-8")
    capsys.readouterr()
    assert main(["check", "--db", str(sqlite_db.path), "--against", str(seal)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("content", [b"", b"\x00\xff not json", b"[1, 2]"])
def test_a_file_that_is_not_a_seal_is_refused(sqlite_db: Database, tmp_path: Path, content: bytes,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    assert main(["check", "--db", str(sqlite_db.path), "--against", str(bad)]) == 2
    assert "not a CarePlan seal" in capsys.readouterr().err


def test_every_backup_carries_a_seal_of_what_it_holds(sqlite_db: Database, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    _history(sqlite_db)
    backup = tmp_path / "monday.sqlite3"
    backup_database(sqlite_db, backup, actor="tester")
    seal = seal_path(backup)
    assert seal.name == "monday.sqlite3.seal.json" and stat.S_IMODE(seal.stat().st_mode) == 0o600
    assert not Path(f"{backup}-wal").exists(), "sealing left no write-ahead log beside the backup"
    conn = sqlite3.connect(f"{backup.as_uri()}?mode=ro", uri=True)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete", "the seal read the backup read-only"
    conn.close()
    sealed = json.loads(seal.read_text(encoding="utf-8"))
    assert len(sealed["plans"]) == 3
    # The live database moves on (the backup itself is audited), and still answers to the backup's seal.
    save_history(sqlite_db, make_patient(sqlite_db, "MRN-NEW").id or 0, revisions=1)
    report = check_database(sqlite_db, against=read_seal(seal))
    assert report.ok, report.problems
    assert main(["check", "--db", str(backup), "--against", str(seal)]) == 0
