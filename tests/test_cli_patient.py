"""`careplan patient ...`, `patients --json` status and `demo --remove`, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from careplan.cli import main
from careplan.persistence.engine import Database
from tests.history_fixtures import snapshot


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cli(db: Database, db_url: str, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    def call(*args: str) -> tuple[int, str, str]:
        return run([*args, "--db", db_url, "--author", "Nurse CLI"] if args[0] == "patient" else [*args, "--db", db_url],
                   capsys)
    return call


def test_add_discharge_reinstate_deceased_archive_and_list(cli, db: Database) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("patient", "add", "--mrn", "C-1", "--name", "Żółć Łukasz", "--born", "1961-02-03",
                         "--diagnosed", "2025-01-02", "--onset", "2024-10-01", "--onset-site", "bulbar", "--json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {"mrn": "C-1", "status": "active", "status_reason": None, "status_date": None}
    code, out, _ = cli("patient", "discharge", "C-1", "--reason", "transferred")
    assert code == 0 and out.startswith("Discharged C-1: Discharged on ") and "(transferred to another clinic)" in out
    assert cli("patient", "reinstate", "C-1")[0] == 0
    code, out, _ = cli("patient", "deceased", "C-1", "--date", "2026-03-04", "--json")
    assert json.loads(out)["status_date"] == "2026-03-04"
    assert cli("patient", "archive", "C-1")[0] == 0
    listed = json.loads(cli("patients", "--json", "--search", "zolc lukasz")[1])
    assert [(p["mrn"], p["status"]) for p in listed] == [("C-1", "archived")]
    assert {"mrn", "name", "plan_status", "revisions", "next_review", "review", "status"} <= set(listed[0])
    events = json.loads(cli("audit", "--json", "--mrn", "C-1")[1]) if _has_audit_command() else None
    if events is not None:
        assert [e["action"] for e in events][:4] == ["patient.archived", "patient.deceased", "patient.reinstated",
                                                     "patient.discharged"]


def _has_audit_command() -> bool:
    from careplan.cli import build_parser

    return "audit" in build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]


@pytest.mark.parametrize(("args", "words"), [
    (("patient", "discharge", "NOPE", "--reason", "moved"), "No patient has the MRN 'NOPE'"),
    (("patient", "reinstate", "NOPE"), "No patient has the MRN 'NOPE'"),
    (("patient", "reinstate", "C-2"), "C-2 is already active; nothing changed"),
    (("patient", "deceased", "C-2", "--date", "1959-12-31"), "before the date of birth 1960-01-01"),
    (("patient", "deceased", "C-2", "--date", (date.today() + timedelta(days=1)).isoformat()), "is in the future"),
    (("patient", "deceased", "C-2", "--date", "31/12/2025"), "'31/12/2025' is not a date; write it as YYYY-MM-DD"),
    (("patient", "add", "--mrn", "C-2", "--name", "Again", "--born", "1970-01-01"), "already has the MRN"),
    (("patient", "add", "--mrn", "C-3", "--name", "Soon", "--born", "2999-01-01"), "date of birth is in the future"),
])
def test_bad_input_is_one_line_exit_2_and_changes_nothing(cli, db: Database, args: tuple[str, ...],  # type: ignore[no-untyped-def]
                                                          words: str) -> None:
    assert cli("patient", "add", "--mrn", "C-2", "--name", "Anna", "--born", "1960-01-01")[0] == 0
    before = snapshot(db)
    code, out, err = cli(*args)
    assert code == 2 and out == ""
    assert err.startswith("careplan: ") and err.count("\n") == 1 and words in err, err
    assert snapshot(db) == before


def test_importing_new_revisions_for_a_deceased_patient_is_refused(cli, db: Database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # The CLI's one way to add revisions to an existing plan is import: it must obey the read-only plan.
    from careplan.persistence.engine import open_database
    from tests.history_builders import make_patient, save_history

    other = open_database(str(tmp_path / "other.sqlite3"))
    p = make_patient(other, "C-9")
    save_history(other, p.id or 0, 2)
    assert main(["export", "--out", str(tmp_path / "two.json"), "--db", str(tmp_path / "other.sqlite3")]) == 0
    from careplan.services.plans import load_plan, save_revision

    save_revision(other, p.id or 0, base_revision=2, content=load_plan(other, p.id or 0).content(), author="N",
                  reason="third")
    other.dispose()
    assert main(["export", "--out", str(tmp_path / "three.json"), "--db", str(tmp_path / "other.sqlite3")]) == 0
    assert cli("import", str(tmp_path / "two.json"))[0] == 0
    assert cli("patient", "deceased", "C-9", "--date", "2026-01-02")[0] == 0
    before = snapshot(db)
    code, _, err = cli("import", str(tmp_path / "three.json"))
    assert code == 2 and "Died on 2026-01-02: the plan is read-only. Reinstate to change it." in err, err
    assert snapshot(db) == before


def test_demo_remove_keeps_real_patients(cli, db: Database) -> None:  # type: ignore[no-untyped-def]
    assert cli("patient", "add", "--mrn", "REAL-1", "--name", "Real Person", "--born", "1950-05-05")[0] == 0
    code, out, _ = cli("demo", "--patients", "5", "--json")
    assert code == 0 and json.loads(out)["patients"] == 5
    code, out, _ = cli("demo", "--remove", "--json")
    assert code == 0 and json.loads(out)["patients"] == 5
    assert [p["mrn"] for p in json.loads(cli("patients", "--json")[1])] == ["REAL-1"]
    code, out, _ = cli("demo", "--remove")
    assert code == 0 and out.startswith("Removed 0 demo patients")
