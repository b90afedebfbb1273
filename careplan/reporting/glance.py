"""Page 1, "At a glance": who to call for what, when to get help now, and what changed.

It must fit on page 1 whatever the plan holds (ten people on the team, forty items, a name of 200
characters, large print on Letter), so it is laid out at decreasing levels of detail until one
fits the frame; anyone it has no room for, and every item, follow on the next pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Table, TableStyle

from careplan.domain.team import Role
from careplan.reporting import urgent
from careplan.reporting import wording as w
from careplan.reporting.contacts import Helper, listed, others, unfilled_roles
from careplan.reporting.flowables import Heading, Para, stack_height
from careplan.reporting.fonts import BOLD, REGULAR
from careplan.reporting.story import NBSP, Ctx, capped
from careplan.reporting.styles import styles_for

# (titles named per helper, most helpers listed, detail: 2 all, 1 no first steps, 0 brief, -1 least, -2 the
# signs run on; name at title size, cell cap)
_LEVELS = (
    (3, 12, 2, True, 200),
    (2, 8, 2, True, 120),
    (1, 6, 1, False, 90),
    (1, 4, 1, False, 70),
    (0, 6, 1, False, 70),
    (0, 4, 1, False, 70),
    (1, 6, 0, False, 70),
    (1, 4, 0, False, 70),
    (0, 3, 0, False, 60),
    # Least detail (-1): the change summary is counted, only the revision is in the facts line and
    # a very long name is left to the footer (printed there in full on every page); people to call
    # go last, as they are the point of the page, and the one to call first always stays: when
    # even that is too much, the danger signs run on in one paragraph per whom to call.
    (0, 3, -1, None, 50),
    (0, 2, -1, None, 50),
    (0, 1, -1, None, 40),
    (0, 1, -2, None, 40),
)


@dataclass(frozen=True)
class _Tight:
    """Page 1's styles: the printout's own sizes with less space between blocks."""

    heading: ParagraphStyle
    bullet: ParagraphStyle
    lead: ParagraphStyle
    lead_plain: ParagraphStyle


@lru_cache(maxsize=2)
def _tight(large_print: bool) -> _Tight:
    st = styles_for(large_print)
    body = st.sizes.body
    return _Tight(
        heading=ParagraphStyle(f"glance-heading-{large_print}", parent=st.heading, spaceBefore=body * 0.6,
                               spaceAfter=body * 0.3),
        bullet=ParagraphStyle(f"glance-bullet-{large_print}", parent=st.bullet, spaceAfter=body * 0.1),
        lead=ParagraphStyle(f"glance-lead-{large_print}", parent=st.cell_bold, spaceBefore=body * 0.3,
                            spaceAfter=body * 0.1),
        lead_plain=ParagraphStyle(f"glance-lead-plain-{large_print}", parent=st.body, spaceBefore=body * 0.6),
    )


class _Parts:
    """Page 1's parts, each made once per set of choices: the levels share most of them, and a
    Para keeps its line breaking, so trying the next level measures only what it changes (a
    large-print page 1 tries a dozen levels, and making them all afresh was a third of the time
    a printout took)."""

    def __init__(self) -> None:
        self._made: dict[tuple[object, ...], Any] = {}

    def get(self, key: tuple[object, ...], make: Callable[[], Any]) -> Any:
        if key not in self._made:
            self._made[key] = make()
        return self._made[key]


def at_a_glance(c: Ctx) -> list[Flowable]:
    parts = _Parts()
    flows: list[Flowable] = []
    for level in _LEVELS:
        flows, who = _page_one(c, parts, *level)
        if stack_height(flows, c.width) <= c.height:
            break
    # What page 1 shows decides what the list of more people to call leaves out.
    c.shown_first, c.unfilled_said = who.shown_first, who.unfilled_said
    return flows


def _page_one(c: Ctx, parts: _Parts, titles: int, most: int, detail: int, big_name: bool | None,
              cap: int) -> tuple[list[Flowable], _WhoFirst]:
    p, st = c.plan, c.st
    tight = _tight(st.sizes.body > 14)
    rev = p.revision
    out: list[Flowable] = list(parts.get(("head", big_name, max(min(detail, 1), -1), cap),
                                         lambda: _head(c, big_name, detail, cap)))
    who = parts.get(("who", titles, most, cap, detail <= 0, detail < 0),
                    lambda: who_to_call_first(c, tight, titles, most, cap, brief=detail <= 0, least=detail < 0))
    out += who.flows
    out += parts.get(("when", max(detail, 0) if detail > -2 else detail), lambda: when_to_get_help(c, tight, detail))

    def summary() -> list[Flowable]:
        text = c.m(" ".join(w.change_summary(p.changes, rev.number, limit=3 if titles else 1, counted=detail < 0)))
        if detail > 0:
            return [Heading("What changed in this version", tight.heading), Para(text, st.body)]
        return [Para(f"<b>What changed in this version:</b> {text}", tight.lead_plain)]

    out += parts.get(("summary", bool(titles), max(min(detail, 1), -1)), summary)
    return out, who


def _head(c: Ctx, big_name: bool | None, detail: int, cap: int) -> list[Flowable]:
    """The name, the plan's facts and any DRAFT or OLD COPY notice."""
    p, st, m = c.plan, c.st, c.m
    rev = p.revision
    name_style = st.title if big_name else st.subtitle if big_name is not None else st.cell_bold
    out: list[Flowable] = [Para("Care plan for " + m(p.patient.full_name, bold=True), name_style)]
    if detail < 0 and len(p.patient.full_name) > 60:
        out = [Para("Care plan for the person named at the foot of this page", name_style)]
    facts = [("Care plan, revision", f"{rev.number} of {w.format_date(w.local_date(rev.created_at))}"),
             ("Date of birth:", w.format_date(p.patient.date_of_birth, "Not recorded")),
             ("Clinic number (MRN):", capped(p.patient.mrn, cap)),
             ("Next review:", w.format_date(rev.content.next_review, "Not set yet; ask the clinic")),
             ("Printed on:", w.format_date(p.generated_on))]
    if detail <= 0:  # the rest is in every page's footer
        facts = facts[:3] if detail == 0 else [facts[0], facts[2]]  # the MRN tells apart two of one name
    out.append(Para(" · ".join(f"<b>{label}</b> {m(value)}" for label, value in facts), st.body))
    if (notice := w.version_notice(p)) is not None:
        out.append(Para(f"<b>{m(notice)}</b>", st.body))
    return out


