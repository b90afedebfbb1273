"""The printout's content, top to bottom: header, who to call, changes, goals, then the items."""

from __future__ import annotations

from dataclasses import dataclass, field

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from careplan.domain.plan import PlanItem
from careplan.reporting import kinds
from careplan.reporting import wording as w
from careplan.reporting.contacts import (
    Helper,
    caregiver_label,
    helpers_for,
    listed,
    member_label,
    unfilled_roles,
)
from careplan.reporting.flowables import KeepStart, Para, bullets, heading
from careplan.reporting.fonts import BOLD, REGULAR
from careplan.reporting.markup import Markup
from careplan.reporting.model import PdfOptions, PrintablePlan
from careplan.reporting.styles import FRAME_PAD_Y, PAGE_SIZES, Styles, styles_for

NBSP = "\u00a0"
CELL_MAX = 300  # table cells cannot split across pages, so typed text in them is capped
PORTRAIT, LANDSCAPE = "portrait", "landscape"  # page template names
SET_ASIDE = "Offered but declined, or stopped"  # the heading of items.set_aside


@dataclass
class Ctx:
    plan: PrintablePlan
    st: Styles
    m: Markup
    width: float  # of the text frame, in points
    height: float
    landscape_width: float
    landscape_height: float
    helpers: list[Helper] = field(default_factory=list)  # who the current items name, in plan order
    helper_of: dict[str, Helper] = field(default_factory=dict)  # by item key
    shown_first: set[str] = field(default_factory=set)  # casefolded labels page 1 lists with their numbers
    unfilled_said: bool = False  # page 1 names the roles nobody fills


def make_ctx(plan: PrintablePlan, options: PdfOptions, m: Markup, bottom_margin: float | None = None) -> Ctx:
    st = styles_for(options.large_print)
    page_w, page_h = PAGE_SIZES[options.paper]
    s = st.sizes
    bottom = s.bottom_margin if bottom_margin is None else bottom_margin
    current = [i for i in plan.revision.content.sorted_items() if i.status.is_current]
    helpers, helper_of = helpers_for(current, plan.patient)
    # The frame's own padding (6 pt left and right, FRAME_PAD_Y above and below) is part of what is lost.
    pad_y = 2 * FRAME_PAD_Y
    return Ctx(plan, st, m, page_w - 2 * s.side_margin - 12, page_h - s.top_margin - bottom - pad_y,
               page_h - 2 * s.side_margin - 12, page_w - s.top_margin - bottom - pad_y, helpers, helper_of)


