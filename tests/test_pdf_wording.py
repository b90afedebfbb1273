"""The printout's "What changed" sentences, as plain text before any markup."""

from __future__ import annotations

from careplan.domain.diff import FieldChange
from careplan.domain.disciplines import Discipline
from careplan.domain.plan import PlanItem
from careplan.reporting.wording import item_change_sentences, plan_change_sentence

ITEM = PlanItem(catalogue_code="c", discipline=Discipline.SPEECH, title="Board", uid="u")


def test_short_values_are_quoted_and_long_ones_only_named() -> None:
    short = FieldChange("frequency", "Daily", "Weekly")
    long = FieldChange("goal", "a" * 100, "b" * 101)
    assert item_change_sentences((short, long), ITEM) == [
        "How often: now “Weekly” (before: “Daily”).", "Goal has changed."]
    edge = FieldChange("goal", "a" * 100, "b" * 100)  # exactly the limit is still quoted
    assert item_change_sentences((edge,), ITEM)[0].startswith("Goal: now “b")


def test_what_a_caregiver_never_sees_is_not_reported() -> None:
    hidden = [FieldChange(f, "x", "y") for f in ("clinical_description", "notes", "catalogue_code")]
    assert item_change_sentences(tuple(hidden), ITEM) == []
    assert item_change_sentences((FieldChange("caregiver_instructions", "x", "y"),), ITEM) == [
        "The instructions have changed: please read them again."]
    assert item_change_sentences((FieldChange("start_date", "2025-01-02", ""),), ITEM) == [
        "Start date: now nothing written (before: “2 January 2025”)."]


def test_plan_changes_in_words() -> None:
    assert plan_change_sentence(FieldChange("goal_order", "a\nb", "b\na")) == "The goals are listed in a new order."
    assert plan_change_sentence(FieldChange("next_review", "", "2025-06-02")) == "The next review is set for 2 June 2025."
    assert plan_change_sentence(FieldChange("start", "2025-01-01", "")) is None
    assert plan_change_sentence(FieldChange("plan_status", "Draft", "Active")) == "The plan is now in use."
