"""The plan's items: one section per discipline, the set-aside list and the daily checklist."""

from __future__ import annotations

from itertools import groupby

from reportlab.platypus import Flowable, Table, TableStyle

from careplan.domain.disciplines import Discipline
from careplan.domain.plan import ItemStatus, PlanItem, mentions_dose
from careplan.reporting import carer_text, kinds
from careplan.reporting import wording as w
from careplan.reporting.flowables import Heading, KeepStart, Para, bullets, heading, labelled
from careplan.reporting.fonts import REGULAR
from careplan.reporting.story import Ctx, capped

BLANK = "____________________"


def current_items(c: Ctx) -> list[PlanItem]:
    order = {d: n for n, d in enumerate(kinds.PRINT_ORDER)}
    items = [i for i in c.plan.revision.content.sorted_items() if i.status.is_current]
    # Stable: plan order within; the clinic visits last, in one section.
    return sorted(items, key=lambda i: (i.catalogue_code in kinds.CLINIC_VISIT_CODES,
                                        order.get(i.discipline, len(order))))


def _news(c: Ctx) -> dict[str, str]:
    diff = c.plan.changes
    if diff is None:
        return {}
    out = {i.key: "New in this version" for i in diff.added}
    for ch in diff.changed:
        if w.item_change_sentences(ch.changes, ch.after):
            out[ch.after.key] = "Changed in this version"  # how: under "What changed", page 2
    return out


def discipline_sections(c: Ctx, items: list[PlanItem]) -> list[Flowable]:
    out: list[Flowable] = []
    news = _news(c)
    for title, group in groupby(items, key=kinds.section):
        group_items = list(group)
        brief = title == kinds.AT_CLINIC
        blocks = [item_block(c, item, news.get(item.key, ""), brief) for item in group_items]
        lead: list[Flowable] = [heading(title, c.st)]
        if title == Discipline.MEDICATION.caregiver_heading:
            lead += medicines_list(c, group_items)
        elif title == Discipline.SUPPLEMENT.caregiver_heading:
            lead.append(Para(w.SUPPLEMENT_CAVEAT, c.st.body))
        blocks[0][:0] = lead
        # An item's start (heading, title, what to do now and a few lines) stays together; the rest
        # flows on, so a page is not left part empty for a block that just misses it. Three lines,
        # not fewer: a paragraph never leaves one line alone, so three is the least that can split.
        # A block of one paragraph is left to the frame, which splits a paragraph by itself.
        out += [KeepStart(parts, min_tail=3 * c.st.sizes.leading, flow=True) if len(parts) > 1 else parts[0]
                for parts in blocks]
    return out


def _do_now(c: Ctx, item: PlanItem) -> str:
    if item.status is ItemStatus.PLANNED and item.start_date and item.start_date > c.plan.generated_on:
        return f"Start this on {w.format_date(item.start_date)}"
    return w.DO_NOW[item.status]


