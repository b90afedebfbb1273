"""Revisions that arrive by import say so (issue 18): the audit event names the file (no folder), its
SHA-256, who imported and which revision numbers arrived; `history` shows and `--json` adds it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import pytest

from careplan.cli import main
from careplan.persistence.engine import Database, open_database
from careplan.services import audit
from careplan.services.exchange import export_to_file, import_file
from careplan.services.plans import save_revision
from careplan.services.provenance import imported_revisions
from tests.history_builders import make_patient, save_history

HISTORY_KEYS = {"revision", "created_at", "author", "reason", "items", "hash", "restored_from"}


def test_imported_revisions_name_their_file_and_importer(db: Database, db_url: str, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    source = open_database(str(tmp_path / "elsewhere" / "source.sqlite3"))
    try:
        patient = make_patient(source, "PROV-1")
        content = save_history(source, patient.id or 0, 2)
        first = tmp_path / "inbox" / "first.json"
        first.parent.mkdir()
        export_to_file(source, first, actor="Exporter")
        # A third revision written outside the target database: it reaches it only through the file.
        save_revision(source, patient.id or 0, base_revision=2, content=replace(content, goals=()),
                      author="Someone Else", reason="Written elsewhere")
        second = tmp_path / "inbox" / "second.json"
        export_to_file(source, second, actor="Exporter")
    finally:
        source.dispose()
    import_file(db, first, actor="Admin One")
    import_file(db, second, actor="Admin Two")
    target = db_url
    own = make_patient(db, "OWN-1")
    save_history(db, own.id or 0, 1)  # saved here: never marked

    assert main(["history", "PROV-1", "--json", "--db", target]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["revision"], r["imported_from"], r["imported_by"]) for r in rows] == [
        (1, "first.json", "Admin One"), (2, "first.json", "Admin One"), (3, "second.json", "Admin Two")]
    assert all(set(r) == HISTORY_KEYS | {"imported_from", "imported_by", "imported_at", "signatures"} for r in rows)
    assert main(["history", "OWN-1", "--json", "--db", target]) == 0
    (mine,) = json.loads(capsys.readouterr().out)
    assert (mine["imported_from"], mine["imported_by"], mine["imported_at"]) == (None, None, None)

    assert main(["history", "PROV-1", "--db", target]) == 0
    text = capsys.readouterr().out
    assert text.count("arrived by import from first.json on ") == 2 and " by Admin One" in text
    assert text.count("arrived by import from second.json on ") == 1 and " by Admin Two" in text
    assert "inbox" not in text  # file names only, never their folders

    events = [e for e in audit.list_events(db, mrn="PROV-1") if e.action == "data.imported"]
    by_file = {e.details["file"]: e.details for e in events}
    assert by_file["second.json"]["file_sha256"] == hashlib.sha256(second.read_bytes()).hexdigest()
    assert (by_file["second.json"]["first_revision"], by_file["second.json"]["last_revision"]) == (3, 3)
    assert (by_file["first.json"]["first_revision"], by_file["first.json"]["last_revision"]) == (1, 2)
    assert all("inbox" not in json.dumps(d) for d in by_file.values())


def test_an_import_that_adds_nothing_marks_nothing(db: Database, tmp_path: Path) -> None:
    patient = make_patient(db, "SAME-1")
    save_history(db, patient.id or 0, 2)
    out = tmp_path / "same.json"
    export_to_file(db, out, actor="Exporter")
    import_file(db, out, actor="Admin")
    assert imported_revisions(db, patient.id or 0) == {}