def _number(c: Ctx, phone: str, missing: str) -> Para:
    if phone.strip():
        return Para(c.m(capped(phone, 40).replace(" ", NBSP)), c.st.phone)
    return Para(c.m(missing), c.st.cell)


@dataclass(frozen=True)
class _WhoFirst:
    flows: list[Flowable]
    shown_first: set[str]  # casefolded labels listed with their numbers
    unfilled_said: bool  # the roles nobody fills are named


def who_to_call_first(c: Ctx, tight: _Tight, titles: int, most: int, cap: int, brief: bool,
                      least: bool = False) -> _WhoFirst:
    """The clinic, its out-of-hours number and the people to call, first the one to call first;
    `brief` and `least`: shorter words, for a crowded page 1."""
    st, m = c.st, c.m
    clinic = c.plan.clinic_details
    rows: list[list[Flowable | str]] = []
    name = capped(clinic.name, cap) if clinic.name.strip() else "Your clinic"
    where = f"<br/>{m(capped(clinic.address, cap))}" if clinic.address.strip() and titles > 1 else ""
    rows.append([Para(f"<b>{m(name, bold=True)}</b>{where}", st.cell),
                 _number(c, clinic.phone, "Not set: write it here." if least else
                         "No clinic number is set: write it here." if brief else
                         "No clinic number is set: ask the clinic for it and write it here.")])
    rows.append([Para("<b>Out of hours</b>" + ("" if brief else " (nights, weekends)"), st.cell),
                 _number(c, clinic.out_of_hours, "Not set: ask for one." if least else
                         "No out-of-hours number is set: ask for one." if brief else
                         "No out-of-hours number is set: ask the clinic for one.")])
    named = [h for h in c.helpers if h.name and not h.family] + [h for h in c.helpers if h.family]
    # Then everyone else on the team and in the family, so that when all fit, page 1 is the whole
    # contact list and the separate one is left out.
    named += others(c.plan.patient, named)
    named = first_to_call(named)
    for h in named[:most]:
        missing = ("No number: ask the clinic." if not h.family else "No number: write it here.") if brief else h.missing
        rows.append([Para(_helper_text(c, h, titles, cap), st.cell), _number(c, h.phone, missing)])
    rest = len(named) - min(len(named), most)
    # Roles the plan names that nobody on the team fills: one row, not one each.
    unfilled = [h.role.label.lower() for h in c.helpers if not h.name and h.role is not None]
    spans = []
    if not c.helpers:
        spans.append(len(rows))
        rows.append([Para("No one in this plan is named to help yet: ask the clinic who to call for each part "
                          "of the plan.", st.cell), ""])
    elif brief and (unfilled or rest):
        # Even on the most crowded page 1, a carer who finds no one here is told where to look.
        spans.append(len(rows))
        rows.append([Para("More people to call: over the page." if least else
                          "More people to call: see the list below or over the page.", st.cell), ""])
    elif not brief:
        if unfilled:
            spans.append(len(rows))
            rows.append([Para(m(f"No one is named yet as {listed(unfilled)}: ask the clinic who to call."), st.cell), ""])
        if rest:
            spans.append(len(rows))
            rows.append([Para(f"{rest} more {'person' if rest == 1 else 'people'} to call: see the list below "
                              "or over the page.", st.cell), ""])
    # The number column fits the longest number on one line (a split number gets misdialled).
    widest = max((stringWidth(capped(n, 40), BOLD, st.sizes.phone) for n in
                  [clinic.phone, clinic.out_of_hours, *(h.phone for h in named[:most])] if n.strip()), default=0.0)
    number_w = min(max(widest + 14, c.width * (0.5 if least else 0.4)), c.width * 0.6)
    style = TableStyle([
        ("FONT", (0, 0), (-1, -1), REGULAR, st.sizes.body),
        ("BOX", (0, 0), (-1, -1), 2, "black"),
        ("LINEBELOW", (0, 0), (-1, -2), 0.5, "#808080"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 6), ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        *(("SPAN", (0, r), (1, r)) for r in spans),
    ])
    return _WhoFirst([Heading("Who to call first", tight.heading),
                      Table(rows, colWidths=[c.width - number_w, number_w], style=style)],
                     {h.label.casefold() for h in named[:most]}, not brief and bool(unfilled_roles(c.helpers)))