def capped(text: str, limit: int = CELL_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def who_to_call(c: Ctx) -> list[Flowable]:
    """Everyone page 1 had no room for, in two boxes (team, family), so a long list can continue on
    the next page. Those page 1 shows with their numbers are not printed twice: the carer looks on
    page 1 first, and a second copy of the same list cost large print most of a page."""
    st, patient = c.st, c.plan.patient
    shown = c.shown_first
    boxes = [box for box in (
        _contact_box(c, "Your care team", [(t.name, t.role.label, t.phone) for t in patient.care_team
                                           if member_label(t).casefold() not in shown]),
        _contact_box(c, "Family and friends who help", [(g.name, g.relationship, g.phone) for g in patient.caregivers
                                                        if caregiver_label(g).casefold() not in shown]),
    ) if box is not None]
    if not boxes and not shown:
        boxes = [_box(c, [[Para("No one has been added here yet. Ask the clinic which number to call, "
                                     "and write it here: ______________________", st.cell), ""]])]
    missing = [] if c.unfilled_said else unfilled_roles(c.helpers)
    lead = [Para(c.m(f"The plan asks for a {listed(missing)}, but no one is named yet: ask the clinic who to "
                     "call."), st.body)] if missing else []
    notice = [Para(w.NOT_MEDICAL_ADVICE, st.body)]  # once, not in every footer
    if not boxes and not lead:
        return notice
    first: list[Flowable] = [boxes[0]] if boxes else []
    return [KeepStart([heading("More people to call", st), *lead, *notice, *first]),
            *(KeepStart([Spacer(1, st.sizes.body * 0.8), box]) for box in boxes[1:])]


def _contact_box(c: Ctx, title: str, people: list[tuple[str, str, str]]) -> Table | None:
    if not people:
        return None
    st, m = c.st, c.m
    rows: list[list[Flowable | str]] = [[Para(title, st.cell_bold), ""]]
    widest = max((stringWidth(capped(p, 60), BOLD, st.sizes.phone) for _, _, p in people), default=0.0)
    # A number split over two lines gets misdialled, so its spaces do not break; one too long
    # for the widest column breaks at its spaces, never inside a group of digits.
    keep_whole = widest + 20 <= c.width * 0.6
    for name, what, phone in people:
        # A team member saved with a role but no name is listed by the role alone.
        parts = [f"<b>{m(capped(name), bold=True)}</b>" if name.strip() else "", m(capped(what)) if what.strip() else ""]
        who = ", ".join(p for p in parts if p) or "No name written down"
        # Spaces become non-breaking in the text, before it is marked up: in the markup they
        # would also land inside the <font> tags that a fallback font's characters get.
        number_text = capped(phone, 60)
        text = m(number_text.replace(" ", NBSP) if keep_whole else number_text)
        number = Para(text, st.phone) if phone.strip() else Para("No number written down", st.cell)
        rows.append([Para(who, st.cell), number])
    return _box(c, rows, number_width=widest + 20)


def _box(c: Ctx, rows: list[list[Flowable | str]], number_width: float = 0.0) -> Table:
    # The number column is as wide as the longest number (within reason), the name gets the rest.
    name_w = c.width - min(max(number_width, c.width * 0.4), c.width * 0.6)
    style = TableStyle([
        ("FONT", (0, 0), (-1, -1), REGULAR, c.st.sizes.body),
        ("BOX", (0, 0), (-1, -1), 2, "black"),
        ("SPAN", (0, 0), (1, 0)), ("BACKGROUND", (0, 0), (1, 0), "#E6E6E6"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 8), ("RIGHTPADDING", (0, 0), (-1, -1), 8),
        ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("LINEBELOW", (0, 0), (-1, -2), 0.5, "#808080"),
        ("LINEBELOW", (0, "splitlast"), (-1, "splitlast"), 2, "black"),
    ])
    # The title row repeats when a long list runs onto the next page.
    return Table(rows, colWidths=[name_w, c.width - name_w], style=style, repeatRows=1)


def what_changed(c: Ctx) -> list[Flowable]:
    """One bullet per kind of change, the kind first, each item pointing to the heading it prints
    under; sub-headings over one-line lists took as much room as the changes themselves, and a
    bullet per new item (guideline prompts add several at once) a line each."""
    diff, st, m = c.plan.changes, c.st, c.m
    assert diff is not None

    def bold(title: str) -> str:
        return f"<b>{m(title, bold=True)}</b>"

    lines = []
    if diff.added:
        under: dict[str, list[str]] = {}
        for i in diff.added:
            under.setdefault(printed_under(i), []).append(bold(i.title))
        lines.append("New in the plan: " + "; ".join(f"{and_list(names)} ({where})" for where, names in under.items())
                     + ".")
    if diff.removed:  # no longer printed, so there is nothing to point to
        lines.append("Taken out of the plan: " + and_list([bold(i.title) for i in diff.removed]) + ".")
    for ch in diff.changed:
        if sentences := w.item_change_sentences(ch.changes, ch.after):
            lines.append(f"Changed: {bold(ch.after.title)} ({printed_under(ch.after)}): " + m(" ".join(sentences)))
    lines += [m(f"New goal: {g}") for g in diff.goals_added] + [m(f"No longer a goal: {g}") for g in diff.goals_removed]
    lines += [m(s) for s in map(w.plan_change_sentence, diff.plan_changes) if s]
    out: list[Flowable] = bullets(lines, st) or [Para("Nothing you need to do has changed since the last version.",
                                                      st.body)]
    # The heading stays with the first thing under it, never alone at the foot of a page.
    return [KeepStart([heading("What changed since the last version", st), out[0]]), *out[1:]]


def printed_under(item: PlanItem) -> str:
    """The heading `item` prints under."""
    return kinds.section(item) if item.status.is_current else SET_ASIDE


def and_list(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def goals(c: Ctx) -> list[Flowable]:
    texts = [g.text for g in c.plan.revision.content.goals if g.text.strip()]
    if not texts:
        return []
    return [heading("Goals of this plan", c.st), *bullets([c.m(t) for t in texts], c.st)]


def nothing_yet(c: Ctx) -> list[Flowable]:
    st = c.st
    who = ("call one of the people in the box under “Who to call” above"
           if c.plan.patient.care_team or c.plan.patient.caregivers else "call the clinic")
    return [
        heading("There is nothing to do in this plan yet", st),
        Para("The care team has not added any care to this plan yet. That is fine: they will add it "
                  "when they next see you, and you will get a new printout.", st.body),
        Para(f"If you have questions or worries before then, {who}.", st.body),
    ]
