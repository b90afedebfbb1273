"""Small building blocks shared by the printout's sections."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape, unescape

from reportlab import rl_config
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.fonts import ps2tt, tt2ps
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import getAscentDescent, stringWidth
from reportlab.platypus import Flowable, KeepTogether, Paragraph

from careplan.reporting import bidi_lines, shaping
from careplan.reporting.actual_text import mark_typed_words
from careplan.reporting.styles import Styles

shaping.install()


@lru_cache(maxsize=64)
def _shaped(style: ParagraphStyle) -> ParagraphStyle:
    return ParagraphStyle(f"{style.name}-shaped", parent=style, shaping=1)


@lru_cache(maxsize=64)
def rtl_style(style: ParagraphStyle) -> ParagraphStyle:
    """`style` for a right-to-left paragraph: set from the right, its indents mirrored."""
    return ParagraphStyle(f"{style.name}-rtl", parent=style, alignment=TA_RIGHT,
                          leftIndent=style.rightIndent, rightIndent=style.leftIndent)


def shaped_style(style: ParagraphStyle) -> ParagraphStyle:
    """`style` with HarfBuzz shaping on: only for paragraphs that need it, as it costs time."""
    return _shaped(style) if not style.shaping else style


class Para(Paragraph):
    """A Paragraph that keeps its last line breaking: KeepTogether measures a block, then the
    frame lays it out again at the same width, and breaking lines is the costly part.

    Text in a complex script is shaped, its right-to-left words are drawn in reading order and
    reordered glyphs carry their typed text (shaping.py). A paragraph that runs right to left
    (its first strong letter is, and most are) is set from the right, its bullet on the right."""

    _memo_width: float | None = None
    _rtl_base: bool | None = None  # None: no right-to-left words to put in order
    _typed: list[str] | None = None  # the typed words, for /ActualText
    _rtl_bullet: Any = None  # a right-to-left paragraph's bullet, drawn here on the right

    def __init__(self, text: str | None, style: ParagraphStyle, *args: Any, rtl: bool | None = None,
                 **kwargs: Any):
        """`rtl`: the paragraph's direction when it holds right-to-left text (None: from the text)."""
        complex_text = isinstance(text, str) and shaping.SHAPING_AVAILABLE and shaping.needs_shaping(text)
        super().__init__(text, shaped_style(style) if complex_text else style, *args, **kwargs)
        if complex_text:
            typed = "".join(getattr(f, "text", "") for f in self.frags)
            if shaping.has_rtl(typed):
                self._rtl_base = shaping.base_is_rtl(typed) if rtl is None else rtl
                if self._rtl_base:
                    self.style: ParagraphStyle = rtl_style(shaped_style(style))
                    self._rtl_bullet, self.bulletText = getattr(self, "bulletText", None), None
            else:  # right-to-left lines carry their own /ActualText (bidi_lines.py)
                self._typed = typed.split()

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        # Line breaking depends on the width alone (the height only matters to split), and the
        # same paragraph is measured many times at one width: by every page-1 level that shares
        # it, by KeepStart and stack_height, by a Table's every wrap, then by the frame.
        if availWidth == self._memo_width and hasattr(self, "blPara"):  # split() may drop blPara
            return self.width, self.height
        result = super().wrap(availWidth, availHeight)
        # Too narrow a width returns early, laying nothing out: nothing to remember then.
        self._memo_width = availWidth if availWidth >= rl_config._FUZZ else None
        return result

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803
        lines = getattr(self, "blPara", None)
        parts = super().split(availWidth, availHeight)
        if not parts and lines is not None and not hasattr(self, "blPara"):
            # ReportLab drops the lines when too few fit here; the paragraph then goes whole to
            # the next frame, where the same width breaks them the same way (another width
            # misses the memo in wrap and breaks them again).
            self.blPara = lines
        if len(parts) == 2 and all(isinstance(p, Para) for p in parts):
            first, rest = parts
            first._rtl_base = rest._rtl_base = self._rtl_base
            first._rtl_bullet = self._rtl_bullet
            if self._typed is not None:
                counts = [getattr(line, "wordCount", 0) for line in self.blPara.lines]
                shown = sum(counts[:len(first.blPara.lines)])
                # A word too long for a line is cut and counted on both lines: then no part has it.
                fits = sum(counts) == len(self._typed)
                first._typed = self._typed[:shown] if fits else None
                rest._typed = self._typed[shown:] if fits else None
        return parts

    def draw(self) -> None:
        lines = getattr(self.blPara, "lines", None) if getattr(self.blPara, "kind", 0) == 1 else None
        typed = self._typed_lines()
        if not lines or (self._rtl_base is None and not typed):
            super().draw()
            self._draw_rtl_bullet()
            return
        kept = [line.words for line in lines]
        movable = getattr(self.canv, "places_text", False)  # shaping.PrintoutText moves the cursor
        for n, line in enumerate(lines):
            if self._rtl_base is not None:
                bidi_lines.reorder_line(line, self._rtl_base, movable)
            elif typed and movable:
                mark_typed_words(line, typed[n])
        try:
            super().draw()
            self._draw_rtl_bullet()
        finally:
            for line, words in zip(lines, kept, strict=True):
                line.words = words

    def _draw_rtl_bullet(self) -> None:
        if not self._rtl_bullet:
            return
        st, canv = self.style, self.canv
        text = self._rtl_bullet if isinstance(self._rtl_bullet, str) else "".join(f.text for f in self._rtl_bullet)
        size = st.bulletFontSize
        y = self.height - (st.fontSize if rl_config.paraFontSizeHeightOffset else getAscentDescent(st.fontName, st.fontSize)[0])
        canv.setFont(st.bulletFontName, size)
        canv.drawRightString(self.width - st.bulletIndent, y, text)  # as far from the right as it was from the left

    def _typed_lines(self) -> list[list[str]] | None:
        """The typed words of each drawn line, or None when they cannot be told apart (a word
        too long for a line is cut, and counted on both lines)."""
        lines = getattr(self.blPara, "lines", None)
        if not self._typed or not lines or getattr(self.blPara, "kind", 0) != 1:
            return None
        counts = [getattr(line, "wordCount", 0) for line in lines]
        if sum(counts) != len(self._typed):
            return None
        out, start = [], 0
        for n in counts:
            out.append(self._typed[start:start + n])
            start += n
        return out


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


