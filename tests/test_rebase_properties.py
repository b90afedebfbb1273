"""Every edge of re-applying my edits on top of their revision, as properties over generated edits.

For each item, plan field and goal the result is decided by who changed it since the common
base: only me -> mine, only them -> theirs, both -> mine (the user checks it before saving).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from careplan.domain.plan import Goal, PlanContent
from careplan.domain.rebase import reapply
from tests.history_builders import item, plan_with
from tests.plan_strategies import FAST, ITEM_VALUE_FIELDS, PLAN_SCALAR_FIELDS, contents, edits_of


@st.composite
def three_way(draw: st.DrawFn) -> tuple[PlanContent, PlanContent, PlanContent]:
    base = draw(contents())
    return base, draw(edits_of(base, "m")), draw(edits_of(base, "t"))


def by_key(c: PlanContent) -> dict:
    return {i.key: i for i in c.items}


@FAST
@given(three_way())
def test_each_item_field_comes_from_whoever_changed_it(case: tuple[PlanContent, PlanContent, PlanContent]) -> None:
    base, mine, theirs = case
    merged = reapply(base, mine, theirs)
    b, m, t, r = by_key(base), by_key(mine), by_key(theirs), by_key(merged)
    assert len(r) == len(merged.items), "an item is in the merged plan twice"
    for key in b.keys() | m.keys() | t.keys():
        if key in b and key not in m:  # I removed it: gone, whatever they did
            assert key not in r
        elif key in m and key not in b:  # I added it: mine, even if they added the same
            assert r[key] == m[key]
        elif key in m and key not in t:  # they removed what I kept: back only if I had edited it
            assert (key in r) == (m[key] != b[key])
            if key in r:
                assert r[key] == m[key]
        elif key in m:  # both kept it: field by field
            for name in ITEM_VALUE_FIELDS:
                mv, bv, tv = (getattr(x[key], name) for x in (m, b, t))
                assert getattr(r[key], name) == (mv if mv != bv else tv), name
        else:  # only they have it: theirs, untouched
            assert r[key] == t[key]


@FAST
@given(three_way())
def test_each_plan_field_comes_from_whoever_changed_it(case: tuple[PlanContent, PlanContent, PlanContent]) -> None:
    base, mine, theirs = case
    merged = reapply(base, mine, theirs)
    for name in PLAN_SCALAR_FIELDS:
        mv, bv, tv = getattr(mine, name), getattr(base, name), getattr(theirs, name)
        assert getattr(merged, name) == (mv if mv != bv else tv), name


@FAST
@given(three_way())
def test_goals_keep_their_changes_and_mine(case: tuple[PlanContent, PlanContent, PlanContent]) -> None:
    base, mine, theirs = case
    merged = reapply(base, mine, theirs)
    if theirs.goals == base.goals:
        assert merged.goals == mine.goals
        return
    if mine.goals == base.goals:
        assert merged.goals == theirs.goals
        return
    got, b, m, t = (Counter(g.text for g in c.goals) for c in (merged, base, mine, theirs))
    for text in got.keys() | b.keys() | m.keys() | t.keys():
        assert got[text] == (m[text] if m[text] != b[text] else t[text]), text
    # Their goals keep their order, and goals only I added follow them.
    from_theirs = sum(min(t[x], got[x]) for x in got)
    assert is_subsequence([g.text for g in merged.goals[:from_theirs]], [g.text for g in theirs.goals])


def is_subsequence(short: list[str], long: list[str]) -> bool:
    rest = iter(long)
    return all(any(x == y for y in rest) for x in short)


@FAST
@given(contents(), st.data())
def test_no_edits_of_mine_give_theirs_and_no_edits_of_theirs_give_mine(base: PlanContent,
                                                                        data: st.DataObject) -> None:
    other = data.draw(edits_of(base, "x"))
    assert reapply(base, base, other) == other
    assert reapply(base, other, base) == other


@FAST
@given(three_way())
def test_the_same_change_on_both_sides_is_that_change(case: tuple[PlanContent, PlanContent, PlanContent]) -> None:
    base, mine, _ = case
    assert reapply(base, mine, mine) == mine


# --- the edges by name, so a failure reads plainly -----------------------------------------------

def test_an_item_they_removed_but_i_edited_comes_back_with_my_edits() -> None:
    base = plan_with(3)
    mine = base.with_items((base.items[0], replace(base.items[1], frequency="Weekly"), base.items[2]))
    theirs = base.with_items((base.items[0], base.items[2]))
    merged = reapply(base, mine, theirs)
    assert [i.key for i in merged.items] == ["c000", "c002", "c001"]
    assert merged.items[2].frequency == "Weekly"


def test_an_item_we_both_added_is_there_once_as_mine() -> None:
    base = plan_with(1)
    mine_new, their_new = item("x", base.items[0].discipline, notes="mine"), item("x", base.items[0].discipline)
    merged = reapply(base, base.with_items((*base.items, mine_new)),
                     replace(base, items=(their_new, *base.items), goals=()))
    assert merged.items == (mine_new, base.items[0])


def test_my_plan_field_changes_win_and_theirs_stay() -> None:
    base = plan_with(1)
    mine = replace(base, next_review=base.next_review.replace(day=20) if base.next_review else None)
    theirs = replace(base, start_date=None, items=())
    merged = reapply(base, mine, theirs)
    assert (merged.next_review, merged.start_date, merged.items) == (mine.next_review, None, ())


def test_a_goal_i_removed_goes_and_one_they_added_stays() -> None:
    base = replace(plan_with(0), goals=(Goal("a"), Goal("b")))
    mine = replace(base, goals=(Goal("b"), Goal("mine")))
    theirs = replace(base, goals=(Goal("a"), Goal("b"), Goal("theirs")))
    assert [g.text for g in reapply(base, mine, theirs).goals] == ["b", "theirs", "mine"]
