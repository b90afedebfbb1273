"""The diff over every field of a plan and of an item, generated from the dataclasses.

A diff that misses a field tells a reviewer "no differences" when the plan changed, and the
printout's "What changed" stays silent; these tests fail for any field left out.
"""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from careplan.domain.diff import (
    FIELD_LABELS,
    GOAL_ORDER,
    ITEM_FIELDS,
    PLAN_FIELD_ATTRS,
    FieldChange,
    diff_contents,
)
from careplan.domain.disciplines import Discipline
from careplan.domain.plan import Goal, ItemStatus, PlanContent, PlanItem, PlanStatus
from tests.plan_strategies import (
    FAST,
    ITEM_VALUE_FIELDS,
    PLAN_SCALAR_FIELDS,
    contents,
    item_value,
    plan_items,
    plan_value,
)

DIFF_NAME = {attr: name for name, attr in PLAN_FIELD_ATTRS.items()}  # a missing attribute is a KeyError


def as_text(value: object) -> str:
    """How a value is written in a FieldChange, independently of diff.py."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Discipline | ItemStatus | PlanStatus):
        return value.label
    assert isinstance(value, str)
    return value


def test_every_item_and_plan_field_is_compared_and_labelled() -> None:
    assert set(ITEM_FIELDS) == set(ITEM_VALUE_FIELDS) == {f.name for f in fields(PlanItem)} - {"uid"}
    assert len(ITEM_FIELDS) == len(set(ITEM_FIELDS))
    assert set(PLAN_FIELD_ATTRS.values()) == set(PLAN_SCALAR_FIELDS)
    for name in (*ITEM_FIELDS, *PLAN_FIELD_ATTRS, GOAL_ORDER):
        assert FieldChange(name, "", "").label == FIELD_LABELS[name] != name


@FAST
@given(st.data(), st.sampled_from(ITEM_VALUE_FIELDS))
def test_changing_one_item_field_reports_exactly_that_field(data: st.DataObject, name: str) -> None:
    base = data.draw(contents(uids=["A", "B"]))
    before = base.items[1]
    new_value = data.draw(item_value(name).filter(lambda v: v != getattr(before, name)))
    after = replace(before, **{name: new_value})
    d = diff_contents(base, replace(base, items=(base.items[0], after)))
    assert len(d.changed) == 1
    change = d.changed[0]
    assert (change.before, change.after) == (before, after)
    assert change.changes == (FieldChange(name, as_text(getattr(before, name)), as_text(new_value)),)
    assert not (d.added or d.removed or d.plan_changes or d.goals_added or d.goals_removed)
    assert not d.empty


@FAST
@given(st.data(), st.sampled_from(PLAN_SCALAR_FIELDS))
def test_changing_one_plan_field_reports_exactly_that_field(data: st.DataObject, attr: str) -> None:
    base = data.draw(contents())
    new_value = data.draw(plan_value(attr).filter(lambda v: v != getattr(base, attr)))
    d = diff_contents(base, replace(base, **{attr: new_value}))
    assert d.plan_changes == [FieldChange(DIFF_NAME[attr], as_text(getattr(base, attr)), as_text(new_value))]
    assert not (d.added or d.removed or d.changed or d.goals_added or d.goals_removed)
    assert not d.empty


@FAST
@given(contents())
def test_identical_contents_give_an_empty_diff(content: PlanContent) -> None:
    copy = PlanContent.from_dict(content.to_dict())
    d = diff_contents(content, copy)
    assert d.empty and d == diff_contents(copy, content)


@FAST
@given(contents(), contents())
def test_a_diff_is_empty_exactly_when_the_contents_are_equal(old: PlanContent, new: PlanContent) -> None:
    # Items follow their key, so the same items in another order are the same plan.
    same_order = [i.key for i in new.items if i.key in {o.key for o in old.items}]
    assume(same_order == [i.key for i in old.items if i.key in {n.key for n in new.items}])
    assert diff_contents(old, new).empty == (old == new)


@FAST
@given(st.data())
def test_added_and_removed_items_are_reported_once_each(data: st.DataObject) -> None:
    kept = data.draw(plan_items("K"))
    gone, new = data.draw(plan_items("OLD")), data.draw(plan_items("NEW"))
    base = data.draw(contents(uids=[]))
    d = diff_contents(replace(base, items=(gone, kept)), replace(base, items=(kept, new)))
    assert (d.added, d.removed, d.changed) == ([new], [gone], [])
    assert not (d.plan_changes or d.goals_added or d.goals_removed)


@FAST
@given(st.data())
def test_a_new_uid_is_a_new_item_even_with_the_same_catalogue_code(data: st.DataObject) -> None:
    old = data.draw(plan_items("A"))
    new = replace(old, uid="A2")
    d = diff_contents(PlanContent(items=(old,)), PlanContent(items=(new,)))
    assert (d.added, d.removed, d.changed) == ([new], [old], [])


@pytest.mark.parametrize(("old", "new", "added", "removed", "order"), [
    (["a"], ["a", "b"], ["b"], [], None),
    (["a", "b"], ["b"], [], ["a"], None),
    (["a"], ["a", "a"], ["a"], [], None),  # typed twice counts twice
    (["a", "a"], ["a"], [], ["a"], None),
    (["a", "b"], ["b", "a"], [], [], ("a\nb", "b\na")),
    (["a", "b", "c"], ["c", "b", "d"], ["d"], ["a"], ("b\nc", "c\nb")),
    (["a", "b"], ["a", "c", "b"], ["c"], [], None),  # an insertion is not a reordering
    (["a", "b"], ["a", "b"], [], [], None),
])
def test_goals_are_compared_as_a_list(old: list[str], new: list[str], added: list[str], removed: list[str],
                                      order: tuple[str, str] | None) -> None:
    d = diff_contents(PlanContent(goals=tuple(map(Goal, old))), PlanContent(goals=tuple(map(Goal, new))))
    assert (d.goals_added, d.goals_removed) == (added, removed)
    assert d.plan_changes == ([FieldChange(GOAL_ORDER, *order)] if order else [])
    assert d.empty == (old == new)
