"""Page furniture: footers with "Page X of Y", "continued" labels and the page templates."""

from __future__ import annotations

from typing import Any

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from careplan.reporting import wording as w
from careplan.reporting.flowables import Heading, Para
from careplan.reporting.fonts import BOLD, REGULAR
from careplan.reporting.markup import Markup
from careplan.reporting.model import PrintablePlan
from careplan.reporting.styles import Sizes, Styles


class Footer:
    """Drawn on every page once the page count is known."""

    def __init__(self, plan: PrintablePlan, st: Styles, m: Markup):
        self.st, self.m, self.plan = st, m, plan
        s = st.sizes
        self.margin = s.side_margin + 6  # frames pad their text by 6 pt: line up with the text
        self.top = s.bottom_margin - 2
        self.right_w = stringWidth("Page 888 of 888", BOLD, s.footer) + 6
        self.notice = Para(w.NOT_MEDICAL_ADVICE, st.footer)
        self._left: dict[float, tuple[Para, float, float]] = {}
        self.pages = 0

    def _left_part(self, width: float) -> tuple[Para, float, float]:
        """The patient and revision, shortened to one line; laid out once per page width."""
        if width not in self._left:
            size = self.st.sizes.footer
            rev = f" · Revision {self.plan.revision.number}"
            room = width - self.right_w - stringWidth("Care plan for " + rev, REGULAR, size) - 4
            name = self.plan.patient.full_name
            while len(name) > 8 and stringWidth(name, REGULAR, size) > room:
                name = name[: max(8, int(len(name) * room / stringWidth(name, REGULAR, size)) - 2)].rstrip() + "…"
            left = Para(f"Care plan for {self.m(name)}{rev}", self.st.footer)
            self._left[width] = (left, left.wrap(width - self.right_w, 200)[1], self.notice.wrap(width, 200)[1])
        return self._left[width]

    def draw(self, canv: Canvas, page: int, total: int) -> None:
        width = canv._pagesize[0] - 2 * self.margin
        left, left_h, notice_h = self._left_part(width)
        canv.saveState()
        canv.setLineWidth(0.75)
        canv.line(self.margin, self.top, self.margin + width, self.top)
        canv.restoreState()
        y = self.top - 4
        left.drawOn(canv, self.margin, y - left_h)
        size = self.st.sizes.footer
        canv.setFont(BOLD, size)  # drawn directly: one Paragraph per page would cost more than the rest
        canv.drawRightString(self.margin + width, y - size * 1.05, f"Page {page} of {total}")
        y -= max(left_h, size * 1.3)
        self.notice.drawOn(canv, self.margin, y - notice_h)


class NumberedCanvas(Canvas):
    """Holds every page until the end so each footer can say "Page X of Y"."""

    def __init__(self, *args: Any, footer: Footer, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._page_states: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - overrides ReportLab's name
        self._page_states.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._page_states)
        for state in self._page_states:
            self.__dict__.update(state)
            self._footer.draw(self, self._pageNumber, total)
            super().showPage()
        self._footer.pages = total
        super().save()


class PrintoutDoc(BaseDocTemplate):
    """Heads a page with "<section>, continued" when a section runs on from the page before, so
    a reader who turns a page, or finds one loose, knows where they are."""

    def __init__(self, *args: Any, label_size: float, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._label_size = label_size
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
            canv.drawString(frame._x1 + frame._leftPadding, frame._y1 + frame._height + 6,
                            f"{self._section_at_start}, continued")


def page_template(name: str, size: tuple[float, float], s: Sizes) -> PageTemplate:
    frame = Frame(s.side_margin, s.bottom_margin, size[0] - 2 * s.side_margin,
                  size[1] - s.top_margin - s.bottom_margin, id=name)
    return PageTemplate(id=name, frames=[frame], pagesize=size)
