"""The clinician summary PDF, read back: course table, rules, charts' titles, plan and changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from careplan.cli import main
from careplan.domain.course import Assessment, parse_alsfrs
from careplan.persistence.engine import Database
from careplan.services import audit
from careplan.services.course import add_assessment
from careplan.services.patients import update_patient
from tests.history_builders import make_patient, save_history
from tests.test_printing_service import flat, pdf_text


def test_summary_pdf_holds_the_course_the_plan_and_what_changed(sqlite_db: Database, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    p = make_patient(sqlite_db, "SUM-1", name="Zoë <b>O'Brien</b> & שלום")
    p = update_patient(sqlite_db, replace(p, onset_date=date(2025, 1, 1), usual_weight_kg=70.0, height_cm=175.0),
                       actor="t")
    save_history(sqlite_db, p.id or 0, revisions=2)
    for day, scores, fvc in ((date(2026, 1, 1), "4,4,4,4,4a,4,4,3,4,4,4,4", 80),
                             (date(2026, 4, 1), "3,4,4,3,3b,4,4,3,4,4,3,4", 48)):
        add_assessment(sqlite_db, p.id or 0, Assessment(day, "Nurse <i>A</i>", alsfrs=parse_alsfrs(scores),
                                                        fvc_pct=fvc, weight_kg=62.0))
    out = tmp_path / "summary.pdf"
    assert main(["export-summary", "SUM-1", "--out", str(out), "--db", str(sqlite_db.path), "--author", "Dr B"]) == 0
    assert "Wrote the clinician summary of SUM-1" in capsys.readouterr().out
    text = flat(pdf_text(out))
    assert "Clinician summary: Zoë <b>O'Brien</b> &" in text  # markup printed as typed, never bold
    assert "2026-04-01 Nurse <i>A</i>" in text and "King's 4A (estimated)" in text
    assert "ΔFS = (48 - 43)" in text and "Stage 4A" in text
    for title in ("ALSFRS-R total (0-48)", "ALSFRS-R domains", "FVC, % predicted", "Weight, kg"):
        assert title in text
    assert "Current plan: revision 2" in text and "What changed since the previous revision" in text
    assert "Changed:" in text
    event = audit.list_events(sqlite_db, mrn="SUM-1", limit=1)[0]
    assert (event.action, event.actor, event.details["file"]) == ("pdf.exported", "Dr B", "summary.pdf")


def test_summary_of_a_patient_without_course_or_plan_says_so(sqlite_db: Database, tmp_path: Path) -> None:
    make_patient(sqlite_db, "SUM-2")
    out = tmp_path / "empty.pdf"
    assert main(["export-summary", "SUM-2", "--out", str(out), "--db", str(sqlite_db.path)]) == 0
    text = flat(pdf_text(out))
    assert "No assessments recorded yet" in text and "No plan has been saved yet." in text


def test_summary_into_a_missing_folder_names_it(sqlite_db: Database, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    make_patient(sqlite_db, "SUM-3")
    code = main(["export-summary", "SUM-3", "--out", str(tmp_path / "nope" / "s.pdf"), "--db", str(sqlite_db.path)])
    assert code == 2 and "does not exist" in capsys.readouterr().err
    assert not list(tmp_path.rglob("*.pdf"))
