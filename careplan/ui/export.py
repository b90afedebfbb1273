"""File > Export PDF and File > Print: the caregiver printout of a saved revision.

Both make the same PDF through services.printing, as operations on the worker thread, with
progress shown while the caller's window keeps running (no nested event loop). Printing then draws that
PDF's pages on the printer, so the paper copy and the saved file always match.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo, QPrintPreviewDialog
from PySide6.QtWidgets import QMainWindow, QWidget

from careplan.domain.errors import CarePlanError
from careplan.persistence.engine import Database
from careplan.reporting.model import PdfResult, PrintablePlan
from careplan.services import printing
from careplan.services.changes import Outcome, audit_only
from careplan.services.output_target import OutputExistsError
from careplan.services.plans import PlanState, load_plan
from careplan.ui import dialog_kit, export_dialog
from careplan.ui.operations import CollectionOp, QueryOp, runner
from careplan.ui.pdf_pages import paint_pdf, prepare_printer

EXPORT = "printout"  # one printout at a time: a second Ctrl+E while one is made does nothing


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


def _with_saved_revision(parent: QWidget | None, db: Database, patient_id: int, revision: int | None,
                         title: str, go: Callable[[str, int], None]) -> None:
    """Read which revision to print on the worker, then go(mrn, number), or say why not."""
    def found(state: PlanState) -> None:
        if state.number == 0:
            dialog_kit.show_error(parent, "Nothing to print yet",
                                  "This plan has not been saved yet. Save it first: a printout always shows a "
                                  "saved revision, so every copy can be traced.")
            return
        go(state.patient.mrn, revision or state.number)

    QueryOp(parent, lambda: load_plan(db, patient_id)).success(found).failure(
        lambda e: _refused(parent, title, e)).named("printout-revision").run_in_background()


def _refused(parent: QWidget | None, title: str, error: BaseException) -> None:
    if not isinstance(error, CarePlanError):
        raise error
    dialog_kit.show_error(parent, title, str(error))


def ask_replace(parent: QWidget | None, path: Path) -> bool:
    """Tests replace this: may the existing file be replaced by the printout?"""
    return dialog_kit.ask_yes_no(parent, "Replace the file?", f"{path.name} already exists in {path.parent}. "
                                 "Replace it with this printout?", "Replace", destructive=True)


def export_running() -> bool:
    return runner().running(EXPORT)


def export_pdf(parent: QWidget | None, db: Database, patient_id: int, actor: str,
               revision: int | None = None) -> bool:
    """Ask where and how, write the PDF on the worker with progress, then show it.

    False (and nothing started) while another export is still being written: a second Ctrl+E waits
    for the first instead of starting a second one.
    """
    if export_running():
        show_status(parent, "Still making the previous PDF\u2026")
        return False

    def ask(mrn: str, number: int) -> None:
        suggested = export_dialog.documents_folder() / printing.default_pdf_name(mrn, number)
        choice = export_dialog.ask_export_options(parent, suggested, number)
        if choice is None or choice.path is None:
            return
        out = choice.path

        def write(force: bool) -> None:
            def work(progress: Callable[[int], None]) -> Outcome[PdfResult]:
                return audit_only(printing.export_plan_pdf(db, patient_id, out, revision=number,
                                                           large_print=choice.large_print, paper=choice.paper,
                                                           actor=actor, progress=progress, force=force))

            def failed(error: BaseException) -> None:
                # The same refusals as the command line (services.output_target); only an ordinary
                # existing file may be replaced, and only once the user says so.
                if isinstance(error, OutputExistsError) and not force and ask_replace(parent, out):
                    write(force=True)
                    return
                _refused(parent, "The PDF was not saved", error)

            CollectionOp(parent, work).with_progress(f"Making the PDF of revision {number}\u2026").exclusive(
                EXPORT).success(lambda result: _exported(parent, result)).failure(failed).named(
                "export-pdf").run_in_background()

        write(force=False)

    _with_saved_revision(parent, db, patient_id, revision, "Nothing to print", ask)
    return True


def _exported(parent: QWidget | None, result: PdfResult) -> None:
    pages = "1 page" if result.pages == 1 else f"{result.pages} pages"
    show_status(parent, f"Saved {result.path.name} ({pages}) in {result.path.parent}.")
    if result.warnings:
        dialog_kit.show_info(parent, "The PDF was saved, with a note", "\n\n".join(result.warnings))
    reveal_folder(result.path)


def send_to_printer(parent: QWidget | None, printer: QPrinter, paint: Callable[[QPrinter], None]) -> bool:
    """Ctrl+P: straight to the default printer; the system print dialog only when none is set up.

    Tests replace this. Returns True once the pages were sent.
    """
    default = QPrinterInfo.defaultPrinter()
    if default.isNull():
        dialog = QPrintDialog(printer, parent)
        dialog.setWindowTitle("Choose a printer")
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return False
    else:
        printer.setPrinterName(default.printerName())
    paint(printer)
    return True


def print_plan(parent: QWidget | None, db: Database, patient_id: int, actor: str,
               revision: int | None = None, *, one_step: bool = False) -> None:
    """Print the printout: the PDF is made on the worker, then drawn on the printer.

    one_step (Ctrl+P): with the remembered paper and print size, straight to the printer. Otherwise
    (File > Print options…) ask for them first, remember them, and show a preview.
    """
    def ask(mrn: str, number: int) -> None:
        choice = export_dialog.remembered_print_choice() if one_step else export_dialog.ask_print_options(parent, number)
        if choice is None:
            return
        folder = Path(tempfile.mkdtemp(prefix="careplan-print-"))  # private (0700): it holds patient data
        pdf = folder / printing.default_pdf_name(mrn, number)

        def work(progress: Callable[[int], None]) -> tuple[PrintablePlan, PdfResult]:
            return printing.write_printout(db, patient_id, pdf, revision=number, large_print=choice.large_print,
                                           paper=choice.paper, progress=progress)

        def failed(error: BaseException) -> None:
            shutil.rmtree(folder, ignore_errors=True)
            _refused(parent, "Cannot print", error)

        def made(found: tuple[PrintablePlan, PdfResult]) -> None:
            try:
                _preview_and_print(parent, db, patient_id, actor, choice, mrn, number, *found,
                                   send=send_to_printer if one_step else run_print_preview)
            finally:
                shutil.rmtree(folder, ignore_errors=True)

        QueryOp(parent, work).with_progress(f"Preparing revision {number} for printing\u2026").exclusive(
            EXPORT).success(made).failure(failed).named("print-pdf").run_in_background()

    _with_saved_revision(parent, db, patient_id, revision, "Cannot print", ask)


def _preview_and_print(parent: QWidget | None, db: Database, patient_id: int, actor: str,
                       choice: export_dialog.PrintoutChoice, mrn: str, number: int, plan: PrintablePlan,
                       result: PdfResult, *, send: Callable[..., bool]) -> None:
    if result.unprintable and not dialog_kit.ask_yes_no(
            parent, "Some text cannot be printed", f"{result.unprintable}\n\nPrint anyway?", "Print anyway"):
        return
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    prepare_printer(printer, choice.paper, f"Care plan {mrn} revision {number}")
    problems: list[str] = []
    drawn: list[int] = []

    def paint(target: QPrinter) -> None:
        try:
            drawn.append(paint_pdf(target, result.path))
        except CarePlanError as e:  # shown after the preview closes, never from inside its paint
            problems.append(str(e))

    printed = send(parent, printer, paint)
    if problems:
        dialog_kit.show_error(parent, "Cannot print", problems[-1])
        return
    if not printed:
        return
    pages = drawn[-1] if drawn else result.pages

    def record() -> Outcome[None]:
        printing.record_printed(db, patient_id, plan, actor=actor, pages=pages, large_print=choice.large_print,
                                paper=choice.paper)
        return audit_only(None)

    def not_logged(error: BaseException) -> None:
        if not isinstance(error, CarePlanError):
            raise error
        dialog_kit.show_error(parent, "Printed, but not logged",
                              f"The plan was printed, but the audit log could not record it: {error}")

    CollectionOp(parent, record).success(
        lambda _: show_status(parent, f"Sent revision {number} of {mrn}'s care plan to the printer "
                                      f"({_described(choice)}).")).failure(
        not_logged).named("print-logged").run_in_background()


def _described(choice: export_dialog.PrintoutChoice) -> str:
    paper = "US Letter" if choice.paper == "letter" else "A4"
    return f"{paper}, large print" if choice.large_print else paper
