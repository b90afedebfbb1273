"""Re-applying one person's edits on top of a revision someone else saved meanwhile.

Pure data (no Qt): the diff from the common base to "mine" is replayed onto "theirs": items I
added are added, items I removed are removed, fields I changed are set to my values. Where we
both touched the same field, my value wins: the user sees the result before saving it.
"""

from __future__ import annotations

from dataclasses import replace

from careplan.domain.diff import diff_contents
from careplan.domain.plan import Goal, PlanContent, PlanItem

PLAN_FIELD_ATTRS = {"plan_status": "status", "next_review": "next_review", "start": "start_date"}


def reapply(base: PlanContent, mine: PlanContent, theirs: PlanContent) -> PlanContent:
    d = diff_contents(base, mine)
    removed = {i.key for i in d.removed}
    items: list[PlanItem] = [i for i in theirs.items if i.key not in removed]
    position = {i.key: n for n, i in enumerate(items)}

    for change in d.changed:
        key = change.after.key
        if key in position:
            values = {fc.field: getattr(change.after, fc.field) for fc in change.changes}
            items[position[key]] = replace(items[position[key]], **values)
        else:
            # They removed an item I was still editing: keep mine rather than lose the edits.
            position[key] = len(items)
            items.append(change.after)
    for item in d.added:
        if item.key in position:
            items[position[item.key]] = item
        else:
            position[item.key] = len(items)
            items.append(item)

    merged = replace(theirs, items=tuple(items))
    for fc in d.plan_changes:
        attr = PLAN_FIELD_ATTRS[fc.field]
        merged = replace(merged, **{attr: getattr(mine, attr)})

    goals = [g.text for g in theirs.goals if g.text not in d.goals_removed]
    goals += [g for g in d.goals_added if g not in goals]
    return replace(merged, goals=tuple(Goal(g) for g in goals))
