"""What blocks saving a plan, sorted by where it should be shown (plan field or item field)."""

from __future__ import annotations

from careplan.domain.errors import ValidationError
from careplan.domain.plan import PlanContent, validate_content

PlanProblems = dict[str, str]  # plan field -> message
ItemProblems = dict[str, dict[str, str]]  # item uid -> {field -> message}


def find_problems(content: PlanContent, unreadable_dates: dict[str, str],
                  bad_item_dates: dict[str, str]) -> tuple[PlanProblems, ItemProblems]:
    """unreadable_dates: plan field -> message; bad_item_dates: uid -> start date text as typed."""
    plan: PlanProblems = dict(unreadable_dates)
    items: ItemProblems = {}
    keys = {i.key for i in content.items}
    for uid, text in bad_item_dates.items():
        if uid in keys:
            items.setdefault(uid, {})["start_date"] = f"The start date \u201c{text}\u201d is not a date (use YYYY-MM-DD)."
    try:
        validate_content(content)
    except ValidationError as e:
        for p in e.problems:
            if p.field.startswith("items["):
                i = int(p.field[6:p.field.index("]")])
                field = p.field.split(".", 1)[1] if "." in p.field else "title"
                items.setdefault(content.items[i].key, {}).setdefault(field, p.message)
            else:
                plan.setdefault(p.field, p.message)
    return plan, items


def problem_messages(content: PlanContent, plan: PlanProblems, items: ItemProblems) -> list[str]:
    """Every problem as one sentence that says which item it is about."""
    titles = {i.key: i.title for i in content.items}
    out = list(plan.values())
    for uid, fields in items.items():
        title = titles.get(uid, uid)
        out += [msg if title in msg else f"\u201c{title}\u201d: {msg}" for msg in fields.values()]
    return out