def stack_height(flows: list[Flowable], width: float) -> float:
    """How much of a frame `flows` take from its top, as the frame spaces them: no space before
    the first, the larger of one's space after and the next one's space before between them, and
    the last one's space after."""
    total, after = 0.0, 0.0
    for n, f in enumerate(flows):
        h = f.wrap(width, 0xFFFFFF)[1]
        total += h + (max(f.getSpaceBefore() - after, 0) if n else 0)
        after = f.getSpaceAfter()
        total += after
    return total


def bullets(lines_markup: list[str], st: Styles) -> list[Flowable]:
    return [Para(line, st.bullet, bulletText="•") for line in lines_markup]


class Labelled(Flowable):
    """'How often: Daily' with the label in bold; `label` is our own text, never typed input.

    Every item has several of these lines, and as a two-font Paragraph each costs about twice
    as much to parse, break and draw as a plain one. Nearly all fit on one line, so such a line
    is measured and drawn here directly, with exactly the text operations ReportLab's Paragraph
    would use (bold label, then " value" in the regular face, from the same origin). Anything
    else (a value with markup, odd spacing, or too long for one line) is the Paragraph itself.
    """

    def __init__(self, label: str, value_markup: str, style: ParagraphStyle):
        super().__init__()
        self.label, self.markup, self.style = label, value_markup, style
        self.bold = tt2ps(ps2tt(style.fontName)[0], 1, 0)  # the face <b> would choose
        text = unescape(value_markup)
        # Only text that parses to itself: no tags or entities, single spaces, no soft hyphens.
        simple = (escape(text) == value_markup and " ".join(text.split()) == text and "\xad" not in text
                  and not shaping.needs_shaping(text))
        self.value = text if simple else None
        self._para: Para | None = None  # made only when the line is not simple

    def _paragraph(self) -> Para:
        if self._para is None:
            self._para = Para(f"<b>{self.label}</b> {self.markup}", self.style)
        return self._para

    def _fits_one_line(self, avail_width: float) -> bool:
        if not self.value or self.style.alignment != TA_LEFT:  # drawn here only as a left-aligned line
            return False
        st = self.style
        room = avail_width - st.leftIndent - st.firstLineIndent - st.rightIndent
        # An upper bound of the width ReportLab's line breaking computes: it may measure the
        # space after the label in either face.
        space = max(stringWidth(" ", self.bold, st.fontSize), stringWidth(" ", st.fontName, st.fontSize))
        width = stringWidth(self.label, self.bold, st.fontSize) + space + stringWidth(self.value, st.fontName, st.fontSize)
        return width + 1e-6 < room

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        if self._para is None and self._fits_one_line(availWidth):
            self.width, self.height = availWidth, self.style.leading
            return self.width, self.height
        self.width, self.height = self._paragraph().wrap(availWidth, availHeight)
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803
        if self._para is None:
            return []  # one line never splits, as a one-line Paragraph
        return list(self._para.split(availWidth, availHeight))

    def draw(self) -> None:
        if self._para is not None:
            self._para.drawOn(self.canv, 0, 0)
            return
        st, canv = self.style, self.canv
        size = st.fontSize
        if rl_config.paraFontSizeHeightOffset:  # where Paragraph puts the first baseline
            y = self.height - size
        else:
            y = self.height - max(getAscentDescent(self.bold, size)[0], getAscentDescent(st.fontName, size)[0])
        tx = canv.beginText(st.leftIndent + st.firstLineIndent, y)
        tx.setFillColor(st.textColor)
        tx.setFont(self.bold, size, st.leading)
        tx.textOut(self.label)
        tx.setFont(st.fontName, size, st.leading)
        tx.textOut(f" {self.value}")
        canv.drawText(tx)


