"""File > Export PDF and File > Print: the caregiver printout of a saved revision.

Both make the same PDF through services.printing, off the GUI thread. Printing then draws that
PDF's pages on the printer, so the paper copy and the saved file always match.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QMainWindow, QWidget

from careplan.domain.errors import CarePlanError
from careplan.persistence.engine import Database
from careplan.reporting.model import PdfResult, PrintablePlan
from careplan.services import printing
from careplan.services.plans import load_plan
from careplan.ui import dialog_kit, export_dialog
from careplan.ui.background import run_with_progress
from careplan.ui.pdf_pages import paint_pdf, prepare_printer


def reveal_folder(path: Path) -> None:
    """Show the saved file's folder in the system file manager. Tests replace this."""
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent)))


def show_status(parent: QWidget | None, message: str) -> None:
    window = parent.window() if parent is not None else None
    if isinstance(window, QMainWindow):
        window.statusBar().showMessage(message, 15_000)


def run_print_preview(parent: QWidget | None, printer: QPrinter, paint: object) -> bool:
    """Qt's preview, whose Print button opens the system print dialog. Tests replace this.

    Returns True once the pages were sent to the printer.
    """
    preview = QPrintPreviewDialog(printer, parent)
    preview.setObjectName("printPreview")
    preview.setWindowTitle("Print preview")
    preview.paintRequested.connect(paint)
    return preview.exec() == QPrintPreviewDialog.DialogCode.Accepted


def _revision_to_use(parent: QWidget | None, db: Database, patient_id: int, revision: int | None) -> tuple[str, int] | None:
    try:
        state = load_plan(db, patient_id)
    except CarePlanError as e:
        dialog_kit.show_error(parent, "Nothing to print", str(e))
        return None
    if state.number == 0:
        dialog_kit.show_error(parent, "Nothing to print yet",
                              "This plan has not been saved yet. Save it first: a printout always shows a "
                              "saved revision, so every copy can be traced.")
        return None
    return state.patient.mrn, revision or state.number


def export_pdf(parent: QWidget | None, db: Database, patient_id: int, actor: str,
               revision: int | None = None) -> Path | None:
    """Ask where and how, write the PDF off the GUI thread, then show it. Returns the file or None."""
    found = _revision_to_use(parent, db, patient_id, revision)
    if found is None:
        return None
    mrn, number = found
    suggested = export_dialog.documents_folder() / printing.default_pdf_name(mrn, number)
    choice = export_dialog.ask_export_options(parent, suggested, number)
    if choice is None or choice.path is None:
        return None
    out = choice.path

    def work(progress: object) -> PdfResult:
        return printing.export_plan_pdf(db, patient_id, out, revision=number, large_print=choice.large_print,
                                        paper=choice.paper, actor=actor, progress=progress)  # type: ignore[arg-type]

    try:
        result = run_with_progress(parent, f"Making the PDF of revision {number}…", work)
    except CarePlanError as e:
        dialog_kit.show_error(parent, "The PDF was not saved", str(e))
        return None
    pages = "1 page" if result.pages == 1 else f"{result.pages} pages"
    show_status(parent, f"Saved {result.path.name} ({pages}) in {result.path.parent}.")
    if result.warnings:
        dialog_kit.show_info(parent, "The PDF was saved, with a note",
                             "\n\n".join(result.warnings))
    reveal_folder(result.path)
    return result.path


def print_plan(parent: QWidget | None, db: Database, patient_id: int, actor: str,
               revision: int | None = None) -> bool:
    """Preview and print the printout; True when pages went to a printer."""
    found = _revision_to_use(parent, db, patient_id, revision)
    if found is None:
        return False
    mrn, number = found
    choice = export_dialog.ask_print_options(parent, number)
    if choice is None:
        return False
    folder = Path(tempfile.mkdtemp(prefix="careplan-print-"))  # private (0700): it holds patient data
    pdf = folder / printing.default_pdf_name(mrn, number)
    try:
        def work(progress: object) -> tuple[PrintablePlan, PdfResult]:
            return printing.write_printout(db, patient_id, pdf, revision=number, large_print=choice.large_print,
                                           paper=choice.paper, progress=progress)  # type: ignore[arg-type]

        try:
            plan, result = run_with_progress(parent, f"Preparing revision {number} for printing…", work)
        except CarePlanError as e:
            dialog_kit.show_error(parent, "Cannot print", str(e))
            return False
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        prepare_printer(printer, choice.paper, f"Care plan {mrn} revision {number}")
        problems: list[str] = []
        drawn: list[int] = []

        def paint(target: QPrinter) -> None:
            try:
                drawn.append(paint_pdf(target, result.path))
            except CarePlanError as e:  # shown after the preview closes, never from inside its paint
                problems.append(str(e))

        printed = run_print_preview(parent, printer, paint)
        if problems:
            dialog_kit.show_error(parent, "Cannot print", problems[-1])
            return False
        if not printed:
            return False
        try:
            printing.record_printed(db, patient_id, plan, actor=actor, pages=drawn[-1] if drawn else result.pages,
                                    large_print=choice.large_print, paper=choice.paper)
        except CarePlanError as e:
            dialog_kit.show_error(parent, "Printed, but not logged", f"The plan was printed, but the audit log could "
                                  f"not record it: {e}")
        show_status(parent, f"Sent revision {number} of {mrn}'s care plan to the printer.")
        return True
    finally:
        shutil.rmtree(folder, ignore_errors=True)
