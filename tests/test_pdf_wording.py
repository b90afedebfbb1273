"""The printout's "What changed" sentences, as plain text before any markup."""

from __future__ import annotations

from careplan.domain.diff import FieldChange
from careplan.domain.disciplines import Discipline
from careplan.domain.plan import PlanItem
from careplan.reporting.wording import item_change_sentences, plan_change_sentence

ITEM = PlanItem(catalogue_code="c", discipline=Discipline.SPEECH, title="Board", uid="u")


def test_changes_are_said_as_a_person_would_and_long_ones_only_named() -> None:
    short = FieldChange("frequency", "Daily", "Weekly")
    long = FieldChange("goal", "a" * 100, "b" * 300)
    assert item_change_sentences((short, long), ITEM) == [
        "Do this weekly from now on (it was daily).", "Goal has changed: see the item."]
    assert item_change_sentences((FieldChange("status", "Completed", "Planned"),), ITEM) == ["Start this."]
    assert item_change_sentences((FieldChange("status", "On hold", "Active"),), ITEM) == ["Start this again."]
    assert item_change_sentences((FieldChange("status", "Active", "Stopped"),), ITEM) == ["Stop doing this."]
    typed = FieldChange("frequency", "Daily", "Mornings ÄND evenings")  # typed text is never re-cased
    assert item_change_sentences((typed,), ITEM) == ["Do this Mornings ÄND evenings from now on (it was daily)."]


def test_what_a_caregiver_never_sees_is_not_reported() -> None:
    hidden = [FieldChange(f, "x", "y") for f in ("clinical_description", "notes", "catalogue_code")]
    assert item_change_sentences(tuple(hidden), ITEM) == []
    assert item_change_sentences((FieldChange("caregiver_instructions", "x", "y"),), ITEM) == [
        "The instructions have changed: please read them again."]
    assert item_change_sentences((FieldChange("start_date", "2025-01-02", ""),), ITEM) == [
        "The start date has been taken off."]


def test_plan_changes_in_words() -> None:
    assert plan_change_sentence(FieldChange("goal_order", "a\nb", "b\na")) == "The goals are listed in a new order."
    assert plan_change_sentence(FieldChange("next_review", "", "2025-06-02")) == "The next review is set for 2 June 2025."
    assert plan_change_sentence(FieldChange("start", "2025-01-01", "")) is None
    assert plan_change_sentence(FieldChange("plan_status", "Draft", "Active")) == "The plan is now in use."
