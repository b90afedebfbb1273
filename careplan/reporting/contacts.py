"""Who to call for what: each "Who helps" of the plan matched to a named person and number.

Plain logic, no ReportLab, so the matching is tested on its own. The same `Helper.label` is
printed on page 1 ("Who to call") and under every item ("Who helps"), so a carer can find the
number for an item by the name they read there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from careplan.domain.patient import Caregiver, Patient, TeamMember
from careplan.domain.plan import PlanItem
from careplan.domain.team import Role

_BY_LABEL = {r.label.casefold(): r for r in Role} | {r.value.replace("_", " "): r for r in Role}
_NAME_AND_ROLE = re.compile(r"^(?P<name>.*?)\s*\((?P<role>[^()]*)\)\s*$")


@dataclass
class Helper:
    """One person (or role nobody fills yet) the plan's items name, and what they help with."""

    label: str  # "Kate Dunn, Specialist nurse"; "Physiotherapist"; "Tom O'Brien (Son)"
    phone: str = ""
    role: Role | None = None
    name: str = ""
    family: bool = False
    items: list[str] = field(default_factory=list)  # titles, in plan order

    @property
    def missing(self) -> str:
        """What a carer must ask for, in plain words; empty when name and number are known."""
        who = f"the {self.role.label.lower()}" if self.role and self.role is not Role.OTHER else (self.name or self.label)
        if not self.name and self.role is not None:
            return f"No one is named as {who} yet: ask the clinic who to call."
        if not self.phone.strip():
            if self.family:
                return f"No phone number for {self.name}: write it here."
            return f"No phone number for {who}: ask the clinic."
        return ""


def member_label(m: TeamMember) -> str:
    return f"{m.name.strip()}, {m.role.label}" if m.name.strip() else m.role.label


def caregiver_label(c: Caregiver) -> str:
    rel = c.relationship.strip()
    return f"{c.name.strip()} ({rel})" if rel else c.name.strip()


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def match(responsible: str, patient: Patient) -> Helper | None:
    """The person or role `responsible` names; None when it is blank."""
    text = _fold(responsible)
    if not text:
        return None
    team, family = patient.care_team, patient.caregivers
    name_part, role_part = text, ""
    if m := _NAME_AND_ROLE.match(text):
        name_part, role_part = m.group("name"), m.group("role")
    role = _BY_LABEL.get(role_part) or _BY_LABEL.get(text)
    for member in team:  # "Kate Dunn (Specialist nurse)", as the plan editor offers it, or just the name
        if _fold(member.name) and _fold(member.name) == name_part and (role is None or member.role is role):
            return _from_member(member)
    for c in family:
        first = _fold(c.name).split(" ")[0] if _fold(c.name) else ""
        if _fold(c.name) in (text, name_part) or (first and first in (text, name_part)):
            return Helper(caregiver_label(c), c.phone.strip(), None, c.name.strip(), family=True)
    if role is not None and not (name_part and role_part):  # a role on its own: whoever fills it
        for member in team:
            if member.role is role:
                return _from_member(member)
        return Helper(role.label, role=role)
    # Typed text naming nobody we know: printed as typed, with no number to offer.
    shown = " ".join(responsible.split())
    return Helper(shown, role=role, name=shown)


def _from_member(m: TeamMember) -> Helper:
    return Helper(member_label(m), m.phone.strip(), m.role, m.name.strip())


def helpers_for(items: list[PlanItem], patient: Patient) -> tuple[list[Helper], dict[str, Helper]]:
    """Distinct helpers in the order the items name them, and each item's helper by item key."""
    by_label: dict[str, Helper] = {}
    per_item: dict[str, Helper] = {}
    for item in items:
        helper = match(item.responsible, patient)
        if helper is None:
            continue
        helper = by_label.setdefault(helper.label.casefold(), helper)
        helper.items.append(item.title)
        per_item[item.key] = helper
    return list(by_label.values()), per_item


def listed(words: list[str]) -> str:
    """'a', 'a or b', 'a, b or c', each word once."""
    words = list(dict.fromkeys(words))
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def unfilled_roles(helpers: list[Helper]) -> list[str]:
    """Roles the plan names that nobody on the care team fills, in lower case."""
    return list(dict.fromkeys(h.role.label.lower() for h in helpers if not h.name and h.role is not None))


def others(patient: Patient, shown: list[Helper]) -> list[Helper]:
    """Team members and family the plan's items do not name (for the full contact list)."""
    labels = {h.label.casefold() for h in shown}
    out = [_from_member(m) for m in patient.care_team if m.name.strip()]
    out += [Helper(caregiver_label(g), g.phone.strip(), None, g.name.strip(), family=True)
            for g in patient.caregivers if g.name.strip()]
    return [h for h in out if h.label.casefold() not in labels]
