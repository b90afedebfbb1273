"""The ALS course through the services and the CLI, on SQLite and PostgreSQL: assessments are
append-only, corrections supersede, bad input saves nothing, and the JSON shape is a contract."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from careplan.cli import main
from careplan.domain.course import Assessment, parse_alsfrs
from careplan.domain.errors import ValidationError
from careplan.persistence.engine import Database
from careplan.services import audit
from careplan.services.check import check_database
from careplan.services.course import AlreadyCorrectedError, add_assessment, get_course, history
from careplan.services.demo import generate_demo
from careplan.services.patients import get_patient, update_patient
from tests.history_builders import make_patient
from tests.history_fixtures import digest, second_db_fixture  # noqa: F401 (a fixture)

TODAY = date.today()
ISSUE_KEYS = {"date", "author", "alsfrs", "fvc_pct", "snip_cmh2o", "weight_kg", "bmi", "weight_change_pct",
              "kings", "mitos", "delta_fs"}


def url(db: Database) -> str:
    return str(db.path) if db.path else db.engine.url.render_as_string(hide_password=False)


def with_course_facts(db: Database, mrn: str) -> int:
    p = make_patient(db, mrn)
    update_patient(db, replace(p, onset_date=date(2025, 1, 1), usual_weight_kg=70.0, height_cm=175.0), actor="t")
    return p.id or 0


def run(db: Database, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main([*args, "--db", url(db)])
    out, err = capsys.readouterr()
    return code, out, err


def test_assess_and_course_json_has_the_issue_shape(db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    with_course_facts(db, "MRN-1")
    code, _, err = run(db, capsys, "assess", "MRN-1", "--date", "2026-01-01", "--alsfrs", "4,4,4,4,4a,4,4,3,4,4,4,4",
                       "--fvc", "82", "--snip", "55", "--weight", "63", "--niv", "offered", "--author", "Nurse Ada")
    assert code == 0, err
    code, out, _ = run(db, capsys, "course", "MRN-1", "--json")
    doc = json.loads(out)
    assert doc["onset_date"] == "2025-01-01"
    [a] = doc["assessments"]
    assert a.keys() >= ISSUE_KEYS
    assert a["alsfrs"].keys() >= {"items", "total", "bulbar", "fine_motor", "gross_motor", "respiratory"}
    assert a["kings"].keys() >= {"stage", "nutritional_failure", "respiratory_failure", "source", "reason"}
    assert (a["date"], a["author"], a["alsfrs"]["total"], a["alsfrs"]["gross_motor"]) == ("2026-01-01", "Nurse Ada", 47, 11)
    assert a["alsfrs"]["items"][4] == 4 and a["alsfrs"]["item_5"] == "5a"
    assert (a["kings"]["stage"], a["mitos"], a["delta_fs"]) == ("1", 0, 0.08)  # 1 / (365 / 30.4375)
    assert (a["fvc_pct"], a["snip_cmh2o"], a["weight_kg"], a["bmi"], a["weight_change_pct"]) == (82, 55, 63, 20.6, -10.0)
    assert a["niv"] == "offered" and "ΔFS = (48 - 47)" in a["rules"]["delta_fs"]


def test_not_estimable_and_missing_parts_say_why(db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    make_patient(db, "MRN-2")  # no onset, weight or height
    assert run(db, capsys, "assess", "MRN-2", "--alsfrs", "4,4,4,4,4a,4,4,4,4,4,4,4", "--weight", "60")[0] == 0
    assert run(db, capsys, "assess", "MRN-2", "--fvc", "45")[0] == 0
    doc = json.loads(run(db, capsys, "course", "MRN-2", "--json")[1])
    first, second = doc["assessments"]
    assert first["kings"]["stage"] is None and "no region" in first["kings"]["reason"]
    assert first["delta_fs"] is None and "onset date is not recorded" in first["rules"]["delta_fs"]
    assert first["bmi"] is None and "height" in first["rules"]["bmi"]
    assert second["alsfrs"] is None and second["mitos"] is None and "No ALSFRS-R" in second["kings"]["reason"]


BAD = [
    (["--alsfrs", "4,4,4,4,4a,4,4,3,4,4,4"], "alsfrs: ALSFRS-R needs 12 scores"),
    (["--alsfrs", "4,4,4,4,4a,4,4,3,4,4,4,4,4"], "got 13"),
    (["--alsfrs", "4,4,4,4,4a,4,4,5,4,4,4,4"], "item 8 (walking) is '5'"),
    (["--alsfrs", "4,4,4,4,4c,4,4,3,4,4,4,4"], "item 5 (cutting food"),
    (["--date", "1950-01-01", "--weight", "60"], "date: The assessment date 1950-01-01 is before the date of birth"),
    (["--date", (TODAY + timedelta(days=1)).isoformat(), "--weight", "60"], "is in the future"),
    (["--date", "yesterday", "--weight", "60"], "date: 'yesterday' is not a date"),
    (["--fvc", "0"], "fvc_pct: FVC (% predicted) is 0"),
    (["--fvc", "300"], "fvc_pct: FVC (% predicted) is 300"),
    (["--weight", "-70"], "weight_kg: The weight (kg) is -70"),
    (["--weight", "seventy"], "weight_kg: The weight (kg) is 'seventy'"),
    ([], "Nothing was entered"),
]


@pytest.mark.parametrize(("args", "message"), BAD)
def test_bad_input_names_the_field_and_saves_nothing(db: Database, capsys: pytest.CaptureFixture[str],
                                                     args: list[str], message: str) -> None:
    make_patient(db, "MRN-3")
    before = digest(db)
    code, out, err = run(db, capsys, "assess", "MRN-3", *args)
    assert code == 2 and message in err and err.count("\n") == 1
    assert digest(db) == before


def test_a_correction_supersedes_and_history_keeps_both(db: Database) -> None:
    pid = with_course_facts(db, "MRN-4")
    first = add_assessment(db, pid, Assessment(date(2026, 2, 1), "Nurse A", alsfrs=parse_alsfrs("4,4,4,4,4a,4,4,3,4,4,4,4")))
    fixed = add_assessment(db, pid, replace(first, id=None, supersedes=first.id, author="Nurse B", reason="typo",
                                            alsfrs=parse_alsfrs("3,4,4,4,4a,4,4,3,4,4,4,4")))
    course = get_course(db, pid)
    assert [e.assessment.id for e in course.entries] == [fixed.id]
    assert course.entries[0].kings.stage == "2"
    assert [a.id for a in history(db, pid)] == [first.id, fixed.id]
    with pytest.raises(AlreadyCorrectedError, match=f"already corrected by assessment {fixed.id}"):
        add_assessment(db, pid, replace(first, id=None, supersedes=first.id))
    other = make_patient(db, "MRN-5")
    with pytest.raises(ValidationError, match="no assessment"):
        add_assessment(db, other.id or 0, replace(first, id=None, supersedes=first.id))
    actions = [(e.action, e.actor) for e in audit.list_events(db, mrn="MRN-4") if e.action.startswith("course.")]
    assert actions == [("course.corrected", "Nurse B"), ("course.assessed", "Nurse A")]


def test_the_database_refuses_to_edit_an_assessment(db: Database) -> None:
    pid = with_course_facts(db, "MRN-6")
    add_assessment(db, pid, Assessment(date(2026, 2, 1), "Nurse A", weight_kg=60))
    for statement in ("UPDATE assessments SET weight_kg = 61", "DELETE FROM assessments"):
        with pytest.raises(Exception, match="append-only"), db.engine.begin() as c:
            c.execute(text(statement))


def test_course_cli_text_and_correction_keeps_other_values(db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    with_course_facts(db, "MRN-7")
    run(db, capsys, "assess", "MRN-7", "--date", "2026-03-01", "--alsfrs", "4,4,4,4,4a,4,4,3,4,4,4,4", "--fvc", "70")
    code, out, err = run(db, capsys, "assess", "MRN-7", "--corrects", "1", "--fvc", "72", "--reason", "re-read")
    assert code == 0, err
    doc = json.loads(run(db, capsys, "course", "MRN-7", "--json")[1])
    [a] = doc["assessments"]
    assert (a["supersedes"], a["fvc_pct"], a["alsfrs"]["total"], a["date"]) == (1, 72, 47, "2026-03-01")
    code, out, _ = run(db, capsys, "course", "MRN-7")
    assert "ALSFRS-R 47" in out and "FVC 72%" in out and "1 assessment(s)" in out


def test_patient_course_facts_are_validated(db: Database) -> None:
    p = make_patient(db, "MRN-8")
    for changes, field in [({"onset_date": TODAY + timedelta(days=3)}, "onset_date"),
                           ({"onset_date": date(1950, 1, 1)}, "onset_date"),
                           ({"onset_date": date(2025, 6, 1), "diagnosis_date": date(2025, 1, 1)}, "onset_date"),
                           ({"usual_weight_kg": -1.0}, "usual_weight_kg"), ({"height_cm": 400.0}, "height_cm")]:
        with pytest.raises(ValidationError) as e:
            update_patient(db, replace(p, **changes), actor="t")  # type: ignore[arg-type]
        assert e.value.for_field(field), changes
    saved = update_patient(db, replace(p, onset_date=date(2024, 5, 1), usual_weight_kg=71.5, height_cm=168.0), actor="t")
    assert (saved.onset_date, saved.usual_weight_kg, saved.height_cm) == (date(2024, 5, 1), 71.5, 168.0)
    event = audit.list_events(db, mrn="MRN-8", limit=1)[0]
    assert set(event.details["fields"]) == {"onset_date", "usual_weight_kg", "height_cm"}


def test_demo_courses_decline_plausibly_and_pass_check(db: Database) -> None:
    generate_demo(db, patients=12, seed=3)
    report = check_database(db)
    assert report.ok, report.problems
    rates = []
    for pid in range(1, 13):
        course = get_course(db, get_patient(db, pid).id or 0)
        totals = [e.scores.total for e in course.entries if e.scores]
        assert len(totals) >= 2 and totals == sorted(totals, reverse=True), totals
        assert all(e.delta_fs.value is not None for e in course.entries)
        rates.append(course.entries[-1].delta_fs.value or 0)
    assert report.assessments_checked >= 24
    assert max(rates) > 2 * min(rates), "rates should vary between patients"


def test_check_names_a_tampered_assessment(sqlite_db: Database) -> None:
    pid = with_course_facts(sqlite_db, "MRN-9")
    add_assessment(sqlite_db, pid, Assessment(date(2026, 2, 1), "Nurse A", alsfrs=parse_alsfrs("4,4,4,4,4a,4,4,3,4,4,4,4")))
    add_assessment(sqlite_db, pid, Assessment(date(2026, 2, 2), "Nurse A", fvc_pct=60))
    with sqlite_db.engine.begin() as c:
        c.execute(text("DROP TRIGGER assessments_no_update"))
        c.execute(text("UPDATE assessments SET fvc_pct = 600 WHERE id = 2"))
        c.execute(text("UPDATE assessments SET supersedes = 2 WHERE id = 1"))
    problems = check_database(sqlite_db).problems
    assert any("Assessment 2" in p and "fvc_pct" in p for p in problems), problems
    assert any("Assessment 1" in p and "not an earlier one" in p for p in problems), problems
    assert any("assessments_no_update" in p for p in problems), problems


def test_export_import_round_trip_with_assessments(db: Database, second_db: Database, tmp_path: Path) -> None:
    from careplan.services.exchange import build_export, export_to_file, import_file

    pid = with_course_facts(db, "MRN-10")
    first = add_assessment(db, pid, Assessment(date(2026, 2, 1), "Nurse <b>A</b> & co", fvc_pct=60, weight_kg=65.5))
    add_assessment(db, pid, replace(first, id=None, supersedes=first.id, fvc_pct=62, reason="שלום"))
    out = tmp_path / "e.json"
    export_to_file(db, out, actor="t")
    summary = import_file(second_db, out, actor="t")
    assert summary.assessments_added == 2
    mine, theirs = build_export(db), build_export(second_db)
    assert mine["patients"] == theirs["patients"] and theirs["patients"][0]["usual_weight_kg"] == 70.0
    assert import_file(second_db, out, actor="t").assessments_added == 0
    assert [e.assessment.fvc_pct for e in get_course(second_db, 1).entries] == [62]


def test_import_refuses_a_bad_assessment_naming_its_path(db: Database, tmp_path: Path) -> None:
    from careplan.services.exchange import build_export, export_text, import_file
    from careplan.services.export_file import ImportFileError

    pid = with_course_facts(db, "MRN-11")
    add_assessment(db, pid, Assessment(date(2026, 2, 1), "Nurse A", alsfrs=parse_alsfrs("4,4,4,4,4a,4,4,3,4,4,4,4")))
    doc = build_export(db)
    doc["patients"][0]["mrn"] = "MRN-NEW"
    doc["patients"][0]["assessments"][0]["alsfrs"] = "4,4,4,4,4c,4,4,3,4,4,4,4"
    bad = tmp_path / "bad.json"
    bad.write_text(export_text(doc), encoding="utf-8")
    before = digest(db)
    with pytest.raises(ImportFileError, match=r"\$\.patients\[0\]\.assessments\[0\]\.alsfrs: .*item 5"):
        import_file(db, bad, actor="t")
    assert digest(db) == before


def test_restore_refuses_to_drop_assessments_the_backup_lacks(tmp_path: Path) -> None:
    from careplan.persistence.engine import open_database
    from careplan.services.backup import RestoreRefusedError, backup_database, restore_database

    live = tmp_path / "live.sqlite3"
    db = open_database(str(live))
    pid = with_course_facts(db, "MRN-12")
    backup_database(db, tmp_path / "b.sqlite3", actor="t")
    add_assessment(db, pid, Assessment(date(2026, 2, 1), "Nurse A", weight_kg=60))
    db.dispose()
    with pytest.raises(RestoreRefusedError, match="1 assessment of the ALS course"):
        restore_database(live, tmp_path / "b.sqlite3", actor="t")
