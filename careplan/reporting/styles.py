"""Type sizes, paragraph styles and page geometry for the normal and large-print printouts."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm

from careplan.reporting.fonts import BOLD, REGULAR, register_bundled_fonts

PAGE_SIZES = {"a4": A4, "letter": LETTER}
FRAME_PAD_Y = 0  # the text frame's padding above and below its text (ReportLab's default is 6 pt)


@dataclass(frozen=True)
class Sizes:
    body: float  # AHRQ/CDC: 12-14 pt for print, 18 pt for large print
    title: float
    heading: float
    item_title: float
    phone: float
    tick: float
    footer: float  # the footer is never below 12 pt either
    side_margin: float
    top_margin: float

    @property
    def leading(self) -> float:
        return round(self.body * 1.3, 1)  # 1.3: still open for tired eyes, and a page in ten shorter

    @property
    def footer_height(self) -> float:
        return self.footer * 1.3 * 2 + 10

    @property
    def bottom_margin(self) -> float:
        return 12 * mm + self.footer_height


NORMAL = Sizes(body=13, title=24, heading=17, item_title=14, phone=18, tick=22, footer=12,
               side_margin=14 * mm, top_margin=12 * mm)
LARGE = Sizes(body=18, title=32, heading=24, item_title=20, phone=24, tick=28, footer=18,
              side_margin=13 * mm, top_margin=13 * mm)


@dataclass(frozen=True)
class Styles:
    sizes: Sizes
    body: ParagraphStyle
    bullet: ParagraphStyle
    sub_bullet: ParagraphStyle
    title: ParagraphStyle
    subtitle: ParagraphStyle
    heading: ParagraphStyle
    subheading: ParagraphStyle
    item_lead: ParagraphStyle  # an item's title run in, then what to do now
    phone: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    cell_center: ParagraphStyle
    footer: ParagraphStyle


@lru_cache(maxsize=2)
def styles_for(large_print: bool) -> Styles:
    """Built once per variant: creating styles for every item would be wasted work."""
    register_bundled_fonts()
    s = LARGE if large_print else NORMAL
    lead = s.leading

    def style(name: str, **kw: object) -> ParagraphStyle:
        base: dict[str, object] = dict(fontName=REGULAR, fontSize=s.body, leading=lead,
                                       textColor="black", splitLongWords=1, allowWidows=0,
                                       allowOrphans=0, bulletFontName=REGULAR, bulletFontSize=s.body)
        base.update(kw)
        return ParagraphStyle(f"careplan-{name}-{'large' if large_print else 'normal'}", **base)

    body = style("body", spaceAfter=s.body * 0.2)
    return Styles(
        sizes=s,
        body=body,
        bullet=style("bullet", leftIndent=s.body * 1.4, bulletIndent=s.body * 0.3, spaceAfter=s.body * 0.2),
        sub_bullet=style("sub-bullet", leftIndent=s.body * 2.6, bulletIndent=s.body * 1.5, spaceAfter=s.body * 0.3),
        title=style("title", fontName=BOLD, fontSize=s.title, leading=s.title * 1.25, spaceAfter=s.body * 0.3),
        subtitle=style("subtitle", fontName=BOLD, fontSize=s.item_title, leading=s.item_title * 1.4,
                       spaceAfter=s.body * 0.4),
        heading=style("heading", fontName=BOLD, fontSize=s.heading, leading=s.heading * 1.3,
                      spaceBefore=s.body * 0.6, spaceAfter=s.body * 0.2, keepWithNext=1),
        subheading=style("subheading", fontName=BOLD, spaceBefore=s.body * 0.5, spaceAfter=s.body * 0.2,
                         keepWithNext=1),
        # Not keepWithNext: ReportLab would then keep the whole of the instructions with it, where
        # KeepStart (items.discipline_sections) keeps only their first lines.
        item_lead=style("item-lead", spaceBefore=s.body * 0.4, spaceAfter=s.body * 0.2),
        phone=style("phone", fontName=BOLD, fontSize=s.phone, leading=s.phone * 1.3),
        cell=style("cell"),
        cell_bold=style("cell-bold", fontName=BOLD),
        cell_center=style("cell-center", fontName=BOLD, alignment=TA_CENTER),
        footer=style("footer", fontSize=s.footer, leading=s.footer * 1.3),
    )
