"""`careplan settings`: the clinic details printed on page 1, stored in the database (app_meta)."""

from __future__ import annotations

import json
from pathlib import Path

import pymupdf
import pytest

from careplan.cli import main
from careplan.domain.clinic import CLINIC_FIELD_MAX, ClinicSettings
from careplan.domain.errors import CarePlanError
from careplan.persistence.engine import Database
from careplan.services.clinic_settings import load_clinic_settings, save_clinic_settings
from careplan.services.printing import export_plan_pdf
from tests.uib_fixtures import three_revisions


def test_settings_are_stored_changed_and_cleared(db: Database) -> None:
    assert load_clinic_settings(db) == ClinicSettings()
    save_clinic_settings(db, name="Hill <b>&</b> Clinic 😀", phone=" 020  7946 0100 ", out_of_hours="111")
    save_clinic_settings(db, address="1 Mill Lane\nNorthfield")  # others stay as they were
    assert load_clinic_settings(db) == ClinicSettings("Hill <b>&</b> Clinic 😀", "020 7946 0100", "111",
                                                      "1 Mill Lane Northfield")
    save_clinic_settings(db, out_of_hours="")
    assert load_clinic_settings(db).out_of_hours == ""


def test_bad_values_are_refused_and_nothing_changes(db: Database) -> None:
    save_clinic_settings(db, name="Hill Clinic")
    with pytest.raises(CarePlanError, match="clinic name is 201 characters"):
        save_clinic_settings(db, name="x" * (CLINIC_FIELD_MAX + 1), phone="123")
    with pytest.raises(CarePlanError, match="control characters"):
        save_clinic_settings(db, phone="12\x0034")
    with pytest.raises(CarePlanError, match="Unknown clinic setting"):
        save_clinic_settings(db, email="a@b")
    assert load_clinic_settings(db) == ClinicSettings(name="Hill Clinic")


def test_cli_sets_shows_json_and_the_printout_uses_it(db: Database, db_url: str, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    plan = three_revisions(db)
    assert main(["--db", db_url, "settings", "--clinic-name", "Hill Clinic", "--clinic-phone", "020 7946 0100",
                 "--out-of-hours", "0300 555 0199", "--address", "1 Mill Lane"]) == 0
    capsys.readouterr()
    assert main(["--db", db_url, "settings", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"name": "Hill Clinic", "phone": "020 7946 0100",
                                                   "out_of_hours": "0300 555 0199", "address": "1 Mill Lane",
                                                   "idle_lock_minutes": 10}  # the default idle lock
    assert main(["--db", db_url, "settings", "--clinic-name", "y" * 300]) == 2
    assert "300 characters" in capsys.readouterr().err
    result = export_plan_pdf(db, plan.patient_id, tmp_path / "p.pdf", actor="t")
    with pymupdf.open(str(result.path)) as doc:
        first = " ".join(doc[0].get_text().split())
    assert "Hill Clinic" in first and "020 7946 0100" in first and "0300 555 0199" in first
