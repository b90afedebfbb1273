"""`careplan export-fhir`: every resource parses under fhir.resources R4B; declined items say doNotPerform."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fhir.resources.R4B import get_fhir_model_class

from careplan.cli import main
from careplan.domain.plan import ItemStatus
from careplan.persistence.engine import Database
from careplan.services import catalogue, demo
from careplan.services.patients import search_patients
from careplan.services.plans import load_plan
from careplan.services.template_store import sync_templates
from careplan.services.templates import apply_template
from tests.history_builders import make_patient
from tests.history_fixtures import snapshot


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _parse_all(path: Path) -> dict[str, list[object]]:
    bundle = json.loads(path.read_text(encoding="utf-8"))
    get_fhir_model_class("Bundle").model_validate(bundle)
    by_type: dict[str, list[object]] = {}
    for entry in bundle["entry"]:
        model = get_fhir_model_class(entry["resource"]["resourceType"]).model_validate(entry["resource"])
        by_type.setdefault(entry["resource"]["resourceType"], []).append(model)
    return by_type


def test_every_demo_patient_exports_and_parses(db: Database, db_url: str, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    demo.generate_demo(db, patients=4, seed=3, mean_revisions=3)
    for row in search_patients(db, "", limit=100):
        out = tmp_path / f"{row.mrn}.json"
        code, printed, err = _cli(capsys, "export-fhir", row.mrn, "--out", str(out), "--json", "--db", db_url)
        assert (code, err) == (0, ""), err
        result = json.loads(printed)
        assert set(result) == {"file", "revision", "resources"}
        by_type = _parse_all(out)
        [plan] = by_type["CarePlan"]
        content = load_plan(db, row.id).latest.content  # type: ignore[union-attr]
        assert len(plan.activity or []) == len(content.items)  # type: ignore[attr-defined]
        declined = {i.catalogue_code for i in content.items if i.status is ItemStatus.DECLINED}
        flagged = {a.detail.code.coding[0].code for a in plan.activity or [] if a.detail.doNotPerform}  # type: ignore[attr-defined]
        assert flagged == declined
        assert len(by_type["Patient"]) == 1 and len(by_type["CareTeam"]) == 1


def test_markup_and_every_status_survive_and_parse(db: Database, tmp_path: Path, db_url: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    catalogue.sync_catalogue(db)
    sync_templates(db)  # starter plans live in the database (schema 0010_templates)
    p = make_patient(db, "F-1", "<b>Zoë</b> & \u05e9\u05dc\u05d5\u05dd 🙂")
    apply_template(db, p.id or 0, "newly_diagnosed", author="Nurse", reason="first visit")
    out = tmp_path / "f1.json"
    assert _cli(capsys, "export-fhir", "F-1", "--out", str(out), "--db", db_url)[0] == 0
    by_type = _parse_all(out)
    assert by_type["Patient"][0].name[0].text == "<b>Zoë</b> & \u05e9\u05dc\u05d5\u05dd 🙂"  # type: ignore[attr-defined]
    plan = by_type["CarePlan"][0]
    assert plan.description == "Template Newly diagnosed v1: first visit"  # type: ignore[attr-defined]
    assert {a.detail.code.coding[0].system for a in plan.activity} == {"urn:careplan:catalogue"}  # type: ignore[attr-defined]


@pytest.mark.parametrize(("args", "words"), [
    (("export-fhir", "NOPE", "--out", "{tmp}/x.json"), "No patient has the MRN 'NOPE'"),
    (("export-fhir", "F-2", "--out", "{tmp}/x.json"), "F-2 has no saved plan yet"),
    (("export-fhir", "F-3", "--out", "{tmp}/nowhere/x.json"), "does not exist"),
    (("fhir", "NOPE"), "No patient has the MRN 'NOPE'"),
    (("fhir", "NOPE", "--history", "--out", "{tmp}/x.json"), "No patient has the MRN 'NOPE'"),
    (("fhir", "F-2"), "F-2 has no saved plan yet"),
    (("fhir", "F-2", "--history", "--out", "{tmp}/x.json"), "F-2 has no saved plan yet"),
    (("fhir", "F-3", "--json"), "--json describes a written file"),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(db: Database, db_url: str, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str],
                                                          args: tuple[str, ...], words: str) -> None:
    catalogue.sync_catalogue(db)
    sync_templates(db)  # starter plans live in the database (schema 0010_templates)
    make_patient(db, "F-2")
    f3 = make_patient(db, "F-3")
    apply_template(db, f3.id or 0, "feeding_tube", author="Nurse", reason="weight down")
    folder = tmp_path / "out"
    folder.mkdir()
    before = snapshot(db)
    code, out, err = _cli(capsys, *(a.replace("{tmp}", str(folder)) for a in args), "--db", db_url)
    assert code == 2 and out == ""
    assert err.startswith("careplan: ") and err.count("\n") == 1 and words in err, err
    assert snapshot(db) == before and list(folder.iterdir()) == []


def test_the_database_file_is_never_overwritten(sqlite_url: str, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from careplan.persistence.engine import open_database

    db = open_database(sqlite_url)
    catalogue.sync_catalogue(db)
    sync_templates(db)  # starter plans live in the database (schema 0010_templates)
    p = make_patient(db, "F-4")
    apply_template(db, p.id or 0, "last_months", author="Nurse", reason="review")
    target = db.path
    assert target is not None
    before = snapshot(db)
    db.dispose()
    code, _, err = _cli(capsys, "export-fhir", "F-4", "--out", str(target), "--force", "--db", sqlite_url)
    assert code == 2 and "is the database CarePlan has open" in err
    again = open_database(sqlite_url)
    try:
        assert snapshot(again) == before
    finally:
        again.dispose()


def test_start_up_and_other_commands_never_import_the_fhir_library(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = ("import sys; from careplan.cli import main; main(['templates', '--db', sys.argv[1]]); "
            "import careplan.ui.main_window; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('fhir', 'pydantic')]; "
            "assert not bad, bad")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "db.sqlite3")], capture_output=True, text=True,
                          env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"}, check=False)
    assert done.returncode == 0, done.stderr
