"""Drawing the printout's PDF pages on a QPrinter, so paper matches the exported file exactly.

Qt can only paint images on a printer, so each PDF page is first rendered to an image. Qt's own
PDF module (QtPdf) ships in PySide6-Addons, not in PySide6-Essentials; when it is missing,
pdfium (the pypdfium2 dependency) renders the pages, and with neither the user is told to print
the saved PDF.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter

from careplan.domain.errors import CarePlanError

MAX_DPI = 300  # sharp on paper; a higher resolution only costs memory (a page is drawn at a time)


class PrintingUnavailableError(CarePlanError):
    """Neither QtPdf nor pdfium is installed, so PDF pages cannot be drawn on a printer."""


def renderer_name() -> str | None:
    """Which PDF renderer this installation has: 'QtPdf', 'pdfium' or None."""
    try:
        from PySide6.QtPdf import QPdfDocument  # noqa: F401
    except ImportError:
        pass
    else:
        return "QtPdf"
    try:
        import pypdfium2  # noqa: F401
    except ImportError:
        return None
    return "pdfium"


def page_images(pdf: Path, dpi: int) -> Iterator[QImage]:
    """Each page as an image, one at a time."""
    name = renderer_name()
    if name == "QtPdf":
        yield from _qtpdf_pages(pdf, dpi)
    elif name == "pdfium":
        yield from _pdfium_pages(pdf, dpi)
    else:
        raise PrintingUnavailableError(
            "This copy of CarePlan cannot print directly. Use File > Export PDF, then print the saved "
            "file from your PDF viewer.")


def _qtpdf_pages(pdf: Path, dpi: int) -> Iterator[QImage]:
    from PySide6.QtPdf import QPdfDocument

    doc = QPdfDocument()
    doc.load(str(pdf))
    if doc.pageCount() == 0:  # a printout always has at least one page; none means it did not load
        raise CarePlanError(f"The printout {pdf.name} could not be read back for printing.")
    try:
        for i in range(doc.pageCount()):
            points = doc.pagePointSize(i)
            size = QSize(round(points.width() * dpi / 72), round(points.height() * dpi / 72))
            yield doc.render(i, size)
    finally:
        doc.close()


def _pdfium_pages(pdf: Path, dpi: int) -> Iterator[QImage]:
    import pypdfium2

    try:
        doc = pypdfium2.PdfDocument(str(pdf))
    except pypdfium2.PdfiumError as e:
        raise CarePlanError(f"The printout {pdf.name} could not be read back for printing ({e}).") from e
    try:
        for page in doc:
            bitmap = page.render(scale=dpi / 72, rev_byteorder=True)  # RGB, as QImage expects
            image = QImage(bytes(bitmap.buffer), bitmap.width, bitmap.height, bitmap.stride, QImage.Format.Format_RGB888)
            yield image.copy()  # the bitmap's buffer goes away with the page
            page.close()
    finally:
        doc.close()


def page_count(pdf: Path) -> int:
    return sum(1 for _ in page_images(pdf, 10))


def prepare_printer(printer: QPrinter, paper: str, title: str) -> None:
    size = QPageSize.PageSizeId.Letter if paper == "letter" else QPageSize.PageSizeId.A4
    printer.setPageSize(QPageSize(size))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    # The PDF has its own margins; drawing on the whole sheet keeps them as designed.
    printer.setFullPage(True)
    printer.setDocName(title)


def paint_pdf(printer: QPrinter, pdf: Path) -> int:
    """Draw every page of `pdf` on the printer, scaled to the sheet; returns the pages drawn."""
    dpi = min(max(printer.resolution(), 72), MAX_DPI)
    painter = QPainter()
    if not painter.begin(printer):
        raise CarePlanError("The printer could not be started. Check that it is switched on and try again.")
    pages = 0
    try:
        sheet = printer.pageLayout().fullRectPixels(printer.resolution())
        for image in page_images(pdf, dpi):
            if pages and not printer.newPage():
                raise CarePlanError("The printer stopped before the last page. Check it and print again.")
            scale = min(sheet.width() / image.width(), sheet.height() / image.height())
            w, h = image.width() * scale, image.height() * scale
            target = QRectF((sheet.width() - w) / 2, (sheet.height() - h) / 2, w, h)
            painter.drawImage(target, image)
            pages += 1
    finally:
        painter.end()
    return pages


def print_pdf_to_file(pdf: Path, out: Path, paper: str = "a4") -> int:
    """Print through Qt's printing path into a PDF file: what a test or a 'print to file' does."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    printer.setResolution(150)
    prepare_printer(printer, paper, pdf.stem)
    return paint_pdf(printer, pdf)
