"""What changed between two revisions of a plan.

Every field of an item and of the plan is compared: the fields come from the dataclasses
themselves, so a field added to PlanItem is reported as soon as it exists.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields

from careplan.domain.plan import PlanContent, PlanItem

# The order a person reads an item's changes in; any other field of PlanItem follows.
_READING_ORDER = (
    "title",
    "frequency",
    "responsible",
    "goal",
    "caregiver_instructions",
    "notes",
    "start_date",
    "status",
    "clinical_description",
)
# The uid is what follows an item across revisions: a different uid is a different item.
_IDENTITY = frozenset({"uid"})
ITEM_FIELDS = _READING_ORDER + tuple(
    f.name for f in fields(PlanItem) if f.name not in _READING_ORDER and f.name not in _IDENTITY
)

# The plan's own fields as a diff names them (the names are stored in JSON and the UI) -> attribute.
PLAN_FIELD_ATTRS = {"plan_status": "status", "next_review": "next_review", "start": "start_date"}
GOAL_ORDER = "goal_order"  # the same goals, listed in another order

FIELD_LABELS = {
    "title": "Title",
    "frequency": "How often",
    "responsible": "Who helps",
    "goal": "Goal",
    "caregiver_instructions": "Instructions",
    "notes": "Notes",
    "start_date": "Start date",
    "status": "Status",
    "clinical_description": "Clinical description",
    "catalogue_code": "Catalogue code",
    "discipline": "Discipline",
    "plan_status": "Plan status",
    "next_review": "Next review",
    "start": "Plan start",
    GOAL_ORDER: "Order of goals",
}


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str
    after: str

    @property
    def label(self) -> str:
        return FIELD_LABELS.get(self.field, self.field)


@dataclass(frozen=True)
class ItemChange:
    before: PlanItem
    after: PlanItem
    changes: tuple[FieldChange, ...]


@dataclass
class PlanDiff:
    added: list[PlanItem] = field(default_factory=list)
    removed: list[PlanItem] = field(default_factory=list)
    changed: list[ItemChange] = field(default_factory=list)
    plan_changes: list[FieldChange] = field(default_factory=list)
    goals_added: list[str] = field(default_factory=list)
    goals_removed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.plan_changes or self.goals_added or self.goals_removed)


def _text(value: object) -> str:
    """How a value is written in a FieldChange: a date as 2026-03-01 (what str() gives), a status
    or discipline by its label, no value as empty text."""
    if value is None:
        return ""
    if hasattr(value, "label"):
        return str(value.label)
    return str(value)


def item_changes(before: PlanItem, after: PlanItem) -> tuple[FieldChange, ...]:
    return tuple(
        FieldChange(f, _text(getattr(before, f)), _text(getattr(after, f)))
        for f in ITEM_FIELDS
        if getattr(before, f) != getattr(after, f)
    )


def take_out(texts: list[str], other: list[str]) -> list[str]:
    """`texts` in order, with each text of `other` taken out once: a goal typed twice counts twice."""
    left = Counter(other)
    out = []
    for t in texts:
        if left[t]:
            left[t] -= 1
        else:
            out.append(t)
    return out


def diff_contents(old: PlanContent, new: PlanContent) -> PlanDiff:
    d = PlanDiff()
    old_items = {i.key: i for i in old.items}
    new_items = {i.key: i for i in new.items}
    for key, item in new_items.items():
        if key not in old_items:
            d.added.append(item)
            continue
        before = old_items[key]
        changes = item_changes(before, item)
        if changes:
            d.changed.append(ItemChange(before, item, changes))
    d.removed = [i for k, i in old_items.items() if k not in new_items]
    for name, attr in PLAN_FIELD_ATTRS.items():
        a, b = getattr(old, attr), getattr(new, attr)
        if a != b:
            d.plan_changes.append(FieldChange(name, _text(a), _text(b)))
    old_goals = [g.text for g in old.goals]
    new_goals = [g.text for g in new.goals]
    d.goals_added = take_out(new_goals, old_goals)
    d.goals_removed = take_out(old_goals, new_goals)
    kept_old, kept_new = take_out(old_goals, d.goals_removed), take_out(new_goals, d.goals_added)
    if kept_old != kept_new:
        d.plan_changes.append(FieldChange(GOAL_ORDER, "\n".join(kept_old), "\n".join(kept_new)))
    return d
