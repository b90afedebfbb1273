"""The plan's stored form, its revision hash and the text rules: what the history's integrity
rests on. Fast and without a database, so mutation testing can run them for every mutant."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from careplan.domain.disciplines import Discipline
from careplan.domain.errors import ValidationError
from careplan.domain.limits import max_length
from careplan.domain.plan import (
    GENESIS_HASH,
    REVIEW_INTERVAL,
    Goal,
    ItemStatus,
    PlanContent,
    PlanItem,
    PlanStatus,
    Revision,
    canonical_json,
    is_daily,
    mentions_dose,
    new_plan_content,
    revision_hash,
    validate_content,
    validate_reason,
)
from careplan.domain.text import blank, check_length, unstorable
from tests.plan_strategies import FAST, ITEM_VALUE_FIELDS, contents, item_value, plan_value

WHEN = datetime(2026, 3, 4, 10, 30, 15, 123456, tzinfo=UTC)


def a_revision(content: PlanContent | None = None) -> Revision:
    item = PlanItem(catalogue_code="pt.stretch", discipline=Discipline.PHYSIOTHERAPY, title="Stretch <gently> & 😀",
                    caregiver_instructions="Ten times", frequency="Daily", start_date=date(2026, 3, 1),
                    status=ItemStatus.ACTIVE, uid="u1")
    content = content or PlanContent(status=PlanStatus.ACTIVE, start_date=date(2026, 3, 1),
                                     next_review=date(2026, 6, 1), goals=(Goal("Walk"),), items=(item,))
    return Revision(number=2, created_at=WHEN, author="Kate Dunn", reason="Review", content=content,
                    prev_hash="a" * 64, restored_from=1)


# --- the stored form ----------------------------------------------------------------------------

@FAST
@given(contents())
def test_content_survives_its_stored_form_exactly(content: PlanContent) -> None:
    stored = json.loads(canonical_json(content.to_dict()))
    assert PlanContent.from_dict(stored) == content
    assert set(stored) == {f.name for f in fields(PlanContent)}
    for item in stored["items"]:
        assert set(item) == {f.name for f in fields(PlanItem)}


def test_an_item_without_uid_is_followed_by_its_catalogue_code() -> None:
    minimal = {"catalogue_code": "x.1", "discipline": "speech", "title": "T"}
    item = PlanItem.from_dict(minimal)
    # Every optional field takes the dataclass's own default (empty text, not None).
    assert item == PlanItem(catalogue_code="x.1", discipline=Discipline.SPEECH, title="T", uid="x.1")
    assert item.key == "x.1"
    assert PlanItem.from_dict({**minimal, "uid": ""}).uid == "x.1"
    assert PlanItem(catalogue_code="x.2", discipline=Discipline.SPEECH, title="T").key == "x.2"
    assert PlanContent.from_dict({}) == PlanContent()


def test_items_are_grouped_by_discipline_keeping_their_order_within_one() -> None:
    def it(uid: str, d: Discipline) -> PlanItem:
        return PlanItem(catalogue_code=uid, discipline=d, title=uid, uid=uid)

    content = PlanContent().with_items((it("s1", Discipline.SPEECH), it("p1", Discipline.PHYSIOTHERAPY),
                                        it("s2", Discipline.SPEECH), it("p2", Discipline.PHYSIOTHERAPY)))
    assert [i.uid for i in content.sorted_items()] == ["p1", "p2", "s1", "s2"]


def test_a_new_plan_is_a_draft_reviewed_after_the_interval() -> None:
    today = date(2026, 1, 1)
    assert new_plan_content(today) == PlanContent(status=PlanStatus.DRAFT, start_date=today,
                                                  next_review=today + REVIEW_INTERVAL)
    assert 60 <= REVIEW_INTERVAL.days <= 92


# --- the revision hash: stored chains must stay verifiable forever ---------------------------------

def test_the_hash_of_a_known_revision_never_changes() -> None:
    rev = a_revision()
    # Pinned: a different value means every stored chain would fail its check.
    assert rev.compute_hash() == "a5b09df65295a2f69c212a6086ada74fedb616cec8a764aff5512ba610e82fb8"


def test_the_hash_covers_every_field_of_the_payload() -> None:
    rev = a_revision()
    payload = rev.hash_payload()
    assert set(payload) == {"number", "created_at", "author", "reason", "restored_from", "content", "prev_hash"}
    assert payload["created_at"] == "2026-03-04T10:30:15.123456+00:00"
    assert rev.compute_hash() == revision_hash(payload)
    changed = [replace(rev, number=3), replace(rev, created_at=WHEN.replace(microsecond=1)),
               replace(rev, author="Kate"), replace(rev, reason="review"), replace(rev, restored_from=None),
               replace(rev, prev_hash=GENESIS_HASH), replace(rev, content=replace(rev.content, goals=()))]
    hashes = {r.compute_hash() for r in changed}
    assert len(hashes) == len(changed) and rev.compute_hash() not in hashes
    assert replace(rev, content_hash="x").compute_hash() == rev.compute_hash()  # not hashed into itself


@FAST
@given(st.data(), st.sampled_from(ITEM_VALUE_FIELDS + ("uid",)))
def test_changing_any_item_field_changes_the_hash(data: st.DataObject, name: str) -> None:
    rev = a_revision()
    item = rev.content.items[0]
    strategy = st.text(min_size=1, max_size=5) if name == "uid" else item_value(name)
    value = data.draw(strategy.filter(lambda v: v != getattr(item, name)))
    other = replace(rev, content=rev.content.with_items((replace(item, **{name: value}),)))
    assert other.compute_hash() != rev.compute_hash()


@FAST
@given(st.data(), st.sampled_from(["status", "start_date", "next_review"]))
def test_changing_any_plan_field_changes_the_hash(data: st.DataObject, name: str) -> None:
    rev = a_revision()
    value = data.draw(plan_value(name).filter(lambda v: v != getattr(rev.content, name)))
    assert replace(rev, content=replace(rev.content, **{name: value})).compute_hash() != rev.compute_hash()


def test_canonical_json_is_sorted_compact_and_keeps_unicode() -> None:
    assert canonical_json({"b": 1, "a": ["é", "😀"]}) == '{"a":["é","😀"],"b":1}'
    assert revision_hash({"a": 1}) == "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862"


# --- validation -------------------------------------------------------------------------------------

def problems_of(content: PlanContent) -> dict[str, str]:
    try:
        validate_content(content)
    except ValidationError as e:
        return {p.field: p.message for p in e.problems}
    return {}


def test_review_before_start_is_refused_and_the_same_day_is_not() -> None:
    day = date(2026, 5, 1)
    assert problems_of(PlanContent(start_date=day, next_review=date(2026, 4, 30))) == {
        "next_review": "The next review date is before the plan's start date."}
    assert problems_of(PlanContent(start_date=day, next_review=day)) == {}
    assert problems_of(PlanContent(start_date=None, next_review=day)) == {}
    assert problems_of(PlanContent(start_date=day, next_review=None)) == {}


def test_goals_must_have_text_within_the_limit() -> None:
    limit = max_length("plan.goal")
    got = problems_of(PlanContent(goals=(Goal("ok"), Goal("  "), Goal("x" * (limit + 1)), Goal("x" * limit))))
    assert got == {"goals[1]": "Goal 2 is empty.",
                   "goals[2]": f"Goal 3 is {limit + 1:,} characters long; the limit is {limit:,}."}


@pytest.mark.parametrize("name", ["caregiver_instructions", "notes", "goal", "clinical_description", "frequency"])
def test_item_text_limits(name: str) -> None:
    limit = max_length(f"item.{name}")
    item = PlanItem(catalogue_code="c", discipline=Discipline.SPEECH, title="T", uid="u")
    assert problems_of(PlanContent(items=(replace(item, **{name: "x" * limit}),))) == {}
    got = problems_of(PlanContent(items=(item, replace(item, uid="v", **{name: "x" * (limit + 1)}))))
    words = {"frequency": "how often"}.get(name, "the " + name.replace("_", " "))
    assert got == {f"items[1].{name}": f"Item 2 ('T'): {words} is {limit + 1:,} characters long; the limit is {limit:,}."}


def test_an_item_twice_is_refused() -> None:
    item = PlanItem(catalogue_code="c", discipline=Discipline.SPEECH, title="Board", uid="u")
    assert problems_of(PlanContent(items=(item, replace(item, title="Other")))) == {
        "items[1]": "'Other' is in the plan twice."}
    assert problems_of(PlanContent(items=(item, replace(item, uid="v")))) == {}


def test_a_reason_is_required_from_revision_two_within_its_limit() -> None:
    validate_reason(1, "")
    limit = max_length("revision.reason")
    validate_reason(2, "x" * limit)
    required = "Say why the plan changed: a reason is required from revision 2 on."
    too_long = f"The reason is {limit + 1:,} characters long; the limit is {limit:,}."
    for number, reason, message in ((2, " ", required), (3, "", required), (1, "x" * (limit + 1), too_long)):
        with pytest.raises(ValidationError) as e:
            validate_reason(number, reason)
        assert e.value.for_field("reason") == message


# --- text rules and wording helpers -------------------------------------------------------------------

def test_text_rules() -> None:
    assert blank(None) and blank("") and blank(" \n\t") and not blank(" a ")
    assert check_length("x" * 5, 5) is None
    assert check_length("x" * 1234, 5) == "is 1,234 characters long; the limit is 5"
    assert unstorable("a\tb\nc\rd") is None
    for bad, first in (("a\x00b\x1bc", "U+0000"), ("ok\x1b", "U+001B"), ("\x7f", "U+007F"), ("\x9f", "U+009F")):
        assert f"the first is {first}" in (unstorable(bad) or "")
    assert "U+D800" in (unstorable("a\ud800") or "")


@pytest.mark.parametrize(("text", "dose"), [
    ("50 mg twice daily", True), ("Give 2 tablets at night", True), ("half a tablet", True),
    ("one tablet", True), ("5ml", True), ("2.5 ml", True), ("in micrograms", True), ("an injection", False),
    ("Walk to the shops", False), ("Give as prescribed", False), ("Drink 2 glasses", False),
])
def test_doses_are_recognised(text: str, dose: bool) -> None:
    assert mentions_dose(text) is dose


@pytest.mark.parametrize(("frequency", "daily"), [
    ("Daily", True), ("Twice a day", True), ("Every night", True), ("every morning", True), ("Weekly", False),
    ("Every day", True), ("Once each day", True), ("Every evening", True), ("Every week", False),
    ("When needed", False), ("Monthly", False), ("Three times a day", True), ("Nightly", True),
])
def test_daily_items_are_recognised(frequency: str, daily: bool) -> None:
    assert is_daily(frequency) is daily


def test_status_labels_and_which_items_are_current() -> None:
    assert {s: s.is_current for s in ItemStatus} == {
        ItemStatus.PLANNED: True, ItemStatus.ACTIVE: True, ItemStatus.ON_HOLD: True, ItemStatus.COMPLETED: True,
        ItemStatus.DECLINED: False, ItemStatus.STOPPED: False}
    assert ItemStatus.ON_HOLD.label == "On hold" and ItemStatus.DECLINED.label == "Offered but declined"
    assert len({s.label for s in ItemStatus}) == len(ItemStatus)
    assert PlanStatus.ACTIVE.label == "Active" and PlanStatus.DRAFT.label == "Draft"
