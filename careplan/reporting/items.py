"""The plan's items: one section per discipline, the set-aside list and the daily checklist."""

from __future__ import annotations

from itertools import groupby

from reportlab.platypus import Flowable

from careplan.domain.plan import ItemStatus, PlanItem, mentions_dose
from careplan.reporting import carer_text, kinds
from careplan.reporting import wording as w
from careplan.reporting.flowables import Heading, KeepStart, Para, bullets, heading, labelled
from careplan.reporting.story import SET_ASIDE, Ctx, capped

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
        lead: list[Flowable] = [heading(title, c.st)]
        # Medicines and supplements are short lists, one paragraph each: a titled block of four
        # lines for "L-carnitine: an antioxidant" cost more than what it said. Whoever helps with
        # all of them is named once, above them, not under every one.
        listed_kind = title in (kinds.MEDICINES, kinds.SUPPLEMENTS)
        shared = _shared_helper(c, group_items) if listed_kind else None
        if title == kinds.SUPPLEMENTS:
            lead.append(Para(w.SUPPLEMENT_CAVEAT + (f" <b>Who helps with these:</b> {c.m(shared)}." if shared else ""),
                             c.st.body))
        elif shared:
            lead.append(Para(f"<b>Who helps with these:</b> {c.m(shared)}.", c.st.body))
        blocks = [item_block(c, item, news.get(item.key, ""), brief=listed_kind or title == kinds.AT_CLINIC,
                             who=not shared) for item in group_items]
        blocks[0][:0] = lead
        # An item's start (heading, title, what to do now and a few lines) stays together; the rest
        # flows on, so a page is not left part empty for a block that just misses it. Three lines,
        # not fewer: a paragraph never leaves one line alone, so three is the least that can split.
        # A block of one paragraph is left to the frame, which splits a paragraph by itself.
        out += [KeepStart(parts, min_tail=3 * c.st.sizes.leading, flow=True) if len(parts) > 1 else parts[0]
                for parts in blocks]
    return out


def _shared_helper(c: Ctx, items: list[PlanItem]) -> str | None:
    """Who helps with every one of `items` still to do, when that is one named helper and there
    are at least two of them."""
    doing = [i for i in items if i.status not in (ItemStatus.COMPLETED, ItemStatus.ON_HOLD)]
    labels = {h.label if (h := c.helper_of.get(i.key)) else None for i in doing}
    return labels.pop() if len(doing) > 1 and len(labels) == 1 and None not in labels else None


def _do_now(c: Ctx, item: PlanItem) -> str:
    if item.status is ItemStatus.PLANNED and item.start_date and item.start_date > c.plan.generated_on:
        return f"Start this on {w.format_date(item.start_date)}"
    return w.DO_NOW[item.status]


def item_block(c: Ctx, item: PlanItem, news: str = "", brief: bool = False, who: bool = True) -> list[Flowable]:
    """Title, what to do now, how often, who helps (after the instructions when it would wrap onto
    a line of its own), then the instructions; `brief`: all of that in
    one bulleted paragraph, for what the team does at a visit and the lists of medicines and
    supplements; `who`: whether to say who helps (not when the list names them once above)."""
    st, m = c.st, c.m
    if item.status in (ItemStatus.COMPLETED, ItemStatus.ON_HOLD):
        # Nothing to do now (what to do when it restarts comes with the new plan): one line.
        line = f"<b>{m(item.title, bold=True)}</b>: {w.DO_NOW[item.status]}."
        return [Para(line, st.bullet, bulletText="•") if brief else Para(line, st.body)]  # in a list, as a bullet
    # What to do now, how often and who helps come first, on one line where they fit.
    now = f"<b>{_do_now(c, item)}.</b>" + (f" <i>{news}.</i>" if news else "")
    helper = c.helper_of.get(item.key)
    helps = f"<b>Who helps:</b> {m(helper.label) if helper else BLANK}"
    how_often = m(item.frequency) if item.frequency.strip() else w.ASK_HOW_OFTEN
    text = carer_text.printed_text(item.catalogue_code, item.caregiver_instructions)
    medicine = kinds.section(item) == kinds.MEDICINES
    text = _medicine_text(item, text) if medicine else text
    text = text if text.strip() else w.NO_INSTRUCTIONS
    # Blank lines start new paragraphs so a long text can break between them.
    paras = [m(p.strip("\n")) for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    goal = [labelled("Goal:", m(item.goal), st)] if item.goal.strip() else []
    if brief:
        if medicine:
            # Name, what it is for and when: the prescription has the times, so "As prescribed" is not repeated.
            purpose = kinds.medicine_purpose(item)
            said = f"<b>{m(kinds.medicine_name(item), bold=True)}</b>, " + (
                m(purpose) if purpose != kinds.ASK_PURPOSE else "ask your doctor what it is for")
            if item.frequency.strip().lower() not in ("", "as prescribed"):
                said += f" ({how_often})"
        elif item.frequency.strip().lower() == "at every clinic visit" and kinds.section(item) == kinds.AT_CLINIC:
            said = f"<b>{m(item.title, bold=True)}</b>"  # the heading says when
        else:
            said = f"<b>{m(item.title, bold=True)}</b> ({how_often})"
        first = f"{said}. {now}" + (f" {helps}." if who else "") + f" {paras[0]}"
        # Further paragraphs of a long typed text stay paragraphs, under the bullet's text.
        return [Para(first, st.bullet, bulletText="•"), *(Para(p, st.bullet) for p in paras[1:]), *goal]
    # The title runs in, in its own larger bold, with what to do now after it: a title on a line
    # of its own over a status line of half a line cost a line under every item.
    title = f'<font size="{st.sizes.item_title}"><b>{m(item.title, bold=True)}</b></font>: {now} <b>How often:</b> '
    lead = Para(f"{title}{how_often} · {helps}", st.item_lead)
    # One line cannot get shorter, so only a longer lead is measured without who helps (the
    # paragraph measured is the one printed: making and breaking it again cost time).
    if (lines := _lines(lead, c)) > 1 and lines > _lines(short := Para(title + how_often, st.item_lead), c):
        # Who helps would take a line of its own there: it ends the instructions instead, in the
        # room their last line leaves.
        lead = short
        paras[-1] += f" {helps}."
    return [lead, *(Para(p, st.body) for p in paras), *goal]


def _lines(para: Para, c: Ctx) -> int:
    return round(para.wrap(c.width, 0xFFFFFF)[1] / c.st.sizes.leading)


def _medicine_text(item: PlanItem, text: str) -> str:
    """Doses are the team's decision and live on the prescription, never on this page: a dose
    typed into the instructions is left out (write_plan_pdf warns about it)."""
    said = _how_given(item)
    if mentions_dose(text) or not item.caregiver_instructions.strip():
        return said
    if ("given at the clinic" if said == w.CLINIC_GIVES_TEXT else "prescribed") not in text.lower():
        return f"{said}\n\n{text}"
    return text


def _how_given(item: PlanItem) -> str:
    """'Give as your doctor prescribed.', or, for what the clinic gives itself, that it does."""
    return w.CLINIC_GIVES_TEXT if carer_text.given_at_clinic(item.catalogue_code) else w.MEDICATION_TEXT


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
    return [KeepStart([Heading(SET_ASIDE, st.subheading), *bullets(lines[:1], st)]),
            *bullets(lines[1:], st)]
