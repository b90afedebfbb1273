"""Hypothesis strategies for plan contents, built from the dataclasses' own fields and types.

Nothing here lists a field by hand: a field added to PlanItem or PlanContent is generated (and
so diffed, rebased and compared) by every test that uses these strategies.
"""

from __future__ import annotations

import os
import typing
from dataclasses import fields, replace
from datetime import date
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from careplan.domain.plan import Goal, PlanContent, PlanItem

ITEM_HINTS = typing.get_type_hints(PlanItem)
CONTENT_HINTS = typing.get_type_hints(PlanContent)
# Every field of an item but its identity (uid): what a diff must follow.
ITEM_VALUE_FIELDS = tuple(f.name for f in fields(PlanItem) if f.name != "uid")
# The plan's scalar fields (goals and items are collections, tested apart).
PLAN_SCALAR_FIELDS = tuple(f.name for f in fields(PlanContent) if f.name not in ("goals", "items"))

# Mutation testing runs these for every mutant: CAREPLAN_HYPOTHESIS_EXAMPLES lowers the count.
FAST = settings(max_examples=int(os.environ.get("CAREPLAN_HYPOTHESIS_EXAMPLES", "100")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

# Short texts from a small alphabet collide often, which is what finds equality bugs.
texts = st.text(alphabet="ab <&>é😀ש\n", max_size=6)
dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


def value_of(hint: Any) -> st.SearchStrategy[Any]:
    if hint is str:
        return texts
    if hint == date | None:
        return st.none() | dates
    return st.from_type(hint)


def item_value(name: str) -> st.SearchStrategy[Any]:
    return value_of(ITEM_HINTS[name])


def plan_value(name: str) -> st.SearchStrategy[Any]:
    return value_of(CONTENT_HINTS[name])


@st.composite
def plan_items(draw: st.DrawFn, uid: str) -> PlanItem:
    values = {name: draw(item_value(name)) for name in ITEM_VALUE_FIELDS}
    return PlanItem(uid=uid, **values)


goal_lists = st.lists(st.sampled_from(["Walk", "Eat <well>", "Talk & sing", "😀"]), max_size=4).map(
    lambda gs: tuple(Goal(g) for g in gs))


@st.composite
def contents(draw: st.DrawFn, uids: list[str] | None = None) -> PlanContent:
    keys = uids if uids is not None else draw(st.lists(st.sampled_from("ABCDEF"), unique=True, max_size=5))
    values = {name: draw(plan_value(name)) for name in PLAN_SCALAR_FIELDS}
    return PlanContent(goals=draw(goal_lists), items=tuple(draw(plan_items(k)) for k in keys), **values)


@st.composite
def edits_of(draw: st.DrawFn, base: PlanContent, prefix: str) -> PlanContent:
    """`base` edited as a coordinator would: items removed, fields changed, items added, goals
    and plan fields changed. New items get keys starting with `prefix`, or reuse one (both sides
    adding the same catalogue item)."""
    items: list[PlanItem] = []
    for it in base.items:
        action = draw(st.sampled_from(["keep", "remove", "edit"]))
        if action == "remove":
            continue
        if action == "edit":
            names = draw(st.lists(st.sampled_from(ITEM_VALUE_FIELDS), unique=True, min_size=1, max_size=3))
            it = replace(it, **{n: draw(item_value(n)) for n in names})
        items.append(it)
    for key in draw(st.lists(st.sampled_from([f"{prefix}1", f"{prefix}2", "shared"]), unique=True, max_size=2)):
        if key not in {i.key for i in items}:
            items.append(draw(plan_items(key)))
    out = replace(base, items=tuple(items))
    if draw(st.booleans()):
        out = replace(out, goals=draw(goal_lists))
    for name in draw(st.lists(st.sampled_from(PLAN_SCALAR_FIELDS), unique=True)):
        out = replace(out, **{name: draw(plan_value(name))})
    return out
