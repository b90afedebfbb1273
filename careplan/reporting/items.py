"""The plan's items: one section per discipline, the set-aside list and the daily checklist."""

from __future__ import annotations

from itertools import groupby

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, NextPageTemplate, PageBreak, Table, TableStyle

from careplan.domain.disciplines import Discipline
from careplan.domain.plan import ItemStatus, PlanItem, is_daily, mentions_dose
from careplan.reporting import wording as w
from careplan.reporting.flowables import KeepStart, Para, bullets, heading, labelled
from careplan.reporting.fonts import BOLD, REGULAR
from careplan.reporting.story import LANDSCAPE, Ctx, capped

BLANK = "____________________"
NAME_SHARE = 0.36  # of the checklist's width, for "What to do"


def current_items(c: Ctx) -> list[PlanItem]:
    return [i for i in c.plan.revision.content.sorted_items() if i.status.is_current]


def discipline_sections(c: Ctx, items: list[PlanItem]) -> list[Flowable]:
    out: list[Flowable] = []
    for discipline, group in groupby(items, key=lambda i: i.discipline):
        blocks = [item_block(c, item) for item in group]
        blocks[0].insert(0, heading(discipline.caregiver_heading, c.st))
        out += [KeepStart(parts, min_tail=4 * c.st.sizes.leading) for parts in blocks]
    return out


def item_block(c: Ctx, item: PlanItem) -> list[Flowable]:
    st, m = c.st, c.m
    parts: list[Flowable] = [Para(m(item.title, bold=True), st.item_title)]
    text = item.caregiver_instructions if item.caregiver_instructions.strip() else w.NO_INSTRUCTIONS
    if item.discipline is Discipline.MEDICATION:
        # Doses are the team's decision and live on the prescription, never on this page: a
        # dose typed into the instructions is left out (write_plan_pdf warns about it).
        if mentions_dose(text) or not item.caregiver_instructions.strip():
            text = w.MEDICATION_TEXT
        elif "prescribed" not in text.lower():
            text = f"{w.MEDICATION_TEXT}\n\n{text}"
    # Blank lines start new paragraphs so a long text can break between them.
    paras = [p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    parts += [Para(m(p.strip("\n")), st.body) for p in paras]
    parts.append(labelled("How often:", m(item.frequency) if item.frequency.strip() else w.ASK_HOW_OFTEN, st))
    parts.append(labelled("Who helps:", m(item.responsible) if item.responsible.strip() else BLANK, st))
    if item.goal.strip():
        parts.append(labelled("Goal:", m(item.goal), st))
    if item.status is ItemStatus.ON_HOLD:
        parts.append(labelled("On hold:", "do not do this for now. The care team will tell you when to start again.", st))
    elif item.status is ItemStatus.COMPLETED:
        parts.append(labelled("Done:", "this has been completed.", st))
    elif item.start_date and item.start_date > c.plan.generated_on:
        parts.append(labelled("Starts on:", w.format_date(item.start_date), st))
    return parts


def set_aside(c: Ctx) -> list[Flowable]:
    items = [i for i in c.plan.revision.content.sorted_items() if not i.status.is_current]
    if not items:
        return []
    st, m = c.st, c.m
    lines = [f"<b>{m(i.title, bold=True)}</b> ({i.discipline.caregiver_heading}): {w.STATUS_MARKS[i.status]}"
             for i in items]
    return [
        heading("Offered but declined, or stopped", st),
        Para("These were talked about but are not part of the plan now. You do not need to do them.", st.body),
        *bullets(lines, st),
    ]


def daily_checklist(c: Ctx, items: list[PlanItem]) -> list[Flowable]:
    daily = [i for i in items if is_daily(i.frequency) and i.status in (ItemStatus.PLANNED, ItemStatus.ACTIVE)]
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
    per_line = max(1, int((day_w - 2 * pad + gap) // (box + gap)))
    rows: list[list[Flowable | str]] = [[Para("What to do", st.cell_bold),
                                         *(Para(d, st.cell_center) for d in w.DAYS)]]
    for item in daily:
        label = f"<b>{m(capped(item.title, 150), bold=True)}</b><br/>{m(capped(item.frequency, 80))}"
        rows.append([Para(label, st.cell), *([_boxes(w.times_per_day(item.frequency), per_line)] * 7)])
    style = TableStyle([
        ("FONT", (0, 0), (-1, -1), REGULAR, st.sizes.body),
        ("GRID", (0, 0), (-1, -1), 0.75, "black"),
        ("BOX", (0, 0), (-1, -1), 2, "black"),
        ("LINEBELOW", (0, 0), (-1, 0), 2, "black"),
        ("LINEBELOW", (0, "splitlast"), (-1, "splitlast"), 2, "black"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), pad), ("RIGHTPADDING", (0, 0), (-1, -1), pad),
        ("TOPPADDING", (0, 0), (-1, -1), 8), ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), ["white", "#EFEFEF"]),
        # Tick boxes are plain strings: far cheaper than seven Paragraphs per row.
        ("FONT", (1, 1), (-1, -1), REGULAR, st.sizes.tick, st.sizes.tick * 1.3),
        ("ALIGN", (1, 1), (-1, -1), "CENTER"),
    ])
    table = Table(rows, colWidths=[width - 7 * day_w] + [day_w] * 7, style=style, repeatRows=1)
    return [
        *([NextPageTemplate(LANDSCAPE)] if landscape else []),
        PageBreak(),
        heading("Daily checklist", st),
        Para("Put a tick in a box each time it is done. Use a new copy of this page each week.", st.body),
        Para(f"<b>Week starting:</b> {BLANK}", st.body),
        table,
    ]


def _boxes(count: int, per_line: int) -> str:
    return "\n".join(" ".join(["☐"] * min(per_line, count - i)) for i in range(0, count, per_line))
