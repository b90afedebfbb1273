"""Page furniture: footers with "Page X of Y", "continued" labels and the page templates."""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from careplan.reporting import wording as w
from careplan.reporting.flowables import Heading, Para
from careplan.reporting.fonts import BOLD, REGULAR
from careplan.reporting.markup import Markup
from careplan.reporting.model import PrintablePlan
from careplan.reporting.shaping import PrintoutText
from careplan.reporting.story import capped
from careplan.reporting.styles import FRAME_PAD_Y, Sizes, Styles


class Footer:
    """Drawn on every page once the page count is known: the patient's full name (wrapped, never
    cut), date of birth, revision and date, page X of Y, and DRAFT or OLD COPY when it applies."""

    def __init__(self, plan: PrintablePlan, st: Styles, m: Markup, page_width: float):
        self.st, self.m, self.plan = st, m, plan
        s = st.sizes
        self.margin = s.side_margin + 6  # frames pad their text by 6 pt: line up with the text
        rev = plan.revision
        name = plan.patient.full_name.strip() or "a patient"
        if s.footer >= 18:  # large print: every word counts on a line of 18 pt
            lead, born = "", f"born {w.format_date_short(plan.patient.date_of_birth)}"
        else:
            lead, born = "Care plan for ", (f"born {w.format_date(plan.patient.date_of_birth, 'not recorded')}"
                                            f" · {m(capped(plan.patient.mrn, 40))}")
        # Left to right whatever the name: an English line, set like every other footer line.
        self.name_line = Para(f"{lead}<b>{m(name, bold=True)}</b> · {born}", st.footer, rtl=False)
        self.version = f"Revision {rev.number} of {w.format_date(w.local_date(rev.created_at))}"
        notice = w.version_notice(plan)
        self.marker = Para(f"<b>{m(notice)}</b>", st.footer) if notice else None
        # The advice notice is printed once, under "More people to call": in every footer it cost a
        # line a page and told the carer nothing new.
        self._left: dict[float, tuple[float, float]] = {}
        self.pages = 0
        self.continues: set[int] = set()  # pages whose section goes on over the page (PrintoutDoc)
        self.height = sum(self._left_part(page_width - 2 * self.margin)) + s.footer * 1.3 + s.footer * 0.4
        # The frame has no padding above or below its text (pages.FRAME_PAD_Y): the rule sits 6 pt
        # below the frame, not 4 pt below 6 pt of padding, and Letter keeps a line a page.
        self.bottom_margin = 10 * mm + 2 + self.height
        self.top = self.bottom_margin - 6

    def _left_part(self, width: float) -> tuple[float, float]:
        """Heights of the name line(s) and the DRAFT or OLD COPY line at a page width;
        measured once per width (portrait, landscape). The page number shares the revision's line,
        so a long name has the whole width to wrap in."""
        if width not in self._left:
            self._left[width] = tuple(  # type: ignore[assignment]
                p.wrap(width, 10_000)[1] if p is not None else 0.0 for p in (self.name_line, self.marker))
        return self._left[width]

    def draw(self, canv: Canvas, page: int, total: int) -> None:
        width = canv._pagesize[0] - 2 * self.margin
        name_h, marker_h = self._left_part(width)
        self.name_line.wrap(width, 10_000)  # the same Paragraph serves both page widths
        canv.saveState()
        canv.setLineWidth(0.75)
        canv.line(self.margin, self.top, self.margin + width, self.top)
        canv.restoreState()
        y = self.top - 4
        self.name_line.drawOn(canv, self.margin, y - name_h)
        y -= name_h
        size = self.st.sizes.footer
        canv.setFont(REGULAR, size)  # drawn directly: one Paragraph per page would cost more than the rest
        canv.drawString(self.margin, y - size * 1.05, self.version)
        canv.setFont(BOLD, size)
        number = f"Page {page} of {total}"
        canv.drawRightString(self.margin + width, y - size * 1.05, number)
        if page in self.continues:
            # Between the revision and the page number, where there is room (always on a landscape
            # checklist page): "X, continued" heads the next page, this tells the reader to turn.
            note = "Continued over the page"  # the longest that fits a large-print landscape Letter page
            left = self.margin + stringWidth(self.version, REGULAR, size)
            right = self.margin + width - stringWidth(number, BOLD, size)
            if stringWidth(note, BOLD, size) + 2 * size <= right - left:
                canv.drawCentredString((left + right) / 2, y - size * 1.05, note)
        y -= size * 1.3
        if self.marker is not None:
            self.marker.wrap(width, 10_000)
            self.marker.drawOn(canv, self.margin, y - marker_h)


class NumberedCanvas(Canvas):
    """Holds every page until the end so each footer can say "Page X of Y"."""

    places_text = True  # its text objects (PrintoutText) draw right-to-left lines piece by piece

    def __init__(self, *args: Any, footer: Footer, count_only: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._count_only = count_only  # lay out and count the pages, write nothing
        self._page_states: list[dict[str, Any]] = []

    def beginText(self, x: float = 0, y: float = 0, direction: Any = None) -> PrintoutText:  # noqa: N802
        return PrintoutText(self, x, y, direction=direction)

    def showPage(self) -> None:  # noqa: N802 - overrides ReportLab's name
        self._page_states.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._page_states)
        if self._count_only:
            # The footers' height is fixed before layout, so drawing them changes no page break;
            # writing the file (fonts subset, streams compressed) is a fifth of a printout's time.
            self._footer.pages = total
            return
        for state in self._page_states:
            self.__dict__.update(state)
            self._footer.draw(self, self._pageNumber, total)
            super().showPage()
        self._footer.pages = total
        super().save()


class PrintoutDoc(BaseDocTemplate):
    """Heads a page with "<section>, continued" when a section runs on from the page before, so
    a reader who turns a page, or finds one loose, knows where they are."""

    def __init__(self, *args: Any, label_size: float, footer: Footer | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._label_size = label_size
        self._footer = footer
        self._section = ""
        self._section_at_start = ""
        self._first: Flowable | None = None

    def beforePage(self) -> None:  # noqa: N802 - ReportLab's hook
        self._section_at_start, self._first = self._section, None

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 - ReportLab's hook
        if self._first is None and self._curPageFlowableCount == 1:
            self._first = flowable
        if isinstance(flowable, Heading):
            self._section = flowable.getPlainText()

    def afterPage(self) -> None:  # noqa: N802 - ReportLab's hook
        if self._section_at_start and self._first is not None and not isinstance(self._first, Heading):
            canv, frame = self.canv, self.frame
            canv.setFont(REGULAR, self._label_size)
            canv.drawString(frame._x1 + frame._leftPadding, frame._y1 + frame._height + 7,
                            f"{self._section_at_start}, continued")
            if self._footer is not None:
                self._footer.continues.add(self.page - 1)


def page_template(name: str, size: tuple[float, float], s: Sizes, bottom_margin: float) -> PageTemplate:
    # The margins already keep text off the paper's edge; padding above and below the text cost
    # 12 pt a page, most of a line, which Letter (18 mm shorter than A4) cannot spare.
    frame = Frame(s.side_margin, bottom_margin, size[0] - 2 * s.side_margin,
                  size[1] - s.top_margin - bottom_margin, id=name,
                  topPadding=FRAME_PAD_Y, bottomPadding=FRAME_PAD_Y)
    return PageTemplate(id=name, frames=[frame], pagesize=size)
