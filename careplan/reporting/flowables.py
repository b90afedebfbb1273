"""Small building blocks shared by the printout's sections."""

from __future__ import annotations

from reportlab.platypus import Flowable, KeepTogether, Paragraph

from careplan.reporting.styles import Styles


class Para(Paragraph):
    """A Paragraph that keeps its last line breaking: KeepTogether measures a block, then the
    frame lays it out again at the same width, and breaking lines is the costly part."""

    _memo_width: float | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        if availWidth == self._memo_width and hasattr(self, "blPara"):  # split() drops blPara
            return self.width, self.height
        result = super().wrap(availWidth, availHeight)
        self._memo_width = availWidth
        return result


class Heading(Para):
    """A section heading with a rule under it, so sections stand apart at a glance."""

    def draw(self) -> None:
        super().draw()
        canv = self.canv
        canv.saveState()
        canv.setLineWidth(1.5)
        canv.line(0, -3, self.width, -3)
        canv.restoreState()


def heading(text_markup: str, st: Styles) -> Heading:
    return Heading(text_markup, st.heading)


def bullets(lines_markup: list[str], st: Styles) -> list[Flowable]:
    return [Para(line, st.bullet, bulletText="•") for line in lines_markup]


def labelled(label: str, value_markup: str, st: Styles) -> Para:
    """'How often: Daily' with the label in bold; `label` is our own text, never typed input."""
    return Para(f"<b>{label}</b> {value_markup}", st.body)


class KeepStart(KeepTogether):
    """Keeps a block on one page when it fits on one. A block taller than a page starts where it
    is, as soon as its first part fits, instead of jumping to a new page and leaving a gap.

    ReportLab never keeps a heading with a following KeepTogether, so a section's heading goes
    inside its first block.
    """

    def __init__(self, flowables: list[Flowable], min_tail: float = 60):
        super().__init__(flowables)
        self.min_tail = min_tail  # how much of the first long piece must fit below what precedes it
        self.start = 0.0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        width, height, heights = self._measure(avail_width)
        self._H, self._H0, self._wrapInfo = height, (heights[0] if heights else 0), (avail_width, avail_height)
        self.start = 0.0
        for f, h in zip(self._content, heights, strict=True):
            if isinstance(f, KeepStart):
                self.start += f.start
                break
            if h > self.min_tail:
                self.start += self.min_tail
                break
            self.start += h
        return width, 0xFFFFFF  # as KeepTogether: always asks to be split

    def _measure(self, avail_width: float) -> tuple[float, float, list[float]]:
        """Total height with collapsed spacing, as ReportLab's _listWrapOn measures it, minus
        the copy of the page frame it takes each time, which only matters for flowables that
        generate content (never used here)."""
        width = height = after = 0.0
        heights: list[float] = []
        for f in self._content:
            w, h = f.wrapOn(self.canv, avail_width, 0xFFFFFFF)
            heights.append(h)
            if h <= 1e-6:
                continue
            width = max(width, min(w, avail_width))
            height += h + (max(f.getSpaceBefore() - after, 0) if height else 0)
            after = f.getSpaceAfter()
            height += after
        return width, height - after, heights

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        if getattr(self, "_wrapInfo", None) != (avail_width, avail_height):
            self.wrap(avail_width, avail_height)
        frame = getattr(self, "_frame", None)
        if frame is not None and frame._height < self._H and avail_height >= self.start:
            return list(self._content)
        return list(super().split(avail_width, avail_height))
