"""Access is recorded (issue 16 part 5): opening a patient in the app, printing and exporting are
audit events naming who, when and which patient (id and MRN, never the name); admins list them
with `careplan audit --access` or the audit window's "Access only"; no log file names a patient."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from careplan.cli import main
from careplan.persistence.engine import Database
from careplan.services import audit
from careplan.services.access import ACCESS_ACTIONS
from careplan.ui.audit_window import AuditWindow

pytest.register_assert_rewrite("tests.ui_fixtures")
from tests.history_builders import save_history  # noqa: E402
from tests.ui_fixtures import new_patient, settle  # noqa: E402

pytest_plugins = ["tests.ui_fixtures"]
NAME = "Zebedee Quuxworth-Ŝecret"


def _access(db: Database) -> list[audit.AuditEvent]:
    return audit.list_events(db, actions=ACCESS_ACTIONS)


def test_opening_a_patient_is_recorded_and_the_audit_window_filters_access(qtbot, make_window, ui_db: Database,
                                                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    p = new_patient(ui_db, mrn="ACC-1", name=NAME)
    save_history(ui_db, p.id, revisions=1)
    window = make_window()
    window.open_patient(p.id)
    qtbot.waitUntil(lambda: any(e.action == "patient.opened" for e in _access(ui_db)), timeout=10_000)
    opened = [e for e in _access(ui_db) if e.action == "patient.opened"]
    assert [(e.actor, e.mrn, e.entity_key, e.details) for e in opened] == [("Nurse Test", "ACC-1", "ACC-1", {})]
    settle(qtbot)
    dialog = AuditWindow(ui_db, window)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.model.rowCount() > 0)
    everything = {e.action for e in dialog.model.events}
    assert {"patient.created", "plan.saved", "patient.opened"} <= everything
    dialog.access_only.setChecked(True)
    qtbot.waitUntil(lambda: {e.action for e in dialog.model.events} == {"patient.opened"})
    assert "Record opened" in dialog.model.data(dialog.model.index(0, 5))
    dialog.clear_filters()
    qtbot.waitUntil(lambda: {e.action for e in dialog.model.events} == everything)
    assert not dialog.access_only.isChecked()
    assert NAME not in caplog.text


def test_printing_and_exporting_are_listed_by_audit_access(sqlite_db: Database, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str],
                                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    p = new_patient(sqlite_db, mrn="ACC-2", name=NAME)
    save_history(sqlite_db, p.id, revisions=2)
    db = ["--db", str(sqlite_db.path)]
    for argv in (["export-pdf", "ACC-2", "--out", str(tmp_path / "a.pdf")],
                 ["export-summary", "ACC-2", "--out", str(tmp_path / "b.pdf")],
                 ["export", "ACC-2", "--out", str(tmp_path / "c.json")],
                 ["export-fhir", "ACC-2", "--out", str(tmp_path / "d.json")],
                 ["sign", "ACC-2", "2", "--meaning", "approved", "--as", "Dr Sign"],
                 ["check"]):
        assert main([*argv, "--author", "Dr Who", *db] if argv[0].startswith("export") else [*argv, *db]) == 0, argv
    capsys.readouterr()
    assert main(["audit", "--access", "--json", *db]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert sorted(r["action"] for r in rows) == ["data.exported", "data.exported", "pdf.exported", "pdf.exported"]
    assert {r["actor"] for r in rows} == {"Dr Who"} and {r["mrn"] for r in rows} == {"ACC-2"}
    assert all(NAME not in json.dumps(r, ensure_ascii=False) for r in rows), "never the patient's name"
    assert main(["audit", "--mrn", "ACC-2", *db]) == 0
    listed = capsys.readouterr().out
    assert "Plan revision signed" in listed and "Plan saved" in listed
    assert main(["audit", "--access", "--mrn", "NOBODY", *db]) == 0
    assert "No access recorded." in capsys.readouterr().out
    assert NAME not in caplog.text and "Zebedee" not in caplog.text


def test_audit_refuses_bad_options(sqlite_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    db = ["--db", str(sqlite_db.path)]
    assert main(["audit", "--limit", "0", *db]) == 2
    assert "--limit" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["audit", "--since", "2026-13-45", *db])
    assert "not a date" in capsys.readouterr().err