def labelled(label: str, value_markup: str, st: Styles) -> Labelled:
    """'How often: Daily' with the label in bold; `label` is our own text, never typed input."""
    return Labelled(label, value_markup, st.body)


class KeepStart(KeepTogether):
    """Keeps a block on one page when it fits on one. A block taller than a page starts where it
    is, as soon as its first part fits, instead of jumping to a new page and leaving a gap.

    ReportLab never keeps a heading with a following KeepTogether, so a section's heading goes
    inside its first block.
    """

    def __init__(self, flowables: list[Flowable], min_tail: float = 60, flow: bool = False):
        super().__init__(flowables)
        self.min_tail = min_tail  # how much of the first long piece must fit below what precedes it
        self.flow = flow  # True: start wherever the start fits, even when the whole would fit on the next page
        self.start = 0.0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        width, height, heights = self._measure(avail_width)
        self._H, self._H0, self._wrapInfo = height, (heights[0] if heights else 0), (avail_width, avail_height)
        self.start, after = 0.0, 0.0
        for n, (f, h) in enumerate(zip(self._content, heights, strict=True)):
            # The space between parts counts too, as the frame spaces them: without it an item's
            # first line could start where the three lines after it then did not fit.
            self.start += max(f.getSpaceBefore() - after, 0) if n else 0
            if isinstance(f, KeepStart):
                self.start += f.start
                break
            # A heading or title is kept whole with what follows it, however tall (a heading
            # that wraps in large print is taller than the tail): counting only part of it
            # would let the block start where its heading cannot fit. So is the first part,
            # whatever it is: the frame places it unsplit (a bulleted item of four lines first).
            if n and h > self.min_tail and not f.getKeepWithNext():
                self.start += self.min_tail
                break
            after = f.getSpaceAfter()
            self.start += h + after
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
        if frame is not None and (frame._height < self._H or self.flow) and avail_height >= self.start:
            return list(self._content)
        return list(super().split(avail_width, avail_height))
