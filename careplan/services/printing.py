"""Turning a saved plan revision into the caregiver printout; shared by the CLI and the app.

Only saved revisions are printed: a printout must always match something in the history, so a
caregiver's copy can be traced back to who wrote it and when.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

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
from careplan.services.plans import changes_since_previous, get_revision, load_plan

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def default_pdf_name(mrn: str, revision: int) -> str:
    """careplan-<MRN>-r<N>.pdf, with characters a file system may refuse replaced by '_'."""
    safe = _UNSAFE.sub("_", mrn.strip()).strip("._") or "patient"
    return f"careplan-{safe}-r{revision}.pdf"


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
) -> PdfResult:
    """Write the printout of one revision to `out_path` and record it in the audit log.

    Raises CarePlanError (PdfExportError for file problems) with a message meant for the user.
    """
    plan, result = write_printout(db, patient_id, out_path, revision=revision, large_print=large_print,
                                  paper=paper, progress=progress, clinic_name=clinic_name)
    try:
        _record(db, actor, patient_id, plan, {"file": result.path.name, "pages": result.pages,
                                              "large_print": large_print, "paper": paper.strip().lower()})
    except BaseException:
        # A printout the audit log does not know about must not be left behind.
        with contextlib.suppress(OSError):
            result.path.unlink()
        raise
    return result


def record_printed(db: Database, patient_id: int, plan: PrintablePlan, *, actor: str, pages: int,
                   large_print: bool, paper: str) -> None:
    """Log that a revision's printout went to a printer."""
    _record(db, actor, patient_id, plan, {"purpose": "print", "pages": pages, "large_print": large_print,
                                          "paper": paper.strip().lower()})


def _record(db: Database, actor: str, patient_id: int, plan: PrintablePlan, details: dict[str, object]) -> None:
    # File names only, never folders: folder names often carry a user's or a patient's name.
    with db.transaction() as s:
        audit.record(s, actor, "pdf.exported", entity="plan", entity_key=plan.patient.mrn, patient_id=patient_id,
                     revision=plan.revision.number, details=details)
