"""Re-applying my edits on top of someone else's revision, without Qt."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from careplan.domain.disciplines import Discipline
from careplan.domain.plan import Goal, ItemStatus, PlanStatus
from careplan.domain.rebase import reapply
from tests.history_builders import item, plan_with


def test_both_sides_survive() -> None:
    base = plan_with(4)
    mine = replace(base, items=(*base.items[1:], item("mine", Discipline.SPEECH)),
                   goals=(*base.goals, Goal("Keep talking every day")))
    mine = mine.with_items(tuple(replace(i, frequency="Weekly") if i.key == "c002" else i for i in mine.items))
    theirs = replace(base, status=PlanStatus.DRAFT, next_review=date(2026, 5, 1),
                     items=(*base.items, item("theirs", Discipline.NUTRITION)))
    theirs = theirs.with_items(tuple(replace(i, status=ItemStatus.ON_HOLD) if i.key == "c003" else i for i in theirs.items))
    merged = reapply(base, mine, theirs)
    keys = [i.key for i in merged.items]
    assert "c000" not in keys  # I removed it
    assert "theirs" in keys and "mine" in keys
    by_key = {i.key: i for i in merged.items}
    assert by_key["c002"].frequency == "Weekly"  # my change
    assert by_key["c003"].status is ItemStatus.ON_HOLD  # their change
    assert merged.next_review == date(2026, 5, 1) and merged.status is PlanStatus.DRAFT
    assert "Keep talking every day" in [g.text for g in merged.goals]


def test_nothing_changed_on_my_side_gives_theirs() -> None:
    base = plan_with(3)
    theirs = base.with_items(base.items[:1])
    assert reapply(base, base, theirs) == theirs
