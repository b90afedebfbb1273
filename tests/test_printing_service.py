"""The printout service and `careplan export-pdf`, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pymupdf
import pytest

from careplan.cli import main
from careplan.domain.errors import CarePlanError
from careplan.persistence.engine import Database
from careplan.services import audit
from careplan.services.output_target import OutputRefusedError
from careplan.services.printing import default_pdf_name, export_plan_pdf, printable_plan
from tests.uib_fixtures import PATIENT_NAME, add_patient, three_revisions


def pdf_text(path: Path) -> str:
    with pymupdf.open(str(path)) as doc:
        return "\n".join(page.get_text() for page in doc)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_default_name_is_safe_for_any_file_system() -> None:
    assert default_pdf_name("UIB-001", 3) == "careplan-UIB-001-r3.pdf"
    # Cleaning a name adds a short hash of the exact MRN, so A/B and A_B never share a file.
    assert default_pdf_name("A/B\\C:D*?", 12).startswith("careplan-A_B_C_D-")
    assert default_pdf_name("A/B", 1) != default_pdf_name("A_B", 1) == "careplan-A_B-r1.pdf"
    assert default_pdf_name("../..", 1).startswith("careplan-patient-")


def test_export_latest_revision_reads_back_and_is_logged(db: Database, tmp_path: Path) -> None:
    plan = three_revisions(db)
    out = tmp_path / "latest.pdf"
    seen: list[int] = []
    result = export_plan_pdf(db, plan.patient_id, out, actor="Nurse Print", progress=seen.append)
    assert result.path == out and out.is_file() and result.pages >= 1
    assert seen[0] == 0 and seen[-1] == 100
    text = flat(pdf_text(out))
    assert PATIENT_NAME in text  # markup typed into a name prints literally
    assert "revision 3" in text
    assert "Sleep better" in text
    event = audit.list_events(db, mrn=plan.mrn, limit=1)[0]
    assert (event.action, event.actor, event.revision) == ("pdf.exported", "Nurse Print", 3)
    assert event.details["file"] == "latest.pdf"  # the name only: folders can name people
    assert str(tmp_path) not in str(event.details) and "Marta" not in str(event.details)
    assert event.details["pages"] == result.pages


def test_export_older_revision_large_print_on_letter(db: Database, tmp_path: Path) -> None:
    plan = three_revisions(db)
    small = export_plan_pdf(db, plan.patient_id, tmp_path / "r1.pdf", revision=1, actor="t")
    large = export_plan_pdf(db, plan.patient_id, tmp_path / "r1-large.pdf", revision=1, actor="t",
                            large_print=True, paper="Letter")
    text = flat(pdf_text(small.path))
    assert "revision 1" in text and "Sleep better" not in text
    with pymupdf.open(str(large.path)) as doc:
        assert (round(doc[0].rect.width), round(doc[0].rect.height)) == (612, 792)
    with pymupdf.open(str(small.path)) as doc:
        assert (round(doc[0].rect.width), round(doc[0].rect.height)) == (595, 842)
    # Page 1 "At a glance" takes the same page in both sizes, so a small plan can match page for page.
    assert large.pages >= small.pages
    # Revision 1 was replaced by revision 2: every page of the old copy says so.
    with pymupdf.open(str(small.path)) as doc:
        assert all("OLD COPY: replaced by revision 2 on" in flat(p.get_text()) for p in doc)


def test_changes_since_previous_revision_are_included(db: Database) -> None:
    plan = three_revisions(db)
    assert printable_plan(db, plan.patient_id, 1).changes is None
    changes = printable_plan(db, plan.patient_id, 2).changes
    assert changes is not None
    assert [i.title for i in changes.added] == ["Treatment 004"]
    assert [i.title for i in changes.removed] == ["Treatment 003"]


@pytest.mark.parametrize("revision, words", [(0, "numbered 1 to 3"), (4, "no revision 4"), (-2, "no revision -2")])
def test_missing_revisions_are_refused_clearly(db: Database, tmp_path: Path, revision: int, words: str) -> None:
    plan = three_revisions(db)
    with pytest.raises(CarePlanError, match=words):
        export_plan_pdf(db, plan.patient_id, tmp_path / "x.pdf", revision=revision, actor="t")
    assert not (tmp_path / "x.pdf").exists()


def test_a_plan_never_saved_cannot_be_printed(db: Database, tmp_path: Path) -> None:
    p = add_patient(db, "UIB-NEW")
    assert p.id is not None
    with pytest.raises(CarePlanError, match="has not been saved yet"):
        export_plan_pdf(db, p.id, tmp_path / "x.pdf", actor="t")


def test_unwritable_place_names_the_file_and_logs_nothing(db: Database, tmp_path: Path) -> None:
    plan = three_revisions(db)
    before = len(audit.list_events(db, mrn=plan.mrn))
    with pytest.raises(OutputRefusedError, match="does not exist"):
        export_plan_pdf(db, plan.patient_id, tmp_path / "missing" / "x.pdf", actor="t")
    with pytest.raises(OutputRefusedError, match="folder"):
        export_plan_pdf(db, plan.patient_id, tmp_path, actor="t")
    assert len(audit.list_events(db, mrn=plan.mrn)) == before


# --- the command line --------------------------------------------------------------------------

def test_cli_export_with_options(db: Database, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = three_revisions(db)
    out = tmp_path / "cli.pdf"
    code = main(["--db", db_url, "export-pdf", plan.mrn, "--out", str(out), "--revision", "2",
                 "--large-print", "--paper", "LETTER", "--author", "CLI Nurse"])
    printed = capsys.readouterr().out
    assert code == 0
    assert str(out) in printed and "revision 2" in printed and "pages" in printed
    assert "revision 2" in flat(pdf_text(out))
    event = audit.list_events(db, mrn=plan.mrn, limit=1)[0]
    assert (event.action, event.actor, event.revision, event.details["paper"]) == ("pdf.exported", "CLI Nurse", 2, "letter")
    assert event.details["large_print"] is True


def test_cli_default_file_name_in_current_folder(db: Database, db_url: str, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    plan = three_revisions(db)
    monkeypatch.chdir(tmp_path)
    assert main(["--db", db_url, "export-pdf", plan.mrn]) == 0
    assert (tmp_path / "careplan-UIB-001-r3.pdf").is_file()


@pytest.mark.parametrize("args, message", [
    (["NOBODY"], "No patient has the MRN 'NOBODY'"),
    (["UIB-001", "--revision", "9"], "no revision 9"),
    (["UIB-001", "--out", "/nonexistent-folder/x.pdf"], "does not exist"),
    (["UIB-EMPTY"], "has not been saved yet"),
])
def test_cli_bad_input_exits_2_with_one_clear_line(db: Database, db_url: str, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str], args: list[str],
                                                  message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    three_revisions(db)
    add_patient(db, "UIB-EMPTY")
    monkeypatch.chdir(tmp_path)
    assert main(["--db", db_url, "export-pdf", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("careplan: ") and message in err and "Traceback" not in err
    assert list(tmp_path.glob("*.pdf")) == []


def test_cli_as_a_separate_process(db: Database, db_url: str, tmp_path: Path) -> None:
    plan = three_revisions(db)
    out = tmp_path / "sub.pdf"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}  # the checkout
    done = subprocess.run([sys.executable, "-m", "careplan", "--db", db_url, "export-pdf", plan.mrn, "--out", str(out)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "revision 3" in done.stdout and out.is_file()
    assert out.stat().st_mode & 0o077 == 0  # patient data: readable by its owner only
    assert PATIENT_NAME in flat(pdf_text(out))