# Whom a carer calls first when page 1 has room for one person: whoever coordinates the care,
# then the nurses and doctors who answer for the urgent signs ("When to get help now").
_FIRST_ROLES = (Role.CARE_COORDINATOR, Role.SPECIALIST_NURSE, Role.NURSE, Role.NEUROLOGIST, Role.PALLIATIVE_TEAM,
                Role.RESPIRATORY_PHYSIOLOGIST, Role.RESPIRATORY_THERAPIST, Role.GP)


def first_to_call(named: list[Helper]) -> list[Helper]:
    """`named` with the person to call first at its head: someone on the team with a number, the
    coordinator or nurse before the others; the rest keep their order (the plan's)."""
    def rank(k: int) -> tuple[bool, bool, int]:
        h = named[k]
        role = _FIRST_ROLES.index(h.role) if h.role in _FIRST_ROLES else len(_FIRST_ROLES)
        return not (h.phone.strip() and h.name.strip()), h.family, role

    if not named:
        return named
    first = min(range(len(named)), key=lambda k: (*rank(k), k))
    return [named[first], *named[:first], *named[first + 1:]]


def _helper_text(c: Ctx, h: Helper, titles: int, cap: int) -> str:
    m = c.m
    text = f"<b>{m(capped(h.label, cap), bold=True)}</b>"
    if titles and h.items:
        shown = [capped(t, cap) for t in h.items[:titles]]
        more = len(h.items) - len(shown)
        text += ", for " + m(", ".join(shown) + (f" and {more} more" if more else ""))
    return text


def when_to_get_help(c: Ctx, tight: _Tight, detail: int) -> list[Flowable]:
    m = c.m
    current = [i for i in c.plan.revision.content.items if i.status.is_current]
    ambulance, clinic = urgent.signs_for(current)

    def lines(signs: list[urgent.Sign]) -> list[Flowable]:
        return [Para((m(s.what) if detail > 0 else m(s.brief)) + (f" <i>{m(s.first)}</i>" if detail > 1 and s.first else ""),
                     tight.bullet, bulletText="•") for s in signs]

    if detail < -1:  # every sign still there, a line or two shorter
        return [Heading("When to get help now", tight.heading),
                *(Para(f"<b>{lead}</b> " + " • ".join(m(s.brief) for s in signs), tight.lead_plain)
                  for lead, signs in ((urgent.AMBULANCE_BRIEF, ambulance),
                                      (urgent.clinic_lead(c.plan.clinic_details, brief=True), clinic)))]
    return [Heading("When to get help now", tight.heading),
            Para(urgent.AMBULANCE_LEAD if detail > 0 else urgent.AMBULANCE_BRIEF, tight.lead), *lines(ambulance),
            Para(m(urgent.clinic_lead(c.plan.clinic_details, brief=detail <= 0)), tight.lead), *lines(clinic)]
