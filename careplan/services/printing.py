"""Turning a saved plan revision into the caregiver printout; shared by the CLI and the app.

Only saved revisions are printed: a printout must always match something in the history, so a
caregiver's copy can be traced back to who wrote it and when.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from careplan.domain.errors import CarePlanError
from careplan.persistence.engine import Database
from careplan.reporting.model import (
    PdfOptions,
    PdfResult,
    PrintablePlan,
    ProgressCallback,
    Replacement,
)
from careplan.services import audit
from careplan.services.clinic_settings import load_clinic_settings
from careplan.services.clock import today
from careplan.services.output_target import check_target, commit_logged, safe_file_part, stage
from careplan.services.plans import changes_since_previous, get_revision, load_plan


def default_pdf_name(mrn: str, revision: int) -> str:
    """careplan-<MRN>-r<N>.pdf, different for every MRN (see output_target.safe_file_part)."""
    return f"careplan-{safe_file_part(mrn, 'patient')}-r{revision}.pdf"


def printable_plan(db: Database, patient_id: int, revision: int | None = None, *,
                   clinic_name: str = "") -> PrintablePlan:
    """The patient, the chosen revision (latest by default), what changed since the one before, the
    clinic's details, and for an older revision which one replaced it and when."""
    state = load_plan(db, patient_id)
    patient, latest = state.patient, state.latest
    if latest is None:
        raise CarePlanError(f"{patient.mrn}'s plan has not been saved yet, so there is nothing to print. "
                            "Save the plan first.")
    replaced_by = None
    if revision is None or revision == latest.number:
        rev = latest
    elif 1 <= revision < latest.number:
        rev = get_revision(db, patient_id, revision)
        newer = latest if revision + 1 == latest.number else get_revision(db, patient_id, revision + 1)
        replaced_by = Replacement(newer.number, newer.created_at)
    else:
        raise CarePlanError(f"{patient.mrn}'s plan has no revision {revision}: "
                            f"its revisions are numbered 1 to {latest.number}.")
    return PrintablePlan(patient=patient, revision=rev, changes=changes_since_previous(db, patient_id, rev),
                         generated_on=today(), clinic_name=clinic_name, clinic=load_clinic_settings(db),
                         replaced_by=replaced_by)


def write_printout(
    db: Database,
    patient_id: int,
    out_path: Path | str,
    *,
    revision: int | None = None,
    large_print: bool = False,
    paper: str = "a4",
    progress: ProgressCallback | None = None,
    clinic_name: str = "",
) -> tuple[PrintablePlan, PdfResult]:
    """Write the printout without logging it: for a copy that may never leave the computer.

    The print preview uses this; once pages really go to a printer, record_printed logs it.
    """
    options = PdfOptions(large_print=large_print, paper=paper)
    plan = printable_plan(db, patient_id, revision, clinic_name=clinic_name)
    # ReportLab takes a noticeable moment to import; only pay for it when a PDF is made.
    from careplan.reporting.pdf import write_plan_pdf

    return plan, write_plan_pdf(plan, Path(out_path), options, progress=progress)


def export_plan_pdf(
    db: Database,
    patient_id: int,
    out_path: Path | str,
    *,
    revision: int | None = None,
    large_print: bool = False,
    paper: str = "a4",
    actor: str,
    progress: ProgressCallback | None = None,
    clinic_name: str = "",
    force: bool = False,
) -> PdfResult:
    """Write the printout of one revision to `out_path` and record it in the audit log.

    The target is checked before anything is made (services.output_target: never the database, its
    journal files or a backup; an existing file only with force=True). The file is renamed into place
    inside the audit log's transaction, so a printout exists exactly when the log records it.
    Raises CarePlanError (PdfExportError, OutputRefusedError) with a message meant for the user.
    """
    target = check_target(Path(out_path), what="the printout", db=db, force=force)
    options = PdfOptions(large_print=large_print, paper=paper)
    plan = printable_plan(db, patient_id, revision, clinic_name=clinic_name)
    from careplan.reporting.pdf import render_plan_pdf

    with stage(target, "the printout") as staged:
        result = render_plan_pdf(plan, staged.file, target, options, progress)
        # Checked again just before the rename: the target may have appeared while the PDF was made.
        check_target(target, what="the printout", db=db, force=force)
        details = {"file": target.name, "pages": result.pages, "large_print": large_print,
                   "paper": paper.strip().lower()}
        commit_logged(staged, db, lambda s: _record(s, actor, patient_id, plan, details))
    return result


def record_printed(db: Database, patient_id: int, plan: PrintablePlan, *, actor: str, pages: int,
                   large_print: bool, paper: str) -> None:
    """Log that a revision's printout went to a printer."""
    with db.transaction() as s:
        _record(s, actor, patient_id, plan, {"purpose": "print", "pages": pages, "large_print": large_print,
                                          "paper": paper.strip().lower()})


def _record(s: Session, actor: str, patient_id: int, plan: PrintablePlan, details: dict[str, object]) -> None:
    # File names only, never folders: folder names often carry a user's or a patient's name.
    audit.record(s, actor, "pdf.exported", entity="plan", entity_key=plan.patient.mrn, patient_id=patient_id,
                 revision=plan.revision.number, details=details)