def item_block(c: Ctx, item: PlanItem, news: str = "", brief: bool = False) -> list[Flowable]:
    """Title, what to do now, how often, who helps, then the instructions; `brief`: all of that in
    one paragraph, for what the team does at a visit."""
    st, m = c.st, c.m
    if item.status in (ItemStatus.COMPLETED, ItemStatus.ON_HOLD):
        # Nothing to do now (what to do when it restarts comes with the new plan): one line.
        return [Para(f"<b>{m(item.title, bold=True)}</b>: {w.DO_NOW[item.status]}.", st.body)]
    parts: list[Flowable] = [Para(m(item.title, bold=True), st.item_title)]
    # What to do now, how often and who helps come first, on one line where they fit.
    now = f"<b>{_do_now(c, item)}.</b>" + (f" <i>{news}.</i>" if news else "")
    helper = c.helper_of.get(item.key)
    who = f"<b>Who helps:</b> {m(helper.label) if helper else BLANK}"
    if brief:
        how_often = m(item.frequency) if item.frequency.strip() else w.ASK_HOW_OFTEN
        text = m(carer_text.printed_text(item.catalogue_code, item.caregiver_instructions))
        return [Para(f"<b>{m(item.title, bold=True)}</b> ({how_often}). {now} {who}. {text}", st.bullet,
                     bulletText="•")]
    if item.discipline is Discipline.MEDICATION:
        # What to do now and when are in the list of medicines just above.
        parts.append(Para(who + (f" <i>{news}.</i>" if news else ""), st.body))
    else:
        how_often = m(item.frequency) if item.frequency.strip() else w.ASK_HOW_OFTEN
        parts.append(Para(f"{now} <b>How often:</b> {how_often} · {who}", st.body))
    text = carer_text.printed_text(item.catalogue_code, item.caregiver_instructions)
    text = text if text.strip() else w.NO_INSTRUCTIONS
    if item.discipline is Discipline.MEDICATION:
        # Doses are the team's decision and live on the prescription, never on this page: a
        # dose typed into the instructions is left out (write_plan_pdf warns about it).
        said = _how_given(item)
        if mentions_dose(text) or not item.caregiver_instructions.strip():
            text = said
        elif ("given at the clinic" if said == w.CLINIC_GIVES_TEXT else "prescribed") not in text.lower():
            text = f"{said}\n\n{text}"
    # Blank lines start new paragraphs so a long text can break between them.
    paras = [p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    parts += [Para(m(p.strip("\n")), st.body) for p in paras]
    if item.goal.strip():
        parts.append(labelled("Goal:", m(item.goal), st))
    return parts


def _how_given(item: PlanItem) -> str:
    """'Give as your doctor prescribed.', or, for what the clinic gives itself, that it does."""
    return w.CLINIC_GIVES_TEXT if carer_text.given_at_clinic(item.catalogue_code) else w.MEDICATION_TEXT


def medicines_list(c: Ctx, medicines: list[PlanItem]) -> list[Flowable]:
    """Every medicine on one short list: what it is for and when; the doses are on the prescription."""
    st, m = c.st, c.m
    rows: list[list[Flowable | str]] = [[Para("Medicine", st.cell_bold), Para("What it is for", st.cell_bold),
                                         Para("When", st.cell_bold)]]
    at_clinic = [carer_text.given_at_clinic(i.catalogue_code) for i in medicines]
    for i, clinic in zip(medicines, at_clinic, strict=True):
        when = _how_given(i) if i.frequency.strip().lower() in ("", "as prescribed") else capped(i.frequency, 80)
        if clinic and when != w.CLINIC_GIVES_TEXT:
            when = f"{w.CLINIC_GIVES_TEXT} {when}"
        if i.status is not ItemStatus.ACTIVE:
            when = f"{_do_now(c, i)}. {when}" if i.status is ItemStatus.PLANNED else w.DO_NOW[i.status] + "."
        rows.append([Para(f"<b>{m(capped(kinds.medicine_name(i), 120), bold=True)}</b>", st.cell),
                     Para(m(capped(kinds.medicine_purpose(i), 120)), st.cell), Para(m(when), st.cell)])
    third = c.width / 3
    lead = ("Give each one as your doctor prescribed" + (", except those given at the clinic." if any(at_clinic) else ".")
            if not all(at_clinic) else "The clinic gives these: there is nothing to give at home.")
    return [Para(lead, st.body),
            Table(rows, colWidths=[third, third, third], repeatRows=1, style=_LIST_STYLE(st.sizes.body))]


def equipment_list(c: Ctx, items: list[PlanItem]) -> list[Flowable]:
    """Each helper once, with the equipment they help with: the same person usually looks after
    several aids, and a line per aid repeated their name and role."""
    kit = [i for i in items if kinds.is_equipment(i) and i.status is not ItemStatus.COMPLETED]
    if not kit:
        return []
    st, m = c.st, c.m
    by_helper: dict[str, list[str]] = {}
    for i in kit:
        helper = c.helper_of.get(i.key)
        by_helper.setdefault(helper.label if helper else "", []).append(f"<b>{m(capped(i.title, 150), bold=True)}</b>")
    lines = [", ".join(names) + (f": problems? {m(capped(label, 120))}" if label else "")
             for label, names in by_helper.items()]
    return [KeepStart([heading("Equipment in use", st), *bullets(lines[:1], st)]), *bullets(lines[1:], st)]


def _LIST_STYLE(size: float) -> TableStyle:  # noqa: N802 - reads as a constant
    return TableStyle([
        ("FONT", (0, 0), (-1, -1), REGULAR, size),
        ("GRID", (0, 0), (-1, -1), 0.5, "#808080"), ("BOX", (0, 0), (-1, -1), 2, "black"),
        ("BACKGROUND", (0, 0), (-1, 0), "#E6E6E6"), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ])


def set_aside(c: Ctx) -> list[Flowable]:
    """One line per kind (stopped, said no to), naming the items: a bullet per item with its own
    "do not do this" took a page's last quarter for what needs no action."""
    items = [i for i in c.plan.revision.content.sorted_items() if not i.status.is_current]
    if not items:
        return []
    st, m = c.st, c.m
    lines = []
    for status, lead in ((ItemStatus.STOPPED, "Stopped: do not do"), (ItemStatus.DECLINED, "You said no to")):
        named = [f"<b>{m(i.title, bold=True)}</b>" for i in items if i.status is status]
        if named:
            them = "this" if len(named) == 1 else "these"
            tail = ". Tell us if you change your mind." if status is ItemStatus.DECLINED else "."
            lines.append(f"{lead} {them}: " + ", ".join(named) + tail)
    # Nothing here asks anything of the carer, so its heading is the size of the text.
    return [KeepStart([Heading("Offered but declined, or stopped", st.subheading), *bullets(lines[:1], st)]),
            *bullets(lines[1:], st)]
