"""What changed between two revisions of a plan."""

from __future__ import annotations

from dataclasses import dataclass, field

from careplan.domain.plan import PlanContent, PlanItem

ITEM_FIELDS = (
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
    "plan_status": "Plan status",
    "next_review": "Next review",
    "start": "Plan start",
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
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    if hasattr(value, "label"):
        return str(value.label)
    return str(value)


def diff_contents(old: PlanContent, new: PlanContent) -> PlanDiff:
    d = PlanDiff()
    old_items = {i.key: i for i in old.items}
    new_items = {i.key: i for i in new.items}
    for key, item in new_items.items():
        if key not in old_items:
            d.added.append(item)
            continue
        before = old_items[key]
        changes = tuple(
            FieldChange(f, _text(getattr(before, f)), _text(getattr(item, f)))
            for f in ITEM_FIELDS
            if getattr(before, f) != getattr(item, f)
        )
        if changes:
            d.changed.append(ItemChange(before, item, changes))
    d.removed = [i for k, i in old_items.items() if k not in new_items]
    for name, a, b in (
        ("plan_status", old.status, new.status),
        ("next_review", old.next_review, new.next_review),
        ("start", old.start_date, new.start_date),
    ):
        if a != b:
            d.plan_changes.append(FieldChange(name, _text(a), _text(b)))
    old_goals = [g.text for g in old.goals]
    new_goals = [g.text for g in new.goals]
    d.goals_added = [g for g in new_goals if g not in old_goals]
    d.goals_removed = [g for g in old_goals if g not in new_goals]
    return d
