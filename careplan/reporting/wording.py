"""The printout's words: dates, change sentences and fixed texts, as plain text (no markup)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from careplan.domain.diff import GOAL_ORDER, FieldChange
from careplan.domain.plan import ItemStatus, PlanItem

# Month names are spelled out here: strftime("%B") follows the process locale, which Qt sets
# from the desktop, and the printout is written in English.
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

NOT_MEDICAL_ADVICE = "This plan does not replace the advice of your care team."
MEDICATION_TEXT = "Give as your doctor prescribed."
EMERGENCY = "In an emergency, call your local emergency number first."
NO_INSTRUCTIONS = "Your care team will show you what to do."
ASK_HOW_OFTEN = "Ask your care team."
STATUS_MARKS = {ItemStatus.DECLINED: "Offered but declined", ItemStatus.STOPPED: "Stopped"}
RTL_WARNING = (
    "Some text is in a right-to-left script (such as Hebrew or Arabic). The printout shows its "
    "letters in typing order from left to right, and Arabic letters are not joined; "
    "please check those parts before handing the plan out."
)

# Fields a caregiver never sees on the printout, so their changes are not reported there.
_HIDDEN_FIELDS = frozenset({"clinical_description", "notes", "catalogue_code"})
_LONG_VALUE = 200


def format_date(d: date | None, empty: str = "Not set") -> str:
    if d is None:
        return empty
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def local_date(moment: datetime) -> date:
    """The calendar date of a stored UTC time on this computer's clock."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().date()


def _iso_to_words(value: str) -> str:
    try:
        return format_date(date.fromisoformat(value))
    except ValueError:
        return value


def times_per_day(frequency: str) -> int:
    """How many tick boxes a daily item gets per day on the checklist."""
    f = frequency.lower()
    if "twice" in f:
        return 2
    words = {"three": 3, "four": 4, "five": 5, "six": 6}
    m = re.search(r"\b(\d+|three|four|five|six)\s+times\b", f)
    if m:
        n = words.get(m.group(1)) or int(m.group(1))
        return max(1, min(n, 6))
    return 1


def item_change_sentences(changes: tuple[FieldChange, ...], item: PlanItem) -> list[str]:
    """What changed in one item, in words a caregiver understands; hidden fields are skipped."""
    out = []
    for fc in changes:
        if fc.field in _HIDDEN_FIELDS:
            continue
        if fc.field == "caregiver_instructions":
            out.append("The instructions have changed: please read them again.")
            continue
        before, after = fc.before, fc.after
        if fc.field == "start_date":
            before, after = _iso_to_words(before), _iso_to_words(after)
        if len(before) + len(after) > _LONG_VALUE:
            out.append(f"{fc.label} has changed.")
        else:
            out.append(f"{fc.label}: now {_quoted(after)} (before: {_quoted(before)}).")
    return out


def _quoted(value: str) -> str:
    return f"“{value}”" if value.strip() else "nothing written"


def plan_change_sentence(fc: FieldChange) -> str | None:
    before, after = _iso_to_words(fc.before), _iso_to_words(fc.after)
    if fc.field == "next_review":
        if not fc.before:
            return f"The next review is set for {after}."
        if not fc.after:
            return "The next review date has been taken off; ask the clinic when it will be."
        return f"The next review moved from {before} to {after}."
    if fc.field == "start":
        return f"The plan now starts on {after}." if fc.after else None
    if fc.field == GOAL_ORDER:
        return "The goals are listed in a new order."
    if fc.field == "plan_status":
        return "The plan is now in use." if fc.after.lower() == "active" else "The plan is being prepared again."
    return None
