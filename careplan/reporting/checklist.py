"""The daily checklist: printed last, to copy each week, with a tick box per time per day.

Medicines first (the prescription sets the times), then the daily routine, then supplements. It
fits on one page (under the last list when it fits there whole, else a page of its own, landscape
when the days need the width), or says on the page how it goes on.
"""

from __future__ import annotations

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    Flowable,
    NextPageTemplate,
    PageBreak,
    Table,
    TableStyle,
)

from careplan.domain.disciplines import Discipline
from careplan.domain.plan import ItemStatus, PlanItem, is_daily
from careplan.reporting import carer_text, kinds
from careplan.reporting import wording as w
from careplan.reporting.flowables import Para, heading, stack_height
from careplan.reporting.fonts import BOLD, REGULAR
from careplan.reporting.items import BLANK
from careplan.reporting.story import LANDSCAPE, Ctx, capped
from careplan.reporting.styles import Styles

NAME_SHARE = 0.36  # of the checklist's width, for "What to do"


def daily_checklist(c: Ctx, items: list[PlanItem]) -> list[Flowable]:
    doing = [i for i in items if i.status in (ItemStatus.PLANNED, ItemStatus.ACTIVE)]
    # Medicines first (each one, whatever its frequency says: the prescription sets the times),
    # then the daily routine, then supplements, which matter least.
    # A referral, and what the clinic gives at its visits: nothing to tick off each day.
    daily = ([i for i in doing if i.discipline is Discipline.MEDICATION and i.catalogue_code not in kinds.CLINIC_VISIT_CODES
              and not carer_text.given_at_clinic(i.catalogue_code)]
             + [i for i in doing if i.discipline not in (Discipline.MEDICATION, Discipline.SUPPLEMENT)
                and is_daily(i.frequency) and i.catalogue_code not in kinds.CLINIC_VISIT_CODES]
             + [i for i in doing if i.discipline is Discipline.SUPPLEMENT and is_daily(i.frequency)])
    if not daily:
        return []
    st, m = c.st, c.m
    pad = 4
    # The days share what the "What to do" column leaves; when that is too narrow for a day's
    # name, the checklist goes on a landscape page.
    min_day = max(stringWidth(d, BOLD, st.sizes.body) for d in w.DAYS) + 2 * pad + 2
    landscape = (c.width * (1 - NAME_SHARE)) / 7 < min_day
    width = c.landscape_width if landscape else c.width
    day_w = width * (1 - NAME_SHARE) / 7
    box, gap = stringWidth("☐", REGULAR, st.sizes.tick), stringWidth(" ", REGULAR, st.sizes.tick)
    # As many boxes side by side as the busiest row needs, when they fit: room for two boxes a
    # day on a sheet of once-a-day rows wrapped every name in large print, taking a second sheet.
    most = max(w.times_per_day(i.frequency) for i in daily)
    per_line = max(1, min(most, int((day_w - 2 * pad + gap) // (box + gap))))
    # The days take no more than their name and that many boxes need; what is left goes to "What
    # to do", whose names then wrap less: a line less in a row is a row more on the sheet.
    day_w = max(min_day, per_line * box + (per_line - 1) * gap + 2 * pad + 2)
    rows: list[list[Flowable | str]] = [[Para("What to do", st.cell_bold),
                                         *(Para(d, st.cell_center) for d in w.DAYS)]]
    for item in daily:
        how = item.frequency if item.frequency.strip() else w.ASK_HOW_OFTEN
        if item.discipline is Discipline.MEDICATION and item.frequency.strip().lower() in ("", "as prescribed"):
            # The list of medicines says "as your doctor prescribed"; a line a row here is what
            # tipped a large-print checklist onto a second sheet to copy every week.
            how = "As prescribed"
        # "Daily" under every row of a daily checklist says nothing, and costs a line a row.
        said = "" if how.strip().lower() == "daily" else f"<br/>{m(capped(how, 80))}"
        label = f"<b>{m(capped(item.title, 150), bold=True)}</b>{said}"
        rows.append([Para(label, st.cell), *([_boxes(w.times_per_day(item.frequency), per_line)] * 7)])
    widths = [width - 7 * day_w] + [day_w] * 7
    intro = [heading("Daily checklist", st), _how_to_use(st, 1), Para(f"<b>Week starting:</b> {BLANK}", st.body)]
    frame_h = c.landscape_height if landscape else c.height
    # Spaced as the frame spaces them, so the page count said above the table is the one printed;
    # first with the one-page sentence above the table (a line or two shorter than the others).
    room = frame_h - stack_height(intro, width)
    # Roomy rows are easier to tick; when that leaves a row or two over the page, tighter rows
    # that fit on one sheet are better than a second sheet to copy every week. The tightest set
    # the boxes' lines at their own size (a large-print sheet of ten rows then fits one page).
    roomy = table = Table(rows, colWidths=widths, style=_style(st, pad, 8), repeatRows=1)
    tighter = [Table(rows, colWidths=widths, style=_style(st, pad, padding, box_leading=leading), repeatRows=1)
               for padding, leading in ((2, 1.1), (1, 1.0))]
    pages = _pages_needed(table, width, room, frame_h)
    # The first spacing that fits one page; the tightest is measured only when the other is not.
    if pages > 1 and (fit := next((t for t in tighter if _pages_needed(t, width, room, frame_h) == 1), None)) is not None:
        table, pages = fit, 1
    if pages > 1:  # measured again under the longest sentence, so the count it gives holds
        pages = _pages_needed(table, width, frame_h - stack_height([intro[0], _how_to_use(st, 99), intro[2]], width),
                              frame_h)
    if pages != 1:  # the one-page sentence is already there, measured
        intro[1] = _how_to_use(st, pages)
    if landscape or pages > 1:
        return [*([NextPageTemplate(LANDSCAPE)] if landscape else []), PageBreak(), *intro, table]
    # A one-page portrait checklist goes under the last list when all of it fits there (with
    # tighter rows when only those fit), else on a page of its own: it is the last thing printed
    # either way, so a copy of that page is still the week's checklist, and a page that held only
    # "Equipment in use" cost a sheet.
    spacings = [roomy, *tighter]
    return [_UnderOrAlone([[*intro, t] for t in spacings[spacings.index(table):]], width)]


class _UnderOrAlone(Flowable):
    """The first of `choices` that fits in the room left on the page, else the first on a page of
    its own; decided at layout time, when the room is known."""

    def __init__(self, choices: list[list[Flowable]], width: float):
        super().__init__()
        self.choices, self.choice_width = choices, width

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return avail_width, 0xFFFFFF  # as KeepTogether: always asks to be split

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        frame = getattr(self, "_frame", None)
        # Below other text the heading keeps its space before; a point spare for rounding.
        for flows in self.choices:
            if stack_height(flows, self.choice_width) + flows[0].getSpaceBefore() + 1 <= avail_height:
                return list(flows)
        if frame is not None and frame._atTop:
            return list(self.choices[0])
        return [PageBreak(), *self.choices[0]]


def _style(st: Styles, pad: float, padding: float, box_leading: float = 1.3) -> TableStyle:
    return TableStyle([
        ("FONT", (0, 0), (-1, -1), REGULAR, st.sizes.body),
        ("GRID", (0, 0), (-1, -1), 0.75, "black"),
        ("BOX", (0, 0), (-1, -1), 2, "black"),
        ("LINEBELOW", (0, 0), (-1, 0), 2, "black"),
        ("LINEBELOW", (0, "splitlast"), (-1, "splitlast"), 2, "black"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), pad), ("RIGHTPADDING", (0, 0), (-1, -1), pad),
        ("TOPPADDING", (0, 0), (-1, -1), padding), ("BOTTOMPADDING", (0, 0), (-1, -1), padding + 2),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), ["white", "#EFEFEF"]),
        # Tick boxes are plain strings: far cheaper than seven Paragraphs per row.
        ("FONT", (1, 1), (-1, -1), REGULAR, st.sizes.tick, st.sizes.tick * box_leading),
        ("ALIGN", (1, 1), (-1, -1), "CENTER"),
    ])


def _how_to_use(st: Styles, pages: int) -> Para:
    copy = ("this page" if pages == 1 else "both pages of this checklist" if pages == 2
            else f"all {pages} pages of this checklist")
    more = "" if pages == 1 else " It goes on over the page, with the days again at the top."
    return Para(f"Put a tick in a box each time it is done. Use a new copy of {copy} each week.{more}", st.body)


def _pages_needed(table: Table, width: float, first_room: float, page_room: float) -> int:
    """How many pages the checklist table takes: split as the frame will split it (whole rows,
    the day row repeated), so the words above it can say so."""
    pages, room, rest = 1, first_room, table
    while rest.wrap(width, room)[1] > room and pages < 200:
        parts = rest.split(width, room)
        if len(parts) < 2:
            break
        rest, room, pages = parts[1], page_room, pages + 1
    return pages


def _boxes(count: int, per_line: int) -> str:
    return "\n".join(" ".join(["☐"] * min(per_line, count - i)) for i in range(0, count, per_line))
