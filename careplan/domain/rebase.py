"""Re-applying one person's edits on top of a revision someone else saved meanwhile.

Pure data (no Qt): the diff from the common base to "mine" is replayed onto "theirs": items I
added are added, items I removed are removed, fields I changed are set to my values. Where we
both touched the same field, my value wins: the user sees the result before saving it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from careplan.domain.diff import PLAN_FIELD_ATTRS, PlanDiff, diff_contents
from careplan.domain.plan import Goal, PlanContent, PlanItem


def reapply(base: PlanContent, mine: PlanContent, theirs: PlanContent) -> PlanContent:
    if theirs == base:
        return mine  # nothing to merge with: my content exactly, in my order
    d = diff_contents(base, mine)
    merged = replace(theirs, items=_items(d, theirs), goals=_goals(base, mine, theirs))
    for attr in PLAN_FIELD_ATTRS.values():
        if getattr(mine, attr) != getattr(base, attr):
            merged = replace(merged, **{attr: getattr(mine, attr)})
    return merged


def _items(d: PlanDiff, theirs: PlanContent) -> tuple[PlanItem, ...]:
    removed = {i.key for i in d.removed}
    items: list[PlanItem] = [i for i in theirs.items if i.key not in removed]
    # Where their items are; an item appended below is never looked up: each key of mine is
    # either changed or added, once.
    position = {i.key: n for n, i in enumerate(items)}
    for change in d.changed:
        key = change.after.key
        if key in position:
            values = {fc.field: getattr(change.after, fc.field) for fc in change.changes}
            items[position[key]] = replace(items[position[key]], **values)
        else:
            # They removed an item I was still editing: keep mine rather than lose the edits.
            items.append(change.after)
    for item in d.added:
        if item.key in position:  # we both added it: mine, as I last saw it
            items[position[item.key]] = item
        else:
            items.append(item)
    return tuple(items)


def _goals(base: PlanContent, mine: PlanContent, theirs: PlanContent) -> tuple[Goal, ...]:
    if theirs.goals == base.goals:
        return mine.goals  # only I changed them: my list, in my order
    b, m, t = (Counter(g.text for g in c.goals) for c in (base, mine, theirs))
    # How often each goal is listed: my count where I changed it, else theirs (a goal we both
    # added is listed once); their order first, then mine for goals they do not have.
    wanted = {text: m[text] if m[text] != b[text] else t[text] for text in m.keys() | t.keys()}
    listed: Counter[str] = Counter()
    goals = []
    for g in (*theirs.goals, *mine.goals):
        if listed[g.text] < wanted[g.text]:
            listed[g.text] += 1
            goals.append(g)
    return tuple(goals)
